"""Everything that happens to a filed request, each step written to its timeline.

Each action checks the state machine (workflow.py), appends a RequestEvent saying who did what
and when, and recomputes the due date from the whole timeline with the deadline engine. The
timeline is the source of truth; `due_on` and friends are kept on the request only so that the
dashboard can query and sort by them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foiatrack.domain.accounts.models import User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.errors import InvalidTransition, ValidationFailed
from foiatrack.domain.jurisdictions.deadlines import (
    ClockEvent,
    ClockEventKind,
    DayType,
    DeadlineRule,
    DueDate,
    HolidayCalendar,
    compute_due_date,
)
from foiatrack.domain.jurisdictions.services import deadline_rule
from foiatrack.domain.requests.models import (
    SETTLED_FEE_STATUSES,
    EventKind,
    Fee,
    FeeStatus,
    FilingMethod,
    RecordsRequest,
    RequestEvent,
    RequestReference,
    RequestTag,
    Status,
    format_cents,
)
from foiatrack.domain.requests.services import record_event
from foiatrack.domain.requests.workflow import WAITING_ON_REQUESTER, Action, check_transition

#: days until a follow-up when the law sets no deadline; not a legal deadline
DEFAULT_FOLLOW_UP_DAYS = 30
#: how long we give an agency to decide an appeal when nobody told us a date
DEFAULT_APPEAL_FOLLOW_UP_DAYS = 30
MAX_TAG_LENGTH = 60

FEE_TRANSITIONS: dict[FeeStatus, frozenset[FeeStatus]] = {
    FeeStatus.ESTIMATED: frozenset(
        {
            FeeStatus.DEPOSIT_REQUESTED,
            FeeStatus.WAIVER_REQUESTED,
            FeeStatus.DISPUTED,
            FeeStatus.PAID,
            FeeStatus.WAIVED,
        }
    ),
    FeeStatus.DEPOSIT_REQUESTED: frozenset(
        {FeeStatus.WAIVER_REQUESTED, FeeStatus.DISPUTED, FeeStatus.PAID, FeeStatus.WAIVED}
    ),
    FeeStatus.WAIVER_REQUESTED: frozenset(
        {FeeStatus.DISPUTED, FeeStatus.PAID, FeeStatus.WAIVED, FeeStatus.ESTIMATED}
    ),
    FeeStatus.DISPUTED: frozenset({FeeStatus.PAID, FeeStatus.WAIVED, FeeStatus.ESTIMATED}),
    FeeStatus.PAID: frozenset(),
    FeeStatus.WAIVED: frozenset(),
}


@dataclass(frozen=True)
class Clock:
    """What an action needs to know about time: today, and the day the thing happened."""

    today: dt.date
    on: dt.date


# ---------------------------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------------------------


def request_rule(
    request: RecordsRequest, *, follow_up_days: int = DEFAULT_FOLLOW_UP_DAYS
) -> DeadlineRule:
    """The deadline rule for this request: state law, then agency, then request overrides."""
    agency = request.agency
    return deadline_rule(
        agency.jurisdiction,
        overrides=(
            (agency.deadline_days_override, agency.deadline_day_type_override),
            (request.deadline_days_override, request.deadline_day_type_override),
        ),
        follow_up_days=follow_up_days,
    )


def clock_events(request: RecordsRequest) -> list[ClockEvent]:
    """The clock changes recorded on the timeline, in the order they happened."""
    events = []
    for event in request.events:
        data = event.data or {}
        clock = data.get("clock")
        if not clock and event.kind == EventKind.ACKNOWLEDGED and data.get("on"):
            # Acknowledgements recorded before two-stage laws were modelled carry no clock
            # data; their date still starts the second deadline.
            clock = _clock(ClockEventKind.ACKNOWLEDGED, dt.date.fromisoformat(data["on"]))
        if not clock:
            continue
        events.append(
            ClockEvent(
                kind=ClockEventKind(clock["kind"]),
                on=dt.date.fromisoformat(clock["on"]),
                days=clock.get("days"),
                to_date=dt.date.fromisoformat(clock["to_date"]) if clock.get("to_date") else None,
                note=clock.get("note", ""),
            )
        )
    return sorted(events, key=lambda e: e.on)


def explain_deadline(
    request: RecordsRequest, *, today: dt.date, follow_up_days: int = DEFAULT_FOLLOW_UP_DAYS
) -> DueDate | None:
    """How the due date is reached, step by step; None before the request is filed."""
    if request.filed_on is None:
        return None
    return compute_due_date(
        request_rule(request, follow_up_days=follow_up_days),
        request.filed_on,
        clock_events(request),
        today=today,
    )


def refresh_deadline(
    request: RecordsRequest, *, today: dt.date, follow_up_days: int = DEFAULT_FOLLOW_UP_DAYS
) -> DueDate | None:
    """Recompute and store the request's due dates from its timeline."""
    result = explain_deadline(request, today=today, follow_up_days=follow_up_days)
    if result is None:
        request.due_on = request.ack_due_on = None
        return None
    request.due_on = result.due_on
    request.ack_due_on = result.ack_due_on
    request.due_is_statutory = result.is_statutory and not _latest_override_is_estimate(request)
    return result


