"""What a calendar feed of due dates contains: which requests, and one plain event per date.

Turning these events into iCalendar text is the adapter's job (`foiatrack.adapters.ical`), so
this module stays free of third-party formats and is easy to test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import Session

from foiatrack.domain.requests.models import RecordsRequest, Status
from foiatrack.domain.requests.queries import RUNNING, RequestFilter, request_query

#: the domain part of every event UID, so that re-imports update events instead of adding copies
UID_DOMAIN = "foiatrack"


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day event: a due date of one request."""

    uid: str
    on: dt.date
    summary: str
    description: str
    url: str
    last_modified: dt.datetime | None = None


def feed_query(*, assignee_id: int | None) -> Select[tuple[RecordsRequest]]:
    """Requests with a running clock and a due date; one person's, or everyone's when None."""
    return request_query(RequestFilter(assignee_id=assignee_id)).where(
        RecordsRequest.status.in_(RUNNING), RecordsRequest.due_on.is_not(None)
    )


def feed_requests(session: Session, *, assignee_id: int | None) -> list[RecordsRequest]:
    return list(session.scalars(feed_query(assignee_id=assignee_id)))


def calendar_events(
    requests: Iterable[RecordsRequest], *, request_url: Callable[[int], str]
) -> list[CalendarEvent]:
    """The due-date events of `requests`; `request_url` turns a request id into its page URL."""
    events: list[CalendarEvent] = []
    for req in requests:
        if req.due_on is None or Status(req.status) not in RUNNING:
            continue
        url = request_url(req.id)
        events.append(
            CalendarEvent(
                uid=f"request-{req.id}-due@{UID_DOMAIN}",
                on=req.due_on,
                summary=f"{_due_word(req)}: {req.agency.name} (#{req.id})",
                description=_description(req, url, _due_explanation(req)),
                url=url,
                last_modified=req.updated_at,
            )
        )
        # Acknowledgement is the only move out of "filed"; after it this date is history. A
        # two-stage law's due date is the acknowledgement date until then: one event is enough.
        if (
            req.ack_due_on is not None
            and req.ack_due_on != req.due_on
            and Status(req.status) == Status.FILED
        ):
            events.append(
                CalendarEvent(
                    uid=f"request-{req.id}-ack@{UID_DOMAIN}",
                    on=req.ack_due_on,
                    summary=f"Acknowledgement due: {req.agency.name} (#{req.id})",
                    description=_description(
                        req, url, "The agency must acknowledge the request by this day."
                    ),
                    url=url,
                    last_modified=req.updated_at,
                )
            )
    return events


def _due_word(req: RecordsRequest) -> str:
    if Status(req.status) == Status.APPEALED:
        return "Appeal decision due" if req.due_is_statutory else "Follow up on appeal"
    return "Due" if req.due_is_statutory else "Follow up"


def _due_explanation(req: RecordsRequest) -> str:
    if req.due_is_statutory:
        return "Statutory deadline: the agency must answer by this day."
    return (
        "Follow-up reminder only: the law sets no fixed deadline here, so this is not a legal one."
    )


def _description(req: RecordsRequest, url: str, what: str) -> str:
    jurisdiction = req.agency.jurisdiction
    lines = [
        what,
        f"Request: {req.title}",
        f"Agency: {req.agency.name} ({jurisdiction.code})",
        f"Status: {Status(req.status).label}",
        f"Law: {jurisdiction.law_name}, {jurisdiction.citation}",
    ]
    if req.filed_on is not None:
        lines.append(f"Filed: {req.filed_on.isoformat()}")
    if req.campaign is not None:
        lines.append(f"Campaign: {req.campaign.name}")
    lines.append(url)
    return "\n".join(lines)
