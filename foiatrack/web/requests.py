"""Records requests: the list, each request's page, and every action recorded on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.accounts.services import get_user, list_users
from foiatrack.domain.errors import DomainError, NotFound
from foiatrack.domain.jurisdictions.deadlines import DayType
from foiatrack.domain.requests import lifecycle, queries, services
from foiatrack.domain.requests.follow_ups import draft_follow_up
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import Fee, FeeStatus, FilingMethod, RecordsRequest, Status
from foiatrack.domain.requests.workflow import (
    BULK_ACTIONS,
    TRANSITIONS,
    Action,
    available_actions,
)
from foiatrack.extensions import db
from foiatrack.web import request_forms as forms
from foiatrack.web.letters import file_with_letter
from foiatrack.web.security import role_required

bp = Blueprint("requests", __name__, url_prefix="/requests")
PER_PAGE = 100

Handler = Callable[[Any, RecordsRequest, Clock], object]


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


#: each action: its form and what to call with the validated form
ACTIONS: dict[Action, tuple[type[FlaskForm], Handler]] = {
    Action.FILE: (
        forms.FileForm,
        lambda f, r, c: file_with_letter(
            r,
            method=FilingMethod(f.method.data),
            confirmation=f.confirmation.data or "",
            on=c.on,
            confirmation_file=f.confirmation_file.data,
        ),
    ),
    Action.ACKNOWLEDGE: (
        forms.AcknowledgeForm,
        lambda f, r, c: lifecycle.acknowledge(
            db.session, r, actor=current_user, clock=c, reference=f.reference.data or ""
        ),
    ),
    Action.EXTEND: (
        forms.ExtendForm,
        lambda f, r, c: lifecycle.extend(
            db.session,
            r,
            actor=current_user,
            clock=c,
            days=f.days.data,
            until=f.until.data,
            note=f.note.data or "",
        ),
    ),
    Action.SET_DUE_DATE: (
        forms.SetDueDateForm,
        lambda f, r, c: lifecycle.set_due_date(
            db.session, r, actor=current_user, clock=c, due_on=f.due_on.data, note=f.note.data
        ),
    ),
    Action.REQUEST_FEE: (
        forms.FeeForm,
        lambda f, r, c: lifecycle.request_fee(
            db.session,
            r,
            actor=current_user,
            clock=c,
            amount_cents=_cents(f.amount.data) or 0,
            deposit_cents=_cents(f.deposit.data),
            note=f.note.data or "",
        ),
    ),
    Action.REQUEST_CLARIFICATION: (
        forms.ClarificationRequestForm,
        lambda f, r, c: lifecycle.request_clarification(
            db.session, r, actor=current_user, clock=c, question=f.question.data or ""
        ),
    ),
    Action.CLARIFY: (
        forms.NoteDatedForm,
        lambda f, r, c: lifecycle.clarify(
            db.session, r, actor=current_user, clock=c, note=f.note.data or ""
        ),
    ),
    Action.PARTIAL_RESPONSE: (
        forms.NoteDatedForm,
        lambda f, r, c: lifecycle.record_response(
            db.session,
            r,
            Action.PARTIAL_RESPONSE,
            actor=current_user,
            clock=c,
            note=f.note.data or "",
        ),
    ),
    Action.FULFIL: (
        forms.NoteDatedForm,
        lambda f, r, c: lifecycle.record_response(
            db.session, r, Action.FULFIL, actor=current_user, clock=c, note=f.note.data or ""
        ),
    ),
    Action.NO_RECORDS: (
        forms.NoteDatedForm,
        lambda f, r, c: lifecycle.record_response(
            db.session, r, Action.NO_RECORDS, actor=current_user, clock=c, note=f.note.data or ""
        ),
    ),
    Action.DENY: (
        forms.DenyForm,
        lambda f, r, c: lifecycle.deny(
            db.session,
            r,
            actor=current_user,
            clock=c,
            exemptions=f.exemptions.data,
            note=f.note.data or "",
        ),
    ),
    Action.APPEAL: (
        forms.AppealForm,
        lambda f, r, c: lifecycle.appeal(
            db.session,
            r,
            actor=current_user,
            clock=c,
            decision_due_on=f.decision_due_on.data,
            note=f.note.data or "",
        ),
    ),
    Action.WITHDRAW: (
        forms.WithdrawForm,
        lambda f, r, c: lifecycle.withdraw(
            db.session, r, actor=current_user, clock=c, reason=f.reason.data or ""
        ),
    ),
}


def _assign_form(req: RecordsRequest | None = None) -> forms.AssignForm:
    form = forms.AssignForm()
    form.assignee.choices = [SelectChoice("", "Nobody")] + [
        SelectChoice(str(u.id), u.email)
        for u in list_users(db.session)
        if u.is_active and u.can(Role.EDITOR)
    ]
    if req is not None and request.method == "GET":
        form.assignee.data = str(req.assignee_id or "")
    return form


def _page(
    req: RecordsRequest, *, status: int = 200, failed: tuple[str, FlaskForm] | None = None
) -> ResponseReturnValue:
    """The request page, with a fresh form for each action that is possible now."""
    today = dt.date.today()
    action_forms = {
        a: ACTIONS[a][0](formdata=None, prefix=a.value)
        for a in available_actions(req.status)
        if a != Action.SETTLE_FEE
    }
    if failed is not None:
        action_forms[Action(failed[0])] = failed[1]
    open_fees = [f for f in req.fees if f.status not in (FeeStatus.PAID, FeeStatus.WAIVED)]
    return render_template(
        "requests/detail.html",
        req=req,
        today=today,
        deadline=lifecycle.explain_deadline(req, today=today),
        rule=lifecycle.request_rule(req) if req.agency else None,
        action_forms=action_forms,
        transitions=TRANSITIONS,
        open_fees=open_fees,
        fee_form=forms.FeeUpdateForm(formdata=None),
        note_form=forms.NoteForm(formdata=None),
        reference_form=forms.ReferenceForm(formdata=None),
        tag_form=forms.TagForm(formdata=None),
        assign_form=_assign_form(req),
        rule_form=forms.RuleOverrideForm(formdata=None),
        **correspondence(req),
    ), status


def correspondence(req: RecordsRequest) -> dict[str, object]:
    """The request's thread (sent and received mail), its documents and open suggestions."""
    from foiatrack.domain.documents.models import Document
    from foiatrack.domain.letters.models import OutboundMessage
    from foiatrack.domain.mail.models import Message, MessageLink, Suggestion, SuggestionStatus

    session = db.session
    received = list(
        session.scalars(
            select(Message)
            .join(MessageLink)
            .where(MessageLink.request_id == req.id)
            .options(selectinload(Message.attachments))
        )
    )
    sent = list(
        session.scalars(select(OutboundMessage).where(OutboundMessage.request_id == req.id))
    )
    thread = sorted(
        [("in", m.sent_at or m.received_at, m) for m in received]
        + [("out", m.sent_at or m.created_at, m) for m in sent],
        key=lambda item: item[1],
    )
    documents = list(
        session.scalars(
            select(Document)
            .where(Document.request_id == req.id)
            .order_by(Document.id)
            .options(selectinload(Document.tags))
        )
    )
    suggestions = list(
        session.scalars(
            select(Suggestion).where(
                Suggestion.request_id == req.id, Suggestion.status == SuggestionStatus.PENDING
            )
        )
    )
    return {
        "thread": thread,
        "documents": documents,
        "suggestions": suggestions,
        "documents_by_sha": {d.sha256: d for d in documents},
    }


