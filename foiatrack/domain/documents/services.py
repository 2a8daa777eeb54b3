"""Documents: uploads, tags, notes, and extracting their text after they are stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from foiatrack.domain.accounts.models import User
from foiatrack.domain.documents.models import (
    Document,
    DocumentPage,
    DocumentSource,
    DocumentTag,
    ExtractionStatus,
    Tag,
)
from foiatrack.domain.documents.naming import safe_filename
from foiatrack.domain.errors import NotFound, ValidationFailed
from foiatrack.domain.requests.models import EventKind, RecordsRequest
from foiatrack.domain.requests.services import record_event

#: an accessible palette: each colour passes 4.5:1 against white text or is used as a border
TAG_COLOURS = ("grey", "blue", "green", "orange", "red", "purple", "teal", "brown")
MAX_TAG_LENGTH = 60


@dataclass(frozen=True)
class UploadResult:
    document: Document
    is_new: bool


def upload_document(
    session: Session,
    request: RecordsRequest,
    *,
    filename: str,
    data: bytes,
    store: Callable[[bytes], str],
    sniff: Callable[[bytes, str], str],
    actor: User | None,
    today: dt.date,
    max_size: int,
    source: DocumentSource = DocumentSource.UPLOAD,
) -> UploadResult:
    """Add a file to a request; the same content twice is recognised and linked, not stored
    twice. The type comes from the content, not from the name or what the browser said."""
    if not data:
        raise ValidationFailed(f"{safe_filename(filename)!r} is empty.")
    if len(data) > max_size:
        raise ValidationFailed(
            f"{safe_filename(filename)!r} is {len(data) / 1e6:.1f} MB; the limit is "
            f"{max_size / 1e6:.0f} MB."
        )
    sha = store(data)
    existing = session.scalar(
        select(Document).where(Document.request_id == request.id, Document.sha256 == sha)
    )
    if existing is not None:
        return UploadResult(existing, is_new=False)
    media_type = sniff(data, filename)
    name = safe_filename(filename, media_type=media_type)
    document = Document(
        request_id=request.id,
        sha256=sha,
        title=name,
        filename=name,
        media_type=media_type,
        size=len(data),
        received_on=today,
        source=source,
        created_by_id=actor.id if actor else None,
        extraction_status=ExtractionStatus.PENDING,
    )
    session.add(document)
    session.flush()
    record_event(
        session,
        request,
        EventKind.DOCUMENT,
        f"Document added: {name}",
        actor=actor,
        data={"document_id": document.id, "sha256": sha},
    )
    session.flush()
    return UploadResult(document, is_new=True)


def get_document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"There is no document {document_id}.")
    return document


def save_pages(
    session: Session,
    document: Document,
    pages: Sequence[str],
    *,
    status: ExtractionStatus,
    error: str = "",
    page_count: int | None = None,
) -> None:
    """Replace the document's extracted text, page by page."""
    session.execute(delete(DocumentPage).where(DocumentPage.document_id == document.id))
    for number, text in enumerate(pages, start=1):
        session.add(DocumentPage(document_id=document.id, number=number, text=text))
    document.extraction_status = status
    document.extraction_error = error[:2000]
    document.page_count = page_count if page_count is not None else (len(pages) or None)
    session.flush()
    session.expire(document, ["pages"])


# --- tags ------------------------------------------------------------------------------------


def normalise_tag_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_TAG_LENGTH:
        raise ValidationFailed(f"A tag has 1 to {MAX_TAG_LENGTH} characters.")
    return name


def get_or_create_tag(session: Session, name: str, colour: str = "grey") -> Tag:
    name = normalise_tag_name(name)
    tag = session.scalar(select(Tag).where(func.lower(Tag.name) == name.lower()))
    if tag is None:
        tag = Tag(name=name, colour=colour if colour in TAG_COLOURS else "grey")
        session.add(tag)
        session.flush()
    return tag


