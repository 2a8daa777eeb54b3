"""A small corpus for the search tests: documents with pages, messages, filed letters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from foiatrack.domain.documents.models import Document, DocumentPage, DocumentSource, Tag
from foiatrack.domain.letters.models import (
    FiledLetter,
    Letter,
    LetterKind,
    LetterTemplate,
    LetterTemplateVersion,
)
from foiatrack.domain.mail.models import Message, MessageLink
from foiatrack.domain.requests.models import RecordsRequest
from foiatrack.domain.search import indexing
from tests.factories import make_agency, make_campaign, make_request

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UTC = dt.UTC


@dataclass
class Corpus:
    """Names of what was built -> (kind, ref id, page) of their search entries."""

    session: Session
    entries: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def name(self, kind: str, ref_id: int, page: int) -> str:
        for name, key in self.entries.items():
            if key == (kind, ref_id, page):
                return name
        raise KeyError((kind, ref_id, page))


def add_document(
    session: Session,
    corpus: Corpus,
    name: str,
    request: RecordsRequest,
    title: str,
    pages: list[str],
    *,
    media_type: str = PDF,
    source: DocumentSource = DocumentSource.EMAIL,
    received_on: dt.date | None = None,
    tags: tuple[str, ...] = (),
) -> Document:
    document = Document(
        request_id=request.id,
        sha256=f"{len(corpus.ids):064d}",
        title=title,
        filename=f"{name}.bin",
        media_type=media_type,
        size=100,
        page_count=len(pages),
        received_on=received_on,
        source=source,
    )
    document.pages = [DocumentPage(number=i, text=text) for i, text in enumerate(pages, 1)]
    for tag_name in tags:
        tag = session.scalar(sa.select(Tag).where(Tag.name == tag_name)) or Tag(name=tag_name)
        document.tags.append(tag)
    session.add(document)
    session.flush()
    indexing.index_document(session, document)
    corpus.ids[name] = document.id
    for number in range(1, max(len(pages), 1) + 1):
        corpus.entries[f"{name}p{number}" if len(pages) > 1 else name] = (
            "document",
            document.id,
            number,
        )
    return document


def add_message(
    session: Session,
    corpus: Corpus,
    name: str,
    request: RecordsRequest | None,
    subject: str,
    body: str,
    sent: dt.datetime,
) -> Message:
    message = Message(
        subject=subject,
        body_text=body,
        from_address="records@example.gov",
        sent_at=sent,
        in_inbox=request is None,
    )
    if request is not None:
        message.links.append(MessageLink(request_id=request.id, routed_by="manual"))
    session.add(message)
    session.flush()
    indexing.index_message(session, message)
    corpus.ids[name] = message.id
    corpus.entries[name] = ("message", message.id, 1)
    return message


def add_filed_letter(
    session: Session,
    corpus: Corpus,
    name: str,
    request: RecordsRequest,
    subject: str,
    text: str,
    filed_at: dt.datetime,
) -> FiledLetter:
    template = LetterTemplate(slug=f"t-{name}", title="Letter", kind=LetterKind.REQUEST)
    version = LetterTemplateVersion(
        template=template, number=1, subject_source="", body_source="", sha256="0" * 64
    )
    letter = Letter(
        request_id=request.id,
        template_version=version,
        kind=LetterKind.REQUEST,
        subject=subject,
        body=text,
        filed_at=filed_at,
    )
    session.add(letter)
    session.flush()
    filed = FiledLetter(
        letter=letter,
        request_id=request.id,
        subject=subject,
        body=text,
        text=text,
        pdf_sha256="0" * 64,
        docx_sha256="0" * 64,
        template_version_id=version.id,
        template_sha256="0" * 64,
        filed_at=filed_at,
    )
    session.add(filed)
    indexing.index_filed_letter(session, filed)
    corpus.ids[name] = filed.id
    corpus.entries[name] = ("letter", filed.id, 1)
    return filed


def build_corpus(session: Session) -> Corpus:
    """Three agencies in MI, TX and NM; five documents, three messages, two filed letters.
    Committed."""
    c = Corpus(session)
    troy = make_agency(session, "Troy Police Department", "MI")
    austin = make_agency(session, "Austin Police Department", "TX")
    penasco = make_agency(session, "Peñasco Police Department", "NM")
    ring = make_campaign(session, "Ring 2026")
    fusus = make_campaign(session, "Fusus 2026")
    r_troy = make_request(session, troy, ring)
    r_austin = make_request(session, austin, ring)
    r_nm = make_request(session, penasco, fusus)
    c.ids.update(
        troy=troy.id,
        austin=austin.id,
        penasco=penasco.id,
        ring=ring.id,
        fusus=fusus.id,
        r_troy=r_troy.id,
        r_austin=r_austin.id,
        r_nm=r_nm.id,
    )
    add_document(
        session,
        c,
        "D1",
        r_troy,
        "Ring partnership agreement",
        [
            "This memorandum of understanding between the Troy Police Department and Ring LLC "
            "covers video requests.",
            "Officers may request footage through the Neighbors portal. Amazon retains "
            "ownership of the camera data.",
        ],
        received_on=dt.date(2026, 3, 1),
        tags=("mou", "priority"),
    )
    add_document(
        session,
        c,
        "D2",
        r_austin,
        "Budget spreadsheet",
        ["Annual budget lines for body cameras and the ring doorbell subsidy programme."],
        media_type=XLSX,
        source=DocumentSource.UPLOAD,
        received_on=dt.date(2026, 4, 10),
        tags=("budget",),
    )
    add_document(
        session,
        c,
        "D3",
        r_nm,
        "Meeting minutes",
        [
            "The Peñasco council discussed the Fusus real-time crime centre. The chief of "
            "police was running late."
        ],
        received_on=dt.date(2026, 5, 20),
    )
    add_document(
        session,
        c,
        "D4",
        r_troy,
        "<script>alert(1)</script> notes",
        ["Contains <script>alert('x')</script> and the word surveillance & more."],
        media_type="text/plain",
        source=DocumentSource.UPLOAD,
    )
    add_document(
        session,
        c,
        "D5",
        r_austin,
        "Scanned letter from Amazon",
        [],
        media_type="image/tiff",
        source=DocumentSource.UPLOAD,
    )
    add_message(
        session,
        c,
        "M1",
        r_troy,
        "Re: Ring records request",
        "We received your request about Ring video and will respond within ten business "
        "days. Our office is near the station.",
        dt.datetime(2026, 2, 15, 9, 30, tzinfo=UTC),
    )
    add_message(
        session,
        c,
        "M2",
        r_austin,
        "Fee estimate",
        "The estimated fee for the surveillance footage is 45 dollars.",
        dt.datetime(2026, 4, 1, 23, 59, tzinfo=UTC),
    )
    add_message(
        session,
        c,
        "M3",
        None,
        "Unrouted",
        "Police policy manual attached.",
        dt.datetime(2026, 6, 1, tzinfo=UTC),
    )
    add_filed_letter(
        session,
        c,
        "L1",
        r_nm,
        "Public records request: Fusus",
        "Under the New Mexico Inspection of Public Records Act I request records about Fusus "
        "and Ring.",
        dt.datetime(2026, 1, 10, 12, tzinfo=UTC),
    )
    add_filed_letter(
        session,
        c,
        "L2",
        r_troy,
        "Follow-up on Ring request",
        "I am writing to follow up on my request for the partnership agreement.",
        dt.datetime(2026, 6, 1, 12, tzinfo=UTC),
    )
    session.commit()
    return c
