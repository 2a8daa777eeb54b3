"""The inbox (holding pen): replies no rule could place wait here for a person; and the
one-click confirmation of what a reply seems to say."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.base import utcnow
from foiatrack.domain.errors import DomainError
from foiatrack.domain.mail import suggestions as suggestion_service
from foiatrack.domain.mail.models import Message, RawMessage, SuggestionStatus
from foiatrack.domain.requests.services import get_request
from foiatrack.extensions import db
from foiatrack.web.security import role_required

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("/")
def index() -> ResponseReturnValue:
    messages = list(
        db.session.scalars(
            select(Message)
            .where(Message.in_inbox.is_(True))
            .order_by(Message.received_at.desc())
            .options(selectinload(Message.attachments))
            .limit(200)
        )
    )
    failed = list(
        db.session.scalars(
            select(RawMessage)
            .where(RawMessage.status == "failed")
            .order_by(RawMessage.id.desc())
            .limit(100)
        )
    )
    suggested = {m.suggested_request_id for m in messages if m.suggested_request_id}
    requests = {r: get_request(db.session, r) for r in suggested}
    return render_template("inbox/index.html", messages=messages, failed=failed, suggested=requests)


@bp.post("/fetch")
@role_required(Role.EDITOR)
def fetch() -> ResponseReturnValue:
    """Fetch new replies now, as a job with a progress bar."""
    from foiatrack.jobs import create_job, dispatch
    from foiatrack.tasks import FETCH_MAIL

    if not current_app.config.get("IMAP_HOST"):
        flash("No mailbox is configured: set FOIATRACK_IMAP_HOST (see the README).", "error")
        return redirect(url_for("inbox.index"))
    job = create_job(
        db.session, FETCH_MAIL, title="Fetch new replies", params={}, actor=current_user
    )
    db.session.commit()
    dispatch(current_app._get_current_object(), job.id)
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.post("/<int:message_id>/assign")
@role_required(Role.EDITOR)
def assign(message_id: int) -> ResponseReturnValue:
    """Attach an inbox message to a request (typed as a number, e.g. 123 or #123)."""
    from foiatrack.domain.mail.ingest import assign_from_inbox, get_message
    from foiatrack.tasks import extract_pending_later

    message = get_message(db.session, message_id)
    raw = request.form.get("request_id", "").strip().lstrip("#")
    if not raw.isdigit():
        flash("Give the number of the request this message belongs to.", "error")
        return redirect(url_for("inbox.index"))
    try:
        req = get_request(db.session, int(raw))
        assign_from_inbox(
            db.session,
            message,
            req,
            actor=current_user,
            remember_sender=request.form.get("remember") == "1",
            now=utcnow(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("inbox.index"))
    db.session.commit()
    extract_pending_later(current_app._get_current_object(), actor=current_user)
    flash(f"Message attached to request #{req.id}.", "success")
    return redirect(request.form.get("next") or url_for("inbox.index"))


@bp.post("/suggestions/<int:suggestion_id>")
@role_required(Role.EDITOR)
def suggestion(suggestion_id: int) -> ResponseReturnValue:
    item = suggestion_service.get_suggestion(db.session, suggestion_id)
    try:
        if request.form.get("decision") == "accept":
            suggestion_service.accept(db.session, item, actor=current_user, today=dt.date.today())
        else:
            suggestion_service.dismiss(db.session, item)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Recorded." if item.status == SuggestionStatus.ACCEPTED else "Dismissed.", "success")
    return redirect(url_for("requests.detail", request_id=item.request_id))


@bp.post("/upload")
@role_required(Role.EDITOR)
def upload_email() -> ResponseReturnValue:
    """An e-mail saved from elsewhere (.eml, or Outlook's .msg) goes through the same pipeline;
    given a request, it is attached to it whatever the routing says."""
    from foiatrack.tasks import ingest_uploaded_email

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, description="Choose an .eml or .msg file.")
    request_id = request.form.get("request_id", type=int)
    try:
        outcome, _ = ingest_uploaded_email(
            db.session,
            upload.read(),
            filename=upload.filename,
            request_id=request_id,
            actor=current_user,
            config=current_app.config,
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(
            url_for("requests.detail", request_id=request_id)
            if request_id
            else url_for("inbox.index")
        )
    db.session.commit()
    from foiatrack.tasks import extract_pending_later

    extract_pending_later(current_app._get_current_object(), actor=current_user)
    flash(f"E-mail added ({outcome}).", "success")
    if request_id:
        return redirect(url_for("requests.detail", request_id=request_id))
    return redirect(url_for("inbox.index"))
