"""The archive's long jobs: ZIP exports of a tag or a search, evidence bundles, regrouping.

Exports are written to a temporary file on disk, not built in memory, and then stored in the
file store under their SHA-256, where /jobs/<id>/download finds them. Progress commits the
job row; the export only reads, so the session keeps its loaded objects across those commits.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

from sqlalchemy.orm import Session, scoped_session

from foiatrack.adapters import blob_store
from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.domain.documents import exports, similarity
from foiatrack.domain.documents.services import get_tag
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.jobs.models import Job
from foiatrack.jobs import Progress, handler

EXPORT_TAG_ZIP = "export_tag_zip"
EXPORT_SEARCH_ZIP = "export_search_zip"
EVIDENCE_BUNDLE = "evidence_bundle"
REGROUP_DOCUMENTS = "regroup_documents"
#: one ZIP holds at most this many documents: a larger selection should be narrowed first
MAX_EXPORT_DOCUMENTS = 20_000


@contextmanager
def _keep_loaded(session: Session) -> Iterator[None]:
    # Progress commits the job row after every few files; expiring every loaded document at
    # each of those commits would reload them one query at a time.
    real = session() if isinstance(session, scoped_session) else session
    before = real.expire_on_commit
    real.expire_on_commit = False
    try:
        yield
    finally:
        real.expire_on_commit = before


def store_spooled(
    blobs: FileSystemBlobStore, write: Callable[[IO[bytes]], object]
) -> tuple[str, int]:
    """Run `write` into a temporary file, store the result, return (sha256, size)."""
    with tempfile.TemporaryFile(prefix="foiatrack-export-") as spool:
        write(spool)
        size = spool.tell()
        spool.seek(0)
        return blobs.put(spool.read()), size


def _today() -> str:
    return dt.date.today().isoformat()


def _zip_documents(
    session: Session,
    job: Job,
    progress: Progress,
    config: Mapping[str, Any],
    ids: list[int],
    filename: str,
) -> dict[str, Any]:
    if len(ids) > MAX_EXPORT_DOCUMENTS:
        raise ValidationFailed(
            f"{len(ids)} documents are more than one ZIP holds ({MAX_EXPORT_DOCUMENTS}): "
            "narrow the selection."
        )
    blobs = blob_store(config)
    progress(0, len(ids), f"Collecting {len(ids)} documents")
    with _keep_loaded(session):
        documents = exports.load_documents(session, ids)
        holder: dict[str, exports.ZipSummary] = {}

        def write(out: IO[bytes]) -> None:
            holder["summary"] = exports.write_zip(out, documents, blobs, progress=progress)

        sha, size = store_spooled(blobs, write)
    summary = holder["summary"]
    return {
        "sha256": sha,
        "filename": filename,
        "size": size,
        "documents": len(documents),
        "missing": summary.missing,
        "next_url": f"/jobs/{job.id}/download",
    }


@handler(EXPORT_TAG_ZIP)
def export_tag_zip(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """params: tag_id. Every document with the tag, with manifest.csv."""
    tag = get_tag(session, int(job.params["tag_id"]))
    ids = exports.tagged_document_ids(session, tag)
    name = exports.safe_component(tag.name, f"tag-{tag.id}", limit=60).replace(" ", "-")
    return _zip_documents(session, job, progress, config, ids, f"tag-{name}-{_today()}.zip")


@handler(EXPORT_SEARCH_ZIP)
def export_search_zip(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """params: q, filters (the search page's query-string values). The matching documents."""
    query = str(job.params["q"])
    filters = exports.search_filters(job.params.get("filters") or {})
    progress(0, None, f"Searching for {query}")
    hits = exports.all_search_hits(session, query, filters=filters)
    ids = exports.document_ids_of_hits(hits)
    slug = exports.safe_component(exports.slug(query, 40), "search")
    return _zip_documents(session, job, progress, config, ids, f"search-{slug}-{_today()}.zip")


@handler(EVIDENCE_BUNDLE)
def evidence_bundle(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """params: request_id. Letters, original e-mails, attachments, timeline, SHA256SUMS."""
    request_id = int(job.params["request_id"])
    blobs = blob_store(config)
    holder: dict[str, exports.BundleSummary] = {}
    with _keep_loaded(session):

        def write(out: IO[bytes]) -> None:
            holder["summary"] = exports.write_evidence_bundle(
                out, session, request_id, blobs, progress=progress
            )

        sha, size = store_spooled(blobs, write)
    summary = holder["summary"]
    return {
        "sha256": sha,
        "filename": f"request-{request_id}-evidence-{_today()}.zip",
        "size": size,
        "files": len(summary.files),
        "notes": summary.notes,
        "next_url": f"/jobs/{job.id}/download",
    }


@handler(REGROUP_DOCUMENTS)
def regroup_documents(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """params: recompute (bool). Signatures are committed batch by batch through progress."""
    report = similarity.regroup(
        session, recompute=bool(job.params.get("recompute")), progress=progress
    )
    session.commit()
    progress(report.documents, report.documents, report.summary())
    return {
        "groups": report.groups,
        "grouped_documents": report.grouped_documents,
        "comparable": report.comparable,
        "signatures_computed": report.signatures_computed,
        "seconds": round(report.seconds, 2),
        "next_url": "/archive/groups",
    }
