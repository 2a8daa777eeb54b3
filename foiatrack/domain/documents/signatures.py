"""MinHash signatures of documents' text, kept so regrouping skips documents that did not change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from foiatrack.domain.base import Base, utcnow


class DocumentSignature(Base):
    """One document's MinHash (128 unsigned 32-bit values: 512 bytes) and what it was made from.

    `text_key` describes the extracted pages (count, length, newest row) cheaply in SQL, so a
    regroup can tell an unchanged document without reading its text; `params` names the
    shingling and hashing settings, so changing them recomputes every signature.
    """

    __tablename__ = "document_signature"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    params: Mapped[str] = mapped_column(String(40))
    text_key: Mapped[str] = mapped_column(String(80))
    #: BLAKE2b of the normalised words: equal digests mean the same text, word for word
    text_digest: Mapped[str] = mapped_column(String(32), index=True)
    words: Mapped[int]
    shingles: Mapped[int]
    #: empty when the text is too short to compare
    minhash: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<DocumentSignature {self.document_id} {self.shingles} shingles>"
