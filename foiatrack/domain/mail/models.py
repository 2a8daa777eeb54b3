"""Incoming mail: raw messages exactly as fetched, what was parsed from them, and routing."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foiatrack.domain.base import Base, utcnow


class RawStatus(StrEnum):
    #: bytes stored and committed; nothing derived yet
    STORED = "stored"
    #: parsed and routed (to requests or to the inbox)
    DONE = "done"
    #: the same message (same Message-ID or same bytes) was ingested before
    DUPLICATE = "duplicate"
    #: a message we sent ourselves (it came back through the mailbox)
    OUTGOING = "outgoing"
    #: parsing or routing failed; kept with the error and retried after retry_at
    FAILED = "failed"


class RawMessage(Base):
    """The message's bytes as the server gave them, stored before anything is derived."""

    __tablename__ = "raw_message"
    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "imap://user@host/INBOX", or "upload" for .eml/.msg files added by hand
    mailbox: Mapped[str] = mapped_column(String(300))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id_header: Mapped[str] = mapped_column(String(998), default="", index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    status: Mapped[RawStatus] = mapped_column(String(10), default=RawStatus.STORED, index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[dt.datetime | None]
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: for duplicates: the raw message this one repeats
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("raw_message.id"))

    def __repr__(self) -> str:
        return f"<RawMessage {self.id} {self.mailbox} {self.uidvalidity}/{self.uid} {self.status}>"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Message(Base):
    """A parsed e-mail: headers, sanitised bodies, and where it was routed."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("raw_message.id"), unique=True)
    direction: Mapped[Direction] = mapped_column(String(3), default=Direction.IN)
    message_id_header: Mapped[str] = mapped_column(String(998), default="", index=True)
    in_reply_to: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[str] = mapped_column(Text, default="")
    from_address: Mapped[str] = mapped_column(String(320), default="", index=True)
    from_name: Mapped[str] = mapped_column(String(300), default="")
    to_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    cc_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[dt.datetime | None]
    body_text: Mapped[str] = mapped_column(Text, default="")
    #: agency HTML after nh3 cleaning; raw HTML is never shown
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: hash of the normalised body and attachment hashes: a forward of the same mail matches
    content_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    is_auto_reply: Mapped[bool] = mapped_column(default=False)
    #: in the holding pen, waiting for someone to say which request it belongs to
    in_inbox: Mapped[bool] = mapped_column(default=False, index=True)
    #: why routing could not decide, and a request the sender points to, for the inbox
    inbox_note: Mapped[str] = mapped_column(Text, default="")
    suggested_request_id: Mapped[int | None] = mapped_column(ForeignKey("records_request.id"))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    links: Mapped[list[MessageLink]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.from_address} {self.subject[:40]!r}>"


class MessageLink(Base):
    """A message concerns a request; one message can concern several."""

    __tablename__ = "message_link"
    __table_args__ = (UniqueConstraint("message_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    #: reply_address, in_reply_to, subject_tag, reference, sender, manual
    routed_by: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    message: Mapped[Message] = relationship(back_populates="links")


class Attachment(Base):
    """A part of a message: stored (content-addressed) whatever it is."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    #: members of a ZIP point at the ZIP's attachment
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    declared_type: Mapped[str] = mapped_column(String(120), default="")
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: inline images and signature logos are kept but not shown as records
    is_inline: Mapped[bool] = mapped_column(default=False)
    #: stored but not processed (too large, a ZIP over the limits, ...)
    note: Mapped[str] = mapped_column(Text, default="")

    message: Mapped[Message] = relationship(back_populates="attachments")
    parent: Mapped[Attachment | None] = relationship(remote_side="Attachment.id")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename!r} {self.size}>"


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class Suggestion(Base):
    """What a reply seems to say (an acknowledgement, a fee, a denial...), for a person to
    confirm in one click; confirming records it through the request lifecycle."""

    __tablename__ = "suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the rule that fired and the words it matched, shown to the editor
    explanation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SuggestionStatus] = mapped_column(String(10), default=SuggestionStatus.PENDING)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SenderRule(Base):
    """Mail from this address (or domain) belongs to this agency: learnt from the inbox."""

    __tablename__ = "sender_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: a full address ("clerk@city.gov") or a domain ("@city.gov")
    sender: Mapped[str] = mapped_column(String(320), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class MailboxState(Base):
    """Where the poller stopped in each folder, and a lock so two pollers never overlap."""

    __tablename__ = "mailbox_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(300), unique=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    locked_until: Mapped[dt.datetime | None]
    locked_by: Mapped[str] = mapped_column(String(200), default="")
    last_run_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