def _clock(on: dt.date | None) -> Clock:
    today = dt.date.today()
    return Clock(today=today, on=on or today)


def _done(req: RecordsRequest, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("requests.detail", request_id=req.id))


def _refused(
    req_id: int, error: DomainError, form_name: str | None = None, form: FlaskForm | None = None
) -> ResponseReturnValue:
    db.session.rollback()
    flash(str(error), "error")
    req = services.get_request(db.session, req_id)
    return _page(
        req, status=error.status_code, failed=(form_name, form) if form_name and form else None
    )


@bp.get("/")
def index() -> ResponseReturnValue:
    status = request.args.get("status") or None
    if status and status not in {s.value for s in Status}:
        abort(400, description=f"Unknown status {status!r}.")
    filters = queries.RequestFilter(
        status=Status(status) if status else None,
        campaign_id=request.args.get("campaign", type=int),
        state=request.args.get("state") or None,
        assignee_id=request.args.get("assignee", type=int),
        tag=request.args.get("tag") or None,
        overdue_on=dt.date.today() if request.args.get("overdue") == "1" else None,
    )
    page = db.paginate(queries.request_query(filters), per_page=PER_PAGE, error_out=False)
    return render_template(
        "requests/index.html",
        page=page,
        filters=filters,
        statuses=list(Status),
        today=dt.date.today(),
    )


