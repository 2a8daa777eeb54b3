"""Reminder digests: who gets what, in which order, with running clocks only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.accounts.services import create_user
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod, RecordsRequest, Status
from foiatrack.domain.requests.reminders import (
    Digest,
    build_digests,
    digest_subject,
    render_digest,
)
from foiatrack.domain.requests.workflow import Action
from foiatrack.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import make_agency, make_request

TODAY = dt.date(2026, 3, 16)  # a Monday
FILED = TODAY - dt.timedelta(days=90)


def _user(session: Session, email: str, role: Role = Role.EDITOR, name: str = "") -> User:
    return create_user(session, email, TEST_PASSWORD, role=role, name=name)


def _request(
    session: Session,
    agency: Agency,
    *,
    due_on: dt.date | None = None,
    assignee: User | None = None,
    filed: dt.date = FILED,
) -> RecordsRequest:
    """A filed request; `due_on` pins its due date as a negotiated date would."""
    req = make_request(session, agency)
    lifecycle.file_request(
        session, req, actor=None, clock=Clock(today=TODAY, on=filed), method=FilingMethod.EMAIL
    )
    if due_on is not None:
        lifecycle.set_due_date(
            session,
            req,
            actor=None,
            clock=Clock(today=TODAY, on=filed),
            due_on=due_on,
            note="agreed by phone",
        )
        assert req.due_on == due_on
    if assignee is not None:
        lifecycle.assign(session, req, assignee, actor=None)
    return req


def _days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _ids(items: tuple) -> list[int]:
    return [i.request_id for i in items]


def _by_recipient(digests: list[Digest]) -> dict[str | None, Digest]:
    return {d.recipient.email if d.recipient else None: d for d in digests}


def test_digests_are_grouped_by_assignee(session: Session) -> None:
    ann, bob = _user(session, "ann@example.org"), _user(session, "bob@example.org")
    agency = make_agency(session)
    ann_late = _request(session, agency, due_on=_days(-3), assignee=ann)
    ann_soon = _request(session, agency, due_on=_days(2), assignee=ann)
    bob_soon = _request(session, agency, due_on=_days(5), assignee=bob)

    digests = build_digests(session, today=TODAY)

    assert [d.recipient for d in digests] == [ann, bob]
    by = _by_recipient(digests)
    assert _ids(by["ann@example.org"].overdue) == [ann_late.id]
    assert _ids(by["ann@example.org"].due_soon) == [ann_soon.id]
    assert _ids(by["bob@example.org"].overdue) == []
    assert _ids(by["bob@example.org"].due_soon) == [bob_soon.id]


def test_only_running_clocks_are_reminded(session: Session) -> None:
    ann = _user(session, "ann@example.org")
    agency = make_agency(session)
    running = _request(session, agency, due_on=_days(-10), assignee=ann)
    waiting_on_us = _request(session, agency, due_on=_days(-10), assignee=ann)
    lifecycle.request_fee(
        session, waiting_on_us, actor=None, clock=Clock(today=TODAY, on=_days(-20)), amount_cents=5
    )
    answered = _request(session, agency, due_on=_days(-10), assignee=ann)
    lifecycle.record_response(
        session, answered, Action.FULFIL, actor=None, clock=Clock(today=TODAY, on=_days(-1))
    )
    draft = make_request(session, agency)
    lifecycle.assign(session, draft, ann, actor=None)
    assert Status(waiting_on_us.status) == Status.FEE_REQUESTED
    assert Status(answered.status) == Status.FULFILLED

    [digest] = build_digests(session, today=TODAY)

    assert _ids(digest.overdue) == [running.id]
    assert digest.due_soon == ()


def test_overdue_is_most_late_first_with_days_late(session: Session) -> None:
    ann = _user(session, "ann@example.org")
    agency = make_agency(session)
    a_bit = _request(session, agency, due_on=_days(-1), assignee=ann)
    very = _request(session, agency, due_on=_days(-40), assignee=ann)
    fairly = _request(session, agency, due_on=_days(-12), assignee=ann)

    [digest] = build_digests(session, today=TODAY)

    assert _ids(digest.overdue) == [very.id, fairly.id, a_bit.id]
    assert [i.days_late for i in digest.overdue] == [40, 12, 1]
    assert [i.days_late for i in digest.overdue] == [
        r.days_late(TODAY) for r in (very, fairly, a_bit)
    ]


def test_a_computed_statutory_deadline_is_reminded(session: Session) -> None:
    ann = _user(session, "ann@example.org")
    req = _request(session, make_agency(session, state="MI"), assignee=ann)
    assert req.due_on is not None and req.due_on < TODAY

    [digest] = build_digests(session, today=TODAY)

    [item] = digest.overdue
    assert (item.request_id, item.due_on, item.is_statutory) == (req.id, req.due_on, True)
    assert (item.agency, item.state, item.status) == (req.agency.name, "MI", Status.FILED)
    assert item.days_late == req.days_late(TODAY) > 0


def test_due_soon_window_is_inclusive_and_soonest_first(session: Session) -> None:
    ann = _user(session, "ann@example.org")
    agency = make_agency(session)
    last_day = _request(session, agency, due_on=_days(7), assignee=ann)
    today = _request(session, agency, due_on=TODAY, assignee=ann)
    _request(session, agency, due_on=_days(8), assignee=ann)
    middle = _request(session, agency, due_on=_days(3), assignee=ann)

    [digest] = build_digests(session, today=TODAY, due_within_days=7)
    assert _ids(digest.due_soon) == [today.id, middle.id, last_day.id]
    assert [i.days_left for i in digest.due_soon] == [0, 3, 7]
    assert digest.overdue == ()

    [narrow] = build_digests(session, today=TODAY, due_within_days=2)
    assert _ids(narrow.due_soon) == [today.id]


def test_a_follow_up_date_is_not_called_statutory(session: Session) -> None:
    ann = _user(session, "ann@example.org")
    # Arizona sets no number of days; foiatrack follows up after 30 days.
    req = _request(session, make_agency(session, state="AZ"), filed=_days(-25), assignee=ann)
    assert req.due_on is not None and TODAY <= req.due_on <= _days(7)

    [digest] = build_digests(session, today=TODAY)

    [item] = digest.due_soon
    assert item.request_id == req.id and item.is_statutory is False
    text = render_digest(digest, base_url="https://foia.example.org", today=TODAY)
    assert "follow-up date, not a legal deadline" in text


def test_unassigned_and_deactivated_go_to_one_unassigned_digest(session: Session) -> None:
    ann = _user(session, "ann@example.org")
    gone = _user(session, "gone@example.org")
    gone.is_active = False
    agency = make_agency(session)
    nobody = _request(session, agency, due_on=_days(-2))
    left = _request(session, agency, due_on=_days(-5), assignee=gone)
    mine = _request(session, agency, due_on=_days(1), assignee=ann)
    session.flush()

    digests = build_digests(session, today=TODAY)

    assert [d.recipient for d in digests] == [ann, None]
    unassigned = digests[-1]
    assert unassigned.is_unassigned
    assert _ids(unassigned.overdue) == [left.id, nobody.id]
    assert _ids(digests[0].due_soon) == [mine.id]


def test_nothing_to_remind(session: Session) -> None:
    ann = _user(session, "ann@example.org")
    _request(session, make_agency(session), due_on=_days(30), assignee=ann)
    assert build_digests(session, today=TODAY) == []


def test_the_window_is_bounded(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="0 to 365 days"):
        build_digests(session, today=TODAY, due_within_days=-1)


def test_subject_and_text(session: Session) -> None:
    ann = _user(session, "ann@example.org", name="Ann Example")
    troy = make_agency(session, name="Troy Police Department", state="MI")
    late = _request(session, troy, due_on=_days(-3), assignee=ann)
    soon = _request(session, troy, due_on=_days(1), assignee=ann)
    _request(session, troy, due_on=_days(2))

    mine, unassigned = build_digests(session, today=TODAY)
    text = render_digest(mine, base_url="https://foia.example.org/", today=TODAY)

    assert digest_subject(mine) == "foiatrack: 1 overdue, 1 due within 7 days"
    assert digest_subject(unassigned) == (
        "foiatrack (unassigned requests): 0 overdue, 1 due within 7 days"
    )
    assert "Requests assigned to Ann Example, as of 2026-03-16." in text
    assert f"#{late.id}  Troy Police Department (MI)" in text
    assert "3 days late, was due 2026-03-13 (statutory deadline)" in text
    assert "due in 1 day, 2026-03-17" in text
    assert f"https://foia.example.org/requests/{late.id}\n" in text
    assert f"https://foia.example.org/requests/{soon.id}\n" in text
    assert text.index("OVERDUE (1)") < text.index("DUE WITHIN 7 DAYS (1)")
    assert "Filed: Ring records" in text


@contextmanager
def _counting_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _statements_for_a_run(session: Session) -> int:
    session.commit()
    # Start from an empty identity map, as the daily command does, so lazy loads would show.
    session.expunge_all()
    with _counting_statements() as statements:
        digests = build_digests(session, today=TODAY)
        for digest in digests:
            render_digest(digest, base_url="http://x", today=TODAY)
            _ = digest.recipient and (digest.recipient.email, digest.recipient.name)
    return len(statements)


def test_queries_do_not_grow_with_requests(session: Session) -> None:
    def add(n: int) -> None:
        for i in range(n):
            user = _user(session, f"user{i}-{n}@example.org")
            agency = make_agency(
                session, name=f"Agency {i} of {n}", state=("MI", "CA", "AZ")[i % 3]
            )
            _request(session, agency, due_on=_days(-i - 1), assignee=user)
            _request(session, agency, due_on=_days(i % 7), assignee=user)
            _request(session, agency, due_on=_days(-2))

    add(2)
    few = _statements_for_a_run(session)
    add(9)
    many = _statements_for_a_run(session)

    assert len(build_digests(session, today=TODAY)) == 12
    assert few == many
    assert many <= 12
