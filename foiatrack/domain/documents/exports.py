"""Taking the archive away: ZIPs of originals with a manifest, search results as CSV, and an
evidence bundle per request (letters, original e-mails, attachments, timeline, hashes).

Everything is written to a file object a piece at a time, and originals are copied from the
file store in chunks, so a large export needs little memory; the `...bytes` helpers wrap that
for small exports and tests. Paths inside the ZIPs are built only from cleaned components, so
no file name an agency sent can climb out of its folder.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.base import utcnow
from foiatrack.domain.documents.models import Document, DocumentSource, Tag
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.letters.models import FiledLetter, OutboundMessage
from foiatrack.domain.mail.models import Message, MessageLink, RawMessage, RawStatus
from foiatrack.domain.requests.models import RecordsRequest, RequestEvent, Status
from foiatrack.domain.requests.services import get_request
from foiatrack.domain.search.service import MAX_PER_PAGE, Hit, SearchFilters, search

Progress = Callable[[int, int | None, str], None]


class BlobSource(Protocol):
    """Where originals are read from (the file store)."""

    def path(self, sha256: str) -> Path:
        """The stored file; raises KeyError (BlobNotFound) or FileNotFoundError when missing."""
        ...


MANIFEST_COLUMNS = (
    "document_id",
    "title",
    "filename",
    "path",
    "agency",
    "state",
    "request_id",
    "campaign",
    "received_on",
    "request_filed_on",
    "source",
    "media_type",
    "size",
    "tags",
    "sha256",
    "note",
)
SEARCH_COLUMNS = (
    "position",
    "kind",
    "id",
    "title",
    "page",
    "agency",
    "state",
    "request_id",
    "snippet",
    "url",
)
#: a spreadsheet runs a cell starting with one of these as a formula (or a formula's start)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
#: already compressed: deflating them again costs time and saves nothing
_STORED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/zip",
    "application/x-zip-compressed",
    "application/vnd.openxmlformats",
    "application/vnd.oasis.opendocument",
    "video/",
    "audio/",
)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}
_TAGS = re.compile(r"<[^>]*>")
_CHUNK = 1024 * 1024
_IN = 500


# --- names and cells -------------------------------------------------------------------------


def safe_component(value: str, fallback: str, *, limit: int = 80) -> str:
    """One folder or file name: no separators, no "..", no control characters, no Windows
    device names, not hidden, and not too long (the extension is kept when shortened)."""
    value = unicodedata.normalize("NFC", value or "")
    value = " ".join(_UNSAFE.sub("_", value).split()).strip(" .")
    if not value or set(value) <= {"_", "."}:
        value = fallback
    if value.split(".")[0].lower() in _WINDOWS_RESERVED:
        value = f"_{value}"
    if len(value) > limit:
        stem, dot, extension = value.rpartition(".")
        if dot and stem and len(extension) <= 10:
            value = stem[: limit - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            value = value[:limit].rstrip(" .")
    return value


class UniquePaths:
    """Hands out each path once: a second "report.pdf" becomes "report (2).pdf". Compared
    without case, as Windows and macOS would when the ZIP is unpacked."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, path: str) -> str:
        folder, _, name = path.rpartition("/")
        stem, dot, extension = name.rpartition(".")
        if not dot or not stem:
            stem, extension = name, ""
        candidate, number = path, 1
        while candidate.casefold() in self._used:
            number += 1
            suffix = f" ({number})" + (f".{extension}" if extension else "")
            candidate = (folder + "/" if folder else "") + stem + suffix
        self._used.add(candidate.casefold())
        return candidate


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet shows as text and never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    # Excel needs the byte order mark to read UTF-8 (accented agency and city names).
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def _zip_time(moment: dt.datetime | dt.date | None) -> tuple[int, int, int, int, int, int]:
    if moment is None:
        moment = utcnow()
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(12), tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    # ZIP cannot date a file before 1980.
    moment = max(moment, dt.datetime(1980, 1, 1, tzinfo=dt.UTC))
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _compression(media_type: str) -> int:
    return zipfile.ZIP_STORED if media_type.startswith(_STORED_TYPES) else zipfile.ZIP_DEFLATED


