"""The benchmark workload: deterministic from its seed, realistic in its spread of statuses.

No timing here: benchmarks are run by `make bench`, never by the test suite.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.workload import build_workload, plan_campaigns, plan_requests
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.requests.models import NOT_RUNNING_STATUSES, RecordsRequest, Status

TODAY = dt.date(2026, 3, 2)
SIZE = 200


def _snapshot(session: Session) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(
            Agency.name,
            RecordsRequest.status,
            RecordsRequest.filed_on,
            RecordsRequest.due_on,
            RecordsRequest.first_response_on,
            RecordsRequest.closed_on,
        )
        .join(RecordsRequest.agency)
        .order_by(RecordsRequest.id)
    )
    return [tuple(r) for r in rows]


def _plans(seed: int) -> list[object]:
    rng = random.Random(seed)
    campaigns = plan_campaigns(rng, 4, TODAY)
    return plan_requests(rng, SIZE, agencies=50, campaigns=campaigns, users=3, today=TODAY)


def test_plans_depend_only_on_the_seed() -> None:
    assert _plans(7) == _plans(7)
    assert _plans(7) != _plans(8)


def test_same_seed_builds_the_same_requests_and_due_dates(session: Session) -> None:
    first = build_workload(session, seed=7, requests=SIZE, today=TODAY, users=2)
    built = _snapshot(session)
    session.rollback()
    assert _snapshot(session) == []
    second = build_workload(session, seed=7, requests=SIZE, today=TODAY, users=2)
    assert _snapshot(session) == built
    assert first.statuses == second.statuses
    assert len(built) == SIZE
    # the due dates come from the deadline engine, so they must be there once filed
    assert all(due is not None for _, _, filed, due, *_ in built if filed is not None)


def test_statuses_are_spread_like_a_real_campaign(session: Session) -> None:
    workload = build_workload(session, seed=3, requests=SIZE, today=TODAY, users=2)
    statuses = {Status(s) for s in workload.statuses}
    assert {Status.DRAFT, Status.FILED, Status.ACKNOWLEDGED, Status.FULFILLED} <= statuses
    assert {Status.REJECTED, Status.NO_RESPONSIVE_RECORDS} & statuses
    assert len(statuses) >= 8
    rows = _snapshot(session)
    filed = sorted(r[2] for r in rows if r[2] is not None)
    # spread over two years, none in the future
    assert filed[0] < TODAY - dt.timedelta(days=500) and filed[-1] <= TODAY
    overdue = [
        r
        for r in rows
        if r[3] is not None and r[3] < TODAY and Status(r[1]) not in NOT_RUNNING_STATUSES
    ]
    assert overdue, "some agencies never answer, so the overdue bucket is not empty"
    ring = session.scalars(select(Agency).where(Agency.is_ring_partner.is_(True))).all()
    assert ring and workload.agencies > len(ring)
    generated = session.scalars(select(Agency.name).where(Agency.is_ring_partner.is_(False))).all()
    assert all(n.endswith((" Police Department", " County Sheriff's Office")) for n in generated)
