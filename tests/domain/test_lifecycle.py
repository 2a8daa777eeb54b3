"""The request lifecycle: legal and refused transitions, and due dates kept right on the way."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from foiatrack.domain.errors import InvalidTransition, ValidationFailed
from foiatrack.domain.jurisdictions.deadlines import DayType
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import EventKind, FeeStatus, FilingMethod, Status
from foiatrack.domain.requests.queries import RequestFilter, list_requests
from foiatrack.domain.requests.services import record_event
from foiatrack.domain.requests.workflow import Action, available_actions, check_transition
from tests.factories import make_agency, make_request

TODAY = dt.date(2026, 11, 30)


def _filed(session: Session, state: str = "CA", on: dt.date = dt.date(2026, 3, 2)):
    request = make_request(
        session, make_agency(session, name="Some Police Department", state=state)
    )
    lifecycle.file_request(
        session, request, actor=None, clock=Clock(TODAY, on), method=FilingMethod.EMAIL
    )
    return request


def test_filing_starts_the_clock(session: Session) -> None:
    # CA: 10 calendar days (Gov. Code § 7922.535): Mon 2026-03-02 + 10 = Thu 2026-03-12
    request = _filed(session)
    assert request.status == Status.FILED
    assert request.filed_on == dt.date(2026, 3, 2)
    assert request.due_on == dt.date(2026, 3, 12)
    assert request.due_is_statutory
    assert [e.kind for e in request.events] == [EventKind.CREATED, EventKind.FILED]


def test_business_days_skip_thanksgiving(session: Session) -> None:
    # MI: 5 business days (MCL 15.235(2)) from Mon 2026-11-23: Tue 24, Wed 25, (Thu 26 and
    # Fri 27 are Michigan holidays), Mon 30, Tue Dec 1, Wed Dec 2.
    request = _filed(session, "MI", dt.date(2026, 11, 23))
    assert request.due_on == dt.date(2026, 12, 2)


def test_no_fixed_deadline_gets_a_labelled_follow_up(session: Session) -> None:
    request = _filed(session, "FL", dt.date(2026, 3, 2))  # Fla. Stat. § 119.07: "promptly"
    assert request.due_on == dt.date(2026, 4, 1)  # 30 calendar days, a Wednesday
    assert request.due_is_statutory is False


def test_extension_by_days_and_to_a_date(session: Session) -> None:
    request = _filed(session)
    lifecycle.extend(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 10)),
        days=14,
        note="voluminous",
    )
    assert request.due_on == dt.date(2026, 3, 26)  # 2026-03-12 + 14 calendar days
    lifecycle.extend(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 20)),
        until=dt.date(2026, 4, 15),
    )
    assert request.due_on == dt.date(2026, 4, 15)
    with pytest.raises(ValidationFailed, match="not after the current due date"):
        lifecycle.extend(
            session,
            request,
            actor=None,
            clock=Clock(TODAY, dt.date(2026, 3, 21)),
            until=dt.date(2026, 4, 1),
        )
    with pytest.raises(ValidationFailed, match="either a number of days or a new date"):
        lifecycle.extend(session, request, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 21)))


def test_fee_stops_the_clock_until_paid(session: Session) -> None:
    request = _filed(session)
    fee = lifecycle.request_fee(
        session, request, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 5)), amount_cents=12_50
    )
    assert request.status == Status.FEE_REQUESTED
    assert request.days_late(dt.date(2026, 6, 1)) == 0  # the agency is waiting on us
    lifecycle.update_fee(
        session, fee, FeeStatus.PAID, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 9))
    )
    # stopped Mar 5 to Mar 9: 4 calendar days added to Mar 12
    assert request.status == Status.PROCESSING
    assert request.due_on == dt.date(2026, 3, 16)
    assert fee.settled_on == dt.date(2026, 3, 9) and fee.amount == "$12.50"
    with pytest.raises(InvalidTransition, match="paid cannot become waived"):
        lifecycle.update_fee(
            session, fee, FeeStatus.WAIVED, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 10))
        )


def test_fee_waiver_lifecycle(session: Session) -> None:
    request = _filed(session)
    fee = lifecycle.request_fee(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 5)),
        amount_cents=40_000,
        deposit_cents=10_000,
    )
    assert fee.status == FeeStatus.DEPOSIT_REQUESTED
    lifecycle.update_fee(
        session,
        fee,
        FeeStatus.WAIVER_REQUESTED,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 6)),
    )
    assert request.status == Status.FEE_REQUESTED  # still waiting on the fee
    lifecycle.update_fee(
        session, fee, FeeStatus.WAIVED, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 12))
    )
    assert request.status == Status.PROCESSING
    assert request.due_on == dt.date(2026, 3, 19)  # 7 days stopped (Mar 6 through Mar 12)


def test_clarification_stops_and_restarts_the_clock(session: Session) -> None:
    request = _filed(session)
    lifecycle.request_clarification(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 3)),
        question="which years?",
    )
    assert request.status == Status.CLARIFICATION_REQUESTED
    lifecycle.clarify(session, request, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 13)))
    assert request.status == Status.PROCESSING
    assert request.due_on == dt.date(2026, 3, 23)  # 10 days stopped, Mar 12 -> Mar 22 (Sun) -> Mon


def test_answers_close_the_request_and_record_response_times(session: Session) -> None:
    request = _filed(session)
    lifecycle.record_response(
        session,
        request,
        Action.PARTIAL_RESPONSE,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 10)),
    )
    assert request.first_response_on == dt.date(2026, 3, 10) and request.closed_on is None
    lifecycle.record_response(
        session, request, Action.FULFIL, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 20))
    )
    assert request.status == Status.FULFILLED and request.is_closed
    assert request.first_response_on == dt.date(2026, 3, 10)
    assert request.closed_on == dt.date(2026, 3, 20)
    assert request.days_late(TODAY) == 0


def test_denial_then_appeal(session: Session) -> None:
    request = _filed(session)
    with pytest.raises(ValidationFailed, match="exemptions"):
        lifecycle.deny(
            session, request, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 9)), exemptions=" "
        )
    lifecycle.deny(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 9)),
        exemptions="Gov. Code § 7923.600 (investigative records)",
    )
    assert request.status == Status.REJECTED
    assert "7923.600" in request.events[-1].summary
    lifecycle.appeal(session, request, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 20)))
    assert request.status == Status.APPEALED and request.closed_on is None
    assert request.due_on == dt.date(2026, 4, 20)  # a 30-day follow-up on the appeal
    assert request.due_is_statutory is False
    lifecycle.set_due_date(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 21)),
        due_on=dt.date(2026, 4, 10),
        note="agency counsel promised",
    )
    assert request.due_on == dt.date(2026, 4, 10)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.DRAFT, Action.ACKNOWLEDGE),
        (Status.DRAFT, Action.FULFIL),
        (Status.DRAFT, Action.EXTEND),
        (Status.FILED, Action.FILE),
        (Status.FULFILLED, Action.DENY),
        (Status.WITHDRAWN, Action.APPEAL),
        (Status.FILED, Action.CLARIFY),
        (Status.ACKNOWLEDGED, Action.SETTLE_FEE),
    ],
)
def test_illegal_transitions_are_refused(status: Status, action: Action) -> None:
    with pytest.raises(InvalidTransition, match="cannot be recorded while the request is"):
        check_transition(status, action)
    assert action not in available_actions(status)


def test_refused_action_changes_nothing(session: Session) -> None:
    request = make_request(session)
    with pytest.raises(InvalidTransition):
        lifecycle.acknowledge(session, request, actor=None, clock=Clock(TODAY, TODAY))
    session.rollback()


def test_dates_in_the_future_or_before_filing_are_refused(session: Session) -> None:
    request = _filed(session)
    with pytest.raises(ValidationFailed, match="future"):
        lifecycle.acknowledge(
            session, request, actor=None, clock=Clock(TODAY, TODAY + dt.timedelta(days=1))
        )
    with pytest.raises(ValidationFailed, match="before the request was filed"):
        lifecycle.acknowledge(session, request, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 1)))


def test_rule_override_and_reset(session: Session) -> None:
    request = _filed(session)
    lifecycle.override_rule(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, TODAY),
        days=5,
        day_type=DayType.BUSINESS,
        note="city ordinance § 2-14",
    )
    assert request.due_on == dt.date(2026, 3, 9)  # 5 business days from Mon Mar 2
    lifecycle.override_rule(
        session, request, actor=None, clock=Clock(TODAY, TODAY), days=None, day_type=None, note=""
    )
    assert request.due_on == dt.date(2026, 3, 12)


def test_agency_override_applies_to_its_requests(session: Session) -> None:
    agency = make_agency(session, name="Ordinance Police Department", state="CA")
    agency.deadline_days_override, agency.deadline_day_type_override = 3, "business"
    request = make_request(session, agency)
    lifecycle.file_request(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 2)),
        method=FilingMethod.PORTAL,
        confirmation="R-1",
    )
    assert request.due_on == dt.date(2026, 3, 5)
    assert request.filing_confirmation == "R-1"


def test_references_tags_and_assignment(session: Session, make_user) -> None:
    request = _filed(session)
    lifecycle.acknowledge(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, dt.date(2026, 3, 3)),
        reference="PRR-26-0117",
    )
    lifecycle.add_reference(
        session, request, "GovQA W000123-030326", actor=None, label="portal case id"
    )
    assert lifecycle.add_reference(session, request, "PRR-26-0117", actor=None) is None
    assert [r.number for r in request.references] == ["PRR-26-0117", "GovQA W000123-030326"]
    assert request.tracking_number == "PRR-26-0117"
    lifecycle.add_tag(session, request, "  Story   Draft ", actor=None)
    lifecycle.add_tag(session, request, "story draft", actor=None)
    assert [t.name for t in request.tags] == ["story draft"]
    with pytest.raises(ValidationFailed):
        lifecycle.add_tag(session, request, "x" * 61, actor=None)


def test_withdraw_from_draft_and_follow_up_needs_filing(session: Session) -> None:
    request = make_request(session)
    with pytest.raises(InvalidTransition, match="never filed"):
        lifecycle.record_follow_up(session, request, actor=None, clock=Clock(TODAY, TODAY))
    lifecycle.withdraw(session, request, actor=None, clock=Clock(TODAY, TODAY), reason="dup")
    assert request.status == Status.WITHDRAWN and request.closed_on == TODAY


# --- two-stage laws: acknowledge, then decide ---------------------------------------------


def test_acknowledged_new_york_request_is_not_overdue_after_the_acknowledgement_deadline(
    session: Session,
) -> None:
    # N.Y. Pub. Off. Law § 89(3)(a): Mon 2026-01-05 + 5 business days = Mon 2026-01-12 to
    # acknowledge; then 20 business days from the acknowledgement. Acknowledged Fri 1/9:
    # 1/12-16 = 1-5, skip Mon 1/19 MLK Day, 1/20-23 = 6-9, 1/26-30 = 10-14, 2/2-6 = 15-19,
    # Mon 2/9 = 20.
    filed_on, day_after_ack_deadline = dt.date(2026, 1, 5), dt.date(2026, 1, 13)
    late = _filed(session, "NY", filed_on)
    acknowledged = _filed(session, "NY", filed_on)
    assert late.due_on == acknowledged.due_on == acknowledged.ack_due_on == dt.date(2026, 1, 12)

    lifecycle.acknowledge(
        session, acknowledged, actor=None, clock=Clock(TODAY, dt.date(2026, 1, 9))
    )
    assert acknowledged.due_on == dt.date(2026, 2, 9)
    assert acknowledged.ack_due_on == dt.date(2026, 1, 12)
    assert acknowledged.due_is_statutory
    assert acknowledged.days_late(day_after_ack_deadline) == 0
    assert late.days_late(day_after_ack_deadline) == 1  # never acknowledged: it is late
    overdue = list_requests(session, RequestFilter(overdue_on=day_after_ack_deadline))
    assert late in overdue and acknowledged not in overdue
    steps = [s.text for s in lifecycle.explain_deadline(acknowledged, today=TODAY).steps]
    assert any(
        t.startswith("Acknowledged on 2026-01-09 (Fri); the law then allows 20") for t in steps
    )


def test_extension_after_a_two_stage_acknowledgement_counts_from_the_new_date_in_its_unit(
    session: Session,
) -> None:
    # Ala. Code § 36-12-44: acknowledge within 10 (calendar) days, answer within 15 business
    # days after. Filed Mon 2025-11-17, acknowledged Thu 11/20 -> Fri 2025-12-12 (Thanksgiving
    # 11/27 skipped). 5 more business days: 12/15-19 -> Fri 2025-12-19.
    request = _filed(session, "AL", dt.date(2025, 11, 17))
    assert request.due_on == dt.date(2025, 11, 28)  # 11/27 Thanksgiving, rolled to Friday
    lifecycle.acknowledge(session, request, actor=None, clock=Clock(TODAY, dt.date(2025, 11, 20)))
    assert request.due_on == dt.date(2025, 12, 12)
    event = lifecycle.extend(
        session, request, actor=None, clock=Clock(TODAY, dt.date(2025, 12, 10)), days=5
    )
    assert event.summary == "The agency extended its deadline by 5 business days"
    assert request.due_on == dt.date(2025, 12, 19)


def test_acknowledgement_leaves_a_single_deadline_from_receipt_alone(session: Session) -> None:
    # California's 10 calendar days run from receipt (Gov. Code § 7922.535): Thu 2026-03-12.
    request = _filed(session)
    lifecycle.acknowledge(session, request, actor=None, clock=Clock(TODAY, dt.date(2026, 3, 3)))
    assert request.due_on == dt.date(2026, 3, 12)
    assert request.ack_due_on is None


def test_an_acknowledgement_recorded_before_two_stage_laws_still_counts(session: Session) -> None:
    # Older timelines have an ACKNOWLEDGED event without clock data; its date is what counts.
    request = _filed(session, "NY", dt.date(2026, 1, 5))
    request.status = Status.ACKNOWLEDGED
    record_event(
        session,
        request,
        EventKind.ACKNOWLEDGED,
        "The agency acknowledged the request on 2026-01-09",
        actor=None,
        data={"action": "acknowledge", "on": "2026-01-09", "from": "filed", "to": "acknowledged"},
    )
    lifecycle.refresh_deadline(request, today=TODAY)
    assert request.due_on == dt.date(2026, 2, 9)
