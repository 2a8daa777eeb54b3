"""Campaigns, records requests and the timeline of everything that happens to them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from foiatrack.domain.accounts.models import User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.base import Base, TimestampMixin, utcnow


class Status(StrEnum):
    """Where a request is in its life. Overdue is derived from `due_on`, never stored."""

    DRAFT = "draft"
    FILED = "filed"
    ACKNOWLEDGED = "acknowledged"
    PROCESSING = "processing"
    FEE_REQUESTED = "fee_requested"
    CLARIFICATION_REQUESTED = "clarification_requested"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    NO_RESPONSIVE_RECORDS = "no_responsive_records"
    REJECTED = "rejected"
    APPEALED = "appealed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Campaign(TimestampMixin, Base):
    """A set of requests sent together, usually one letter to many agencies."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    requests: Mapped[list[RecordsRequest]] = relationship(back_populates="campaign")

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r}>"


class RecordsRequest(TimestampMixin, Base):
    __tablename__ = "records_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[Status] = mapped_column(String(30), default=Status.DRAFT, index=True)
    #: the agency's own reference number, once it gives one
    tracking_number: Mapped[str] = mapped_column(String(100), default="")
    #: the day the request reached the agency; the deadline clock starts here
    filed_on: Mapped[dt.date | None]
    #: statutory due date after extensions and tolling
    due_on: Mapped[dt.date | None] = mapped_column(index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    agency: Mapped[Agency] = relationship(back_populates="requests")
    campaign: Mapped[Campaign | None] = relationship(back_populates="requests")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="(RequestEvent.at, RequestEvent.id)"
    )

    def days_late(self, today: dt.date) -> int:
        """Days past the due date, or 0 when not late, answered, or without a deadline."""
        if self.due_on is None or Status(self.status) in CLOSED_STATUSES:
            return 0
        return max(0, (today - self.due_on).days)

    def __repr__(self) -> str:
        return f"<RecordsRequest {self.id} agency={self.agency_id} {self.status}>"


CLOSED_STATUSES = frozenset(
    {
        Status.DRAFT,
        Status.FULFILLED,
        Status.NO_RESPONSIVE_RECORDS,
        Status.REJECTED,
        Status.WITHDRAWN,
    }
)


class EventKind(StrEnum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    FILED = "filed"
    NOTE = "note"
    EDITED = "edited"


class RequestEvent(Base):
    """One entry on a request's timeline. Rows are append-only: see `_refuse_event_changes`."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    request: Mapped[RecordsRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<RequestEvent {self.id} {self.kind} request={self.request_id}>"


class AppendOnlyViolation(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_event_changes(session: Session, flush_context: object, instances: object) -> None:
    # The timeline is the record of what happened; editing it would make it worthless as evidence.
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, RequestEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation("request events are append-only")