@dataclass(frozen=True)
class Written:
    path: str
    sha256: str
    size: int


def _copy_blob(
    archive: zipfile.ZipFile,
    path: str,
    blobs: BlobSource,
    sha256: str,
    *,
    when: dt.datetime | dt.date | None,
    media_type: str = "",
) -> Written | None:
    """Copy one stored file into the ZIP in chunks; None when the store does not have it."""
    try:
        source = blobs.path(sha256)
        handle = open(source, "rb")  # noqa: SIM115 - closed below, after the copy
    except (KeyError, ValueError, FileNotFoundError):
        return None
    info = zipfile.ZipInfo(path, date_time=_zip_time(when))
    info.compress_type = _compression(media_type)
    digest, size = hashlib.sha256(), 0
    with handle, archive.open(info, "w", force_zip64=True) as target:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return Written(path, digest.hexdigest(), size)


def _write_bytes(
    archive: zipfile.ZipFile, path: str, data: bytes, *, when: dt.datetime | dt.date | None
) -> Written:
    info = zipfile.ZipInfo(path, date_time=_zip_time(when))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)
    return Written(path, hashlib.sha256(data).hexdigest(), len(data))


# --- documents: ZIP with manifest ------------------------------------------------------------


def load_documents(session: Session, ids: Iterable[int]) -> list[Document]:
    """Documents with what the manifest shows (request, agency, campaign, tags), in id order."""
    wanted = sorted(set(ids))
    documents: list[Document] = []
    for start in range(0, len(wanted), _IN):
        documents += session.scalars(
            select(Document)
            .where(Document.id.in_(wanted[start : start + _IN]))
            .options(
                selectinload(Document.tags),
                selectinload(Document.request).selectinload(RecordsRequest.campaign),
                selectinload(Document.request)
                .selectinload(RecordsRequest.agency)
                .selectinload(Agency.jurisdiction),
            )
        )
    return sorted(documents, key=lambda d: d.id)


def tagged_document_ids(session: Session, tag: Tag) -> list[int]:
    return list(
        session.scalars(
            select(Document.id).where(Document.tags.any(Tag.id == tag.id)).order_by(Document.id)
        )
    )


def archive_paths(documents: Sequence[Document]) -> dict[int, str]:
    """Where each original goes: <state>/<agency>/<request id>/<file name>, names made safe and
    unique. Documents are placed in a stable order, so the same selection gives the same paths."""
    paths = UniquePaths()
    placed: dict[int, str] = {}
    ordered = sorted(documents, key=lambda d: (*_place(d), d.id))
    for document in ordered:
        state, agency, request = _place(document)
        name = safe_component(document.filename or document.title, f"document-{document.id}")
        placed[document.id] = paths.take(f"{state}/{agency}/{request}/{name}")
    return placed


def _place(document: Document) -> tuple[str, str, str]:
    request = document.request
    if request is None:
        return ("unassigned", "unassigned", f"document-{document.id}")
    agency = request.agency
    return (
        safe_component(agency.state, "no-state", limit=20),
        safe_component(agency.name, f"agency-{agency.id}"),
        str(request.id),
    )