@bp.get("/<int:request_id>")
def detail(request_id: int) -> ResponseReturnValue:
    return _page(services.get_request(db.session, request_id))


@bp.post("/<int:request_id>/actions/<name>")
@role_required(Role.EDITOR)
def act(request_id: int, name: str) -> ResponseReturnValue:
    try:
        action = Action(name)
        form_class, handler = ACTIONS[action]
    except (ValueError, KeyError):
        abort(404, description=f"There is no action {name!r}.")
    req = services.get_request(db.session, request_id)
    # Each action's form has its own prefix, so the many forms on one page never share ids.
    form = form_class(prefix=action.value)
    if not form.validate_on_submit():
        flash(
            "Please check the form: "
            + "; ".join(
                f"{getattr(form, field).label.text}: {', '.join(errors)}"
                for field, errors in form.errors.items()
            ),
            "error",
        )
        return _page(req, status=400, failed=(name, form))
    try:
        handler(form, req, _clock(getattr(getattr(form, "on", None), "data", None)))
    except DomainError as error:
        return _refused(request_id, error, name, form)
    return _done(req, f"Recorded: {TRANSITIONS[action].label}.")


@bp.post("/<int:request_id>/fees/<int:fee_id>")
@role_required(Role.EDITOR)
def update_fee(request_id: int, fee_id: int) -> ResponseReturnValue:
    req = services.get_request(db.session, request_id)
    fee = db.session.get(Fee, fee_id)
    if fee is None or fee.request_id != req.id:
        raise NotFound(f"Request {request_id} has no fee {fee_id}.")
    form = forms.FeeUpdateForm()
    if not form.validate_on_submit():
        flash("Please give the fee's new status and a date.", "error")
        return _page(req, status=400)
    try:
        lifecycle.update_fee(
            db.session,
            fee,
            FeeStatus(form.status.data),
            actor=current_user,
            clock=_clock(form.on.data),
            note=form.note.data or "",
        )
    except DomainError as error:
        return _refused(request_id, error)
    return _done(req, "Fee updated.")


def _simple(
    request_id: int, form: FlaskForm, apply: Callable[[RecordsRequest], object], message: str
) -> ResponseReturnValue:
    req = services.get_request(db.session, request_id)
    if not form.validate_on_submit():
        flash(
            "Please check the form: "
            + "; ".join(f"{', '.join(errors)}" for errors in form.errors.values()),
            "error",
        )
        return _page(req, status=400)
    try:
        apply(req)
    except DomainError as error:
        return _refused(request_id, error)
    return _done(req, message)


@bp.post("/<int:request_id>/references")
@role_required(Role.EDITOR)
def add_reference(request_id: int) -> ResponseReturnValue:
    form = forms.ReferenceForm()
    return _simple(
        request_id,
        form,
        lambda r: lifecycle.add_reference(
            db.session, r, form.number.data, actor=current_user, label=form.label.data or ""
        ),
        "Reference number added.",
    )


@bp.post("/<int:request_id>/assign")
@role_required(Role.EDITOR)
def assign(request_id: int) -> ResponseReturnValue:
    form = _assign_form()
    return _simple(
        request_id,
        form,
        lambda r: lifecycle.assign(
            db.session,
            r,
            get_user(db.session, int(form.assignee.data)) if form.assignee.data else None,
            actor=current_user,
        ),
        "Assignment saved.",
    )


@bp.post("/<int:request_id>/tags")
@role_required(Role.EDITOR)
def add_tag(request_id: int) -> ResponseReturnValue:
    form = forms.TagForm()
    return _simple(
        request_id,
        form,
        lambda r: lifecycle.add_tag(db.session, r, form.tag.data, actor=current_user),
        "Tag added.",
    )


@bp.post("/<int:request_id>/rule")
@role_required(Role.EDITOR)
def override_rule(request_id: int) -> ResponseReturnValue:
    form = forms.RuleOverrideForm()
    return _simple(
        request_id,
        form,
        lambda r: lifecycle.override_rule(
            db.session,
            r,
            actor=current_user,
            clock=_clock(None),
            days=form.days.data,
            day_type=DayType(form.day_type.data),
            note=form.note.data or "",
        ),
        "Deadline rule saved.",
    )


