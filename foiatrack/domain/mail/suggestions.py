"""Confirming what a reply seems to say: one click turns a suggestion into a lifecycle step."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from foiatrack.domain.accounts.models import User
from foiatrack.domain.errors import InvalidTransition, NotFound, ValidationFailed
from foiatrack.domain.mail.models import Message, Suggestion, SuggestionStatus
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.services import get_request
from foiatrack.domain.requests.workflow import Action

LABELS = {
    "acknowledgement": "The agency acknowledged the request",
    "extension": "The agency extended its deadline",
    "fee": "The agency asked for a fee",
    "reference": "The agency gave a reference number",
    "clarification": "The agency asked for clarification",
    "records_attached": "Records are attached",
    "download_link": "Records are offered as a download link",
    "denial": "The agency denied the request",
    "no_records": "The agency says it has no responsive records",
    "auto_reply": "An automatic reply (out of office)",
}


def get_suggestion(session: Session, suggestion_id: int) -> Suggestion:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(f"There is no suggestion {suggestion_id}.")
    return suggestion


def _message_date(session: Session, suggestion: Suggestion, today: dt.date) -> dt.date:
    message = session.get(Message, suggestion.message_id)
    sent = message.sent_at or message.received_at if message else None
    return min(sent.date(), today) if sent else today


def accept(session: Session, suggestion: Suggestion, *, actor: User, today: dt.date) -> None:
    """Record what the suggestion says on its request, dated the day the message was sent."""
    if suggestion.status != SuggestionStatus.PENDING:
        raise InvalidTransition("This suggestion was already handled.")
    request = get_request(session, suggestion.request_id)
    on = max(_message_date(session, suggestion, today), request.filed_on or today)
    clock = Clock(today=today, on=on)
    data, kind = suggestion.data or {}, suggestion.kind
    if kind == "acknowledgement":
        lifecycle.acknowledge(
            session, request, actor=actor, clock=clock, reference=data.get("reference", "")
        )
    elif kind == "extension":
        until = dt.date.fromisoformat(data["until"]) if data.get("until") else None
        lifecycle.extend(
            session,
            request,
            actor=actor,
            clock=clock,
            until=until,
            days=None if until else data.get("days"),
            note="from the agency's message",
        )
    elif kind == "fee":
        lifecycle.request_fee(
            session,
            request,
            actor=actor,
            clock=clock,
            amount_cents=int(data.get("amount_cents", 0)),
        )
    elif kind == "reference":
        lifecycle.add_reference(session, request, data["reference"], actor=actor)
    elif kind == "clarification":
        lifecycle.request_clarification(
            session, request, actor=actor, clock=clock, question=data.get("question", "")
        )
    elif kind in ("records_attached", "download_link"):
        note = data.get("url", "") if kind == "download_link" else ""
        lifecycle.record_response(
            session, request, Action.PARTIAL_RESPONSE, actor=actor, clock=clock, note=note
        )
    elif kind == "denial":
        exemptions = ", ".join(data.get("exemptions") or []) or "none cited"
        lifecycle.deny(session, request, actor=actor, clock=clock, exemptions=exemptions)
    elif kind == "no_records":
        lifecycle.record_response(session, request, Action.NO_RECORDS, actor=actor, clock=clock)
    elif kind != "auto_reply":
        raise ValidationFailed(f"Unknown suggestion kind {kind!r}.")
    suggestion.status = SuggestionStatus.ACCEPTED
    session.flush()


def dismiss(session: Session, suggestion: Suggestion) -> None:
    if suggestion.status != SuggestionStatus.PENDING:
        raise InvalidTransition("This suggestion was already handled.")
    suggestion.status = SuggestionStatus.DISMISSED
    session.flush()