def manifest_rows(
    documents: Sequence[Document],
    *,
    paths: dict[int, str] | None = None,
    notes: dict[int, str] | None = None,
    missing: Iterable[int] = (),
) -> list[dict[str, Any]]:
    """One row per document, keyed by MANIFEST_COLUMNS (cells not yet neutralised); a
    document in `missing` has no path, as its file is not in the ZIP."""
    paths = archive_paths(documents) if paths is None else paths
    notes = notes or {}
    absent = set(missing)
    rows = []
    for document in sorted(documents, key=lambda d: paths.get(d.id, "")):
        request = document.request
        agency = request.agency if request else None
        rows.append(
            {
                "document_id": document.id,
                "title": document.title,
                "filename": document.filename,
                "path": "" if document.id in absent else paths.get(document.id, ""),
                "agency": agency.name if agency else "",
                "state": agency.state if agency else "",
                "request_id": request.id if request else "",
                "campaign": request.campaign.name if request and request.campaign else "",
                "received_on": document.received_on.isoformat() if document.received_on else "",
                "request_filed_on": (
                    request.filed_on.isoformat() if request and request.filed_on else ""
                ),
                "source": str(document.source),
                "media_type": document.media_type,
                "size": document.size,
                "tags": "; ".join(tag.name for tag in document.tags),
                "sha256": document.sha256,
                "note": notes.get(document.id, ""),
            }
        )
    return rows


def manifest_csv(rows: Sequence[dict[str, Any]]) -> str:
    return _csv_text(MANIFEST_COLUMNS, ([row[c] for c in MANIFEST_COLUMNS] for row in rows))


@dataclass
class ZipSummary:
    files: int = 0
    missing: list[int] = field(default_factory=list)
    bytes_in: int = 0


def write_zip(
    out: IO[bytes],
    documents: Sequence[Document],
    blobs: BlobSource,
    *,
    progress: Progress | None = None,
) -> ZipSummary:
    """Originals under <state>/<agency>/<request>/ and manifest.csv, into `out`. A file
    missing from the store is listed in the manifest with a note instead of failing the export."""
    paths = archive_paths(documents)
    summary = ZipSummary()
    notes: dict[int, str] = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for done, document in enumerate(sorted(documents, key=lambda d: paths[d.id]), start=1):
            written = _copy_blob(
                archive,
                paths[document.id],
                blobs,
                document.sha256,
                when=document.received_on,
                media_type=document.media_type,
            )
            if written is None:
                notes[document.id] = "missing from the file store"
                summary.missing.append(document.id)
            else:
                if written.sha256 != document.sha256:
                    notes[document.id] = f"stored file's SHA-256 is now {written.sha256}"
                summary.files += 1
                summary.bytes_in += written.size
            if progress is not None and (done % 25 == 0 or done == len(documents)):
                progress(done, len(documents), f"Added {done} of {len(documents)} files")
        rows = manifest_rows(documents, paths=paths, notes=notes, missing=summary.missing)
        _write_bytes(archive, "manifest.csv", manifest_csv(rows).encode("utf-8"), when=None)
    return summary


def build_zip(documents: Sequence[Document], blobs: BlobSource) -> bytes:
    """write_zip into memory: for small selections and tests."""
    buffer = io.BytesIO()
    write_zip(buffer, documents, blobs)
    return buffer.getvalue()


# --- search results --------------------------------------------------------------------------


def snippet_text(snippet_html: str) -> str:
    """A search snippet (escaped HTML with <mark>) as plain text."""
    return " ".join(unescape(_TAGS.sub("", snippet_html or "")).split())


def search_result_rows(
    results: Iterable[Hit], *, link: Callable[[Hit], str] | None = None
) -> Iterator[list[Any]]:
    """Rows for SEARCH_COLUMNS from search hits."""
    for position, hit in enumerate(results, start=1):
        yield [
            position,
            hit.kind,
            hit.id,
            hit.title,
            hit.page,
            hit.agency or "",
            hit.state or "",
            hit.request_id or "",
            snippet_text(hit.snippet),
            link(hit) if link else "",
        ]


def search_results_csv(results: Iterable[Hit], *, link: Callable[[Hit], str] | None = None) -> str:
    """Search hits as CSV, in their order, formulas neutralised."""
    return _csv_text(SEARCH_COLUMNS, search_result_rows(results, link=link))


