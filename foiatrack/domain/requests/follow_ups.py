"""A plain follow-up message for a request the agency has not answered in time.

The letters feature drafts richer follow-ups from templates; this one needs nothing but the
request, so the dashboard can offer a follow-up for every overdue request from day one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from foiatrack.domain.requests.models import RecordsRequest


@dataclass(frozen=True)
class FollowUpDraft:
    request_id: int
    to: str
    subject: str
    body: str


def draft_follow_up(request: RecordsRequest, *, today: dt.date, signature: str) -> FollowUpDraft:
    """Subject and body asking the agency for a status update, citing its deadline."""
    agency = request.agency
    law = agency.jurisdiction
    reference = f" (your reference {request.tracking_number})" if request.tracking_number else ""
    filed = request.filed_on.strftime("%B %-d, %Y") if request.filed_on else "recently"
    late = request.days_late(today)
    if request.due_on and request.due_is_statutory:
        deadline = (
            f"Under the {law.law_name} ({law.citation}), a response was due by "
            f"{request.due_on.strftime('%B %-d, %Y')}"
        )
        deadline += f", {late} day{'s' if late != 1 else ''} ago." if late else "."
    else:
        deadline = (
            f"The {law.law_name} ({law.citation}) asks agencies to respond promptly, "
            "and I have not yet received a response."
        )
    body = "\n\n".join(
        [
            f"Dear Records Officer of the {agency.name},",
            f"I am following up on my public records request “{request.title}”{reference}, "
            f"filed on {filed}. {deadline}",
            "Please let me know the status of the request and when I can expect the records. "
            "If any part of the request is unclear, or if fees apply, please tell me so that I can "
            "respond promptly. If you intend to withhold any records, please cite the specific "
            "exemption for each.",
            f"Thank you for your help.\n\n{signature}".rstrip(),
        ]
    )
    subject = f"Follow-up: public records request #{request.id}{reference}"
    return FollowUpDraft(request.id, agency.email, subject, body)
