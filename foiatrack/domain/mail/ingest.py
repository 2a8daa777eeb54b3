"""Turning one stored raw message into what foiatrack knows: a message, its attachments,
links to requests (or a place in the inbox), documents, and suggested status changes.

The raw bytes were committed before this runs (fetching.py), so anything here can fail and be
retried from them. Text extraction of attachments is not done here: it runs after the commit
(extract_pending), so a slow PDF never holds the mailbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.domain.accounts.models import User
from foiatrack.domain.documents.models import Document, DocumentSource, ExtractionStatus
from foiatrack.domain.documents.naming import safe_filename
from foiatrack.domain.documents.sniffing import sniff_media_type
from foiatrack.domain.documents.zips import expand_zip
from foiatrack.domain.errors import NotFound, ValidationFailed
from foiatrack.domain.mail.classify import classify
from foiatrack.domain.mail.html import clean_html, html_to_text
from foiatrack.domain.mail.models import (
    Attachment,
    Direction,
    Message,
    MessageLink,
    RawMessage,
    RawStatus,
    SenderRule,
    Suggestion,
)
from foiatrack.domain.mail.parsing import ParsedAttachment, ParsedMessage, parse_message
from foiatrack.domain.mail.routing import is_outgoing, route
from foiatrack.domain.requests.models import EventKind, RecordsRequest
from foiatrack.domain.requests.services import record_event
from foiatrack.domain.search.indexing import index_message

#: attachments above this are stored but not opened (no ZIP expansion, no text extraction)
MAX_PROCESSED_ATTACHMENT = 50 * 1024 * 1024
ZIP_TYPES = {"application/zip", "application/x-zip-compressed"}


@dataclass(frozen=True)
class IngestContext:
    """What processing needs from outside: file storage, a type sniffer, our address."""

    store: Callable[[bytes], str]
    sniff: Callable[[bytes, str], str]
    mail_from: str
    now: dt.datetime


def content_hash(parsed: ParsedMessage, attachment_hashes: list[str]) -> str:
    """Same body and same files: a forward of a message we have, whatever its Message-ID."""
    body = " ".join((parsed.body_text or html_to_text(parsed.body_html)).split()).lower()
    joined = body + "\n" + "\n".join(sorted(attachment_hashes))
    return hashlib.sha256(joined.encode()).hexdigest()


def _all_attachments(parsed: ParsedMessage) -> list[ParsedAttachment]:
    found = list(parsed.attachments)
    for forwarded in parsed.forwarded:
        found.extend(_all_attachments(forwarded))
    return found


def process_raw(
    session: Session, raw: RawMessage, *, blobs: Any, config: Mapping[str, Any], now: dt.datetime
) -> str:
    """What the fetcher calls for each stored raw message: read its bytes back and process."""
    ctx = IngestContext(
        store=blobs.put, sniff=sniff_media_type, now=now, mail_from=mail_from_setting(config)
    )
    return process_message(session, raw, blobs.get(raw.sha256), ctx)


def mail_from_setting(config: Mapping[str, Any]) -> str:
    """Our own address: MAIL_FROM, or the IMAP user when it is an address."""
    return str(config.get("MAIL_FROM") or config.get("IMAP_USERNAME") or "")


def process_message(session: Session, raw: RawMessage, data: bytes, ctx: IngestContext) -> str:
    """Parse, route and store one raw message; returns routed, inbox, outgoing or duplicate."""
    parsed = parse_message(data)
    if is_outgoing(session, parsed, ctx.mail_from):
        raw.status = RawStatus.OUTGOING
        session.flush()
        return "outgoing"
    stored = [(part, ctx.store(part.data)) for part in _all_attachments(parsed)]
    digest = content_hash(parsed, [sha for _, sha in stored])
    earlier = session.scalar(
        select(Message).where(Message.content_hash == digest, Message.raw_id != raw.id)
    )
    if earlier is not None and (parsed.body_text.strip() or stored):
        raw.status, raw.duplicate_of_id = RawStatus.DUPLICATE, earlier.raw_id
        session.flush()
        return "duplicate"
    message = _store_message(session, raw, parsed, stored, digest, ctx)
    found = route(session, parsed, mail_from=ctx.mail_from)
    if found.is_routed:
        for request_id in found.request_ids:
            link_message(
                session,
                message,
                _routed_request(session, request_id),
                routed_by=found.routed_by,
                actor=None,
                now=ctx.now,
                reindex=False,
            )
    else:
        message.in_inbox = True
        message.inbox_note = found.reason
        message.suggested_request_id = found.suggested_request_id
    # Searchable in the same transaction as it is stored, once routed: the entry carries the
    # request, which search's agency, campaign and state filters go by.
    index_message(session, message)
    raw.status, raw.error, raw.retry_at = RawStatus.DONE, "", None
    session.flush()
    return "routed" if found.is_routed else "inbox"


def _routed_request(session: Session, request_id: int) -> RecordsRequest:
    """The request routing found, as a plain row: `get_request` would also load its whole
    timeline, agency and campaign, which linking never reads (its new timeline entry is
    queued on the unloaded collection)."""
    request = session.get(RecordsRequest, request_id)
    if request is None:
        raise NotFound(f"There is no request {request_id}.")
    return request


def _store_message(
    session: Session,
    raw: RawMessage,
    parsed: ParsedMessage,
    stored: list[tuple[ParsedAttachment, str]],
    digest: str,
    ctx: IngestContext,
) -> Message:
    html = clean_html(parsed.body_html) if parsed.body_html else ""
    message = Message(
        raw_id=raw.id,
        direction=Direction.IN,
        message_id_header=parsed.message_id[:998],
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        from_address=parsed.from_address[:320],
        from_name=parsed.from_name[:300],
        to_addresses=parsed.to,
        cc_addresses=parsed.cc,
        subject=parsed.subject,
        sent_at=parsed.date.astimezone(dt.UTC) if parsed.date and parsed.date.tzinfo else None,
        body_text=parsed.body_text or html_to_text(parsed.body_html),
        body_html=html,
        content_hash=digest,
        is_auto_reply=parsed.is_auto_reply,
        received_at=ctx.now,
    )
    session.add(message)
    for part, sha in stored:
        media_type = ctx.sniff(part.data, part.filename)
        attachment = Attachment(
            message=message,
            filename=safe_filename(part.filename, media_type=media_type),
            media_type=media_type,
            declared_type=part.declared_type[:120],
            size=len(part.data),
            sha256=sha,
            is_inline=part.is_inline,
        )
        session.add(attachment)
        if len(part.data) > MAX_PROCESSED_ATTACHMENT:
            attachment.note = "stored, not processed: larger than the processing limit"
        elif media_type in ZIP_TYPES:
            _expand(session, message, attachment, part.data, ctx)
    session.flush()
    return message


def _expand(
    session: Session, message: Message, parent: Attachment, data: bytes, ctx: IngestContext
) -> None:
    expansion = expand_zip(data)
    if expansion.skipped:
        parent.note = "; ".join(expansion.skipped)[:2000]
    for member in expansion.members:
        media_type = ctx.sniff(member.data, member.filename)
        session.add(
            Attachment(
                message=message,
                parent=parent,
                filename=member.filename,
                media_type=media_type,
                declared_type="",
                size=len(member.data),
                sha256=ctx.store(member.data),
            )
        )


def link_message(
    session: Session,
    message: Message,
    request: RecordsRequest,
    *,
    routed_by: str,
    actor: User | None,
    now: dt.datetime,
    reindex: bool = True,
) -> MessageLink:
    """Attach a message to a request: timeline entry, documents for its files, suggestions.

    `reindex` puts the message's search entry under its (first) request; ingest, which links
    before it indexes, turns it off.
    """
    existing = next((link for link in message.links if link.request_id == request.id), None)
    if existing is not None:
        return existing
    link = MessageLink(
        message=message,
        request_id=request.id,
        routed_by=routed_by,
        created_by_id=actor.id if actor else None,
    )
    session.add(link)
    message.in_inbox = False
    record_event(
        session,
        request,
        EventKind.MESSAGE,
        f"Message from {message.from_name or message.from_address}: "
        f"{message.subject or '(no subject)'}",
        actor=actor,
        data={"message_id": message.id, "routed_by": routed_by},
    )
    records = [a for a in message.attachments if not a.is_inline and a.media_type not in ZIP_TYPES]
    for attachment in records:
        _document_for(session, request, message, attachment, now)
    findings = classify(
        message.subject,
        message.body_text,
        attachment_names=[a.filename for a in records],
        has_records_attachments=bool(records),
    )
    for finding in findings:
        session.add(
            Suggestion(
                message_id=message.id,
                request_id=request.id,
                kind=finding.kind,
                data=finding.data,
                explanation=finding.explanation,
            )
        )
    session.flush()
    if reindex:
        index_message(session, message)
    return link


def _document_for(
    session: Session,
    request: RecordsRequest,
    message: Message,
    attachment: Attachment,
    now: dt.datetime,
) -> Document:
    """One document per file per request: the same file twice is linked, not stored twice."""
    existing = session.scalar(
        select(Document).where(
            Document.request_id == request.id, Document.sha256 == attachment.sha256
        )
    )
    if existing is not None:
        return existing
    too_large = attachment.size > MAX_PROCESSED_ATTACHMENT
    document = Document(
        request_id=request.id,
        sha256=attachment.sha256,
        title=attachment.filename,
        filename=attachment.filename,
        media_type=attachment.media_type,
        size=attachment.size,
        received_on=(message.sent_at or now).date(),
        source=DocumentSource.EMAIL,
        message_id=message.id,
        extraction_status=ExtractionStatus.TOO_LARGE if too_large else ExtractionStatus.PENDING,
    )
    session.add(document)
    session.flush()
    return document


def assign_from_inbox(
    session: Session,
    message: Message,
    request: RecordsRequest,
    *,
    actor: User,
    remember_sender: bool,
    now: dt.datetime,
) -> MessageLink:
    """An editor says which request an inbox message belongs to (it may belong to several)."""
    link = link_message(session, message, request, routed_by="manual", actor=actor, now=now)
    if remember_sender and message.from_address:
        rule = session.scalar(select(SenderRule).where(SenderRule.sender == message.from_address))
        if rule is None:
            session.add(
                SenderRule(
                    sender=message.from_address, agency_id=request.agency_id, created_by_id=actor.id
                )
            )
        else:
            rule.agency_id = request.agency_id
    session.flush()
    return link


def get_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"There is no message {message_id}.")
    return message


def store_upload(
    session: Session, data: bytes, *, store: Callable[[bytes], str], now: dt.datetime
) -> RawMessage:
    """A message that arrived elsewhere (.eml) enters the same pipeline as fetched mail."""
    if not data.strip():
        raise ValidationFailed("The file is empty.")
    sha = store(data)
    duplicate = session.scalar(select(RawMessage).where(RawMessage.sha256 == sha))
    raw = RawMessage(
        mailbox="upload", sha256=sha, size=len(data), fetched_at=now, message_id_header=""
    )
    if duplicate is not None:
        raw.status, raw.duplicate_of_id = RawStatus.DUPLICATE, duplicate.id
    session.add(raw)
    session.flush()
    return raw
