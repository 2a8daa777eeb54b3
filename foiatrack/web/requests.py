"""Records requests: the list and each request's page with its timeline."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.requests import queries, services
from foiatrack.domain.requests.models import Status
from foiatrack.extensions import db
from foiatrack.web.security import role_required

bp = Blueprint("requests", __name__, url_prefix="/requests")
PER_PAGE = 100


class NoteForm(FlaskForm):
    text = TextAreaField(
        "Add a note to the timeline",
        validators=[DataRequired(), Length(max=services.MAX_NOTE_LENGTH)],
    )


@bp.get("/")
def index() -> ResponseReturnValue:
    status = request.args.get("status") or None
    if status and status not in {s.value for s in Status}:
        abort(400, description=f"Unknown status {status!r}.")
    filters = queries.RequestFilter(
        status=Status(status) if status else None,
        campaign_id=request.args.get("campaign", type=int),
    )
    page = db.paginate(queries.request_query(filters), per_page=PER_PAGE, error_out=False)
    return render_template("requests/index.html", page=page, filters=filters, statuses=list(Status))


@bp.get("/<int:request_id>")
def detail(request_id: int) -> ResponseReturnValue:
    records_request = services.get_request(db.session, request_id)
    return render_template("requests/detail.html", req=records_request, note_form=NoteForm())


@bp.post("/<int:request_id>/notes")
@role_required(Role.EDITOR)
def add_note(request_id: int) -> ResponseReturnValue:
    records_request = services.get_request(db.session, request_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return render_template("requests/detail.html", req=records_request, note_form=form), 400
    services.add_note(db.session, records_request, form.text.data or "", actor=current_user)
    db.session.commit()
    flash("Note added.", "success")
    return redirect(url_for("requests.detail", request_id=request_id))
