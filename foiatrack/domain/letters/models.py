"""Letter templates with their versions, requester profiles, drafted letters and what was filed."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foiatrack.domain.base import Base, Immutable, ImmutableRowError, TimestampMixin, utcnow

if TYPE_CHECKING:
    from foiatrack.domain.requests.models import RecordsRequest


class LetterKind(StrEnum):
    REQUEST = "request"
    FOLLOW_UP = "follow_up"
    APPEAL = "appeal"
    FEE_WAIVER = "fee_waiver"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class LetterTemplate(TimestampMixin, Base):
    """A named letter; its text lives in numbered versions so every filed letter can name the
    exact text it came from."""

    __tablename__ = "letter_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the file name in letter_templates/ without extensions, e.g. "ring_request"
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LetterKind] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    #: shipped in letter_templates/ (kept in sync by init-db) rather than made in the UI
    is_builtin: Mapped[bool] = mapped_column(default=False)

    versions: Mapped[list[LetterTemplateVersion]] = relationship(
        back_populates="template",
        order_by="LetterTemplateVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def current(self) -> LetterTemplateVersion:
        return self.versions[-1]

    def __repr__(self) -> str:
        return f"<LetterTemplate {self.slug}>"


class LetterTemplateVersion(Base):
    __tablename__ = "letter_template_version"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("letter_template.id"), index=True)
    number: Mapped[int]
    subject_source: Mapped[str] = mapped_column(Text)
    body_source: Mapped[str] = mapped_column(Text)
    variables: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: SHA-256 of subject and body, recorded on every letter filed from this version
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    template: Mapped[LetterTemplate] = relationship(back_populates="versions")

    def __repr__(self) -> str:
        return f"<LetterTemplateVersion {self.template_id} v{self.number}>"


class RequesterProfile(TimestampMixin, Base):
    """Who signs the letters: a person, or the organisation's default (user_id empty)."""

    __tablename__ = "requester_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    signature: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<RequesterProfile {self.id} {self.name!r}>"


class Letter(TimestampMixin, Base):
    """A drafted letter for one request, editable until it is filed."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("letter_template_version.id"))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("requester_profile.id"))
    kind: Mapped[LetterKind] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(500))
    #: Markdown after the template was filled in; an editor may change it before filing
    body: Mapped[str] = mapped_column(Text)
    is_edited: Mapped[bool] = mapped_column(default=False)
    filed_at: Mapped[dt.datetime | None]

    request: Mapped[RecordsRequest] = relationship()
    template_version: Mapped[LetterTemplateVersion] = relationship()
    profile: Mapped[RequesterProfile | None] = relationship()
    filed: Mapped[FiledLetter | None] = relationship(back_populates="letter", uselist=False)

    def __repr__(self) -> str:
        return f"<Letter {self.id} {self.kind} request={self.request_id}>"


class FiledLetter(Immutable, Base):
    """What was sent, exactly: an immutable snapshot of text, PDF, DOCX and template."""

    immutable_reason = "filed letters are immutable"

    __tablename__ = "filed_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    docx_sha256: Mapped[str] = mapped_column(String(64))
    template_version_id: Mapped[int] = mapped_column(ForeignKey("letter_template_version.id"))
    template_sha256: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    letter: Mapped[Letter] = relationship(back_populates="filed")

    def __repr__(self) -> str:
        return f"<FiledLetter {self.id} request={self.request_id}>"


class OutboundStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboundMessage(TimestampMixin, Base):
    """An e-mail we send; its Message-ID lets replies find their request."""

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), unique=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    from_address: Mapped[str] = mapped_column(String(254))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[OutboundStatus] = mapped_column(
        String(10), default=OutboundStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<OutboundMessage {self.id} {self.status} {self.message_id}>"


#: kept for callers that name it: filed letters never change
SnapshotViolation = ImmutableRowError