def all_search_hits(
    session: Session, query: str, *, filters: SearchFilters | None = None, limit: int = 50_000
) -> list[Hit]:
    """Every hit of a search, page after page, up to `limit`."""
    hits: list[Hit] = []
    page = 1
    while len(hits) < limit:
        results = search(
            session, query, filters=filters, page=page, per_page=MAX_PER_PAGE, facets=False
        )
        hits += results.results
        if not results.has_next or not results.results:
            break
        page += 1
    return hits[:limit]


def document_ids_of_hits(hits: Iterable[Hit]) -> list[int]:
    """The archived documents among search hits (not files still waiting in the inbox), each
    once, in the order they first appear."""
    return list(
        dict.fromkeys(
            hit.id for hit in hits if hit.kind == "document" and hit.request_id is not None
        )
    )


# --- evidence bundle -------------------------------------------------------------------------


@dataclass
class BundleFile:
    path: str
    sha256: str
    size: int
    kind: str
    date: str
    description: str


@dataclass
class BundleSummary:
    request_id: int
    files: list[BundleFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for f in self.files if f.kind == kind)


EVIDENCE_KINDS = ("letter", "message", "attachment", "document")


def slug(text: str, limit: int = 50) -> str:
    slug = re.sub(r"[^\w]+", "-", unicodedata.normalize("NFKD", text or "").casefold())
    return slug.encode("ascii", "ignore").decode().strip("-")[:limit].strip("-")


def _message_time(message: Message) -> dt.datetime:
    return message.sent_at or message.received_at


def _actor(event: RequestEvent) -> str:
    if event.actor is None:
        return "system"
    return f"{event.actor.name} <{event.actor.email}>" if event.actor.name else event.actor.email


def timeline_rows(request: RecordsRequest) -> list[list[str]]:
    """Every event: when (UTC, ISO 8601), who, kind, summary, details (JSON)."""
    return [
        [
            event.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            _actor(event),
            str(event.kind),
            event.summary,
            json.dumps(event.data or {}, sort_keys=True, ensure_ascii=False, default=str),
        ]
        for event in sorted(request.events, key=lambda e: (e.at, e.id))
    ]


def timeline_text(request: RecordsRequest) -> str:
    lines = [f"Timeline of records request #{request.id} (times in UTC)", ""]
    for event in sorted(request.events, key=lambda e: (e.at, e.id)):
        when = event.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"{when}  {event.kind:<16} {_actor(event)}: {event.summary}")
    return "\n".join(lines) + "\n"