def refresh_all_deadlines(session: Session, *, today: dt.date) -> int:
    """Recompute the stored due dates of every filed request, e.g. after the shipped law data
    changed (a second deadline added); returns how many moved."""
    moved = 0
    # what refresh_deadline reads, loaded in a few statements rather than several per request
    loaded = (
        selectinload(RecordsRequest.events),
        selectinload(RecordsRequest.agency).selectinload(Agency.jurisdiction),
    )
    for request in session.scalars(
        select(RecordsRequest).where(RecordsRequest.filed_on.is_not(None)).options(*loaded)
    ):
        before = (request.due_on, request.ack_due_on, request.due_is_statutory)
        refresh_deadline(request, today=today)
        moved += before != (request.due_on, request.ack_due_on, request.due_is_statutory)
    session.flush()
    return moved


def _latest_override_is_estimate(request: RecordsRequest) -> bool:
    overrides = [
        e
        for e in request.events
        if (e.data or {}).get("clock", {}).get("kind") == ClockEventKind.OVERRIDE_DATE
    ]
    return bool(overrides) and overrides[-1].data.get("estimate", False)


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------


def _check_date(request: RecordsRequest, clock: Clock, *, what: str = "This") -> None:
    if clock.on > clock.today:
        raise ValidationFailed(f"{what} cannot be dated in the future ({clock.on.isoformat()}).")
    if request.filed_on and clock.on < request.filed_on:
        raise ValidationFailed(
            f"{what} cannot be dated {clock.on.isoformat()}, before the request was filed "
            f"on {request.filed_on.isoformat()}."
        )


def _clock(kind: ClockEventKind, on: dt.date, **values: Any) -> dict[str, Any]:
    data = {"kind": kind.value, "on": on.isoformat()}
    data.update(
        {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in values.items()
            if v not in (None, "")
        }
    )
    return data


def _act(
    session: Session,
    request: RecordsRequest,
    action: Action,
    kind: EventKind,
    summary: str,
    *,
    actor: User | None,
    clock: Clock,
    data: dict[str, Any] | None = None,
) -> RequestEvent:
    before = Status(request.status)
    after = check_transition(before, action)
    if after is not None:
        request.status = after
    payload = {
        "action": action.value,
        "on": clock.on.isoformat(),
        "from": before.value,
        "to": Status(request.status).value,
        **(data or {}),
    }
    event = record_event(session, request, kind, summary, actor=actor, data=payload)
    refresh_deadline(request, today=clock.today)
    session.flush()
    return event


