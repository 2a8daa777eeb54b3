"""Keeping search_entry in step with documents, messages and filed letters.

Callers (upload, mail ingest, filing) call these inside their own transaction, after the object
has its content: the rows are written with the session, and the full-text index follows them in
the same transaction (SQLite triggers, a PostgreSQL generated column), so a rollback leaves no
trace in the index either.

One entry per document page with text (a document without text gets one entry for its title),
one per message (under the first request it is linked to, none while it is in the inbox) and
one per filed letter. A document's title is repeated on each of its pages' entries, so that a
query whose words are split between the title and a page still finds that page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from foiatrack.domain.documents.models import Document, DocumentPage, SearchEntry, SearchKind
from foiatrack.domain.letters.models import FiledLetter
from foiatrack.domain.mail.models import Message, MessageLink
from foiatrack.domain.search.text import clean

#: PostgreSQL stores at most 16,383 word positions and 1 MB per tsvector; a page or message
#: longer than this is indexed up to here on both engines, so they agree.
MAX_BODY_CHARS = 100_000
MAX_TITLE_CHARS = 1_000
_BATCH = 1_000

Progress = Callable[[int, int], None]
Row = dict[str, object]


def _text(value: str | None, limit: int = MAX_BODY_CHARS) -> str:
    return clean(value or "")[:limit]


def _row(
    kind: SearchKind, ref_id: int, page: int, request_id: int | None, title: str, body: str
) -> Row:
    return {
        "kind": kind.value,
        "ref_id": ref_id,
        "page": page,
        "request_id": request_id,
        "title": _text(title, MAX_TITLE_CHARS),
        "body": _text(body),
    }


def _document_rows(
    document_id: int,
    request_id: int | None,
    title: str,
    pages: Iterable[tuple[int, str]],
) -> list[Row]:
    with_text = [(number, body) for number, body in pages if body and body.strip()]
    if not with_text:
        # Not extracted (yet), or a scan without text: its title is still findable.
        return [_row(SearchKind.DOCUMENT, document_id, 1, request_id, title, "")]
    return [
        _row(SearchKind.DOCUMENT, document_id, number, request_id, title, body)
        for number, body in with_text
    ]


def _replace(session: Session, kind: SearchKind, ref_id: int, rows: list[Row]) -> int:
    remove(session, kind, ref_id)
    if rows:
        session.execute(insert(SearchEntry), rows)
    return len(rows)


def index_document(session: Session, document: Document) -> int:
    """(Re)index a document, one entry per page with text; returns the number of entries."""
    if document.id is None:
        session.flush()
    rows = _document_rows(
        document.id,
        document.request_id,
        document.title or document.filename,
        ((p.number, p.text) for p in document.pages),
    )
    return _replace(session, SearchKind.DOCUMENT, document.id, rows)


def index_message(session: Session, message: Message) -> int:
    """(Re)index a message under its first linked request (none while it is in the inbox)."""
    if message.id is None:
        session.flush()
    linked = [link.request_id for link in message.links if link.request_id is not None]
    if not linked:
        first = session.scalar(
            select(func.min(MessageLink.request_id)).where(MessageLink.message_id == message.id)
        )
        linked = [first] if first is not None else []
    row = _row(
        SearchKind.MESSAGE,
        message.id,
        1,
        min(linked) if linked else None,
        message.subject,
        message.body_text,
    )
    return _replace(session, SearchKind.MESSAGE, message.id, [row])


def index_filed_letter(session: Session, filed: FiledLetter) -> int:
    """Index a letter as it was filed (its subject and plain text)."""
    if filed.id is None:
        session.flush()
    row = _row(SearchKind.LETTER, filed.id, 1, filed.request_id, filed.subject, filed.text)
    return _replace(session, SearchKind.LETTER, filed.id, [row])


def remove(session: Session, kind: SearchKind | str, ref_id: int) -> None:
    """Take a document, message or letter out of the index."""
    session.execute(
        delete(SearchEntry).where(
            SearchEntry.kind == SearchKind(kind).value, SearchEntry.ref_id == ref_id
        ),
        execution_options={"synchronize_session": False},
    )


# ---------------------------------------------------------------------------------------------
# Rebuilding everything
# ---------------------------------------------------------------------------------------------


def _id_batches(session: Session, column: object) -> Iterable[Sequence[int]]:
    """Every id of a table in order, a batch at a time (keyset pagination)."""
    last = 0
    while True:
        ids = list(
            session.scalars(
                select(column).where(column > last).order_by(column).limit(_BATCH)  # type: ignore[operator]
            )
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _document_batch(session: Session, ids: Sequence[int]) -> list[Row]:
    pages: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    for document_id, number, body in session.execute(
        select(DocumentPage.document_id, DocumentPage.number, DocumentPage.text)
        .where(DocumentPage.document_id.in_(ids))
        .order_by(DocumentPage.document_id, DocumentPage.number)
    ):
        pages[document_id].append((number, body))
    rows: list[Row] = []
    for document_id, request_id, title, filename in session.execute(
        select(Document.id, Document.request_id, Document.title, Document.filename)
        .where(Document.id.in_(ids))
        .order_by(Document.id)
    ):
        rows += _document_rows(document_id, request_id, title or filename, pages[document_id])
    return rows


def _message_batch(session: Session, ids: Sequence[int]) -> list[Row]:
    first_link = (
        select(func.min(MessageLink.request_id))
        .where(MessageLink.message_id == Message.id)
        .scalar_subquery()
    )
    return [
        _row(SearchKind.MESSAGE, message_id, 1, request_id, subject, body)
        for message_id, request_id, subject, body in session.execute(
            select(Message.id, first_link, Message.subject, Message.body_text)
            .where(Message.id.in_(ids))
            .order_by(Message.id)
        )
    ]


def _letter_batch(session: Session, ids: Sequence[int]) -> list[Row]:
    return [
        _row(SearchKind.LETTER, letter_id, 1, request_id, subject, body)
        for letter_id, request_id, subject, body in session.execute(
            select(FiledLetter.id, FiledLetter.request_id, FiledLetter.subject, FiledLetter.text)
            .where(FiledLetter.id.in_(ids))
            .order_by(FiledLetter.id)
        )
    ]


def reindex_all(session: Session, progress: Progress | None = None) -> dict[str, int]:
    """Empty the index and build it again from every document, message and filed letter.

    Returns the number of entries per kind. On SQLite the FTS5 index is emptied first and
    refilled by the triggers as the rows go back in, which also repairs an index that had
    drifted from its rows.
    """
    sources = (
        (SearchKind.DOCUMENT, Document.id, _document_batch),
        (SearchKind.MESSAGE, Message.id, _message_batch),
        (SearchKind.LETTER, FiledLetter.id, _letter_batch),
    )
    total = sum(
        session.scalar(select(func.count()).select_from(column.class_)) or 0  # type: ignore[attr-defined]
        for _, column, _ in sources
    )
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
    session.execute(delete(SearchEntry), execution_options={"synchronize_session": False})
    counts = {kind.value: 0 for kind in SearchKind}
    done = 0
    for kind, column, batch in sources:
        for ids in _id_batches(session, column):
            rows = batch(session, ids)
            if rows:
                session.execute(insert(SearchEntry), rows)
            counts[kind.value] += len(rows)
            done += len(ids)
            if progress is not None:
                progress(done, total)
    return counts