def write_evidence_bundle(
    out: IO[bytes],
    session: Session,
    request_id: int,
    blobs: BlobSource,
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> BundleSummary:
    """Everything about one request that an appeal or a lawsuit needs, with a SHA256SUMS.

    All files sit in one folder, request-<id>-evidence/, so `sha256sum -c SHA256SUMS` run
    inside it checks them all."""
    now = now or utcnow()
    request = get_request(session, request_id)
    top = f"request-{request.id}-evidence"
    summary = BundleSummary(request.id)
    paths = UniquePaths()
    letters = list(
        session.scalars(
            select(FiledLetter)
            .where(FiledLetter.request_id == request.id)
            .options(selectinload(FiledLetter.letter))
            .order_by(FiledLetter.filed_at, FiledLetter.id)
        )
    )
    linked = select(MessageLink.message_id).where(MessageLink.request_id == request.id)
    messages = sorted(
        session.scalars(
            select(Message).where(Message.id.in_(linked)).options(selectinload(Message.attachments))
        ),
        key=lambda m: (_message_time(m), m.id),
    )
    raws = _raw_messages(session, [m.raw_id for m in messages if m.raw_id])
    sent = _sent_copies(session, request.id)
    attachment_shas = {a.sha256 for m in messages for a in m.attachments}
    documents = [
        d
        for d in session.scalars(
            select(Document).where(Document.request_id == request.id).order_by(Document.id)
        )
        if d.source != DocumentSource.LETTER and d.sha256 not in attachment_shas
    ]
    total = (
        2 * len(letters)
        + len(messages)
        + len(sent)
        + sum(1 for m in messages for a in m.attachments if a.parent_id is None)
        + len(documents)
    )
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % 10 == 0 or done == total):
            progress(done, total, message)

    def add(
        written: Written | None, kind: str, when: dt.datetime | dt.date | None, what: str
    ) -> None:
        if written is None:
            return
        date = when.isoformat() if when is not None else ""
        summary.files.append(
            BundleFile(
                written.path.removeprefix(top + "/"),
                written.sha256,
                written.size,
                kind,
                date,
                what,
            )
        )

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for filed in letters:
            kind = str(filed.letter.kind) if filed.letter else "letter"
            stem = f"{filed.filed_at:%Y-%m-%d}-{slug(kind)}-{filed.id}"
            for extension, sha, media in (
                ("pdf", filed.pdf_sha256, "application/pdf"),
                ("docx", filed.docx_sha256, "application/vnd.openxmlformats"),
            ):
                path = paths.take(f"{top}/letters/{stem}.{extension}")
                written = _copy_blob(
                    archive, path, blobs, sha, when=filed.filed_at, media_type=media
                )
                if written is None:
                    summary.notes.append(f"Filed letter {filed.id}: its {extension} is missing.")
                else:
                    _check(summary, written, sha)
                add(written, "letter", filed.filed_at, f"{kind} letter filed: {filed.subject}")
                step(f"letter {filed.id}")
        for message in messages:
            when = _message_time(message)
            stem = safe_component(
                f"{when:%Y-%m-%d}-{message.direction}-{message.id}-{slug(message.subject)}",
                f"message-{message.id}",
            )
            raw = raws.get(message.raw_id or 0)
            written = None
            if raw is not None:
                path = paths.take(f"{top}/messages/{stem}.eml")
                written = _copy_blob(archive, path, blobs, raw.sha256, when=when)
                if written is not None:
                    _check(summary, written, raw.sha256)
            if written is None:
                path = paths.take(f"{top}/messages/{stem}.txt")
                written = _write_bytes(archive, path, _message_text(message), when=when)
                summary.notes.append(
                    f"Message {message.id}: the original .eml is not stored; "
                    f"{written.path.removeprefix(top + '/')} holds its text as parsed."
                )
            sender = message.from_address or "unknown sender"
            add(written, "message", when, f"from {sender}: {message.subject}")
            step(f"message {message.id}")
            folder = f"{top}/attachments/{when:%Y-%m-%d}-message-{message.id}"
            for attachment in message.attachments:
                if attachment.parent_id is not None:
                    continue  # inside its ZIP, which is included whole
                name = safe_component(attachment.filename, f"attachment-{attachment.id}", limit=150)
                path = paths.take(f"{folder}/{name}")
                written = _copy_blob(
                    archive,
                    path,
                    blobs,
                    attachment.sha256,
                    when=when,
                    media_type=attachment.media_type,
                )
                if written is None:
                    summary.notes.append(
                        f"Attachment {attachment.id} ({attachment.filename}) is missing from the "
                        "file store."
                    )
                else:
                    _check(summary, written, attachment.sha256)
                add(
                    written,
                    "attachment",
                    when,
                    f"attached to message {message.id}: {attachment.filename}",
                )
                step(f"attachment {attachment.id}")
        for outbound, raw in sent:
            when = outbound.sent_at or raw.fetched_at
            path = paths.take(f"{top}/messages/{when:%Y-%m-%d}-sent-{outbound.id}.eml")
            written = _copy_blob(archive, path, blobs, raw.sha256, when=when)
            if written is not None:
                _check(summary, written, raw.sha256)
            add(
                written, "message", when, f"our e-mail to {outbound.to_address}: {outbound.subject}"
            )
            step(f"sent message {outbound.id}")
        for document in documents:
            name = safe_component(document.filename, f"document-{document.id}", limit=150)
            day = f"{document.received_on:%Y-%m-%d}-" if document.received_on else ""
            path = paths.take(f"{top}/documents/{day}{document.id}-{name}")
            written = _copy_blob(
                archive,
                path,
                blobs,
                document.sha256,
                when=document.received_on,
                media_type=document.media_type,
            )
            if written is None:
                summary.notes.append(f"Document {document.id} is missing from the file store.")
            else:
                _check(summary, written, document.sha256)
            add(written, "document", document.received_on, f"{document.source}: {document.title}")
            step(f"document {document.id}")
        extra = [
            (
                "timeline.csv",
                _csv_text(("at_utc", "actor", "kind", "summary", "data"), timeline_rows(request)),
                "every event on the request's timeline",
            ),
            ("timeline.txt", timeline_text(request), "the timeline, to read"),
        ]
        for name, text, what in extra:
            add(
                _write_bytes(archive, f"{top}/{name}", text.encode("utf-8"), when=now),
                "timeline",
                now,
                what,
            )
        files_csv = _csv_text(
            ("path", "sha256", "size", "kind", "date", "description"),
            ([f.path, f.sha256, f.size, f.kind, f.date, f.description] for f in summary.files),
        )
        add(
            _write_bytes(archive, f"{top}/files.csv", files_csv.encode("utf-8"), when=now),
            "index",
            now,
            "what each file is",
        )
        readme = _readme(request, summary, now)
        add(
            _write_bytes(archive, f"{top}/README.txt", readme.encode("utf-8"), when=now),
            "index",
            now,
            "this bundle explained",
        )
        sums = "".join(
            f"{f.sha256}  {f.path}\n" for f in sorted(summary.files, key=lambda f: f.path)
        )
        _write_bytes(archive, f"{top}/SHA256SUMS", sums.encode("utf-8"), when=now)
    return summary


