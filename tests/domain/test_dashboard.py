"""Dashboard buckets, campaign progress and response times, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from sqlalchemy.orm import Session

from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.dashboard import DashboardCache, build_dashboard, data_version
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod
from foiatrack.domain.requests.queries import RequestFilter
from foiatrack.domain.requests.workflow import Action
from tests.factories import make_agency, make_campaign, make_request

TODAY = dt.date(2026, 11, 30)


def _filed(session: Session, name: str, state: str, days_ago: int, campaign=None):
    request = make_request(session, make_agency(session, name=name, state=state), campaign)
    lifecycle.file_request(
        session,
        request,
        actor=None,
        clock=Clock(TODAY, TODAY - dt.timedelta(days=days_ago)),
        method=FilingMethod.EMAIL,
    )
    return request


def _scenario(session: Session) -> dict[str, object]:
    campaign = make_campaign(session, "Ring 2026")
    very_late = _filed(session, "Very Late PD", "CA", 60, campaign)  # due 2026-10-12
    late = _filed(session, "Late PD", "CA", 20, campaign)  # due 2026-11-20
    soon = _filed(session, "Soon PD", "CA", 5, campaign)  # due 2026-12-05 (Sat) -> Mon 12-07
    waiting = _filed(session, "Fee PD", "CA", 30, campaign)
    lifecycle.request_fee(
        session,
        waiting,
        actor=None,
        clock=Clock(TODAY, TODAY - dt.timedelta(days=25)),
        amount_cents=500,
    )
    answered = _filed(session, "Answered PD", "TX", 12, campaign)
    lifecycle.deny(
        session,
        answered,
        actor=None,
        clock=Clock(TODAY, TODAY - dt.timedelta(days=2)),
        exemptions="552.108",
    )
    make_request(session, make_agency(session, name="Draft PD", state="TX"), campaign)
    return {
        "very_late": very_late,
        "late": late,
        "soon": soon,
        "waiting": waiting,
        "answered": answered,
    }


def test_buckets(session: Session) -> None:
    r = _scenario(session)
    board = build_dashboard(session, RequestFilter(), today=TODAY)
    buckets = {b.key: b for b in board.buckets}
    assert [x.id for x in buckets["overdue"].rows] == [r["very_late"].id, r["late"].id]
    assert [x.days_late for x in buckets["overdue"].rows] == [49, 10]
    assert [x.days_late for x in buckets["overdue"].rows] == [
        r["very_late"].days_late(TODAY),
        r["late"].days_late(TODAY),
    ]
    first = buckets["overdue"].rows[0]
    assert (first.agency_name, first.state, first.campaign_name) == (
        "Very Late PD",
        "CA",
        "Ring 2026",
    )
    assert first.assignee_email is None and first.due_on == dt.date(2026, 10, 12)
    assert [x.id for x in buckets["due_soon"].rows] == [r["soon"].id]
    assert r["soon"].due_on == dt.date(2026, 12, 7)
    assert {x.id for x in buckets["waiting"].rows} == {r["waiting"].id, r["answered"].id}
    assert [x.id for x in buckets["answered"].rows] == [r["answered"].id]
    assert buckets["overdue"].total == 2


def test_bucket_totals_beyond_the_limit(session: Session) -> None:
    for i in range(5):
        _filed(session, f"Late {i} PD", "CA", 40 + i)
    board = build_dashboard(session, RequestFilter(), today=TODAY, limit=3)
    overdue = board.buckets[0]
    assert len(overdue.rows) == 3 and overdue.total == 5


def test_filters_apply_to_every_part(session: Session) -> None:
    _scenario(session)
    board = build_dashboard(session, RequestFilter(state="TX"), today=TODAY)
    assert sum(b.total for b in board.buckets if b.key != "waiting") == 1
    assert [c.total for c in board.campaigns] == [2]
    assert [s.state for s in board.response_times] == ["TX"]
    board = build_dashboard(session, RequestFilter(agency_name="late"), today=TODAY)
    assert board.buckets[0].total == 2


def test_campaign_progress_and_response_times(session: Session) -> None:
    r = _scenario(session)
    lifecycle.record_response(
        session,
        r["late"],
        Action.FULFIL,
        actor=None,
        clock=Clock(TODAY, TODAY - dt.timedelta(days=1)),
    )
    board = build_dashboard(session, RequestFilter(), today=TODAY)
    (progress,) = board.campaigns
    assert (progress.total, progress.filed, progress.answered, progress.overdue) == (6, 5, 2, 1)
    assert progress.acknowledged == 3  # fee requested, rejected, fulfilled
    times = {s.state: s for s in board.response_times}
    assert times["TX"].median_days == 10 and times["CA"].median_days == 19


def test_query_count_does_not_grow_with_rows(session: Session) -> None:
    statements: list[str] = []

    def count_statement(*args: object) -> None:
        statements.append(str(args[2]))

    def queries_for(n: int) -> int:
        for i in range(n):
            _filed(session, f"Agency {n}-{i} PD", "CA", 30 + i % 20)
        session.flush()
        statements.clear()
        touched: list[object] = []
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", count_statement)
        try:
            board = build_dashboard(session, RequestFilter(), today=TODAY)
            for bucket in board.buckets:
                for row in bucket.rows:
                    touched.append((row.agency_name, row.campaign_name, row.assignee_email))
        finally:
            event.remove(engine, "before_cursor_execute", count_statement)
        return len(statements)

    small = queries_for(3)
    large = queries_for(40)
    assert small == large
    assert large <= 8


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_cache_reuses_a_board_until_something_changes(session: Session) -> None:
    r = _scenario(session)
    cache = DashboardCache(max_age=60)
    first = cache.get(session, RequestFilter(), today=TODAY)
    assert cache.get(session, RequestFilter(), today=TODAY) is first
    assert (cache.hits, cache.misses) == (1, 1)

    # a lifecycle action moves the request's updated_at: the next view sees the change
    lifecycle.record_response(
        session, r["late"], Action.FULFIL, actor=None, clock=Clock(TODAY, TODAY)
    )
    session.flush()
    fresh = cache.get(session, RequestFilter(), today=TODAY)
    assert fresh is not first
    assert [x.id for x in fresh.buckets[0].rows] == [r["very_late"].id]
    assert fresh.buckets[0].total == 1


def test_cache_sees_renames_deletions_and_other_filters(session: Session) -> None:
    r = _scenario(session)
    cache = DashboardCache(max_age=60)
    board = cache.get(session, RequestFilter(), today=TODAY)
    before = data_version(session)
    r["late"].agency.name = "Renamed PD"
    session.flush()
    assert data_version(session) != before
    renamed = cache.get(session, RequestFilter(), today=TODAY)
    assert renamed is not board
    assert "Renamed PD" in [x.agency_name for x in renamed.buckets[0].rows]
    # another filter or another day is another board
    assert cache.get(session, RequestFilter(state="TX"), today=TODAY) is not renamed
    assert cache.get(session, RequestFilter(), today=TODAY + dt.timedelta(days=1)) is not renamed

    spare = make_campaign(session, "Never used")
    session.flush()
    before = data_version(session)
    session.delete(spare)
    session.flush()
    assert data_version(session) != before


def test_cache_expires_and_can_be_turned_off(session: Session) -> None:
    _scenario(session)
    clock = _FakeClock()
    cache = DashboardCache(max_age=60, clock=clock)
    board = cache.get(session, RequestFilter(), today=TODAY)
    clock.now = 59
    assert cache.get(session, RequestFilter(), today=TODAY) is board
    clock.now = 61
    assert cache.get(session, RequestFilter(), today=TODAY) is not board

    off = DashboardCache(max_age=0)
    assert off.get(session, RequestFilter(), today=TODAY) is not off.get(
        session, RequestFilter(), today=TODAY
    )
    # a tag filter is never cached: tagging does not change the version
    tagged = DashboardCache(max_age=60)
    assert tagged.get(session, RequestFilter(tag="x"), today=TODAY) is not tagged.get(
        session, RequestFilter(tag="x"), today=TODAY
    )


def test_cache_keeps_at_most_its_size(session: Session) -> None:
    _scenario(session)
    cache = DashboardCache(max_age=60, size=2)
    first = cache.get(session, RequestFilter(state="CA"), today=TODAY)
    cache.get(session, RequestFilter(state="TX"), today=TODAY)
    cache.get(session, RequestFilter(state="NY"), today=TODAY)
    assert cache.get(session, RequestFilter(state="CA"), today=TODAY) is not first
