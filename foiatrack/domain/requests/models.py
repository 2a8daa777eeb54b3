"""Campaigns, records requests and the timeline of everything that happens to them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foiatrack.domain.accounts.models import User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.base import Base, Immutable, ImmutableRowError, TimestampMixin, utcnow


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


class FilingMethod(StrEnum):
    EMAIL = "email"
    PORTAL = "portal"
    POST = "post"
    FAX = "fax"
    IN_PERSON = "in_person"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "email": "E-mail",
            "portal": "Web portal",
            "post": "Post",
            "fax": "Fax",
            "in_person": "In person",
            "other": "Other",
        }[self.value]


class RecordsRequest(TimestampMixin, Base):
    __tablename__ = "records_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[Status] = mapped_column(String(30), default=Status.DRAFT, index=True)
    filing_method: Mapped[FilingMethod | None] = mapped_column(String(20))
    #: confirmation or receipt number the filing channel gave us (portal, certified mail)
    filing_confirmation: Mapped[str] = mapped_column(String(200), default="")
    #: the day the request reached the agency; the deadline clock starts here
    filed_on: Mapped[dt.date | None] = mapped_column(index=True)
    #: first statutory deadline after extensions and tolling, or the follow-up date when the
    #: law sets none; recomputed from the timeline by lifecycle.refresh_deadline()
    due_on: Mapped[dt.date | None] = mapped_column(index=True)
    #: False when due_on is only a follow-up reminder, not a legal deadline
    due_is_statutory: Mapped[bool] = mapped_column(default=True)
    ack_due_on: Mapped[dt.date | None]
    #: the first substantive answer (records, no records or a denial), for response times
    first_response_on: Mapped[dt.date | None]
    closed_on: Mapped[dt.date | None]
    #: per-request rule override (a local ordinance, a negotiated rule); None keeps the law's
    deadline_days_override: Mapped[int | None]
    deadline_day_type_override: Mapped[str | None] = mapped_column(String(10))
    deadline_override_note: Mapped[str] = mapped_column(String(500), default="")
    #: random token in the request's reply address (records+<token>@...) so replies route back
    reply_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    agency: Mapped[Agency] = relationship(back_populates="requests")
    campaign: Mapped[Campaign | None] = relationship(back_populates="requests")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="(RequestEvent.at, RequestEvent.id)"
    )
    references: Mapped[list[RequestReference]] = relationship(
        back_populates="request", order_by="RequestReference.id", cascade="all, delete-orphan"
    )
    fees: Mapped[list[Fee]] = relationship(
        back_populates="request", order_by="Fee.id", cascade="all, delete-orphan"
    )
    tags: Mapped[list[RequestTag]] = relationship(
        back_populates="request", order_by="RequestTag.name", cascade="all, delete-orphan"
    )

    @property
    def tracking_number(self) -> str:
        """The agency's first reference number, or "" before it gives one."""
        return self.references[0].number if self.references else ""

    @property
    def is_closed(self) -> bool:
        return Status(self.status) in CLOSED_STATUSES

    def days_late(self, today: dt.date) -> int:
        """Days past the due date, or 0 when not late, answered, or the clock is stopped."""
        return days_late(self.due_on, self.status, today)

    def __repr__(self) -> str:
        return f"<RecordsRequest {self.id} agency={self.agency_id} {self.status}>"


class RequestReference(Base):
    """A number the agency (or its records portal) gave the request; there may be several."""

    __tablename__ = "request_reference"
    __table_args__ = (UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    number: Mapped[str] = mapped_column(String(100), index=True)
    #: what the number is: the agency's own, a portal case id (GovQA, NextRequest), a referral
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[RecordsRequest] = relationship(back_populates="references")

    def __repr__(self) -> str:
        return f"<RequestReference {self.number!r} request={self.request_id}>"


class FeeStatus(StrEnum):
    ESTIMATED = "estimated"
    DEPOSIT_REQUESTED = "deposit_requested"
    WAIVER_REQUESTED = "waiver_requested"
    DISPUTED = "disputed"
    PAID = "paid"
    WAIVED = "waived"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


#: fee states after which the requester owes nothing more
SETTLED_FEE_STATUSES = frozenset({FeeStatus.PAID, FeeStatus.WAIVED})


class Fee(TimestampMixin, Base):
    """Money an agency asks for, with its own small lifecycle."""

    __tablename__ = "fee"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    status: Mapped[FeeStatus] = mapped_column(String(20), default=FeeStatus.ESTIMATED)
    #: in cents, to keep money exact
    amount_cents: Mapped[int] = mapped_column(default=0)
    deposit_cents: Mapped[int | None]
    asked_on: Mapped[dt.date]
    settled_on: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[RecordsRequest] = relationship(back_populates="fees")

    @property
    def amount(self) -> str:
        return format_cents(self.amount_cents)

    def __repr__(self) -> str:
        return f"<Fee {self.id} {self.status} {self.amount_cents}c request={self.request_id}>"


def format_cents(cents: int) -> str:
    return f"${cents / 100:,.2f}"


class RequestTag(Base):
    __tablename__ = "request_tag"
    __table_args__ = (UniqueConstraint("request_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    name: Mapped[str] = mapped_column(String(60), index=True)

    request: Mapped[RecordsRequest] = relationship(back_populates="tags")

    def __repr__(self) -> str:
        return f"<RequestTag {self.name!r} request={self.request_id}>"


CLOSED_STATUSES = frozenset(
    {Status.FULFILLED, Status.NO_RESPONSIVE_RECORDS, Status.REJECTED, Status.WITHDRAWN}
)
#: statuses in which no agency deadline runs: not sent yet, finished, or the clock is
#: stopped while the agency waits on the requester
NOT_RUNNING_STATUSES = CLOSED_STATUSES | {
    Status.DRAFT,
    Status.FEE_REQUESTED,
    Status.CLARIFICATION_REQUESTED,
}


def days_late(due_on: dt.date | None, status: Status | str, today: dt.date) -> int:
    """Days past `due_on`, or 0 when not late, answered, or the clock is stopped (also for
    rows read as plain columns, such as the dashboard's)."""
    if due_on is None or Status(status) in NOT_RUNNING_STATUSES:
        return 0
    return max(0, (today - due_on).days)


class EventKind(StrEnum):
    CREATED = "created"
    FILED = "filed"
    ACKNOWLEDGED = "acknowledged"
    STATUS_CHANGED = "status_changed"
    EXTENDED = "extended"
    DUE_DATE_SET = "due_date_set"
    RULE_OVERRIDDEN = "rule_overridden"
    FEE = "fee"
    CLARIFICATION = "clarification"
    RESPONSE = "response"
    DENIED = "denied"
    APPEALED = "appealed"
    WITHDRAWN = "withdrawn"
    REFERENCE_ADDED = "reference_added"
    ASSIGNED = "assigned"
    TAGGED = "tagged"
    FOLLOW_UP = "follow_up"
    MESSAGE = "message"
    DOCUMENT = "document"
    NOTE = "note"
    EDITED = "edited"


class RequestEvent(Immutable, Base):
    """One entry on a request's timeline, written once: the timeline is the record of what
    happened, and editing it would make it worthless as evidence."""

    immutable_reason = "request events are append-only"

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


#: kept for callers that name it: the timeline is append-only
AppendOnlyViolation = ImmutableRowError