def file_request(
    session: Session,
    request: RecordsRequest,
    *,
    actor: User | None,
    clock: Clock,
    method: FilingMethod,
    confirmation: str = "",
) -> RequestEvent:
    """Record that the request was filed on `clock.on`; the deadline clock starts."""
    check_transition(request.status, Action.FILE)
    if clock.on > clock.today:
        raise ValidationFailed("A filing date cannot be in the future.")
    request.filed_on = clock.on
    request.filing_method = FilingMethod(method)
    request.filing_confirmation = confirmation.strip()[:200]
    how = FilingMethod(method).label.lower()
    extra = f", confirmation {request.filing_confirmation}" if request.filing_confirmation else ""
    return _act(
        session,
        request,
        Action.FILE,
        EventKind.FILED,
        f"Filed by {how} on {clock.on.isoformat()}{extra}",
        actor=actor,
        clock=clock,
        data={"method": request.filing_method.value, "confirmation": request.filing_confirmation},
    )


def acknowledge(
    session: Session,
    request: RecordsRequest,
    *,
    actor: User | None,
    clock: Clock,
    reference: str = "",
) -> RequestEvent:
    check_transition(request.status, Action.ACKNOWLEDGE)
    _check_date(request, clock, what="An acknowledgement")
    if reference.strip():
        add_reference(session, request, reference, actor=actor, label="agency reference")
    # Under a two-stage law (N.Y. Pub. Off. Law § 89(3)(a)) this starts the second deadline.
    return _act(
        session,
        request,
        Action.ACKNOWLEDGE,
        EventKind.ACKNOWLEDGED,
        f"The agency acknowledged the request on {clock.on.isoformat()}",
        actor=actor,
        clock=clock,
        data={"clock": _clock(ClockEventKind.ACKNOWLEDGED, clock.on)},
    )


def extend(
    session: Session,
    request: RecordsRequest,
    *,
    actor: User | None,
    clock: Clock,
    days: int | None = None,
    until: dt.date | None = None,
    note: str = "",
) -> RequestEvent:
    """Record an extension the agency took, by a number of days or to a date it named."""
    _check_date(request, clock, what="An extension")
    if (days is None) == (until is None):
        raise ValidationFailed("Give either a number of days or a new date for the extension.")
    if days is not None and not 1 <= days <= 365:
        raise ValidationFailed("An extension is between 1 and 365 days.")
    if until is not None and request.due_on and until <= request.due_on:
        raise ValidationFailed(
            f"The new date {until.isoformat()} is not after the current due date "
            f"{request.due_on.isoformat()}; use “Set due date” to record an earlier one."
        )
    if days is not None:
        # A two-stage law counts extensions in its second stage's unit once acknowledged.
        acknowledged = any(
            e.kind is ClockEventKind.ACKNOWLEDGED and e.on <= clock.on
            for e in clock_events(request)
        )
        unit = request_rule(request).counting_unit(acknowledged=acknowledged)
        unit_word = "business" if unit == DayType.BUSINESS else "calendar"
        summary = f"The agency extended its deadline by {days} {unit_word} days"
        clock_data = _clock(ClockEventKind.EXTENSION_DAYS, clock.on, days=days, note=note)
    else:
        summary = f"The agency extended its deadline to {until.isoformat()}"
        clock_data = _clock(ClockEventKind.EXTENSION_TO_DATE, clock.on, to_date=until, note=note)
    return _act(
        session,
        request,
        Action.EXTEND,
        EventKind.EXTENDED,
        summary + (f": {note}" if note else ""),
        actor=actor,
        clock=clock,
        data={"clock": clock_data, "note": note},
    )


def set_due_date(
    session: Session,
    request: RecordsRequest,
    *,
    actor: User | None,
    clock: Clock,
    due_on: dt.date,
    note: str,
) -> RequestEvent:
    """A negotiated or corrected due date; it replaces the computed one."""
    if not note.strip():
        raise ValidationFailed("Say why the due date changes (a negotiated date, a correction).")
    if request.filed_on and due_on < request.filed_on:
        raise ValidationFailed("A due date cannot be before the filing date.")
    return _act(
        session,
        request,
        Action.SET_DUE_DATE,
        EventKind.DUE_DATE_SET,
        f"Due date set to {due_on.isoformat()}: {note.strip()}",
        actor=actor,
        clock=clock,
        data={
            "clock": _clock(
                ClockEventKind.OVERRIDE_DATE, clock.on, to_date=due_on, note=note.strip()
            )
        },
    )


