"""Calendar feeds: the secret token, which requests a feed holds, and the iCalendar it becomes."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session

from foiatrack.adapters.ical import PRODID, build_calendar
from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.accounts.services import (
    create_user,
    rotate_calendar_token,
    user_by_calendar_token,
)
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.calendar import CalendarEvent, calendar_events, feed_requests
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod, RecordsRequest, Status
from tests.factories import make_agency, make_request

TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 14, 5, tzinfo=dt.UTC)


def _user(session: Session, email: str = "reporter@example.org") -> User:
    return create_user(session, email, "a long enough password", role=Role.EDITOR)


def _filed(
    session: Session,
    name: str,
    *,
    state: str = "CA",
    on: dt.date = dt.date(2026, 11, 2),
    assignee: User | None = None,
) -> RecordsRequest:
    request = make_request(session, make_agency(session, name=name, state=state))
    lifecycle.file_request(
        session, request, actor=None, clock=Clock(today=TODAY, on=on), method=FilingMethod.EMAIL
    )
    if assignee is not None:
        lifecycle.assign(session, request, assignee, actor=None)
    return request


def _url(request_id: int) -> str:
    return f"https://foia.example.org/requests/{request_id}"


# --- the token --------------------------------------------------------------------------------


def test_rotating_the_token_revokes_the_old_one(session: Session) -> None:
    user = _user(session)
    assert user.calendar_token is None
    first = rotate_calendar_token(session, user)
    assert len(first) >= 40
    assert user_by_calendar_token(session, first) is user
    second = rotate_calendar_token(session, user)
    assert second != first
    assert user_by_calendar_token(session, first) is None
    assert user_by_calendar_token(session, second) is user


def test_tokens_are_per_user(session: Session) -> None:
    alice, bob = _user(session, "alice@example.org"), _user(session, "bob@example.org")
    alice_token, bob_token = (
        rotate_calendar_token(session, alice),
        rotate_calendar_token(session, bob),
    )
    assert alice_token != bob_token
    assert user_by_calendar_token(session, alice_token) is alice
    assert user_by_calendar_token(session, bob_token) is bob


def test_an_inactive_user_has_no_feed(session: Session) -> None:
    user = _user(session)
    token = rotate_calendar_token(session, user)
    user.is_active = False
    session.flush()
    assert user_by_calendar_token(session, token) is None


@pytest.mark.parametrize("mangle", [str.swapcase, lambda t: t[:-1], lambda t: t + "A"])
def test_only_the_exact_token_matches(session: Session, mangle: object) -> None:
    user = _user(session)
    token = rotate_calendar_token(session, user)
    assert user_by_calendar_token(session, mangle(token)) is None  # type: ignore[operator]


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 65, "a" * 30 + "/..", "a" * 30 + " ", "é" * 30, "a%27 OR 1=1 --"]
)
def test_malformed_tokens_find_nobody(session: Session, token: str) -> None:
    _user(session)
    assert user_by_calendar_token(session, token) is None


# --- which requests ---------------------------------------------------------------------------


def test_feed_holds_running_requests_with_a_due_date(session: Session) -> None:
    me, colleague = _user(session, "me@example.org"), _user(session, "them@example.org")
    mine = _filed(session, "Alameda Police Department", assignee=me)
    theirs = _filed(session, "Berkeley Police Department", assignee=colleague)
    unassigned = _filed(session, "Carmel Police Department")
    withdrawn = _filed(session, "Davis Police Department", assignee=me)
    lifecycle.withdraw(session, withdrawn, actor=None, clock=Clock(TODAY, TODAY))
    waiting = _filed(session, "Eureka Police Department", assignee=me)
    lifecycle.request_fee(
        session, waiting, actor=None, clock=Clock(TODAY, TODAY), amount_cents=5_00
    )
    draft = make_request(session, make_agency(session, name="Fresno Police Department"))
    lifecycle.assign(session, draft, me, actor=None)

    assert [r.id for r in feed_requests(session, assignee_id=me.id)] == [mine.id]
    team = {r.id for r in feed_requests(session, assignee_id=None)}
    assert team == {mine.id, theirs.id, unassigned.id}


# --- events -----------------------------------------------------------------------------------


def test_statutory_deadline_event(session: Session) -> None:
    request = _filed(session, "Alameda Police Department", on=dt.date(2026, 3, 2))
    [event] = calendar_events([request], request_url=_url)
    assert event.uid == f"request-{request.id}-due@foiatrack"
    assert event.on == dt.date(2026, 3, 12) == request.due_on  # CA: 10 calendar days
    assert event.summary == f"Due: Alameda Police Department (#{request.id})"
    assert event.url == _url(request.id)
    assert "Statutory deadline" in event.description
    assert "California Public Records Act" in event.description
    assert "Cal. Gov. Code § 7920.000" in event.description
    assert "Status: Filed" in event.description
    assert _url(request.id) in event.description
    assert "overdue" not in event.summary.lower()


def test_follow_up_reminder_is_not_called_a_deadline(session: Session) -> None:
    request = _filed(session, "Miami Police Department", state="FL", on=dt.date(2026, 3, 2))
    [event] = calendar_events([request], request_url=_url)
    assert request.due_is_statutory is False
    assert event.on == dt.date(2026, 4, 1)
    assert event.summary.startswith("Follow up: Miami Police Department")
    assert "Follow-up reminder only" in event.description
    assert "Statutory deadline" not in event.description


def test_acknowledgement_gets_its_own_event_until_acknowledged(session: Session) -> None:
    request = _filed(session, "Alameda Police Department", on=dt.date(2026, 11, 2))
    request.ack_due_on = dt.date(2026, 11, 5)
    events = calendar_events([request], request_url=_url)
    assert [(e.uid, e.on) for e in events] == [
        (f"request-{request.id}-due@foiatrack", request.due_on),
        (f"request-{request.id}-ack@foiatrack", dt.date(2026, 11, 5)),
    ]
    assert events[1].summary == f"Acknowledgement due: Alameda Police Department (#{request.id})"

    lifecycle.acknowledge(session, request, actor=None, clock=Clock(TODAY, dt.date(2026, 11, 4)))
    request.ack_due_on = dt.date(2026, 11, 5)
    assert [e.uid for e in calendar_events([request], request_url=_url)] == [
        f"request-{request.id}-due@foiatrack"
    ]


def test_requests_without_a_running_clock_give_no_event(session: Session) -> None:
    request = _filed(session, "Alameda Police Department")
    lifecycle.withdraw(session, request, actor=None, clock=Clock(TODAY, TODAY))
    draft = make_request(session, make_agency(session, name="Berkeley Police Department"))
    assert request.status == Status.WITHDRAWN
    assert calendar_events([request, draft], request_url=_url) == []


# --- iCalendar --------------------------------------------------------------------------------


def test_feed_round_trips_through_icalendar(session: Session) -> None:
    request = _filed(session, "Alameda Police Department", on=dt.date(2026, 3, 2))
    body = build_calendar(
        calendar_events([request], request_url=_url), title="Team: due dates", now=NOW
    )
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["X-WR-CALNAME"]) == "Team: due dates"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    [event] = calendar.walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    # all-day: plain dates, not datetimes (datetime is a subclass of date)
    assert type(start) is dt.date and type(end) is dt.date
    assert start == dt.date(2026, 3, 12) and end == dt.date(2026, 3, 13)
    assert "VALUE=DATE" in body.decode().replace("\r\n ", "")
    assert str(event["UID"]) == f"request-{request.id}-due@foiatrack"
    assert str(event["URL"]) == _url(request.id)
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["SUMMARY"]) == f"Due: Alameda Police Department (#{request.id})"


def test_awkward_text_survives_escaping() -> None:
    awkward = 'Smith, "Jr."; Police Department \\ Annex'
    event = CalendarEvent(
        uid="request-1-due@foiatrack",
        on=dt.date(2026, 12, 1),
        summary=f"Due: {awkward} (#1)",
        description=f"Agency: {awkward}\nStatus: Filed",
        url=_url(1),
    )
    body = build_calendar([event], title=awkward, now=NOW)
    [parsed] = Calendar.from_ical(body).walk("VEVENT")
    assert str(parsed["SUMMARY"]) == f"Due: {awkward} (#1)"
    assert str(parsed["DESCRIPTION"]) == f"Agency: {awkward}\nStatus: Filed"
    assert b'X-WR-CALNAME:Smith\\, "Jr."\\; Police' in body


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_line_breaks_in_names_cannot_inject_properties(newline: str) -> None:
    hostile = f"Evil PD{newline}END:VEVENT{newline}BEGIN:VEVENT{newline}SUMMARY:injected"
    event = CalendarEvent(
        uid="request-1-due@foiatrack",
        on=dt.date(2026, 12, 1),
        summary=f"Due: {hostile} (#1)",
        description=f"Agency: {hostile}\x00\x1b",
        url=_url(1),
    )
    body = build_calendar([event], title=f"Team {hostile}", now=NOW)
    calendar = Calendar.from_ical(body)
    [parsed] = calendar.walk("VEVENT")
    assert str(parsed["SUMMARY"]) == "Due: Evil PD END:VEVENT BEGIN:VEVENT SUMMARY:injected (#1)"
    assert "\x00" not in str(parsed["DESCRIPTION"]) and "\x1b" not in str(parsed["DESCRIPTION"])
    assert body.split(b"\r\n").count(b"BEGIN:VEVENT") == 1
    assert not any(line.startswith(b"SUMMARY:injected") for line in body.split(b"\r\n"))
    assert b"\r" not in body.replace(b"\r\n", b"")


def test_refresh_interval_is_written_as_an_iso_duration() -> None:
    body = build_calendar([], title="Empty", now=NOW, refresh=dt.timedelta(minutes=90))
    calendar = Calendar.from_ical(body)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H30M"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(minutes=90)
    assert calendar.walk("VEVENT") == []
