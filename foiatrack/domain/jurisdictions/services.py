"""Loading the shipped jurisdiction table and looking jurisdictions up."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.domain.errors import NotFound
from foiatrack.domain.jurisdictions.models import Jurisdiction

_YES = {"yes": True, "no": False}


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip() else None


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
