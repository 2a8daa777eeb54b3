"""The long jobs behind campaigns: drafting many letters, sending them, zipping them.

Each handler commits after every request, so an interrupted job keeps what it did and running
it again continues where it stopped. The CLI runs the same handlers inline.
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.adapters import RENDERER_MODULES, blob_store, letter_renderers, render_frame
from foiatrack.adapters.smtp import mail_from_config, smtp_sender_from_config
from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.domain.accounts.models import User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.base import utcnow
from foiatrack.domain.errors import MailDeliveryError, ValidationFailed
from foiatrack.domain.jobs.models import Job
from foiatrack.domain.letters import services as letters
from foiatrack.domain.letters.frame import LetterFrame
from foiatrack.domain.mail import outbound
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod, RecordsRequest
from foiatrack.domain.requests.services import get_campaign, get_request
from foiatrack.jobs import Progress, handler

DRAFT_CAMPAIGN = "draft_campaign"
SEND_REQUESTS = "send_requests"
CAMPAIGN_ZIP = "campaign_zip"


def _actor(session: Session, job: Job) -> User | None:
    return session.get(User, job.created_by_id) if job.created_by_id else None


@handler(DRAFT_CAMPAIGN)
def draft_campaign(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """params: campaign, template (slug), agency_ids, date_range [start, end] (ISO), title."""
    params = job.params
    actor = _actor(session, job)
    agencies = list(
        session.scalars(
            select(Agency).where(Agency.id.in_(params["agency_ids"])).order_by(Agency.name)
        )
    )
    template = letters.get_template(session, params["template"])
    start, end = params.get("date_range") or (None, None)
    date_range = (
        letters.DateRange(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        if start and end
        else None
    )
    today = dt.date.today()
    profile = letters.get_profile(session, actor)
    progress(0, len(agencies), f"Drafting {len(agencies)} letters")

    def step(done: int, total: int) -> None:
        # Commit in batches: each batch of drafts survives a crash, and progress shows.
        if done % 25 == 0 or done == total:
            progress(done, total, f"Drafted {done} of {total} letters")

    campaign = letters.draft_campaign(
        session,
        name=params["campaign"],
        template=template,
        agencies=agencies,
        profile=profile,
        actor=actor,
        today=today,
        date_range=date_range,
        title=params.get("title"),
        description=params.get("description", ""),
        progress=step,
    )
    session.commit()
    return {
        "campaign_id": campaign.id,
        "drafted": len(agencies),
        "next_url": f"/campaigns/{campaign.id}",
    }


def send_one(
    session: Session,
    request: RecordsRequest,
    *,
    config: Mapping[str, Any],
    sender: Any,
    mail_from: str,
    actor: User | None,
    resend_interrupted: bool = False,
) -> tuple[str, str]:
    """Send one request's letter; returns (outcome, detail). Commits twice: before and after."""
    letter = letters.current_letter(session, request)
    try:
        plan = outbound.plan_send(
            session, request, letter, mail_from=mail_from, allow_unknown=resend_interrupted
        )
    except outbound.SendSkipped as skipped:
        session.commit()
        return skipped.status, str(skipped)
    session.commit()  # the attempt is on record before the mail server hears of it
    now = utcnow()
    renderers = letter_renderers()
    frame = letters.letter_frame(letter, today=now.date())
    pdf = renderers.pdf.render(frame)
    profile = letter.profile
    name = (profile.name if profile else "") or config.get("ORGANISATION_NAME", "")
    message = outbound.compose_email(plan, frame, pdf, sender_name=name, now=now)
    try:
        sender.send(message)
    except MailDeliveryError as error:
        outbound.mark_failed(plan, str(error))
        session.commit()
        return "failed", str(error)
    outbound.mark_sent(plan, now=now)
    letters.file_letter(
        session,
        letter,
        renderers=renderers,
        store=blob_store(config).put,
        now=now,
        pdf=pdf,
        frame=frame,
        extra={
            "method": "email",
            "message_id": plan.outbound.message_id,
            "to": plan.outbound.to_address,
        },
    )
    lifecycle.file_request(
        session,
        request,
        actor=actor,
        clock=Clock(now.date(), now.date()),
        method=FilingMethod.EMAIL,
    )
    session.commit()
    return "sent", plan.outbound.to_address