def request_fee(
    session: Session,
    request: RecordsRequest,
    *,
    actor: User | None,
    clock: Clock,
    amount_cents: int,
    deposit_cents: int | None = None,
    note: str = "",
) -> Fee:
    """The agency asks for money; the clock stops until the fee is paid or waived."""
    _check_date(request, clock, what="A fee request")
    if amount_cents < 0 or (deposit_cents is not None and not 0 <= deposit_cents <= amount_cents):
        raise ValidationFailed("A fee is a positive amount, and a deposit is at most the fee.")
    fee = Fee(
        request=request,
        amount_cents=amount_cents,
        deposit_cents=deposit_cents,
        asked_on=clock.on,
        note=note.strip(),
        status=FeeStatus.DEPOSIT_REQUESTED if deposit_cents else FeeStatus.ESTIMATED,
    )
    session.add(fee)
    was_waiting = Status(request.status) in WAITING_ON_REQUESTER
    data: dict[str, Any] = {"amount_cents": amount_cents, "deposit_cents": deposit_cents}
    if not was_waiting:
        data["clock"] = _clock(ClockEventKind.TOLL_START, clock.on, note="fee requested")
    deposit = f" (deposit {format_cents(deposit_cents)})" if deposit_cents else ""
    _act(
        session,
        request,
        Action.REQUEST_FEE,
        EventKind.FEE,
        f"The agency asked for a fee of {format_cents(amount_cents)}{deposit}",
        actor=actor,
        clock=clock,
        data=data,
    )
    return fee


def update_fee(
    session: Session,
    fee: Fee,
    status: FeeStatus,
    *,
    actor: User | None,
    clock: Clock,
    note: str = "",
) -> RequestEvent:
    """Move a fee through its own lifecycle; paying or waiving the last open fee restarts the
    agency's clock."""
    request = fee.request
    _check_date(request, clock, what="A fee update")
    current = FeeStatus(fee.status)
    if status not in FEE_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A fee that is {current.label.lower()} cannot become {status.label.lower()}."
        )
    fee.status = status
    if status in SETTLED_FEE_STATUSES:
        fee.settled_on = clock.on
    summary = f"Fee of {fee.amount} {status.label.lower()}" + (f": {note}" if note else "")
    open_fees = [f for f in request.fees if FeeStatus(f.status) not in SETTLED_FEE_STATUSES]
    if (
        status in SETTLED_FEE_STATUSES
        and not open_fees
        and Status(request.status) == Status.FEE_REQUESTED
    ):
        return _act(
            session,
            request,
            Action.SETTLE_FEE,
            EventKind.FEE,
            summary,
            actor=actor,
            clock=clock,
            data={
                "fee_id": fee.id,
                "fee_status": status.value,
                "clock": _clock(ClockEventKind.TOLL_END, clock.on, note=f"fee {status.value}"),
            },
        )
    event = record_event(
        session,
        request,
        EventKind.FEE,
        summary,
        actor=actor,
        data={"fee_id": fee.id, "fee_status": status.value, "on": clock.on.isoformat()},
    )
    session.flush()
    return event


def request_clarification(
    session: Session, request: RecordsRequest, *, actor: User | None, clock: Clock, question: str
) -> RequestEvent:
    _check_date(request, clock, what="A clarification request")
    return _act(
        session,
        request,
        Action.REQUEST_CLARIFICATION,
        EventKind.CLARIFICATION,
        "The agency asked for clarification" + (f": {question}" if question else ""),
        actor=actor,
        clock=clock,
        data={"clock": _clock(ClockEventKind.TOLL_START, clock.on, note="clarification requested")},
    )