@bp.post("/<int:request_id>/notes")
@role_required(Role.EDITOR)
def add_note(request_id: int) -> ResponseReturnValue:
    form = forms.NoteForm()
    return _simple(
        request_id,
        form,
        lambda r: services.add_note(db.session, r, form.text.data or "", actor=current_user),
        "Note added.",
    )


@bp.get("/<int:request_id>/follow-up")
def follow_up(request_id: int) -> ResponseReturnValue:
    req = services.get_request(db.session, request_id)
    draft = draft_follow_up(req, today=dt.date.today(), signature=_signature())
    return render_template(
        "requests/follow_up.html", req=req, drafts=[draft], form=forms.NoteDatedForm(formdata=None)
    )


@bp.post("/<int:request_id>/follow-up")
@role_required(Role.EDITOR)
def record_follow_up(request_id: int) -> ResponseReturnValue:
    form = forms.NoteDatedForm()
    return _simple(
        request_id,
        form,
        lambda r: lifecycle.record_follow_up(
            db.session, r, actor=current_user, clock=_clock(form.on.data), note=form.note.data or ""
        ),
        "Follow-up recorded on the timeline.",
    )


def _signature() -> str:
    name = current_user.name or current_user.email
    organisation = current_app.config["ORGANISATION_NAME"]
    return f"{name}\n{organisation}" if organisation != "foiatrack" else name


MAX_BULK = 1000


@bp.post("/bulk")
@role_required(Role.EDITOR)
def bulk() -> ResponseReturnValue:
    """Apply one operation to the requests ticked on the dashboard; report each refusal."""
    ids = sorted({int(i) for i in request.form.getlist("ids") if i.isdigit()})[:MAX_BULK]
    if not ids:
        flash("Select at least one request first.", "error")
        return redirect(url_for("dashboard.index"))
    selected = [services.get_request(db.session, i) for i in ids]
    op = request.form.get("op", "")
    today = dt.date.today()
    if op == "follow_up":
        filed = [r for r in selected if r.filed_on is not None]
        if not filed:
            flash("None of the selected requests has been filed yet.", "error")
            return redirect(url_for("dashboard.index"))
        drafts = [draft_follow_up(r, today=today, signature=_signature()) for r in filed]
        return render_template(
            "requests/follow_up.html",
            req=None,
            drafts=drafts,
            form=forms.NoteDatedForm(formdata=None),
        )
    if op not in {"assign", "tag"} and not (
        op == "record" and request.form.get("action") in BULK_ACTIONS
    ):
        abort(400, description=f"Unknown bulk operation {op!r}.")
    refused: list[str] = []
    for req in selected:
        try:
            _apply_bulk(op, req, today)
        except DomainError as error:
            refused.append(f"#{req.id}: {error}")
    done = len(selected) - len(refused)
    db.session.commit()
    flash(f"Applied to {done} request{'s' if done != 1 else ''}.", "success")
    if refused:
        flash(f"Refused {len(refused)}: " + " ".join(refused), "error")
    return redirect(url_for("dashboard.index"))


def _apply_bulk(op: str, req: RecordsRequest, today: dt.date) -> None:
    if op == "assign":
        assignee_id = request.form.get("assignee", "")
        assignee = get_user(db.session, int(assignee_id)) if assignee_id.isdigit() else None
        if assignee is not None and not assignee.can(Role.EDITOR):
            raise DomainError(f"{assignee.email} cannot be assigned requests (viewer).")
        lifecycle.assign(db.session, req, assignee, actor=current_user)
    elif op == "tag":
        lifecycle.add_tag(db.session, req, request.form.get("tag", ""), actor=current_user)
    elif op == "record":
        action = request.form.get("action", "")
        clock = Clock(today=today, on=today)
        if action == Action.ACKNOWLEDGE:
            lifecycle.acknowledge(db.session, req, actor=current_user, clock=clock)
        elif action == Action.WITHDRAW:
            lifecycle.withdraw(db.session, req, actor=current_user, clock=clock)
        elif action in (Action.PARTIAL_RESPONSE, Action.FULFIL, Action.NO_RECORDS):
            lifecycle.record_response(
                db.session, req, Action(action), actor=current_user, clock=clock
            )