@handler(SEND_REQUESTS)
def send_requests(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """params: request_ids, resend_interrupted. Safe to run again: nothing is sent twice."""
    sender = smtp_sender_from_config(config)
    if sender is None:
        raise ValidationFailed(
            "No mail server is configured: set FOIATRACK_SMTP_HOST and "
            "FOIATRACK_MAIL_FROM (see the README)."
        )
    mail_from = mail_from_config(config)
    rate = float(config.get("SEND_RATE_PER_MINUTE") or 0)
    ids: list[int] = job.params["request_ids"]
    actor = _actor(session, job)
    results: dict[str, dict[str, str]] = {"sent": {}, "failed": {}, "skipped": {}, "unknown": {}}
    progress(0, len(ids), f"Sending {len(ids)} requests")
    for done, request_id in enumerate(ids, start=1):
        request = get_request(session, request_id)
        outcome, detail = send_one(
            session,
            request,
            config=config,
            sender=sender,
            mail_from=mail_from,
            actor=actor,
            resend_interrupted=job.params.get("resend_interrupted", False),
        )
        results[outcome][str(request_id)] = detail
        progress(done, len(ids), f"#{request_id} {request.agency.name}: {outcome} ({detail})")
        if outcome == "sent" and rate > 0 and done < len(ids):
            time.sleep(60.0 / rate)  # agencies' mail servers throttle bursts from one sender
    counts = {key: len(value) for key, value in results.items()}
    campaign_id = job.params.get("campaign_id")
    return {
        "counts": counts,
        **results,
        "next_url": f"/campaigns/{campaign_id}" if campaign_id else "/",
    }


def render_many(
    frames: list[LetterFrame], *, workers: int, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[bytes, bytes]]:
    """Render letters in order, on several processes when there are enough of them.

    WeasyPrint holds the GIL for most of its work, so threads would not help; processes do.
    """
    if workers <= 1 or len(frames) < 8:
        for done, frame in enumerate(frames, start=1):
            yield render_frame(frame)
            if progress is not None:
                progress(done)
        return
    # forkserver, not fork: the job runs in a threaded web or worker process. The server imports
    # the renderers once (WeasyPrint alone takes up to 0.5 s, with 54 `ldconfig`, `gcc` and `ld`
    # runs to find its libraries) and every worker is forked from it with them loaded, instead
    # of each worker importing them again; later pools of this process reuse the running server.
    # Without this, each worker spent 1.3 to 1.5 s of CPU before its first letter.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(RENDERER_MODULES))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for done, rendered in enumerate(pool.map(render_frame, frames, chunksize=4), start=1):
            yield rendered
            if progress is not None:
                progress(done)


def render_workers(config: Mapping[str, Any]) -> int:
    configured = int(config.get("LETTER_RENDER_WORKERS") or 0)
    return configured if configured > 0 else max(1, min(4, os.cpu_count() or 1))


def campaign_zip_bytes(
    session: Session,
    campaign_id: int,
    *,
    blobs: FileSystemBlobStore,
    workers: int = 1,
    progress: Progress | None = None,
) -> tuple[str, bytes]:
    """Every letter of a campaign as PDF and DOCX, in one ZIP: what was filed for filed
    requests (the stored snapshot), the current draft for the others."""
    campaign = get_campaign(session, campaign_id)
    requests = sorted(campaign.requests, key=lambda r: (r.agency.state, r.agency.name, r.id))
    today = dt.date.today()
    stored: dict[str, tuple[bytes, bytes]] = {}
    drafts: list[tuple[str, LetterFrame]] = []
    for request in requests:
        letter = letters.current_letter(session, request)
        if letter is None:
            continue
        if letter.filed is not None:
            stored[_zip_name(request)] = (
                blobs.get(letter.filed.pdf_sha256),
                blobs.get(letter.filed.docx_sha256),
            )
        else:
            drafts.append((_zip_name(request), letters.letter_frame(letter, today=today)))
    total = len(stored) + len(drafts)

    def step(done: int) -> None:
        if progress is not None and (done % 10 == 0 or done == len(drafts)):
            progress(len(stored) + done, total, f"Rendered {len(stored) + done} of {total}")

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for stem, (pdf, docx) in stored.items():
            archive.writestr(f"{stem}.pdf", pdf)
            archive.writestr(f"{stem}.docx", docx)
        rendered = render_many([frame for _, frame in drafts], workers=workers, progress=step)
        for (stem, _), (pdf, docx) in zip(drafts, rendered, strict=True):
            archive.writestr(f"{stem}.pdf", pdf)
            archive.writestr(f"{stem}.docx", docx)
    return f"campaign-{campaign.id}-letters.zip", buffer.getvalue()


def _zip_name(request: RecordsRequest) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in request.agency.name)[:80].strip("-")
    return f"{request.agency.state}/{request.id:05d}-{safe or 'agency'}"


