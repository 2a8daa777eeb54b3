"""Exports: ZIPs with a manifest, search results as CSV, and the evidence bundle."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.adapters import blob_store
from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.domain.documents import exports
from foiatrack.domain.documents.models import Document, DocumentSource
from foiatrack.domain.documents.services import get_or_create_tag, tag_documents
from foiatrack.domain.errors import NotFound, ValidationFailed
from foiatrack.domain.letters.models import (
    FiledLetter,
    Letter,
    LetterKind,
    LetterTemplate,
    LetterTemplateVersion,
    OutboundMessage,
    OutboundStatus,
)
from foiatrack.domain.mail.models import (
    Attachment,
    Direction,
    Message,
    MessageLink,
    RawMessage,
    RawStatus,
)
from foiatrack.domain.requests.models import EventKind, RecordsRequest
from foiatrack.domain.requests.services import get_request, record_event
from foiatrack.domain.search import indexing
from foiatrack.domain.search.service import Hit, SearchFilters
from tests.archive_data import AGREEMENT, POLICY, add_document, build_corpus
from tests.factories import make_agency, make_campaign, make_request

UTC = dt.UTC


@pytest.fixture
def blobs(app: Flask) -> FileSystemBlobStore:
    return blob_store(app.config)


def _manifest(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    text = archive.read("manifest.csv").decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_zip_holds_originals_by_state_agency_request_and_a_manifest(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    corpus = build_corpus(session, blobs)
    tag = get_or_create_tag(session, "Neighbors agreement")
    tag_documents(session, corpus.agreements[:2], tag)
    documents = exports.load_documents(session, [d.id for d in corpus.agreements[:2]])
    archive = zipfile.ZipFile(io.BytesIO(exports.build_zip(documents, blobs)))
    troy = corpus.requests["Troy Police Department"]
    dearborn = corpus.requests["Dearborn Police Department"]
    assert sorted(archive.namelist()) == sorted(
        [
            f"MI/Troy Police Department/{troy.id}/agreement.pdf",
            f"MI/Dearborn Police Department/{dearborn.id}/agreement.pdf",
            "manifest.csv",
        ]
    )
    assert archive.read(f"MI/Troy Police Department/{troy.id}/agreement.pdf") == (
        AGREEMENT.encode()
    )
    rows = _manifest(archive)
    assert tuple(rows[0]) == exports.MANIFEST_COLUMNS
    first = next(r for r in rows if r["request_id"] == str(troy.id))
    document = corpus.agreements[0]
    assert first == {
        "document_id": str(document.id),
        "title": "Neighbors Portal agreement",
        "filename": "agreement.pdf",
        "path": f"MI/Troy Police Department/{troy.id}/agreement.pdf",
        "agency": "Troy Police Department",
        "state": "MI",
        "request_id": str(troy.id),
        "campaign": "Ring partnerships 2026",
        "received_on": "2026-03-02",
        "request_filed_on": "",
        "source": "email",
        "media_type": "application/pdf",
        "size": str(len(AGREEMENT.encode())),
        "tags": "Neighbors agreement",
        "sha256": hashlib.sha256(AGREEMENT.encode()).hexdigest(),
        "note": "",
    }
    assert exports.tagged_document_ids(session, tag) == sorted(d.id for d in documents)


def test_manifest_cells_cannot_run_as_formulas(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    request = make_request(session, make_agency(session, "@SUM(1+1) Police", "MI"))
    document = add_document(
        session, request, POLICY, blobs=blobs, title='=HYPERLINK("http://x","click")'
    )
    tag_documents(session, [document], get_or_create_tag(session, "+cmd"))
    documents = exports.load_documents(session, [document.id])
    rows = _manifest(zipfile.ZipFile(io.BytesIO(exports.build_zip(documents, blobs))))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x","click")'
    assert rows[0]["agency"] == "'@SUM(1+1) Police"
    assert rows[0]["tags"] == "'+cmd"
    assert exports.neutralise("-2+3") == "'-2+3"
    assert exports.neutralise("\tx") == "'\tx"
    assert exports.neutralise(-5) == -5
    assert exports.neutralise("Troy") == "Troy"


HOSTILE = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/absolute/path.pdf",
    "C:\\temp\\x.pdf",
    "CON.txt",
    ".hidden",
    "..",
    "evil\x01name\x1b\x7f.pdf",
    "report.pdf",
    "REPORT.pdf",
    "x" * 240 + ".pdf",
]


def test_hostile_names_cannot_escape_the_zip_folder(
    session: Session, blobs: FileSystemBlobStore, tmp_path: Path
) -> None:
    request = make_request(session, make_agency(session, "../../Evil/Agency", "MI"))
    documents = [
        add_document(session, request, f"text {i}", blobs=blobs, filename=name, data=b"%d" % i)
        for i, name in enumerate(HOSTILE)
    ]
    loaded = exports.load_documents(session, [d.id for d in documents])
    data = exports.build_zip(loaded, blobs)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in archive.namelist() if n != "manifest.csv"]
    assert len(names) == len(HOSTILE)
    assert len({n.casefold() for n in names}) == len(names)
    prefix = f"MI/_.._Evil_Agency/{request.id}/"
    for name in names:
        assert name.startswith(prefix), name
        leaf = name.removeprefix(prefix)
        assert "/" not in leaf and "\\" not in leaf
        assert not leaf.startswith(".")
        assert ".." not in name.split("/")
        assert all(ord(c) >= 32 for c in name)
        assert len(leaf) <= 80
    assert f"{prefix}_CON.txt" in names
    assert {f"{prefix}report.pdf", f"{prefix}REPORT (2).pdf"} <= set(names)
    target = tmp_path / "out"
    archive.extractall(target)
    for path in target.rglob("*"):
        assert path.resolve().is_relative_to(target.resolve())


def test_a_file_missing_from_the_store_is_noted_not_fatal(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    request = make_request(session)
    present = add_document(session, request, POLICY, blobs=blobs)
    absent = add_document(session, request, AGREEMENT, filename="lost.pdf")  # never stored
    documents = exports.load_documents(session, [present.id, absent.id])
    buffer = io.BytesIO()
    summary = exports.write_zip(buffer, documents, blobs)
    archive = zipfile.ZipFile(buffer)
    assert summary.missing == [absent.id]
    assert summary.files == 1
    rows = {int(r["document_id"]): r for r in _manifest(archive)}
    assert rows[absent.id]["note"] == "missing from the file store"
    assert rows[absent.id]["path"] == ""
    assert rows[present.id]["path"] in archive.namelist()


def test_safe_component_and_unique_paths() -> None:
    assert exports.safe_component("  ..a/b\\c  ", "x") == "a_b_c"
    assert exports.safe_component("", "fallback") == "fallback"
    assert exports.safe_component("nul", "x") == "_nul"
    long = exports.safe_component("y" * 100 + ".docx", "x", limit=50)
    assert len(long) == 50
    assert long.endswith(".docx")
    paths = exports.UniquePaths()
    assert [paths.take("a/b.pdf"), paths.take("a/B.pdf"), paths.take("a/b.pdf")] == [
        "a/b.pdf",
        "a/B (2).pdf",
        "a/b (3).pdf",
    ]
    assert paths.take("a/README") == "a/README"
    assert paths.take("a/readme") == "a/readme (2)"


def _hit(**fields: object) -> Hit:
    values: dict[str, object] = {
        "kind": "document",
        "id": 1,
        "page": 1,
        "title": "t",
        "request_id": 7,
        "agency": "Troy Police Department",
        "state": "MI",
        "snippet": "",
        "score": 1.0,
    }
    values.update(fields)
    return Hit(**values)  # type: ignore[arg-type]


def test_search_results_csv() -> None:
    hits = [
        _hit(title="=cmd|' /C calc'!A0", snippet="the <mark>Ring</mark> &amp; Neighbors"),
        _hit(kind="message", id=5, title="Re: records", request_id=None, agency=None, state=None),
    ]
    text = exports.search_results_csv(hits, link=lambda h: f"https://x/{h.kind}/{h.id}")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert tuple(rows[0]) == exports.SEARCH_COLUMNS
    assert rows[1] == [
        "1",
        "document",
        "1",
        "'=cmd|' /C calc'!A0",
        "1",
        "Troy Police Department",
        "MI",
        "7",
        "the Ring & Neighbors",
        "https://x/document/1",
    ]
    assert rows[2][:8] == ["2", "message", "5", "Re: records", "1", "", "", ""]


def test_all_search_hits_walks_every_page(session: Session) -> None:
    corpus = build_corpus(session)
    for document in corpus.agreements + corpus.unrelated:
        indexing.index_document(session, document)
    session.flush()
    hits = exports.all_search_hits(session, "neighbors portal")
    assert sorted(exports.document_ids_of_hits(hits)) == sorted(d.id for d in corpus.agreements)
    assert len(exports.all_search_hits(session, "neighbors", limit=2)) == 2
    filtered = exports.all_search_hits(
        session, "neighbors", filters=exports.search_filters({"state": "oh"})
    )
    assert {h.state for h in filtered} == {"OH"}


def test_search_filters_from_query_values() -> None:
    filters = exports.search_filters(
        {"state": "mi", "campaign_id": "3", "date_from": "2026-01-01", "kind": "document"}
    )
    assert filters == SearchFilters(
        state="MI", campaign_id=3, date_from=dt.date(2026, 1, 1), kind="document"
    )
    with pytest.raises(ValidationFailed, match="campaign_id must be a number"):
        exports.search_filters({"campaign_id": "3;drop"})
    with pytest.raises(ValidationFailed, match="date_to must be a date"):
        exports.search_filters({"date_to": "yesterday"})


# --- evidence bundle -------------------------------------------------------------------------

EML = (
    b"From: Records Clerk <clerk@troymi.gov>\r\n"
    b"To: records+abc@example.org\r\n"
    b"Subject: Your request: fee estimate\r\n"
    b"Message-ID: <reply-1@troymi.gov>\r\n"
    b"Date: Mon, 02 Mar 2026 10:00:00 -0500\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"We estimate a fee of $50.\r\n"
)
SENT = (
    b"From: Reporter <records@example.org>\r\n"
    b"To: clerk@troymi.gov\r\n"
    b"Subject: Public records request\r\n"
    b"Message-ID: <foiatrack.1.abc@example.org>\r\n"
    b"\r\n"
    b"Please send the records.\r\n"
)


def _evidence_request(session: Session, blobs: FileSystemBlobStore) -> RecordsRequest:
    request = make_request(
        session, make_agency(session, "Troy Police Department", "MI"), make_campaign(session)
    )
    template = LetterTemplate(slug="ring", title="Ring request", kind=LetterKind.REQUEST)
    version = LetterTemplateVersion(
        template=template,
        number=1,
        subject_source="Request",
        body_source="Body",
        variables=[],
        sha256="0" * 64,
    )
    letter = Letter(
        request_id=request.id,
        template_version=version,
        kind=LetterKind.REQUEST,
        subject="Public records request",
        body="Please send the records.",
    )
    session.add_all([template, version, letter])
    session.flush()
    filed_at = dt.datetime(2026, 2, 1, 15, 0, tzinfo=UTC)
    session.add(
        FiledLetter(
            letter=letter,
            request_id=request.id,
            subject=letter.subject,
            body=letter.body,
            text="Please send the records.",
            pdf_sha256=blobs.put(b"%PDF-1.7 the letter"),
            docx_sha256=blobs.put(b"PK docx of the letter"),
            template_version_id=version.id,
            template_sha256=version.sha256,
            filed_at=filed_at,
        )
    )
    raw = RawMessage(
        mailbox="imap://records@example.org/INBOX",
        uidvalidity=1,
        uid=10,
        message_id_header="<reply-1@troymi.gov>",
        sha256=blobs.put(EML),
        size=len(EML),
        status=RawStatus.DONE,
    )
    session.add(raw)
    session.flush()
    message = Message(
        raw_id=raw.id,
        direction=Direction.IN,
        message_id_header="<reply-1@troymi.gov>",
        from_address="clerk@troymi.gov",
        subject="Your request: fee estimate",
        sent_at=dt.datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        body_text="We estimate a fee of $50.",
    )
    session.add(message)
    session.flush()
    session.add(MessageLink(message_id=message.id, request_id=request.id, routed_by="manual"))
    for name, data in (("../fee estimate.pdf", b"%PDF fee"), ("logo.png", b"\x89PNG logo")):
        session.add(
            Attachment(
                message_id=message.id,
                filename=name,
                media_type="application/pdf",
                size=len(data),
                sha256=blobs.put(data),
                is_inline=name == "logo.png",
            )
        )
    # A message whose original was never stored (added before raw storage existed).
    bare = Message(
        direction=Direction.IN,
        from_address="chief@troymi.gov",
        subject="Records ready",
        sent_at=dt.datetime(2026, 3, 20, 12, 0, tzinfo=UTC),
        body_text="The records are attached.",
    )
    session.add(bare)
    session.flush()
    session.add(MessageLink(message_id=bare.id, request_id=request.id, routed_by="manual"))
    outbound = OutboundMessage(
        request_id=request.id,
        letter_id=letter.id,
        message_id="<foiatrack.1.abc@example.org>",
        from_address="records@example.org",
        to_address="clerk@troymi.gov",
        subject="Public records request",
        status=OutboundStatus.SENT,
        sent_at=filed_at,
    )
    session.add(outbound)
    session.add(
        RawMessage(
            mailbox="imap://records@example.org/Sent",
            uidvalidity=1,
            uid=11,
            message_id_header="<foiatrack.1.abc@example.org>",
            sha256=blobs.put(SENT),
            size=len(SENT),
            status=RawStatus.OUTGOING,
        )
    )
    add_document(
        session,
        request,
        POLICY,
        blobs=blobs,
        title="Policy handed over in person",
        filename="policy.pdf",
        source=DocumentSource.UPLOAD,
    )
    # A document that is also an attachment is in attachments/ only.
    add_document(session, request, "fee", blobs=blobs, filename="fee.pdf", data=b"%PDF fee")
    record_event(session, request, EventKind.FILED, "Filed by e-mail", actor=None)
    record_event(
        session, request, EventKind.FEE, "Fee of $50.00 requested", actor=None, data={"cents": 5000}
    )
    session.flush()
    return request


def _bundle(data: bytes, request_id: int) -> tuple[zipfile.ZipFile, str]:
    return zipfile.ZipFile(io.BytesIO(data)), f"request-{request_id}-evidence/"


def test_evidence_bundle_contents_and_hashes(session: Session, blobs: FileSystemBlobStore) -> None:
    request = _evidence_request(session, blobs)
    data = exports.evidence_bundle(
        session, request.id, blobs, now=dt.datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    )
    archive, top = _bundle(data, request.id)
    names = sorted(n.removeprefix(top) for n in archive.namelist())
    reply_id, bare_id = _message_id(session, "Your request"), _message_id(session, "Records ready")
    assert all(n.startswith(top) for n in archive.namelist())
    assert names == sorted(
        [
            "letters/2026-02-01-request-1.pdf",
            "letters/2026-02-01-request-1.docx",
            f"messages/2026-03-02-in-{reply_id}-your-request-fee-estimate.eml",
            f"messages/2026-03-20-in-{bare_id}-records-ready.txt",
            "messages/2026-02-01-sent-1.eml",
            f"attachments/2026-03-02-message-{reply_id}/_fee estimate.pdf",
            f"attachments/2026-03-02-message-{reply_id}/logo.png",
            f"documents/2026-03-02-{_document_id(session, 'policy.pdf')}-policy.pdf",
            "timeline.csv",
            "timeline.txt",
            "files.csv",
            "README.txt",
            "SHA256SUMS",
        ]
    )
    # The originals, byte for byte.
    reply = next(n for n in archive.namelist() if n.endswith("fee-estimate.eml"))
    assert archive.read(reply) == EML
    assert archive.read(f"{top}messages/2026-02-01-sent-1.eml") == SENT
    assert archive.read(f"{top}letters/2026-02-01-request-1.pdf") == b"%PDF-1.7 the letter"

    # SHA256SUMS lists every other file, with the right hash.
    sums = archive.read(f"{top}SHA256SUMS").decode()
    listed = {}
    for line in sums.splitlines():
        digest, path = line.split("  ", 1)
        listed[path] = digest
    assert set(listed) == set(names) - {"SHA256SUMS"}
    for path, digest in listed.items():
        assert hashlib.sha256(archive.read(top + path)).hexdigest() == digest, path
    assert listed[reply.removeprefix(top)] == hashlib.sha256(EML).hexdigest()

    readme = archive.read(f"{top}README.txt").decode()
    assert "Troy Police Department (MI)" in readme
    assert "sha256sum -c SHA256SUMS" in readme
    assert "the original .eml is not stored" in readme
    files = list(csv.DictReader(io.StringIO(archive.read(f"{top}files.csv").decode()[1:])))
    assert {f["kind"] for f in files} == {"letter", "message", "attachment", "document", "timeline"}


def _message_id(session: Session, subject: str) -> int:
    return session.scalar(select(Message.id).where(Message.subject.startswith(subject)))


def _document_id(session: Session, filename: str) -> int:
    return session.scalar(select(Document.id).where(Document.filename == filename))


def test_evidence_timeline_is_complete(session: Session, blobs: FileSystemBlobStore) -> None:
    request = _evidence_request(session, blobs)
    archive, top = _bundle(exports.evidence_bundle(session, request.id, blobs), request.id)
    text = archive.read(f"{top}timeline.csv").decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    events = get_request(session, request.id).events
    assert len(rows) == len(events) >= 3
    assert [r["summary"] for r in rows] == [e.summary for e in events]
    assert [r["kind"] for r in rows] == [str(e.kind) for e in events]
    fee = next(r for r in rows if r["kind"] == "fee")
    assert fee["data"] == '{"cents": 5000}'
    assert fee["actor"] == "system"
    assert dt.datetime.fromisoformat(fee["at_utc"]).tzinfo is not None
    readable = archive.read(f"{top}timeline.txt").decode()
    assert all(e.summary in readable for e in events)


def test_evidence_bundle_progress_and_unknown_request(
    session: Session, blobs: FileSystemBlobStore
) -> None:
    request = _evidence_request(session, blobs)
    calls: list[tuple[int, int | None]] = []
    summary = exports.write_evidence_bundle(
        io.BytesIO(),
        session,
        request.id,
        blobs,
        progress=lambda done, total=None, message="": calls.append((done, total)),
    )
    assert calls[-1] == (8, 8)  # 2 letter files, 3 messages, 2 attachments, 1 document
    assert summary.count("attachment") == 2
    with pytest.raises(NotFound):
        exports.evidence_bundle(session, 999_999, blobs)
