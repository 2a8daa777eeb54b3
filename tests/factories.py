"""Plain functions that build test data through the domain services."""

from __future__ import annotations

from sqlalchemy.orm import Session

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.agencies.services import AgencyFields, create_agency
from foiatrack.domain.requests.models import Campaign, RecordsRequest
from foiatrack.domain.requests.services import create_campaign, create_request


def make_agency(
    session: Session, name: str = "Troy Police Department", state: str = "MI", **fields: object
) -> Agency:
    return create_agency(session, AgencyFields(name=name, state=state, **fields))  # type: ignore[arg-type]


def make_campaign(session: Session, name: str = "Ring 2026") -> Campaign:
    return create_campaign(session, name, actor=None)


def make_request(
    session: Session, agency: Agency | None = None, campaign: Campaign | None = None
) -> RecordsRequest:
    return create_request(
        session, agency or make_agency(session), title="Ring records", campaign=campaign, actor=None
    )
