"""Declarative base shared by every model: naming convention and aware UTC timestamps."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, event, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite has no time zones, so without this a value written aware would come back naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; foiatrack stores aware UTC datetimes only")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: object
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class ImmutableRowError(Exception):
    """Someone tried to change or delete a row that is a record of what happened."""


class Immutable:
    """Rows of such models are written once: a timeline entry, a filed letter.

    They are evidence (of what happened, of what an agency received), so a single session hook
    refuses any update or delete of them, whatever code path tries.
    """

    immutable_reason = "this record cannot change"


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_immutable_rows(
    session: Session, flush_context: object, instances: object
) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Immutable) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableRowError(obj.immutable_reason)