def evidence_bundle(
    session: Session, request_id: int, blobs: BlobSource, *, now: dt.datetime | None = None
) -> bytes:
    """write_evidence_bundle into memory."""
    buffer = io.BytesIO()
    write_evidence_bundle(buffer, session, request_id, blobs, now=now)
    return buffer.getvalue()


def _check(summary: BundleSummary, written: Written, recorded: str) -> None:
    if written.sha256 != recorded:
        summary.notes.append(
            f"{written.path}: the stored file's SHA-256 ({written.sha256}) differs from the "
            f"one recorded when it was received ({recorded})."
        )


def _raw_messages(session: Session, ids: Sequence[int]) -> dict[int, RawMessage]:
    found: dict[int, RawMessage] = {}
    for start in range(0, len(ids), _IN):
        for raw in session.scalars(
            select(RawMessage).where(RawMessage.id.in_(list(ids[start : start + _IN])))
        ):
            found[raw.id] = raw
    return found


def _sent_copies(session: Session, request_id: int) -> list[tuple[OutboundMessage, RawMessage]]:
    """Our own e-mails for the request, where a copy came back through the mailbox."""
    outbound = list(
        session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.request_id == request_id, OutboundMessage.message_id != "")
            .order_by(OutboundMessage.id)
        )
    )
    copies = []
    for message in outbound:
        bare = message.message_id.strip("<>")
        raw = session.scalar(
            select(RawMessage)
            .where(
                RawMessage.status == RawStatus.OUTGOING,
                or_(
                    RawMessage.message_id_header == message.message_id,
                    RawMessage.message_id_header == bare,
                    func.lower(RawMessage.message_id_header) == f"<{bare.lower()}>",
                ),
            )
            .order_by(RawMessage.id)
            .limit(1)
        )
        if raw is not None:
            copies.append((message, raw))
    return copies


