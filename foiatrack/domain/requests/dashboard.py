"""The deadline dashboard: what is late, what is due, what waits on us, and how campaigns stand.

Every figure comes from a fixed number of queries, whatever the number of requests, so the
page stays fast at tens of thousands of requests.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from foiatrack.domain.accounts.models import User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.requests.models import Campaign, RecordsRequest, Status, days_late
from foiatrack.domain.requests.queries import (
    RUNNING,
    RequestFilter,
    days_between,
    filter_conditions,
    filtered,
    overdue_condition,
)

DUE_SOON_DAYS = 7
RECENT_ANSWER_DAYS = 14
#: how long after a denial or partial answer we keep reminding that an appeal may be due
APPEAL_WINDOW_DAYS = 30
#: rows shown per bucket; "Show all" leads to the whole filtered list
BUCKET_LIMIT = 25

ANSWER_STATUSES = [
    Status.PARTIALLY_FULFILLED,
    Status.FULFILLED,
    Status.NO_RESPONSIVE_RECORDS,
    Status.REJECTED,
]
APPEALABLE = [Status.PARTIALLY_FULFILLED, Status.NO_RESPONSIVE_RECORDS, Status.REJECTED]
WAITING_STATUSES = [Status.FEE_REQUESTED, Status.CLARIFICATION_REQUESTED]
#: the dashboard's buckets in display order: key, title, hint
BUCKETS = (
    ("overdue", "Overdue", "The agency's deadline has passed: follow up."),
    ("due_soon", f"Due in the next {DUE_SOON_DAYS} days", "Deadlines coming up."),
    (
        "waiting",
        "Waiting on us",
        "A fee or a clarification is owed, or an answer may be worth appealing.",
    ),
    ("answered", "Recently answered", f"First answers in the last {RECENT_ANSWER_DAYS} days."),
)


@dataclass(frozen=True)
class DashboardRow:
    """What a bucket shows of one request: plain values, so that a board can be cached."""

    id: int
    agency_name: str
    state: str
    campaign_name: str | None
    status: Status
    assignee_email: str | None
    filed_on: dt.date | None
    due_on: dt.date | None
    due_is_statutory: bool
    days_late: int


@dataclass(frozen=True)
class Bucket:
    key: str
    title: str
    hint: str
    total: int
    rows: list[DashboardRow]


@dataclass(frozen=True)
class CampaignProgress:
    campaign_id: int
    name: str
    total: int
    filed: int
    acknowledged: int
    answered: int
    overdue: int

    def share(self, part: int) -> float:
        return part / self.total if self.total else 0.0


@dataclass(frozen=True)
class StateResponseTime:
    state: str
    requests: int
    median_days: float
    max_days: int


@dataclass
class Dashboard:
    today: dt.date
    buckets: list[Bucket]
    campaigns: list[CampaignProgress]
    response_times: list[StateResponseTime]


def _bucket_conditions(today: dt.date) -> dict[str, ColumnElement[bool]]:
    """What puts a request in each bucket, as SQL conditions."""
    running = RecordsRequest.status.in_(RUNNING)
    return {
        "overdue": and_(*overdue_condition(today)),
        "due_soon": and_(
            RecordsRequest.due_on >= today,
            RecordsRequest.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS),
            running,
        ),
        "waiting": or_(
            RecordsRequest.status.in_(WAITING_STATUSES),
            and_(
                RecordsRequest.status.in_(APPEALABLE),
                RecordsRequest.first_response_on >= today - dt.timedelta(days=APPEAL_WINDOW_DAYS),
            ),
        ),
        "answered": RecordsRequest.first_response_on
        >= today - dt.timedelta(days=RECENT_ANSWER_DAYS),
    }


def bucket_totals(session: Session, filters: RequestFilter, *, today: dt.date) -> dict[str, int]:
    """How many requests are in each bucket, in one pass over the filtered requests."""
    conditions = _bucket_conditions(today)
    row = session.execute(
        filtered(
            *(func.sum(case((c, 1), else_=0)).label(key) for key, c in conditions.items()),
            filters=filters,
        )
    ).one()
    return {key: int(getattr(row, key) or 0) for key in conditions}


_ROW_COLUMNS = (
    RecordsRequest.id,
    Agency.name,
    Jurisdiction.code,
    Campaign.name,
    RecordsRequest.status,
    User.email,
    RecordsRequest.filed_on,
    RecordsRequest.due_on,
    RecordsRequest.due_is_statutory,
)


def _bucket_query(filters: RequestFilter, key: str, condition: ColumnElement[bool]) -> Select:
    """The bucket's rows as plain columns: one statement, no objects or eager loads."""
    query = (
        select(*_ROW_COLUMNS)
        .select_from(RecordsRequest)
        .join(RecordsRequest.agency)
        .join(Agency.jurisdiction)
        .outerjoin(RecordsRequest.campaign)
        .outerjoin(RecordsRequest.assignee)
        .where(*filter_conditions(filters), condition)
    )
    if key == "overdue":
        return query.order_by(RecordsRequest.due_on, RecordsRequest.id)
    if key == "answered":
        return query.order_by(RecordsRequest.first_response_on.desc(), RecordsRequest.id)
    return query.order_by(
        RecordsRequest.due_on.is_(None), RecordsRequest.due_on, Agency.name, RecordsRequest.id
    )


def _row(values: tuple, today: dt.date) -> DashboardRow:
    rid, agency, state, campaign, status, assignee, filed_on, due_on, statutory = values
    late = days_late(due_on, status, today)
    return DashboardRow(
        rid, agency, state, campaign, Status(status), assignee, filed_on, due_on, statutory, late
    )