@handler(CAMPAIGN_ZIP)
def campaign_zip(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    blobs = blob_store(config)
    name, data = campaign_zip_bytes(
        session,
        job.params["campaign_id"],
        blobs=blobs,
        workers=render_workers(config),
        progress=progress,
    )
    sha = blobs.put(data)
    return {
        "sha256": sha,
        "filename": name,
        "size": len(data),
        "next_url": f"/jobs/{job.id}/download",
    }


EXTRACT_DOCUMENTS = "extract_documents"


def extract_document(session: Session, document_id: int, config: Mapping[str, Any]) -> str:
    """Extract one document's text page by page and index it; returns its new status."""
    from foiatrack.adapters.text_extraction import extract
    from foiatrack.domain.documents.models import Document
    from foiatrack.domain.documents.services import save_pages
    from foiatrack.domain.search.indexing import index_document

    document = session.get(Document, document_id)
    if document is None:
        return "missing"
    result = extract(blob_store(config).get(document.sha256), document.media_type)
    save_pages(
        session,
        document,
        result.pages,
        status=result.status,
        error=result.error,
        page_count=result.page_count,
    )
    index_document(session, document)
    session.commit()
    return str(result.status)


@handler(EXTRACT_DOCUMENTS)
def extract_documents(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """params: document_ids. Each document is committed on its own."""
    ids: list[int] = job.params["document_ids"]
    statuses: dict[str, int] = {}
    for done, document_id in enumerate(ids, start=1):
        status = extract_document(session, document_id, config)
        statuses[status] = statuses.get(status, 0) + 1
        progress(done, len(ids), f"document {document_id}: {status}")
    # New text may join or form groups of near-identical documents; only changed documents
    # are re-read, so this stays cheap.
    from foiatrack.domain.documents.similarity import regroup

    report = regroup(session)
    session.commit()
    return {"statuses": statuses, "groups": report.groups}


def extract_pending_later(app: Any, *, actor: User | None) -> int | None:
    """Queue text extraction for every document still waiting for it; returns the job id."""
    from flask import current_app

    from foiatrack.domain.documents.models import Document, ExtractionStatus
    from foiatrack.extensions import db
    from foiatrack.jobs import create_job, dispatch

    ids = list(
        db.session.scalars(
            select(Document.id)
            .where(Document.extraction_status == ExtractionStatus.PENDING)
            .order_by(Document.id)
        )
    )
    if not ids:
        return None
    job = create_job(
        db.session,
        EXTRACT_DOCUMENTS,
        title=f"Extract text of {len(ids)} files",
        params={"document_ids": ids},
        actor=actor,
        total=len(ids),
    )
    db.session.commit()
    dispatch(app or current_app._get_current_object(), job.id)
    return job.id


def ingest_uploaded_email(
    session: Session,
    data: bytes,
    *,
    filename: str,
    request_id: int | None,
    actor: User | None,
    config: Mapping[str, Any],
) -> tuple[str, int | None]:
    """An .eml or .msg file added by hand, through the same pipeline as fetched mail."""
    from foiatrack.adapters.text_extraction import sniff_media_type
    from foiatrack.domain.mail.ingest import (
        IngestContext,
        assign_from_inbox,
        mail_from_setting,
        process_message,
        store_upload,
    )
    from foiatrack.domain.mail.models import Message

    if filename.lower().endswith(".msg"):
        from foiatrack.adapters.outlook import msg_to_eml_bytes

        data = msg_to_eml_bytes(data)
    blobs = blob_store(config)
    now = utcnow()
    raw = store_upload(session, data, store=blobs.put, now=now)
    request = get_request(session, request_id) if request_id else None
    outcome = (
        "duplicate"
        if raw.status == "duplicate"
        else process_message(
            session,
            raw,
            data,
            IngestContext(
                store=blobs.put,
                sniff=sniff_media_type,
                now=now,
                mail_from=mail_from_setting(config),
            ),
        )
    )
    source_raw = raw.duplicate_of_id or raw.id
    message = session.scalar(select(Message).where(Message.raw_id == source_raw))
    if request is not None and message is not None and actor is not None:
        assign_from_inbox(session, message, request, actor=actor, remember_sender=False, now=now)
    return outcome, message.id if message else None


FETCH_MAIL = "fetch_mail"


class _CountingMailbox:
    """Passes every call to the real mailbox and tells the job how many messages are new."""

    def __init__(self, mailbox: Any, on_total: Callable[[int], None]) -> None:
        self._mailbox = mailbox
        self._on_total = on_total

    def uids_after(self, last_uid: int) -> list[int]:
        uids = self._mailbox.uids_after(last_uid)
        self._on_total(len(uids))
        return uids

    def __getattr__(self, name: str) -> Any:
        return getattr(self._mailbox, name)


@handler(FETCH_MAIL)
def fetch_mail(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """One pass over the mailbox, as `flask fetch-mail` does, with progress per message."""
    from foiatrack.adapters.imap import imap_mailbox_from_config
    from foiatrack.domain.mail.fetching import fetch_pass
    from foiatrack.domain.mail.ingest import process_raw

    mailbox = imap_mailbox_from_config(config)
    if mailbox is None:
        raise ValidationFailed("No mailbox is configured: set FOIATRACK_IMAP_HOST.")
    blobs = blob_store(config)
    state = {"done": 0, "total": 0}

    def on_total(total: int) -> None:
        state["total"] = total
        progress(0, total, f"{total} new message{'s' if total != 1 else ''}")

    def process(inner: Session, raw: Any) -> str:
        outcome = process_raw(inner, raw, blobs=blobs, config=config, now=utcnow())
        state["done"] += 1
        progress(state["done"], max(state["total"], state["done"]), f"message {raw.uid}: {outcome}")
        return outcome

    try:
        summary = fetch_pass(
            session, _CountingMailbox(mailbox, on_total), store=blobs.put, process=process
        )
    finally:
        mailbox.close()
    return {"summary": summary.line(), "next_url": "/inbox/"}


REINDEX = "reindex"


@handler(REINDEX)
def reindex(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    """Rebuild the search index from every document, message and filed letter."""
    from foiatrack.domain.search.indexing import reindex_all

    counts = reindex_all(
        session, lambda done, total: progress(done, total, f"{done} of {total} indexed")
    )
    session.commit()
    return {"counts": counts, "next_url": "/search/"}


# The archive's job kinds (exports, evidence bundles, regrouping) register on import.
from foiatrack import tasks_archive  # noqa: E402, F401