def get_tag(session: Session, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise NotFound(f"There is no tag {tag_id}.")
    return tag


def list_tags(session: Session) -> list[tuple[Tag, int]]:
    """Every tag with the number of documents carrying it."""
    rows = session.execute(
        select(Tag, func.count(DocumentTag.document_id))
        .outerjoin(DocumentTag, DocumentTag.tag_id == Tag.id)
        .group_by(Tag.id)
        .order_by(Tag.name)
    )
    return [(tag, count) for tag, count in rows]


def update_tag(session: Session, tag: Tag, *, name: str, colour: str) -> Tag:
    name = normalise_tag_name(name)
    clash = session.scalar(
        select(Tag).where(func.lower(Tag.name) == name.lower(), Tag.id != tag.id)
    )
    if clash is not None:
        raise ValidationFailed(f"A tag called {clash.name!r} exists: merge into it instead.")
    if colour not in TAG_COLOURS:
        raise ValidationFailed(f"Choose a colour from: {', '.join(TAG_COLOURS)}.")
    tag.name, tag.colour = name, colour
    session.flush()
    return tag


def merge_tags(session: Session, source: Tag, target: Tag) -> Tag:
    """Move every document from `source` to `target` and delete `source`."""
    if source.id == target.id:
        raise ValidationFailed("A tag cannot be merged into itself.")
    already = set(
        session.scalars(select(DocumentTag.document_id).where(DocumentTag.tag_id == target.id))
    )
    for document_id in session.scalars(
        select(DocumentTag.document_id).where(DocumentTag.tag_id == source.id)
    ):
        if document_id not in already:
            session.add(DocumentTag(document_id=document_id, tag_id=target.id))
    session.execute(delete(DocumentTag).where(DocumentTag.tag_id == source.id))
    session.delete(source)
    session.flush()
    return target


def tag_documents(
    session: Session, documents: Sequence[Document], tag: Tag, *, add: bool = True
) -> int:
    """Tag (or untag) several documents at once; returns how many changed."""
    ids = [d.id for d in documents]
    present = set(
        session.scalars(
            select(DocumentTag.document_id).where(
                DocumentTag.tag_id == tag.id, DocumentTag.document_id.in_(ids)
            )
        )
    )
    if add:
        for document_id in set(ids) - present:
            session.add(DocumentTag(document_id=document_id, tag_id=tag.id))
        changed = len(set(ids) - present)
    else:
        session.execute(
            delete(DocumentTag).where(
                DocumentTag.tag_id == tag.id, DocumentTag.document_id.in_(ids)
            )
        )
        changed = len(present)
    session.flush()
    for document in documents:
        session.expire(document, ["tags"])
    return changed


def set_notes(session: Session, document: Document, notes: str) -> None:
    if len(notes) > 20_000:
        raise ValidationFailed("Notes are limited to 20,000 characters.")
    document.notes = notes.strip()
    session.flush()


@dataclass(frozen=True)
class BulkRow:
    line: int
    name: str
    request_id: int
    outcome: str = ""
    document_id: int | None = None


def parse_mapping(data: bytes, available: set[str], request_ids: set[int]) -> list[BulkRow]:
    """The CSV that says which file goes to which request: columns `file` and `request_id`.

    Every row is checked first; any bad row refuses the whole upload with each problem listed.
    """
    import csv
    import io

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The mapping CSV is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not {"file", "request_id"} <= set(header):
        raise ValidationFailed("The mapping CSV needs the columns file and request_id.")
    reader.fieldnames = header
    rows, problems = [], []
    for raw in reader:
        line = reader.line_num
        name = (raw.get("file") or "").strip().replace("\\", "/").lstrip("/")
        request = (raw.get("request_id") or "").strip().lstrip("#")
        if not name and not request:
            continue
        if name not in available:
            problems.append(f"line {line}: no file called {name!r} in the upload")
        elif not request.isdigit() or int(request) not in request_ids:
            problems.append(f"line {line}: there is no request {request!r}")
        else:
            rows.append(BulkRow(line, name, int(request)))
    if problems:
        raise ValidationFailed(f"{len(problems)} problem(s); nothing was uploaded.", problems)
    if not rows:
        raise ValidationFailed("The mapping CSV has no rows.")
    return rows
