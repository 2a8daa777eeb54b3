"""Letters on the command line: draft, render and send."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from foiatrack.adapters import letter_renderers
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.agencies.services import AgencyFilter, list_agencies
from foiatrack.domain.errors import DomainError
from foiatrack.domain.letters import services as letters
from foiatrack.domain.requests.models import Campaign, RecordsRequest
from foiatrack.domain.requests.services import create_request, get_request
from foiatrack.extensions import db
from foiatrack.jobs import create_job, get_job, run_job
from foiatrack.tasks import SEND_REQUESTS


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("draft")
@click.option(
    "--template",
    "template_name",
    required=True,
    help="Template name: its file name in letter_templates/ without extensions.",
)
@click.option("--agency", "agency_ids", type=int, multiple=True, help="Agency id (repeatable).")
@click.option("--state", help="Every agency in this state (two-letter code, DC or US).")
@click.option(
    "--ring-partners",
    is_flag=True,
    help="Every agency with a Ring partnership (combined with --state: those in that state).",
)
@click.option(
    "--campaign",
    "campaign_name",
    help="Add the requests to this campaign (created if new; agencies already in it are skipped).",
)
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Start of the records' date range (default 2018-01-01).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def draft_command(
    template_name: str,
    agency_ids: tuple[int, ...],
    state: str | None,
    ring_partners: bool,
    campaign_name: str | None,
    since: dt.datetime | None,
    as_json: bool,
) -> None:
    """Draft requests with their letters from a template and print their ids."""
    if not agency_ids and not state and not ring_partners:
        raise click.UsageError("Choose agencies with --agency ID, --state XX or --ring-partners.")
    session = db.session
    try:
        template = letters.get_template(session, template_name)
        if agency_ids:
            agencies = list(session.scalars(select(Agency).where(Agency.id.in_(agency_ids))))
            missing = set(agency_ids) - {a.id for a in agencies}
            if missing:
                _fail(f"no agency with id {', '.join(map(str, sorted(missing)))}")
        else:
            agencies = list_agencies(
                session, AgencyFilter(state=state, ring_partners_only=ring_partners)
            )
        if not agencies:
            _fail("no agency matches")
        today = dt.date.today()
        date_range = letters.DateRange(since.date(), today) if since else None
        profile = letters.get_profile(session, None)
        before = set(session.scalars(select(RecordsRequest.id)))
        with click.progressbar(
            length=len(agencies), label="Drafting", file=sys.stderr, show_pos=True
        ) as bar:

            def step(done: int, total: int) -> None:
                bar.update(1)

            if campaign_name:
                letters.draft_campaign(
                    session,
                    name=campaign_name,
                    template=template,
                    agencies=agencies,
                    profile=profile,
                    actor=None,
                    today=today,
                    date_range=date_range,
                    progress=step,
                )
            else:
                for agency in agencies:
                    request = create_request(
                        session, agency, title=template.title, campaign=None, actor=None
                    )
                    letters.draft_letter(
                        session,
                        request,
                        template,
                        profile=profile,
                        today=today,
                        date_range=date_range,
                    )
                    step(0, 0)
    except DomainError as error:
        _fail(str(error))
    db.session.commit()
    drafted = list(
        session.scalars(
            select(RecordsRequest)
            .where(RecordsRequest.id.not_in(before) if before else RecordsRequest.id.is_not(None))
            .order_by(RecordsRequest.id)
        )
    )
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "agency_id": r.agency_id,
                        "agency": r.agency.name,
                        "state": r.agency.state,
                        "has_email": bool(r.agency.email),
                        "campaign": r.campaign.name if r.campaign else None,
                    }
                    for r in drafted
                ],
                indent=2,
            )
        )
        return
    for r in drafted:
        note = "" if r.agency.email else "  (no e-mail address: file by portal or post)"
        click.echo(f"{r.id}\t{r.agency.name} [{r.agency.state}]{note}")
    click.echo(f"{len(drafted)} requests drafted", err=True)


@click.command("render")
@click.argument("request_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx"]), required=True)
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True
)
@with_appcontext
def render_command(request_id: int, fmt: str, output: Path) -> None:
    """Write one request's letter as PDF or DOCX (what was filed, once it is filed)."""
    from foiatrack.adapters import blob_store

    try:
        request = get_request(db.session, request_id)
    except DomainError as error:
        _fail(str(error))
    letter = letters.current_letter(db.session, request)
    if letter is None:
        _fail(f"request {request_id} has no letter")
    if letter.filed is not None:
        sha = letter.filed.pdf_sha256 if fmt == "pdf" else letter.filed.docx_sha256
        data = blob_store(current_app.config).get(sha)
    else:
        renderer = getattr(letter_renderers(), fmt)
        data = renderer.render(letters.letter_frame(letter, today=dt.date.today()))
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({len(data):,} bytes)")


@click.command("send")
@click.argument("request_ids", type=int, nargs=-1)
@click.option("--campaign", "campaign_name", help="Send every unsent request of this campaign.")
@click.option(
    "--resend-interrupted",
    is_flag=True,
    help="Also resend requests whose earlier send was interrupted (check first).",
)
@with_appcontext
def send_command(
    request_ids: tuple[int, ...], campaign_name: str | None, resend_interrupted: bool
) -> None:
    """E-mail requests' letters to their agencies; safe to run again (nothing goes twice)."""
    if bool(request_ids) == bool(campaign_name):
        raise click.UsageError("Give request ids or --campaign NAME (one of the two).")
    session = db.session
    campaign_id = None
    if campaign_name:
        campaign = session.scalar(select(Campaign).where(Campaign.name == campaign_name))
        if campaign is None:
            _fail(f"there is no campaign called {campaign_name!r}")
        campaign_id = campaign.id
        request_ids = tuple(sorted(r.id for r in campaign.requests))
    job = create_job(
        session,
        SEND_REQUESTS,
        title=f"Send {len(request_ids)} requests",
        params={
            "request_ids": list(request_ids),
            "campaign_id": campaign_id,
            "resend_interrupted": resend_interrupted,
        },
        actor=None,
    )
    session.commit()

    with click.progressbar(
        length=len(request_ids),
        label="Sending",
        file=sys.stderr,
        show_pos=True,
        item_show_func=lambda m: m,
    ) as bar:

        def show(done: int, total: int | None = None, message: str = "") -> None:
            bar.update(done - bar.pos, message or None)

        run_job(current_app._get_current_object(), job.id, progress_hook=show)
    session.expire_all()  # the job ran in its own session: read its outcome afresh
    finished = get_job(session, job.id)
    if finished.error:
        _fail(finished.error)
    counts = finished.result["counts"]
    click.echo(", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing to send")
    for outcome in ("failed", "unknown"):
        for request_id, detail in finished.result[outcome].items():
            click.echo(f"#{request_id} {outcome}: {detail}", err=True)
    if counts["failed"] or counts["unknown"]:
        sys.exit(1)