def _message_text(message: Message) -> bytes:
    headers = [
        f"From: {message.from_name} <{message.from_address}>",
        f"To: {', '.join(message.to_addresses or [])}",
        f"Cc: {', '.join(message.cc_addresses or [])}",
        f"Subject: {message.subject}",
        f"Date: {_message_time(message).isoformat()}",
        f"Message-ID: {message.message_id_header}",
        "",
        "(Reconstructed by foiatrack from the parsed message: the original was not stored.)",
        "",
    ]
    return ("\n".join(headers) + "\n" + (message.body_text or "")).encode("utf-8")


def _readme(request: RecordsRequest, summary: BundleSummary, now: dt.datetime) -> str:
    agency = request.agency
    references = ", ".join(
        f"{r.number} ({r.label})" if r.label else r.number for r in request.references
    )
    lines = [
        f"Evidence bundle for public-records request #{request.id}",
        "=" * 60,
        "",
        f"Agency:          {agency.name} ({agency.state})",
        f"Request:         {request.title}",
        f"Campaign:        {request.campaign.name if request.campaign else '-'}",
        f"Status:          {Status(request.status).label}",
        f"Filed on:        {request.filed_on.isoformat() if request.filed_on else '-'}",
        f"Due on:          {request.due_on.isoformat() if request.due_on else '-'}",
        f"Agency numbers:  {references or '-'}",
        f"Bundle made:     {now.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC by foiatrack",
        "",
        "What is in this folder",
        "----------------------",
        f"letters/       every letter filed, exactly as sent: PDF and DOCX "
        f"({summary.count('letter')} files)",
        f"messages/      every e-mail about the request as its original .eml file, the bytes "
        f"the mail server delivered ({summary.count('message')} files); *-sent-*.eml are our "
        "own e-mails as they came back through the mailbox",
        f"attachments/   every file attached to those e-mails, as received, one folder per "
        f"message ({summary.count('attachment')} files)",
        f"documents/     files added to the request by hand ({summary.count('document')} files)",
        "timeline.csv   every event on the request's timeline: when (UTC), who, what, "
        "summary and details",
        "timeline.txt   the same timeline, to read",
        "files.csv      what each file is, its date and its SHA-256",
        "SHA256SUMS     the SHA-256 of every other file in this folder",
        "",
        "Checking the files",
        "------------------",
        "In this folder, on Linux:    sha256sum -c SHA256SUMS",
        "                on macOS:    shasum -a 256 -c SHA256SUMS",
        "                on Windows:  Get-FileHash -Algorithm SHA256 <file>  (PowerShell)",
        "The hashes of e-mails, attachments and letters are the ones foiatrack recorded when it",
        "first stored those bytes (files are stored under their SHA-256), so a match shows a",
        "file is unchanged since it was received or sent. The timeline cannot be edited in",
        "foiatrack: events are only ever added.",
    ]
    if summary.notes:
        lines += ["", "Notes", "-----", *(f"- {note}" for note in summary.notes)]
    return "\n".join(lines) + "\n"


# --- search filters from a query string ------------------------------------------------------


def search_filters(values: Mapping[str, Any]) -> SearchFilters:
    """SearchFilters from query-string values (the search page's names), or ValidationFailed
    naming the malformed one: a typo must not silently widen an export to everything."""
    numbers: dict[str, int | None] = {}
    for name in ("agency_id", "campaign_id"):
        value = str(values.get(name) or "").strip()
        if value and not value.isdigit():
            raise ValidationFailed(f"{name} must be a number, not {value!r}.")
        numbers[name] = int(value) if value else None
    dates: dict[str, dt.date | None] = {}
    for name in ("date_from", "date_to"):
        value = str(values.get(name) or "").strip()
        try:
            dates[name] = dt.date.fromisoformat(value) if value else None
        except ValueError:
            raise ValidationFailed(f"{name} must be a date (YYYY-MM-DD), not {value!r}.") from None
    text = {
        name: (str(values.get(name) or "").strip() or None)
        for name in ("state", "tag", "kind", "media_type", "source")
    }
    return SearchFilters(**numbers, **dates, **text).checked()