def clarify(
    session: Session, request: RecordsRequest, *, actor: User | None, clock: Clock, note: str = ""
) -> RequestEvent:
    _check_date(request, clock, what="A clarification")
    return _act(
        session,
        request,
        Action.CLARIFY,
        EventKind.CLARIFICATION,
        "We sent the clarification" + (f": {note}" if note else ""),
        actor=actor,
        clock=clock,
        data={"clock": _clock(ClockEventKind.TOLL_END, clock.on, note="clarification sent")},
    )


_RESPONSES = {
    Action.PARTIAL_RESPONSE: "The agency released some of the records",
    Action.FULFIL: "The agency released the records; the request is complete",
    Action.NO_RECORDS: "The agency says it has no responsive records",
}


def record_response(
    session: Session,
    request: RecordsRequest,
    action: Action,
    *,
    actor: User | None,
    clock: Clock,
    note: str = "",
) -> RequestEvent:
    """A substantive answer: part of the records, all of them, or none exist."""
    if action not in _RESPONSES:
        raise ValueError(f"{action} is not a response")
    check_transition(request.status, action)
    _check_date(request, clock, what="A response")
    request.first_response_on = request.first_response_on or clock.on
    if action != Action.PARTIAL_RESPONSE:
        request.closed_on = clock.on
    return _act(
        session,
        request,
        action,
        EventKind.RESPONSE,
        _RESPONSES[action] + (f": {note}" if note else ""),
        actor=actor,
        clock=clock,
        data={"note": note},
    )


def deny(
    session: Session,
    request: RecordsRequest,
    *,
    actor: User | None,
    clock: Clock,
    exemptions: str,
    note: str = "",
) -> RequestEvent:
    """A denial, with the exemptions the agency cited (needed for any appeal)."""
    if not exemptions.strip():
        raise ValidationFailed("Record which exemptions the agency cited, or “none cited”.")
    check_transition(request.status, Action.DENY)
    _check_date(request, clock, what="A denial")
    request.first_response_on = request.first_response_on or clock.on
    request.closed_on = clock.on
    return _act(
        session,
        request,
        Action.DENY,
        EventKind.DENIED,
        f"The agency denied the request, citing {exemptions.strip()}"
        + (f": {note}" if note else ""),
        actor=actor,
        clock=clock,
        data={"exemptions": exemptions.strip(), "note": note},
    )


def appeal(
    session: Session,
    request: RecordsRequest,
    *,
    actor: User | None,
    clock: Clock,
    decision_due_on: dt.date | None = None,
    note: str = "",
) -> RequestEvent:
    """We appealed; the agency's new deadline is the date the appeal must be decided by."""
    check_transition(request.status, Action.APPEAL)
    _check_date(request, clock, what="An appeal")
    request.closed_on = None
    estimate = decision_due_on is None
    due = decision_due_on or _next_business_day(
        request, clock.on + dt.timedelta(days=DEFAULT_APPEAL_FOLLOW_UP_DAYS)
    )
    if due < clock.on:
        raise ValidationFailed("The appeal decision cannot be due before the appeal was filed.")
    how = "follow up on" if estimate else "decision due"
    return _act(
        session,
        request,
        Action.APPEAL,
        EventKind.APPEALED,
        f"Appeal filed on {clock.on.isoformat()}; {how} {due.isoformat()}"
        + (f": {note}" if note else ""),
        actor=actor,
        clock=clock,
        data={
            "estimate": estimate,
            "note": note,
            "clock": _clock(
                ClockEventKind.OVERRIDE_DATE, clock.on, to_date=due, note="appeal decision"
            ),
        },
    )


def _next_business_day(request: RecordsRequest, day: dt.date) -> dt.date:
    calendar = HolidayCalendar(request.agency.jurisdiction.code)
    while not calendar.is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def withdraw(
    session: Session, request: RecordsRequest, *, actor: User | None, clock: Clock, reason: str = ""
) -> RequestEvent:
    request.closed_on = clock.on
    return _act(
        session,
        request,
        Action.WITHDRAW,
        EventKind.WITHDRAWN,
        "We withdrew the request" + (f": {reason}" if reason else ""),
        actor=actor,
        clock=clock,
        data={"reason": reason},
    )


