"""Agencies that receive records requests."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foiatrack.domain.base import Base, TimestampMixin
from foiatrack.domain.jurisdictions.models import Jurisdiction

if TYPE_CHECKING:
    from foiatrack.domain.requests.models import RecordsRequest


class AgencyKind(StrEnum):
    POLICE = "police"
    SHERIFF = "sheriff"
    PUBLIC_SAFETY = "public_safety"
    STATE_POLICE = "state_police"
    CITY = "city"
    COUNTY = "county"
    FEDERAL = "federal"
    OTHER = "other"


class Agency(TimestampMixin, Base):
    __tablename__ = "agency"
    __table_args__ = (Index("ix_agency_jurisdiction_name_key", "jurisdiction_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: normalised name used to match imports against existing agencies
    name_key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[AgencyKind] = mapped_column(String(20), default=AgencyKind.OTHER)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction.id"), index=True)
    city: Mapped[str] = mapped_column(String(200), default="")
    county: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    portal_url: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    #: FBI Originating Agency Identifier, kept when imported from the Crime Data Explorer list
    ori: Mapped[str | None] = mapped_column(String(9), unique=True)
    is_ring_partner: Mapped[bool] = mapped_column(default=False, index=True)
    ring_partner_since: Mapped[dt.date | None]
    #: where the Ring partnership (or the row itself) is documented
    source_url: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: a local rule that replaces the state's (a city ordinance); None keeps the state law
    deadline_days_override: Mapped[int | None]
    deadline_day_type_override: Mapped[str | None] = mapped_column(String(10))
    deadline_override_note: Mapped[str] = mapped_column(String(500), default="")

    jurisdiction: Mapped[Jurisdiction] = relationship(lazy="joined")
    requests: Mapped[list[RecordsRequest]] = relationship(back_populates="agency")

    @property
    def state(self) -> str:
        return self.jurisdiction.code

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.name!r} {self.jurisdiction_id}>"
