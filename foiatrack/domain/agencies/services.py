"""Finding, creating and editing agencies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from foiatrack.domain.agencies.models import Agency, AgencyKind
from foiatrack.domain.agencies.naming import guess_kind, name_key
from foiatrack.domain.errors import NotFound, ValidationFailed
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.jurisdictions.services import get_jurisdiction
from foiatrack.domain.validation import email_problem, url_problem

#: column limits, shared by the importer and the web form
FIELD_LIMITS = {
    "name": 300,
    "city": 200,
    "county": 200,
    "email": 254,
    "portal_url": 500,
    "phone": 50,
    "address": 2000,
    "notes": 10000,
    "source_url": 500,
}


@dataclass(frozen=True)
class AgencyFilter:
    state: str | None = None
    ring_partners_only: bool = False
    text: str = ""


def agency_query(filters: AgencyFilter):
    query = select(Agency).join(Agency.jurisdiction).order_by(Jurisdiction.code, Agency.name)
    if filters.state:
        query = query.where(Jurisdiction.code == filters.state.upper())
    if filters.ring_partners_only:
        query = query.where(Agency.is_ring_partner.is_(True))
    if filters.text.strip():
        pattern = f"%{filters.text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Agency.name).like(pattern),
                func.lower(Agency.city).like(pattern),
                func.lower(Agency.county).like(pattern),
            )
        )
    return query


def list_agencies(session: Session, filters: AgencyFilter) -> list[Agency]:
    return list(session.scalars(agency_query(filters)))


def get_agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"There is no agency {agency_id}.")
    return agency


@dataclass
class AgencyFields:
    """Editable fields of an agency, as plain values (from a form or a CSV row)."""

    name: str
    state: str
    city: str = ""
    county: str = ""
    email: str = ""
    portal_url: str = ""
    address: str = ""
    phone: str = ""
    is_ring_partner: bool = False
    ring_partner_since: dt.date | None = None
    notes: str = ""
    source_url: str = ""
    kind: AgencyKind | None = None


def check_lengths(values: dict[str, str]) -> list[str]:
    return [
        f"{field} is longer than {limit} characters"
        for field, limit in FIELD_LIMITS.items()
        if len(values.get(field) or "") > limit
    ]


def _apply(session: Session, agency: Agency, fields: AgencyFields) -> None:
    problems = check_lengths(fields.__dict__)
    if not fields.name.strip():
        problems.append("name is required")
    problems += [
        p
        for p in (email_problem(fields.email.strip()), url_problem(fields.portal_url.strip()))
        if p
    ]
    if problems:
        raise ValidationFailed("The agency could not be saved.", problems)
    agency.jurisdiction = get_jurisdiction(session, fields.state)
    agency.name = fields.name.strip()
    agency.name_key = name_key(agency.name)
    agency.kind = fields.kind or guess_kind(agency.name)
    for attr in (
        "city",
        "county",
        "email",
        "portal_url",
        "address",
        "phone",
        "notes",
        "source_url",
    ):
        setattr(agency, attr, getattr(fields, attr).strip())
    agency.is_ring_partner = fields.is_ring_partner
    agency.ring_partner_since = fields.ring_partner_since


def create_agency(session: Session, fields: AgencyFields) -> Agency:
    agency = Agency()
    _apply(session, agency, fields)
    session.add(agency)
    session.flush()
    return agency


def update_agency(session: Session, agency: Agency, fields: AgencyFields) -> Agency:
    _apply(session, agency, fields)
    session.flush()
    return agency