def override_rule(
    session: Session,
    request: RecordsRequest,
    *,
    actor: User | None,
    clock: Clock,
    days: int | None,
    day_type: DayType | None,
    note: str,
) -> RequestEvent:
    """Use another rule than the state's for this request (a local ordinance); None resets."""
    if days is not None and (days < 1 or day_type in (None, DayType.NONE)):
        raise ValidationFailed("An override needs a number of days and business or calendar.")
    if days is not None and not note.strip():
        raise ValidationFailed("Say where the other rule comes from.")
    request.deadline_days_override = days
    request.deadline_day_type_override = day_type.value if days and day_type else None
    request.deadline_override_note = note.strip()[:500] if days else ""
    summary = (
        f"Deadline rule for this request set to {days} {day_type} days: {note.strip()}"
        if days
        else "Deadline rule reset to the law's"
    )
    event = record_event(
        session,
        request,
        EventKind.RULE_OVERRIDDEN,
        summary,
        actor=actor,
        data={"days": days, "day_type": day_type and day_type.value},
    )
    refresh_deadline(request, today=clock.today)
    session.flush()
    return event


def add_reference(
    session: Session,
    request: RecordsRequest,
    number: str,
    *,
    actor: User | None,
    label: str = "agency reference",
) -> RequestReference | None:
    """Record a number the agency or its portal uses for this request; repeats are ignored."""
    number = number.strip()
    if not number or len(number) > 100:
        raise ValidationFailed("A reference number has 1 to 100 characters.")
    if any(r.number == number for r in request.references):
        return None
    reference = RequestReference(request=request, number=number, label=label.strip()[:100])
    session.add(reference)
    record_event(
        session,
        request,
        EventKind.REFERENCE_ADDED,
        f"Reference number {number}" + (f" ({label})" if label else ""),
        actor=actor,
        data={"number": number, "label": label},
    )
    session.flush()
    return reference


def assign(
    session: Session, request: RecordsRequest, assignee: User | None, *, actor: User | None
) -> None:
    if request.assignee_id == (assignee.id if assignee else None):
        return
    request.assignee = assignee
    record_event(
        session,
        request,
        EventKind.ASSIGNED,
        f"Assigned to {assignee.email}" if assignee else "Unassigned",
        actor=actor,
        data={"assignee_id": assignee.id if assignee else None},
    )
    session.flush()


def normalise_tag(name: str) -> str:
    tag = " ".join(name.strip().lower().split())
    if not tag or len(tag) > MAX_TAG_LENGTH:
        raise ValidationFailed(f"A tag has 1 to {MAX_TAG_LENGTH} characters.")
    return tag


def add_tag(session: Session, request: RecordsRequest, name: str, *, actor: User | None) -> None:
    tag = normalise_tag(name)
    if any(t.name == tag for t in request.tags):
        return
    session.add(RequestTag(request=request, name=tag))
    record_event(
        session,
        request,
        EventKind.TAGGED,
        f"Tagged “{tag}”",
        actor=actor,
        data={"tag": tag, "added": True},
    )
    session.flush()


def record_follow_up(
    session: Session, request: RecordsRequest, *, actor: User | None, clock: Clock, note: str = ""
) -> RequestEvent:
    """We chased the agency (by e-mail, phone or a letter); the deadline does not change."""
    _check_date(request, clock, what="A follow-up")
    if request.filed_on is None:
        raise InvalidTransition("A request that was never filed cannot be followed up.")
    event = record_event(
        session,
        request,
        EventKind.FOLLOW_UP,
        f"Followed up on {clock.on.isoformat()}" + (f": {note}" if note else ""),
        actor=actor,
        data={"on": clock.on.isoformat(), "note": note},
    )
    session.flush()
    return event