def build_dashboard(
    session: Session, filters: RequestFilter, *, today: dt.date, limit: int = BUCKET_LIMIT
) -> Dashboard:
    """Every bucket, campaign and chart figure for the filters, in a fixed number of queries."""
    conditions = _bucket_conditions(today)
    totals = bucket_totals(session, filters, today=today)
    buckets = []
    for key, title, hint in BUCKETS:
        rows: list[DashboardRow] = []
        # An empty bucket needs no query: its total is already known.
        if totals[key]:
            query = _bucket_query(filters, key, conditions[key]).limit(limit)
            rows = [_row(tuple(values), today) for values in session.execute(query)]
        buckets.append(Bucket(key, title, hint, totals[key], rows))
    return Dashboard(
        today=today,
        buckets=buckets,
        campaigns=campaign_progress(session, filters, today=today),
        response_times=response_times_by_state(session, filters),
    )


def data_version(session: Session) -> tuple:
    """A value that changes whenever anything the dashboard shows changes, in one statement.

    Every write to a request, agency, campaign, user or jurisdiction moves its table's latest
    `updated_at` (the ORM's `onupdate`), and a deletion changes a count. Tags are not covered:
    a dashboard filtered by tag is never cached.
    """
    latest = [
        select(func.max(model.updated_at)).scalar_subquery()
        for model in (RecordsRequest, Agency, Campaign, User, Jurisdiction)
    ]
    counts = [
        select(func.count()).select_from(model).scalar_subquery()
        for model in (RecordsRequest, Agency, Campaign, User)
    ]
    return tuple(session.execute(select(*latest, *counts)).one())


class DashboardCache:
    """Built dashboards kept in this process and reused while the data has not changed.

    With many people watching the same campaign, most views rebuild identical figures. A cached
    board is checked against `data_version` on every view (one cheap statement), so a change
    shows at once. `max_age` (seconds) bounds what the version cannot see, such as a write
    that bypassed the ORM; 0 turns caching off.
    """

    def __init__(
        self,
        max_age: float = 60.0,
        size: int = 64,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age = max_age
        self.size = size
        self._clock = clock
        self._boards: OrderedDict[Hashable, tuple[float, Dashboard]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, session: Session, filters: RequestFilter, *, today: dt.date) -> Dashboard:
        if self.max_age <= 0 or filters.tag:
            return build_dashboard(session, filters, today=today)
        key = (filters, today, data_version(session))
        now = self._clock()
        with self._lock:
            cached = self._boards.get(key)
            if cached is not None and now - cached[0] < self.max_age:
                self._boards.move_to_end(key)
                self.hits += 1
                return cached[1]
            self.misses += 1
        board = build_dashboard(session, filters, today=today)
        with self._lock:
            self._boards[key] = (now, board)
            while len(self._boards) > self.size:
                self._boards.popitem(last=False)
        return board


def campaign_progress(
    session: Session, filters: RequestFilter, *, today: dt.date
) -> list[CampaignProgress]:
    """For each campaign: how many of its agencies were filed, acknowledged, answered, late."""
    late = and_(*overdue_condition(today))
    not_draft = RecordsRequest.status != Status.DRAFT
    past_ack = RecordsRequest.status.not_in([Status.DRAFT, Status.FILED, Status.WITHDRAWN])
    answered = RecordsRequest.first_response_on.is_not(None)
    rows = session.execute(
        filtered(
            Campaign.id,
            Campaign.name,
            func.count(RecordsRequest.id),
            func.sum(case((not_draft, 1), else_=0)),
            func.sum(case((past_ack, 1), else_=0)),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
            filters=filters,
        )
        .join(Campaign, RecordsRequest.campaign_id == Campaign.id)
        .group_by(Campaign.id, Campaign.name)
        .order_by(Campaign.name)
    )
    return [
        CampaignProgress(cid, name, total, filed or 0, ack or 0, ans or 0, over or 0)
        for cid, name, total, filed, ack, ans, over in rows
    ]


def response_times_by_state(session: Session, filters: RequestFilter) -> list[StateResponseTime]:
    """Median days from filing to the first substantive answer, per state.

    The database ranks the answer times within each state and returns only the middle ones:
    one or two rows per state, however many requests were answered.
    """
    days = days_between(RecordsRequest.filed_on, RecordsRequest.first_response_on)
    answered = (
        filtered(
            Jurisdiction.code.label("state"),
            case((days < 0, 0), else_=days).label("days"),
            filters=filters,
            with_agency=True,
        )
        .where(RecordsRequest.filed_on.is_not(None), RecordsRequest.first_response_on.is_not(None))
        .subquery()
    )
    per_state = {"partition_by": answered.c.state}
    ranked = select(
        answered.c.state,
        answered.c.days,
        func.row_number().over(**per_state, order_by=answered.c.days).label("rank"),
        func.count().over(**per_state).label("n"),
        func.max(answered.c.days).over(**per_state).label("longest"),
    ).subquery()
    # The median is the middle value, or the mean of the two middle ones.
    middle = ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    rows = session.execute(
        select(
            ranked.c.state,
            func.max(ranked.c.n),
            func.avg(ranked.c.days),
            func.max(ranked.c.longest),
        )
        .where(middle)
        .group_by(ranked.c.state)
    )
    return sorted(
        (StateResponseTime(state, n, float(median), longest) for state, n, median, longest in rows),
        key=lambda s: (-s.median_days, s.state),
    )
