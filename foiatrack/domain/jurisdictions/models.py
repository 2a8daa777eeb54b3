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
    #: two-stage laws: the second deadline, which starts once the agency acknowledges;
    #: None when the law sets none (then an acknowledgement does not move the due date)
    decision_days: Mapped[int | None]
    #: business or calendar: the second deadline's unit, which can differ from the first's
    decision_day_type: Mapped[str | None] = mapped_column(String(10))
    #: acknowledgement or receipt: what the second deadline counts from
    #: (see domain.jurisdictions.deadlines.DecisionFrom)
    decision_from: Mapped[str | None] = mapped_column(String(20))
    rule_summary: Mapped[str] = mapped_column(Text, default="")
    appeal_notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[str] = mapped_column(String(10), default="")

    @property
    def rule_label(self) -> str:
        """The response rule in a few words, e.g. "10 business days", or for a two-stage law
        "5 business days to acknowledge, then 20 business days after the acknowledgement"."""
        if self.response_days is None:
            return "no fixed deadline"
        first = f"{self.response_days} {self.day_type} days"
        if self.decision_days is None:
            return first
        origin = "the acknowledgement" if self.decision_from == "acknowledgement" else "receipt"
        return (
            f"{first} to acknowledge, then {self.decision_days} {self.decision_day_type} days "
            f"after {origin}"
        )

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code}>"
