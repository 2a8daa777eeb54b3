"""The deadline dashboard: what is late, what is due, what waits on us, and how campaigns stand.

Every figure comes from a fixed number of queries, whatever the number of requests, so the
page stays fast at tens of thousands of requests.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.requests.models import Campaign, RecordsRequest, Status
from foiatrack.domain.requests.queries import (
    RequestFilter,
    count,
    due_between,
    overdue_condition,
    request_query,
)

DUE_SOON_DAYS = 7
RECENT_ANSWER_DAYS = 14
#: how long after a denial or partial answer we keep reminding that an appeal may be due
APPEAL_WINDOW_DAYS = 30
BUCKET_LIMIT = 50

ANSWER_STATUSES = [
    Status.PARTIALLY_FULFILLED,
    Status.FULFILLED,
    Status.NO_RESPONSIVE_RECORDS,
    Status.REJECTED,
]
APPEALABLE = [Status.PARTIALLY_FULFILLED, Status.NO_RESPONSIVE_RECORDS, Status.REJECTED]
WAITING_STATUSES = [Status.FEE_REQUESTED, Status.CLARIFICATION_REQUESTED]


@dataclass(frozen=True)
class Bucket:
    key: str
    title: str
    hint: str
    total: int
    rows: list[RecordsRequest]


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
    status_counts: dict[str, int] = field(default_factory=dict)


def _bucket(session: Session, key: str, title: str, hint: str, query: Select, limit: int) -> Bucket:
    rows = list(session.scalars(query.limit(limit)))
    total = len(rows) if len(rows) < limit else count(session, query)
    return Bucket(key, title, hint, total, rows)


def build_dashboard(
    session: Session, filters: RequestFilter, *, today: dt.date, limit: int = BUCKET_LIMIT
) -> Dashboard:
    """Every bucket, campaign and chart figure for the filters, in a fixed number of queries."""
    base = request_query(filters)
    overdue = (
        base.where(*overdue_condition(today))
        .order_by(None)
        .order_by(RecordsRequest.due_on, RecordsRequest.id)
    )
    due_soon = due_between(filters, today, today + dt.timedelta(days=DUE_SOON_DAYS))
    waiting = base.where(
        or_(
            RecordsRequest.status.in_(WAITING_STATUSES),
            and_(
                RecordsRequest.status.in_(APPEALABLE),
                RecordsRequest.first_response_on >= today - dt.timedelta(days=APPEAL_WINDOW_DAYS),
            ),
        )
    )
    answered = (
        base.where(
            RecordsRequest.first_response_on >= today - dt.timedelta(days=RECENT_ANSWER_DAYS)
        )
        .order_by(None)
        .order_by(RecordsRequest.first_response_on.desc(), RecordsRequest.id)
    )
    buckets = [
        _bucket(
            session,
            "overdue",
            "Overdue",
            "The agency's deadline has passed: follow up.",
            overdue,
            limit,
        ),
        _bucket(
            session,
            "due_soon",
            f"Due in the next {DUE_SOON_DAYS} days",
            "Deadlines coming up.",
            due_soon,
            limit,
        ),
        _bucket(
            session,
            "waiting",
            "Waiting on us",
            "A fee or a clarification is owed, or an answer may be worth appealing.",
            waiting,
            limit,
        ),
        _bucket(
            session,
            "answered",
            "Recently answered",
            f"First answers in the last {RECENT_ANSWER_DAYS} days.",
            answered,
            limit,
        ),
    ]
    return Dashboard(
        today=today,
        buckets=buckets,
        campaigns=campaign_progress(session, filters, today=today),
        response_times=response_times_by_state(session, filters),
        status_counts=status_counts(session, filters),
    )


def _filtered_ids(filters: RequestFilter) -> Select:
    return request_query(filters).order_by(None).with_only_columns(RecordsRequest.id)


def status_counts(session: Session, filters: RequestFilter) -> dict[str, int]:
    rows = session.execute(
        select(RecordsRequest.status, func.count())
        .where(RecordsRequest.id.in_(_filtered_ids(filters)))
        .group_by(RecordsRequest.status)
    )
    return {status: n for status, n in rows}


def campaign_progress(
    session: Session, filters: RequestFilter, *, today: dt.date
) -> list[CampaignProgress]:
    """For each campaign: how many of its agencies were filed, acknowledged, answered, late."""
    late = and_(*overdue_condition(today))
    not_draft = RecordsRequest.status != Status.DRAFT
    past_ack = RecordsRequest.status.not_in([Status.DRAFT, Status.FILED, Status.WITHDRAWN])
    answered = RecordsRequest.first_response_on.is_not(None)
    rows = session.execute(
        select(
            Campaign.id,
            Campaign.name,
            func.count(RecordsRequest.id),
            func.sum(case((not_draft, 1), else_=0)),
            func.sum(case((past_ack, 1), else_=0)),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
        )
        .join(RecordsRequest, RecordsRequest.campaign_id == Campaign.id)
        .where(RecordsRequest.id.in_(_filtered_ids(filters)))
        .group_by(Campaign.id, Campaign.name)
        .order_by(Campaign.name)
    )
    return [
        CampaignProgress(cid, name, total, filed or 0, ack or 0, ans or 0, over or 0)
        for cid, name, total, filed, ack, ans, over in rows
    ]


def response_times_by_state(session: Session, filters: RequestFilter) -> list[StateResponseTime]:
    """Median days from filing to the first substantive answer, per state."""
    rows = session.execute(
        select(Jurisdiction.code, RecordsRequest.filed_on, RecordsRequest.first_response_on)
        .join(Agency, Agency.id == RecordsRequest.agency_id)
        .join(Jurisdiction, Jurisdiction.id == Agency.jurisdiction_id)
        .where(
            RecordsRequest.id.in_(_filtered_ids(filters)),
            RecordsRequest.filed_on.is_not(None),
            RecordsRequest.first_response_on.is_not(None),
        )
    )
    days: dict[str, list[int]] = defaultdict(list)
    for state, filed_on, answered_on in rows:
        days[state].append(max(0, (answered_on - filed_on).days))
    return sorted(
        (
            StateResponseTime(state, len(values), statistics.median(values), max(values))
            for state, values in days.items()
        ),
        key=lambda s: (-s.median_days, s.state),
    )
