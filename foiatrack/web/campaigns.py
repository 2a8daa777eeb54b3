"""Campaigns: one letter drafted for many agencies, reviewed, then filed all at once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.agencies.naming import name_key
from foiatrack.domain.agencies.services import AgencyFilter, list_agencies
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.jurisdictions.services import jurisdictions_by_code
from foiatrack.domain.letters import services as letters
from foiatrack.domain.letters.models import LetterKind, OutboundMessage
from foiatrack.domain.requests import queries, services
from foiatrack.domain.requests.models import Status
from foiatrack.extensions import db
from foiatrack.jobs import create_job, dispatch
from foiatrack.tasks import CAMPAIGN_ZIP, DRAFT_CAMPAIGN, SEND_REQUESTS
from foiatrack.web.security import role_required

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
MAX_AGENCIES = 5000


class NewCampaignForm(FlaskForm):
    name = StringField("Campaign name", validators=[DataRequired(), Length(max=200)])
    template = SelectField("Letter template", validators=[DataRequired()])
    title = StringField("Request title (shown in lists)", validators=[Optional(), Length(max=300)])
    description = TextAreaField("Notes for the team", validators=[Optional(), Length(max=2000)])
    state = SelectField("Agencies in this state", validators=[Optional()])
    ring_partners = BooleanField("Only agencies with a Ring partnership", default=True)
    agency_ids = TextAreaField(
        "…or these agency ids (spaces or commas)", validators=[Optional(), Length(max=50_000)]
    )
    agency_csv = FileField("…or a CSV with a column id, or columns name and state")
    since = DateField("Records from", default=letters.DEFAULT_RANGE_START, validators=[Optional()])
    until = DateField(
        "Records until (default: the day the letter is drafted)", validators=[Optional()]
    )


class ConfirmForm(FlaskForm):
    pass


def _new_form() -> NewCampaignForm:
    form = NewCampaignForm()
    form.template.choices = [
        SelectChoice(t.slug, t.title)
        for t in letters.list_templates(db.session)
        if t.kind == LetterKind.REQUEST
    ]
    form.state.choices = [SelectChoice("", "Any state")] + [
        SelectChoice(code, f"{code} — {j.name}")
        for code, j in jurisdictions_by_code(db.session).items()
    ]
    return form


def _chosen_agencies(form: NewCampaignForm) -> list[Agency]:
    """The agencies the form picks: an explicit list, a CSV, or a state/Ring filter."""
    session = db.session
    if form.agency_ids.data and form.agency_ids.data.strip():
        ids = [int(x) for x in re.split(r"[\s,;]+", form.agency_ids.data.strip()) if x]
        agencies = list(session.scalars(select(Agency).where(Agency.id.in_(ids))))
        missing = sorted(set(ids) - {a.id for a in agencies})
        if missing:
            raise ValidationFailed(f"No agency with id {', '.join(map(str, missing[:20]))}.")
        return agencies
    upload = form.agency_csv.data
    if upload and getattr(upload, "filename", ""):
        return _agencies_from_csv(upload.read())
    if not form.state.data and not form.ring_partners.data:
        raise ValidationFailed("Choose a state, Ring partners, a list of ids or a CSV.")
    return list_agencies(
        session,
        AgencyFilter(
            state=form.state.data or None, ring_partners_only=bool(form.ring_partners.data)
        ),
    )


def _agencies_from_csv(data: bytes) -> list[Agency]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The CSV is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip().lower() for h in reader.fieldnames or []}
    if "id" not in header and not {"name", "state"} <= header:
        raise ValidationFailed("The CSV needs a column id, or columns name and state.")
    all_agencies = list(db.session.scalars(select(Agency)))
    by_id = {a.id: a for a in all_agencies}
    by_name = {(a.state, a.name_key): a for a in all_agencies}
    chosen, problems = [], []
    for row in reader:
        cells = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        agency = None
        if cells.get("id"):
            agency = by_id.get(int(cells["id"])) if cells["id"].isdigit() else None
        elif cells.get("name"):
            agency = by_name.get((cells.get("state", "").upper(), name_key(cells["name"])))
        if agency is None:
            problems.append(
                f"line {reader.line_num}: no such agency ({cells.get('id') or cells.get('name')})"
            )
        else:
            chosen.append(agency)
    if problems:
        raise ValidationFailed(
            "Some rows name no agency in the directory; nothing was drafted.", problems
        )
    return chosen


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template(
        "campaigns/index.html", summaries=services.campaign_summaries(db.session)
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def create() -> ResponseReturnValue:
    form = _new_form()
    if form.validate_on_submit():
        if letters.get_profile(db.session, current_user) is None:
            flash("Set up your requester profile first: it signs the letters.", "error")
            return redirect(url_for("auth.profile"))
        try:
            agencies = _chosen_agencies(form)
            if not agencies:
                raise ValidationFailed("No agency matches that choice.")
            if len(agencies) > MAX_AGENCIES:
                raise ValidationFailed(f"A campaign has at most {MAX_AGENCIES} agencies.")
            since = form.since.data or letters.DEFAULT_RANGE_START
            until = form.until.data or dt.date.today()
            letters.DateRange(since, until)
        except ValidationFailed as error:
            flash(str(error), "error")
            return render_template(
                "campaigns/new.html",
                form=form,
                problems=error.problems,
                needs_profile=_needs_profile(),
            ), 422
        job = create_job(
            db.session,
            DRAFT_CAMPAIGN,
            actor=current_user,
            title=f"Draft “{form.name.data}” for {len(agencies)} agencies",
            total=len(agencies),
            params={
                "campaign": form.name.data.strip(),
                "template": form.template.data,
                "title": (form.title.data or "").strip() or None,
                "description": form.description.data or "",
                "agency_ids": [a.id for a in agencies],
                "date_range": [since.isoformat(), until.isoformat()],
            },
        )
        db.session.commit()
        dispatch(current_app._get_current_object(), job.id)
        return redirect(url_for("jobs.detail", job_id=job.id))
    return render_template(
        "campaigns/new.html", form=form, problems=[], needs_profile=_needs_profile()
    ), (400 if form.errors else 200)


def _needs_profile() -> bool:
    """Letters are signed with a profile: say so before the form is filled in, not after."""
    return letters.get_profile(db.session, current_user) is None


@bp.get("/<int:campaign_id>")
def detail(campaign_id: int) -> ResponseReturnValue:
    campaign = services.get_campaign(db.session, campaign_id)
    requests = queries.list_requests(db.session, queries.RequestFilter(campaign_id=campaign.id))
    sent = {
        m.request_id: m
        for m in db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.request_id.in_([r.id for r in requests]))
        )
    }
    drafts = [r for r in requests if r.status == Status.DRAFT]
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        requests=requests,
        statuses=list(Status),
        drafts=drafts,
        without_email=letters.requests_without_email(requests),
        outbound=sent,
        today=dt.date.today(),
        form=ConfirmForm(),
        smtp_ready=bool(current_app.config.get("SMTP_HOST")),
    )


@bp.post("/<int:campaign_id>/send")
@role_required(Role.EDITOR)
def send(campaign_id: int) -> ResponseReturnValue:
    campaign = services.get_campaign(db.session, campaign_id)
    ids = sorted(r.id for r in campaign.requests if r.status == Status.DRAFT and r.agency.email)
    if not ids:
        flash("Nothing to send: every request with an e-mail address was filed.", "info")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    job = create_job(
        db.session,
        SEND_REQUESTS,
        actor=current_user,
        total=len(ids),
        title=f"Send “{campaign.name}” by e-mail ({len(ids)} requests)",
        params={"request_ids": ids, "campaign_id": campaign.id},
    )
    db.session.commit()
    dispatch(current_app._get_current_object(), job.id)
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.post("/<int:campaign_id>/letters.zip")
@role_required(Role.VIEWER)
def letters_zip(campaign_id: int) -> ResponseReturnValue:
    campaign = services.get_campaign(db.session, campaign_id)
    job = create_job(
        db.session,
        CAMPAIGN_ZIP,
        actor=current_user,
        total=len(campaign.requests),
        title=f"Letters of “{campaign.name}” as PDF and DOCX (ZIP)",
        params={"campaign_id": campaign.id},
    )
    db.session.commit()
    dispatch(current_app._get_current_object(), job.id)
    return redirect(url_for("jobs.detail", job_id=job.id))
