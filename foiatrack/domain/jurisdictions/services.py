"""Loading the shipped jurisdiction table and looking jurisdictions up."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.domain.errors import NotFound
from foiatrack.domain.jurisdictions.deadlines import DayType, DeadlineRule, DecisionFrom
from foiatrack.domain.jurisdictions.models import Jurisdiction

_YES = {"yes": True, "no": False}


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _optional_str(value: str) -> str | None:
    return value.strip() or None


def load_jurisdictions(session: Session, csv_path: Path) -> tuple[int, int]:
    """Insert or update every jurisdiction in the shipped CSV; returns (created, updated)."""
    existing = {j.code: j for j in session.scalars(select(Jurisdiction))}
    created = updated = 0
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            values = {
                "name": row["name"],
                "law_name": row["law_name"],
                "citation": row["citation"],
                "response_days": _optional_int(row["response_days"]),
                "day_type": row["day_type"],
                "extension_days": _optional_int(row["extension_days"]),
                "rolls_forward": _YES[row["rolls_forward"]],
                "counts_receipt_day": _YES[row["counts_receipt_day"]],
                "ack_only": _YES[row["ack_only"]],
                "decision_days": _optional_int(row["decision_days"]),
                "decision_day_type": _optional_str(row["decision_day_type"]),
                "decision_from": _optional_str(row["decision_from"]),
                "rule_summary": row["rule_summary"],
                "appeal_notes": row["appeal_notes"],
                "source": row["source"],
                "confidence": row["confidence"],
            }
            jurisdiction = existing.get(row["code"])
            if jurisdiction is None:
                session.add(Jurisdiction(code=row["code"], **values))
                created += 1
            elif any(getattr(jurisdiction, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(jurisdiction, key, value)
                updated += 1
    session.flush()
    return created, updated


def jurisdictions_by_code(session: Session) -> dict[str, Jurisdiction]:
    return {j.code: j for j in session.scalars(select(Jurisdiction).order_by(Jurisdiction.code))}


def get_jurisdiction(session: Session, code: str) -> Jurisdiction:
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code.upper()))
    if jurisdiction is None:
        raise NotFound(f"Unknown jurisdiction {code!r}: use a two-letter state code, DC or US.")
    return jurisdiction


def deadline_rule(
    jurisdiction: Jurisdiction,
    *,
    overrides: tuple[tuple[int | None, str | None], ...] = (),
    follow_up_days: int = 30,
) -> DeadlineRule:
    """The jurisdiction's rule as the deadline engine takes it, with overrides applied in order.

    Each override is (days, day_type) from an agency (local ordinance) or a request
    (negotiated rule); a later one wins, and (None, None) changes nothing. An override replaces
    the whole state rule, so a two-stage law's second deadline goes with it.
    """
    days, day_type = jurisdiction.response_days, DayType(jurisdiction.day_type)
    decision_days = jurisdiction.decision_days if days is not None else None
    for override_days, override_type in overrides:
        if override_days:
            days = override_days
            decision_days = None
            day_type = (
                DayType(override_type)
                if override_type
                else (day_type if day_type != DayType.NONE else DayType.CALENDAR)
            )
    if day_type == DayType.NONE:
        days = decision_days = None
    second = decision_days is not None
    # The data says "no" for business-day laws where rolling is moot; a calendar override of
    # such a law takes the common rule that deadlines roll to the next business day.
    has_calendar_stage = jurisdiction.day_type == "calendar" or (
        second and jurisdiction.decision_day_type == "calendar"
    )
    return DeadlineRule(
        jurisdiction=jurisdiction.code,
        days=days,
        day_type=day_type,
        rolls_forward=jurisdiction.rolls_forward if has_calendar_stage else True,
        counts_receipt_day=jurisdiction.counts_receipt_day,
        extension_days=jurisdiction.extension_days,
        citation=jurisdiction.citation,
        follow_up_days=follow_up_days,
        decision_days=decision_days,
        decision_day_type=DayType(jurisdiction.decision_day_type or day_type) if second else None,
        decision_from=DecisionFrom(jurisdiction.decision_from or DecisionFrom.ACKNOWLEDGEMENT),
    )
