"""Reminder digests: for each person, what is overdue and what falls due soon.

Only running clocks count: a draft, a closed request or one waiting on us (a fee, a question)
has no agency deadline to chase. Requests with nobody to look after them (no assignee, or a
deactivated one) go into one "unassigned" digest for the admins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from foiatrack.domain.accounts.models import User
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.requests.models import RecordsRequest, Status
from foiatrack.domain.requests.queries import RequestFilter, due_between, request_query

MAX_DUE_WITHIN_DAYS = 365


@dataclass(frozen=True)
class DigestItem:
    """One request as a reminder shows it."""

    request_id: int
    title: str
    agency: str
    state: str
    status: Status
    due_on: dt.date
    #: False when due_on is only a follow-up date, not a legal deadline
    is_statutory: bool
    #: days past due_on (overdue items), else 0
    days_late: int
    #: days until due_on (due-soon items; 0 is today), else 0
    days_left: int


@dataclass(frozen=True)
class Digest:
    """What one person (or nobody, for unassigned requests) should chase."""

    #: None for requests with no active assignee
    recipient: User | None
    #: most late first
    overdue: tuple[DigestItem, ...]
    #: soonest first
    due_soon: tuple[DigestItem, ...]
    due_within_days: int

    @property
    def is_unassigned(self) -> bool:
        return self.recipient is None


def build_digests(session: Session, *, today: dt.date, due_within_days: int = 7) -> list[Digest]:
    """One digest per active assignee with something overdue or due soon, then the unassigned."""
    if not 0 <= due_within_days <= MAX_DUE_WITHIN_DAYS:
        raise ValidationFailed(f"The reminder window is 0 to {MAX_DUE_WITHIN_DAYS} days.")
    # Two queries with their eager loads, however many requests: no per-request lazy loading.
    overdue = session.scalars(request_query(RequestFilter(overdue_on=today))).all()
    soon = session.scalars(
        due_between(RequestFilter(), today, today + dt.timedelta(days=due_within_days))
    ).all()

    groups: dict[int | None, tuple[list[DigestItem], list[DigestItem]]] = {}
    owners: dict[int | None, User | None] = {None: None}
    for requests, index in ((overdue, 0), (soon, 1)):
        for request in requests:
            if request.due_on is None:  # both queries compare due_on; this keeps types honest
                continue
            owner = request.assignee if request.assignee and request.assignee.is_active else None
            key = owner.id if owner else None
            owners[key] = owner
            groups.setdefault(key, ([], []))[index].append(_item(request, request.due_on, today))

    digests = []
    for key, (late, upcoming) in groups.items():
        digests.append(
            Digest(
                recipient=owners[key],
                overdue=tuple(sorted(late, key=lambda i: (-i.days_late, i.agency, i.request_id))),
                due_soon=tuple(sorted(upcoming, key=lambda i: (i.due_on, i.agency, i.request_id))),
                due_within_days=due_within_days,
            )
        )
    digests.sort(key=lambda d: (d.recipient is None, d.recipient.email if d.recipient else ""))
    return digests


def _item(request: RecordsRequest, due_on: dt.date, today: dt.date) -> DigestItem:
    return DigestItem(
        request_id=request.id,
        title=request.title,
        agency=request.agency.name,
        state=request.agency.state,
        status=Status(request.status),
        due_on=due_on,
        is_statutory=request.due_is_statutory,
        days_late=request.days_late(today),
        days_left=max(0, (due_on - today).days),
    )


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def digest_subject(digest: Digest) -> str:
    """A subject line with the counts, e.g. "foiatrack: 3 overdue, 5 due within 7 days"."""
    who = " (unassigned requests)" if digest.is_unassigned else ""
    return (
        f"foiatrack{who}: {len(digest.overdue)} overdue, {len(digest.due_soon)} due within "
        f"{_days(digest.due_within_days)}"
    )


def _deadline_kind(item: DigestItem) -> str:
    return "statutory deadline" if item.is_statutory else "follow-up date, not a legal deadline"


def render_digest(digest: Digest, *, base_url: str, today: dt.date) -> str:
    """The digest as plain text, with a link to each request."""
    base = base_url.rstrip("/")
    if digest.recipient is None:
        lines = [
            f"Requests nobody is assigned to, as of {today.isoformat()}.",
            "Assign them so that someone follows them up.",
        ]
    else:
        name = digest.recipient.name or digest.recipient.email
        lines = [f"Requests assigned to {name}, as of {today.isoformat()}."]

    def section(
        title: str, items: tuple[DigestItem, ...], when: Callable[[DigestItem], str]
    ) -> None:
        lines.extend(["", f"{title} ({len(items)})", ""])
        if not items:
            lines.append("  None.")
        for item in items:
            lines.extend(
                [
                    f"  #{item.request_id}  {item.agency} ({item.state})",
                    f"      {when(item)} ({_deadline_kind(item)})",
                    f"      {item.status.label}: {item.title}",
                    f"      {base}/requests/{item.request_id}",
                ]
            )

    section(
        "OVERDUE",
        digest.overdue,
        lambda i: f"{_days(i.days_late)} late, was due {i.due_on.isoformat()}",
    )
    section(
        f"DUE WITHIN {_days(digest.due_within_days).upper()}",
        digest.due_soon,
        lambda i: (
            f"due {'today' if i.days_left == 0 else 'in ' + _days(i.days_left)}, "
            f"{i.due_on.isoformat()}"
        ),
    )
    return "\n".join(lines) + "\n"
