"""Documents agencies returned (and letters we filed), their tags, and the search index."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foiatrack.domain.base import Base, TimestampMixin, utcnow

if TYPE_CHECKING:
    from foiatrack.domain.requests.models import RecordsRequest


class DocumentSource(StrEnum):
    EMAIL = "email"
    UPLOAD = "upload"
    LETTER = "letter"


class ExtractionStatus(StrEnum):
    PENDING = "pending"
    OK = "ok"
    NEEDS_OCR = "needs_ocr"
    OCRED = "ocred"
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"


class Document(TimestampMixin, Base):
    """One file tied to a request; the bytes live once in the blob store, by SHA-256."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("request_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None while the file waits in the inbox on a message not yet assigned to a request
    request_id: Mapped[int | None] = mapped_column(ForeignKey("records_request.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(500))
    #: the name it came with, made safe (no directories, no control characters)
    filename: Mapped[str] = mapped_column(String(255))
    #: sniffed from the content, not taken from the sender's claim
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    page_count: Mapped[int | None]
    received_on: Mapped[dt.date | None]
    source: Mapped[DocumentSource] = mapped_column(String(10))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), index=True)
    filed_letter_id: Mapped[int | None] = mapped_column(ForeignKey("filed_letter.id"))
    extraction_status: Mapped[ExtractionStatus] = mapped_column(
        String(12), default=ExtractionStatus.PENDING, index=True
    )
    extraction_error: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: near-duplicate group (the same agreement signed by many agencies)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("document_group.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    request: Mapped[RecordsRequest | None] = relationship()
    pages: Mapped[list[DocumentPage]] = relationship(
        back_populates="document", order_by="DocumentPage.number", cascade="all, delete-orphan"
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary="document_tag", order_by="Tag.name", back_populates="documents"
    )

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.filename!r} request={self.request_id}>"


class DocumentPage(Base):
    """Extracted text, page by page, so a search hit can open the right page."""

    __tablename__ = "document_page"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[Document] = relationship(back_populates="pages")


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    #: one of a fixed palette of accessible colours (see documents.services.TAG_COLOURS)
    colour: Mapped[str] = mapped_column(String(20), default="grey")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    documents: Mapped[list[Document]] = relationship(
        secondary="document_tag", back_populates="tags"
    )

    def __repr__(self) -> str:
        return f"<Tag {self.name!r}>"


class DocumentTag(Base):
    __tablename__ = "document_tag"

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id"), primary_key=True, index=True)


class DocumentGroup(Base):
    """Documents that are the same text with small changes, found by MinHash."""

    __tablename__ = "document_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SearchKind(StrEnum):
    DOCUMENT = "document"
    MESSAGE = "message"
    LETTER = "letter"


class SearchEntry(Base):
    """One searchable unit (a document page, a message, a letter). The full-text index
    (FTS5 on SQLite, a tsvector on PostgreSQL) is built over this table by the migrations."""

    __tablename__ = "search_entry"
    __table_args__ = (Index("ix_search_entry_kind_ref", "kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SearchKind] = mapped_column(String(10))
    ref_id: Mapped[int]
    page: Mapped[int] = mapped_column(default=1)
    request_id: Mapped[int | None] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
