"""Jurisdictions and the public-records law each one has."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from foiatrack.domain.base import Base, TimestampMixin


class Jurisdiction(TimestampMixin, Base):
    """A state, DC, or the federal government (code `US`), with its records law's response rule."""

    __tablename__ = "jurisdiction"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: USPS code, `DC`, or `US` for the federal government
    code: Mapped[str] = mapped_column(String(2), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    law_name: Mapped[str] = mapped_column(String(200))
    citation: Mapped[str] = mapped_column(String(300))
    #: first statutory deadline in days; None when the law says "promptly" or sets none
    response_days: Mapped[int | None]
    #: business, calendar or none (see domain.jurisdictions.deadlines.DayType)
    day_type: Mapped[str] = mapped_column(String(10))
    #: most extra days an agency may take on its own, in the same unit
    extension_days: Mapped[int | None]
    #: a calendar-day deadline on a weekend or holiday moves to the next business day
    rolls_forward: Mapped[bool] = mapped_column(default=True)
    counts_receipt_day: Mapped[bool] = mapped_column(default=False)
    #: the first deadline asks only for an acknowledgement or determination, not the records
    ack_only: Mapped[bool] = mapped_column(default=False)
    rule_summary: Mapped[str] = mapped_column(Text, default="")
    appeal_notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[str] = mapped_column(String(10), default="")

    @property
    def rule_label(self) -> str:
        """The response rule in a few words, e.g. "10 business days"."""
        if self.response_days is None:
            return "no fixed deadline"
        return f"{self.response_days} {self.day_type} days"

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code}>"
