"""Sending a request by e-mail so that the agency's reply finds its way back.

Three things identify a request in a reply (the ingest side relies on all of them): the
per-request reply address (plus-addressing: records+<token>@example.org), the Message-ID we
generate (quoted back in In-Reply-To/References) and the subject tag "[FOIA FT-<id>]".

Sending is at most once. An OutboundMessage row is committed as "pending" before the mail
server is contacted and marked "sent" after; a pending row found by a later run means a send
was interrupted at an unknown point, and is never retried without a person deciding so.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.letters.frame import LetterFrame, frame_plain_text
from foiatrack.domain.letters.models import Letter, OutboundMessage, OutboundStatus
from foiatrack.domain.requests.models import RecordsRequest, Status


def reply_address(mail_from: str, token: str) -> str:
    """The request's own address on our mailbox: local+token@domain."""
    _, address = parseaddr(mail_from)
    local, _, domain = address.partition("@")
    if not local or not domain:
        raise ValidationFailed(f"MAIL_FROM is not an e-mail address: {mail_from!r}.")
    return f"{local.split('+')[0]}+{token}@{domain}"


def new_message_id(request_id: int, domain: str) -> str:
    return f"<foiatrack.{request_id}.{secrets.token_hex(8)}@{domain}>"


@dataclass(frozen=True)
class SendPlan:
    request: RecordsRequest
    letter: Letter
    outbound: OutboundMessage


class SendSkipped(Exception):
    """The request is not sent in this run; the message says why (shown in summaries)."""

    def __init__(self, message: str, *, status: str = "skipped") -> None:
        super().__init__(message)
        self.status = status


def plan_send(
    session: Session,
    request: RecordsRequest,
    letter: Letter | None,
    *,
    mail_from: str,
    allow_unknown: bool = False,
) -> SendPlan:
    """Check the request can be sent and record the attempt as pending (the caller commits)."""
    if letter is None:
        raise SendSkipped("no drafted letter to send", status="failed")
    if request.status != Status.DRAFT:
        raise SendSkipped(f"the request is {Status(request.status).label.lower()}, not a draft")
    if not request.agency.email:
        raise SendSkipped(
            "the agency has no e-mail address: file by portal or post", status="failed"
        )
    outbound = session.scalar(select(OutboundMessage).where(OutboundMessage.letter_id == letter.id))
    if outbound is not None and outbound.status == OutboundStatus.SENT:
        raise SendSkipped(f"already sent on {outbound.sent_at:%Y-%m-%d}")
    if outbound is not None and outbound.status == OutboundStatus.PENDING and not allow_unknown:
        raise SendSkipped(
            "an earlier send was interrupted and may have reached the agency; "
            "check the sent mail, then resend with --resend-interrupted",
            status="unknown",
        )
    if letter.filed_at is not None and outbound is None:
        raise SendSkipped("the letter was filed by other means")
    if not request.reply_token:
        from foiatrack.domain.requests.services import new_reply_token

        request.reply_token = new_reply_token()
    _, address = parseaddr(mail_from)
    domain = address.rpartition("@")[2]
    if outbound is None:
        outbound = OutboundMessage(
            request_id=request.id,
            letter_id=letter.id,
            message_id=new_message_id(request.id, domain),
            from_address=reply_address(mail_from, request.reply_token),
            to_address=request.agency.email,
            subject=letter.subject,
            attempts=0,
        )
        session.add(outbound)
    outbound.status = OutboundStatus.PENDING
    outbound.attempts += 1
    session.flush()
    return SendPlan(request, letter, outbound)


def compose_email(
    plan: SendPlan, frame: LetterFrame, pdf: bytes, *, sender_name: str, now: dt.datetime
) -> EmailMessage:
    """The letter in the body, the PDF attached, from the request's reply address."""
    message = EmailMessage()
    message["From"] = formataddr((sender_name, plan.outbound.from_address))
    message["Reply-To"] = plan.outbound.from_address
    message["To"] = plan.outbound.to_address
    message["Subject"] = plan.outbound.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = plan.outbound.message_id
    message["X-Foiatrack-Request"] = str(plan.request.id)
    message.set_content(frame_plain_text(frame) + "\n")
    message.add_attachment(
        pdf,
        maintype="application",
        subtype="pdf",
        filename=f"records-request-{plan.request.id}.pdf",
    )
    return message


def mark_sent(plan: SendPlan, *, now: dt.datetime) -> None:
    plan.outbound.status = OutboundStatus.SENT
    plan.outbound.sent_at = now
    plan.outbound.last_error = ""


def mark_failed(plan: SendPlan, error: str) -> None:
    plan.outbound.status = OutboundStatus.FAILED
    plan.outbound.last_error = error[:2000]
