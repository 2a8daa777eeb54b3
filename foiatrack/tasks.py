"""The long jobs behind campaigns: drafting many letters, sending them, zipping them.

Each handler commits after every request, so an interrupted job keeps what it did and running
it again continues where it stopped. The CLI runs the same handlers inline.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.adapters import blob_store, letter_renderers
from foiatrack.adapters.smtp import mail_from_config, smtp_sender_from_config
from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.domain.accounts.models import User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.base import utcnow
from foiatrack.domain.errors import MailDeliveryError, ValidationFailed
from foiatrack.domain.jobs.models import Job
from foiatrack.domain.letters import services as letters
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


def campaign_zip_bytes(
    session: Session,
    campaign_id: int,
    *,
    blobs: FileSystemBlobStore,
    progress: Progress | None = None,
) -> tuple[str, bytes]:
    """Every letter of a campaign as PDF and DOCX, in one ZIP: what was filed for filed
    requests (the stored snapshot), the current draft for the others."""
    campaign = get_campaign(session, campaign_id)
    renderers = letter_renderers()
    requests = sorted(campaign.requests, key=lambda r: (r.agency.state, r.agency.name, r.id))
    buffer = io.BytesIO()
    today = dt.date.today()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, request in enumerate(requests, start=1):
            letter = letters.current_letter(session, request)
            if letter is not None:
                stem = _zip_name(request)
                if letter.filed is not None:
                    pdf = blobs.get(letter.filed.pdf_sha256)
                    docx = blobs.get(letter.filed.docx_sha256)
                else:
                    frame = letters.letter_frame(letter, today=today)
                    pdf, docx = renderers.pdf.render(frame), renderers.docx.render(frame)
                archive.writestr(f"{stem}.pdf", pdf)
                archive.writestr(f"{stem}.docx", docx)
            if progress is not None:
                progress(done, len(requests), request.agency.name)
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
        session, job.params["campaign_id"], blobs=blobs, progress=progress
    )
    sha = blobs.put(data)
    return {
        "sha256": sha,
        "filename": name,
        "size": len(data),
        "next_url": f"/jobs/{job.id}/download",
    }
