"""The ingest step on real sample mail: messages, attachments, documents, routing, duplicates,
the inbox, suggestions, and text extraction afterwards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.adapters.text_extraction import sniff_media_type
from foiatrack.domain.accounts.models import Role
from foiatrack.domain.accounts.services import create_user
from foiatrack.domain.base import utcnow
from foiatrack.domain.documents.models import (
    Document,
    ExtractionStatus,
    SearchEntry,
    SearchKind,
)
from foiatrack.domain.mail import suggestions
from foiatrack.domain.mail.ingest import (
    IngestContext,
    assign_from_inbox,
    process_message,
    store_upload,
)
from foiatrack.domain.mail.models import Attachment, Message, RawMessage, RawStatus, Suggestion
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod, RecordsRequest, Status
from foiatrack.domain.search.service import SearchFilters, search
from tests.factories import make_agency, make_request
from tests.mail_samples import SAMPLES_DIR, sample

MAIL_FROM = "Newsroom Records <records@newsroom.example.org>"
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def blobs(tmp_path: Path) -> FileSystemBlobStore:
    return FileSystemBlobStore(tmp_path / "blobs")


def _ctx(blobs: FileSystemBlobStore) -> IngestContext:
    return IngestContext(store=blobs.put, sniff=sniff_media_type, mail_from=MAIL_FROM, now=utcnow())


def _troy(session: Session) -> RecordsRequest:
    request = make_request(
        session,
        make_agency(
            session, name="Troy Police Department", state="MI", email="records@troymi.example.gov"
        ),
    )
    request.reply_token = "k7p2m9q4"
    lifecycle.file_request(
        session, request, actor=None, clock=Clock(TODAY, TODAY), method=FilingMethod.EMAIL
    )
    return request


def _ingest(session: Session, blobs: FileSystemBlobStore, data: bytes) -> tuple[str, RawMessage]:
    raw = store_upload(session, data, store=blobs.put, now=utcnow())
    if raw.status == RawStatus.DUPLICATE:
        return "duplicate", raw
    return process_message(session, raw, data, _ctx(blobs)), raw


def test_every_sample_is_processed_without_losing_anything(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    _troy(session)
    outcomes = {}
    for path in sorted(SAMPLES_DIR.glob("*.eml")):
        outcome, raw = _ingest(session, blobs, path.read_bytes())
        outcomes[path.name] = outcome
        assert blobs.get(raw.sha256) == path.read_bytes()  # the original is kept byte for byte
    assert set(outcomes.values()) <= {"routed", "inbox", "duplicate"}
    assert outcomes["records_multipart.eml"] == "routed"
    assert outcomes["govqa_portal.eml"] == "routed"  # reply address in To
    stored = session.scalar(select(func.count()).select_from(RawMessage))
    messages = session.scalar(select(func.count()).select_from(Message))
    duplicates = list(outcomes.values()).count("duplicate")
    assert stored == len(outcomes) and messages + duplicates == stored


def test_records_reply_becomes_documents_and_suggestions(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    request = _troy(session)
    outcome, raw = _ingest(session, blobs, sample("records_multipart.eml"))
    assert outcome == "routed" and raw.status == RawStatus.DONE
    message = session.scalar(select(Message).where(Message.raw_id == raw.id))
    assert [link.request_id for link in message.links] == [request.id]
    assert message.links[0].routed_by == "reply_address"
    assert "<img" not in message.body_html and "<b>" in message.body_html
    names = {a.filename: a for a in message.attachments}
    assert names["image001.png"].is_inline
    assert "passwd" in names and "/" not in names["passwd"].filename
    zip_members = [a for a in message.attachments if a.parent_id is not None]
    assert len(zip_members) >= 2
    documents = list(session.scalars(select(Document).where(Document.request_id == request.id)))
    titles = {d.filename for d in documents}
    assert {"Ring MOU 2019.pdf", "Ring agreement.docx", "Request log.xlsx"} <= titles
    assert "image001.png" not in titles  # a signature logo is kept, not filed as a record
    assert all(d.extraction_status == ExtractionStatus.PENDING for d in documents)
    kinds = {s.kind for s in session.scalars(select(Suggestion))}
    assert "records_attached" in kinds
    assert any(e.kind == "message" for e in request.events)


def test_the_same_message_twice_and_a_forward_of_it_are_duplicates(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    _troy(session)
    data = sample("records_multipart.eml")
    assert _ingest(session, blobs, data)[0] == "routed"
    assert _ingest(session, blobs, data)[0] == "duplicate"
    forwarded = data.replace(b"Message-ID: <", b"Message-ID: <fwd-", 1)
    assert _ingest(session, blobs, forwarded)[0] == "duplicate"  # same content, new Message-ID
    assert session.scalar(select(func.count()).select_from(Message)) == 1
    documents = session.scalar(select(func.count()).select_from(Document))
    assert documents == len(
        {
            a.sha256
            for a in session.scalars(select(Attachment))
            if not a.is_inline and a.media_type != "application/zip"
        }
    )


def test_unknown_mail_waits_in_the_inbox_until_assigned(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    request = _troy(session)
    request.reply_token = "zzzzzzzz"  # the reply address no longer matches anything
    editor = create_user(session, "editor@example.org", "long password 1", role=Role.EDITOR)
    outcome, raw = _ingest(session, blobs, sample("govqa_portal.eml"))
    assert outcome == "inbox"
    message = session.scalar(select(Message).where(Message.raw_id == raw.id))
    assert message.in_inbox and message.links == []
    assign_from_inbox(session, message, request, actor=editor, remember_sender=True, now=utcnow())
    assert not message.in_inbox and message.links[0].routed_by == "manual"
    # the next message from the same sender finds the request by itself
    again = (
        sample("govqa_portal.eml")
        .replace(b"W000123-030326", b"W000123-999999")
        .replace(b"Message-ID: <", b"Message-ID: <second-", 1)
    )
    outcome, raw = _ingest(session, blobs, again)
    assert outcome == "routed"


def test_one_message_for_two_requests(session: Session, blobs: FileSystemBlobStore) -> None:
    first = _troy(session)
    second = make_request(session, first.agency)
    lifecycle.file_request(
        session, second, actor=None, clock=Clock(TODAY, TODAY), method=FilingMethod.EMAIL
    )
    data = sample("govqa_portal.eml").replace(
        b"To: Newsroom Records <records+k7p2m9q4@newsroom.example.org>",
        f"To: records+k7p2m9q4@newsroom.example.org, records+{second.reply_token}"
        f"@newsroom.example.org".encode(),
    )
    outcome, raw = _ingest(session, blobs, data)
    message = session.scalar(select(Message).where(Message.raw_id == raw.id))
    assert outcome == "routed"
    assert sorted(link.request_id for link in message.links) == sorted([first.id, second.id])


def test_outgoing_mail_is_not_a_reply(session: Session, blobs: FileSystemBlobStore) -> None:
    _troy(session)
    data = sample("govqa_portal.eml").replace(
        b"From: City of Troy Public Records Center <troymi@mycusthelp.example.net>",
        b"From: Newsroom <records+k7p2m9q4@newsroom.example.org>",
    )
    outcome, raw = _ingest(session, blobs, data)
    assert outcome == "outgoing" and raw.status == RawStatus.OUTGOING
    assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_confirming_suggestions_updates_the_request(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    request = _troy(session)
    editor = create_user(session, "editor@example.org", "long password 1", role=Role.EDITOR)
    _ingest(session, blobs, sample("records_multipart.eml"))
    found = {s.kind: s for s in session.scalars(select(Suggestion))}
    suggestions.accept(session, found["records_attached"], actor=editor, today=TODAY)
    assert request.status == Status.PARTIALLY_FULFILLED
    if "reference" in found:
        suggestions.accept(session, found["reference"], actor=editor, today=TODAY)
        assert request.references
    pending = [s for s in session.scalars(select(Suggestion)) if s.status == "pending"]
    for item in pending:
        suggestions.dismiss(session, item)
    with pytest.raises(Exception, match="already handled"):
        suggestions.dismiss(session, found["records_attached"])


def test_extraction_runs_after_the_commit_and_feeds_search(app: Flask, tmp_path: Path) -> None:
    from foiatrack.adapters import blob_store
    from foiatrack.domain.search.service import search
    from foiatrack.extensions import db
    from foiatrack.tasks import extract_document

    with app.app_context():
        blobs = blob_store(app.config)
        request = _troy(db.session)
        _ingest(db.session, blobs, sample("records_multipart.eml"))
        db.session.commit()
        documents = list(
            db.session.scalars(select(Document).where(Document.request_id == request.id))
        )
        statuses = {d.filename: extract_document(db.session, d.id, app.config) for d in documents}
        assert statuses["Ring MOU 2019.pdf"] == "ok"
        pdf = next(d for d in documents if d.filename == "Ring MOU 2019.pdf")
        db.session.refresh(pdf)
        assert pdf.page_count and pdf.pages[0].text.strip()
        word = pdf.pages[0].text.split()[0]
        results = search(db.session, f'"{word}"')
        assert any(hit.id == pdf.id for hit in results.results)
        message_hits = search(db.session, "responsive", filters=None).results
        assert any(hit.kind == "message" for hit in message_hits)


def _entry_request(session: Session, message: Message) -> int | None:
    return session.scalar(
        select(SearchEntry.request_id).where(
            SearchEntry.kind == SearchKind.MESSAGE.value, SearchEntry.ref_id == message.id
        )
    )


def test_a_routed_reply_is_searchable_under_its_request(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    request = _troy(session)
    outcome, raw = _ingest(session, blobs, sample("records_multipart.eml"))
    assert outcome == "routed"
    message = session.scalar(select(Message).where(Message.raw_id == raw.id))
    assert _entry_request(session, message) == request.id
    found = search(session, "Ring", filters=SearchFilters(agency_id=request.agency_id))
    assert any(hit.kind == SearchKind.MESSAGE.value for hit in found.results)


def test_an_inbox_message_moves_under_the_request_it_is_assigned_to(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    request = _troy(session)
    request.reply_token = "zzzzzzzz"
    editor = create_user(session, "editor@example.org", "long password 1", role=Role.EDITOR)
    outcome, raw = _ingest(session, blobs, sample("govqa_portal.eml"))
    assert outcome == "inbox"
    message = session.scalar(select(Message).where(Message.raw_id == raw.id))
    assert _entry_request(session, message) is None
    assign_from_inbox(session, message, request, actor=editor, remember_sender=False, now=utcnow())
    assert _entry_request(session, message) == request.id
