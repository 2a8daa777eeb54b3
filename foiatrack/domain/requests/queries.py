"""Reading requests: filters, the dashboard's buckets, and what each person has due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.requests.models import (
    NOT_RUNNING_STATUSES,
    Campaign,
    RecordsRequest,
    RequestTag,
    Status,
)

RUNNING = [s.value for s in Status if s not in NOT_RUNNING_STATUSES]


@dataclass(frozen=True)
class RequestFilter:
    status: Status | None = None
    campaign_id: int | None = None
    campaign_name: str | None = None
    agency_id: int | None = None
    #: part of the agency's name, any case
    agency_name: str | None = None
    state: str | None = None
    assignee_id: int | None = None
    tag: str | None = None
    #: only requests whose agency deadline has passed on this day
    overdue_on: dt.date | None = None


def request_query(filters: RequestFilter) -> Select[tuple[RecordsRequest]]:
    """Requests matching `filters`, soonest due first, with what a list shows loaded."""
    query = (
        select(RecordsRequest)
        .join(RecordsRequest.agency)
        .join(Agency.jurisdiction)
        .options(
            selectinload(RecordsRequest.agency),
            selectinload(RecordsRequest.campaign),
            selectinload(RecordsRequest.assignee),
            selectinload(RecordsRequest.tags),
        )
        .order_by(
            RecordsRequest.due_on.is_(None), RecordsRequest.due_on, Agency.name, RecordsRequest.id
        )
    )
    if filters.status:
        query = query.where(RecordsRequest.status == Status(filters.status).value)
    if filters.campaign_id:
        query = query.where(RecordsRequest.campaign_id == filters.campaign_id)
    if filters.campaign_name:
        query = query.join(RecordsRequest.campaign).where(Campaign.name == filters.campaign_name)
    if filters.agency_id:
        query = query.where(RecordsRequest.agency_id == filters.agency_id)
    if filters.agency_name:
        query = query.where(
            func.lower(Agency.name).contains(filters.agency_name.lower(), autoescape=True)
        )
    if filters.state:
        query = query.where(Jurisdiction.code == filters.state.upper())
    if filters.assignee_id:
        query = query.where(RecordsRequest.assignee_id == filters.assignee_id)
    if filters.tag:
        query = query.where(RecordsRequest.tags.any(RequestTag.name == filters.tag.lower()))
    if filters.overdue_on:
        query = query.where(*overdue_condition(filters.overdue_on))
    return query


def overdue_condition(today: dt.date) -> tuple:
    """SQL conditions for "the agency is late": a running clock whose due date has passed."""
    return (RecordsRequest.due_on < today, RecordsRequest.status.in_(RUNNING))


def list_requests(session: Session, filters: RequestFilter) -> list[RecordsRequest]:
    return list(session.scalars(request_query(filters)))


def due_between(
    filters: RequestFilter, start: dt.date, end: dt.date
) -> Select[tuple[RecordsRequest]]:
    """Requests with a running clock that fall due from `start` to `end`, inclusive."""
    return request_query(filters).where(
        and_(
            RecordsRequest.due_on >= start,
            RecordsRequest.due_on <= end,
            RecordsRequest.status.in_(RUNNING),
        )
    )


def count(session: Session, query: Select) -> int:
    return (
        session.scalar(select(func.count()).select_from(query.order_by(None).options().subquery()))
        or 0
    )
