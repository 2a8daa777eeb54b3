"""Creating campaigns and requests, and writing their timeline."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from foiatrack.domain.accounts.models import User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.errors import NotFound, ValidationFailed
from foiatrack.domain.requests.models import (
    Campaign,
    EventKind,
    RecordsRequest,
    RequestEvent,
    Status,
)

MAX_NOTE_LENGTH = 10_000
#: letters and digits that survive being read aloud or retyped (no 0/o, 1/l/i)
TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - not a secret
TOKEN_LENGTH = 10


def new_reply_token() -> str:
    """A random token for a request's reply address, e.g. records+k3m9x2p7qa@example.org."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def record_event(
    session: Session,
    request: RecordsRequest,
    kind: EventKind,
    summary: str,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> RequestEvent:
    """Append one entry to the request's timeline."""
    event = RequestEvent(request=request, kind=kind, summary=summary, actor=actor, data=data or {})
    if at is not None:
        event.at = at
    session.add(event)
    return event


def create_campaign(
    session: Session, name: str, *, description: str = "", actor: User | None
) -> Campaign:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("A campaign needs a name of 1 to 200 characters.")
    if session.scalar(select(Campaign).where(Campaign.name == name)) is not None:
        raise ValidationFailed(f"A campaign called {name!r} already exists.")
    campaign = Campaign(name=name, description=description, created_by_id=actor and actor.id)
    session.add(campaign)
    session.flush()
    return campaign


def create_request(
    session: Session, agency: Agency, *, title: str, campaign: Campaign | None, actor: User | None
) -> RecordsRequest:
    """A new draft request to one agency, with its first timeline entry."""
    request = RecordsRequest(
        agency=agency,
        campaign=campaign,
        title=title[:300],
        status=Status.DRAFT,
        created_by_id=actor and actor.id,
        reply_token=new_reply_token(),
    )
    session.add(request)
    record_event(
        session, request, EventKind.CREATED, f"Drafted a request to {agency.name}", actor=actor
    )
    session.flush()
    return request


def add_note(session: Session, request: RecordsRequest, text: str, *, actor: User) -> RequestEvent:
    text = text.strip()
    if not text:
        raise ValidationFailed("A note cannot be empty.")
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationFailed(f"Notes are limited to {MAX_NOTE_LENGTH} characters.")
    event = record_event(session, request, EventKind.NOTE, text, actor=actor)
    session.flush()
    return event


def get_request(session: Session, request_id: int) -> RecordsRequest:
    request = session.scalar(
        select(RecordsRequest)
        .where(RecordsRequest.id == request_id)
        .options(
            selectinload(RecordsRequest.events).selectinload(RequestEvent.actor),
            selectinload(RecordsRequest.agency),
            selectinload(RecordsRequest.campaign),
        )
    )
    if request is None:
        raise NotFound(f"There is no request {request_id}.")
    return request


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"There is no campaign {campaign_id}.")
    return campaign


@dataclass(frozen=True)
class CampaignSummary:
    campaign: Campaign
    counts: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def campaign_summaries(session: Session) -> list[CampaignSummary]:
    """Every campaign with its request counts per status, in two queries."""
    campaigns = list(session.scalars(select(Campaign).order_by(Campaign.created_at.desc())))
    rows = session.execute(
        select(RecordsRequest.campaign_id, RecordsRequest.status, func.count()).group_by(
            RecordsRequest.campaign_id, RecordsRequest.status
        )
    )
    counts: dict[int | None, Counter[str]] = {}
    for campaign_id, status, count in rows:
        counts.setdefault(campaign_id, Counter())[status] = count
    return [CampaignSummary(c, counts.get(c.id, Counter())) for c in campaigns]
