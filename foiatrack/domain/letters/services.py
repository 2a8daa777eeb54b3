"""Letter templates in the database, requester profiles, drafting and filing letters."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foiatrack.domain.accounts.models import User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.errors import InvalidTransition, NotFound, ValidationFailed
from foiatrack.domain.letters.context import (
    KNOWN_VARIABLES,
    LetterContext,
    frame_from_context,
    rule_label,
    sample_context,
)
from foiatrack.domain.letters.document import parse_markdown
from foiatrack.domain.letters.frame import LetterFrame, frame_plain_text
from foiatrack.domain.letters.models import (
    FiledLetter,
    Letter,
    LetterKind,
    LetterTemplate,
    LetterTemplateVersion,
    RequesterProfile,
)
from foiatrack.domain.letters.templates import (
    LetterTemplateSpec,
    check_template,
    render_letter_source,
)
from foiatrack.domain.ports import LetterRenderer
from foiatrack.domain.requests.models import Campaign, RecordsRequest, Status
from foiatrack.domain.requests.services import create_campaign, create_request
from foiatrack.domain.search.indexing import index_filed_letter

#: when the Ring partnerships began: the default start of a request's date range
DEFAULT_RANGE_START = dt.date(2018, 1, 1)
SUBJECT_TAG_FORMAT = "[FOIA FT-{id}]"
SUBJECT_TAG_PATTERN = re.compile(r"\bFT-(\d{1,9})\b")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{0,79}$")


def subject_tag(request_id: int) -> str:
    """The tag in every subject we send, so that replies find their request."""
    return SUBJECT_TAG_FORMAT.format(id=request_id)


def long_date(day: dt.date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else ""


def template_sha256(subject: str, body: str) -> str:
    return hashlib.sha256(f"{subject}\n\0\n{body}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------


def list_templates(session: Session) -> list[LetterTemplate]:
    return list(
        session.scalars(
            select(LetterTemplate)
            .options(selectinload(LetterTemplate.versions))
            .order_by(LetterTemplate.kind, LetterTemplate.title)
        )
    )


def get_template(session: Session, slug: str) -> LetterTemplate:
    template = session.scalar(select(LetterTemplate).where(LetterTemplate.slug == slug))
    if template is None:
        raise NotFound(f"There is no letter template {slug!r}.")
    return template


def sync_builtin_templates(
    session: Session, specs: Sequence[LetterTemplateSpec]
) -> tuple[int, int]:
    """Make the shipped templates available; a changed file becomes a new version."""
    created = updated = 0
    for spec in specs:
        template = session.scalar(select(LetterTemplate).where(LetterTemplate.slug == spec.slug))
        if template is None:
            template = LetterTemplate(
                slug=spec.slug,
                title=spec.title,
                kind=LetterKind(spec.kind),
                description=spec.description,
                is_builtin=True,
            )
            session.add(template)
            created += 1
        sha = template_sha256(spec.subject, spec.body_source)
        if template.versions and any(v.sha256 == sha for v in template.versions):
            continue
        if template.versions:
            updated += 1
        _add_version(
            template,
            spec.subject,
            spec.body_source,
            list(spec.variables),
            note=f"from letter_templates/{spec.slug}",
            actor=None,
        )
    session.flush()
    return created, updated


def _add_version(
    template: LetterTemplate,
    subject: str,
    body: str,
    variables: list[str],
    *,
    note: str,
    actor: User | None,
) -> LetterTemplateVersion:
    version = LetterTemplateVersion(
        number=len(template.versions) + 1,
        subject_source=subject,
        body_source=body,
        variables=variables,
        sha256=template_sha256(subject, body),
        note=note[:500],
        created_by_id=actor.id if actor else None,
    )
    template.versions.append(version)
    return version


@dataclass
class _PreviewRequest:
    """What build_context reads from a request, for previewing a template for an agency."""

    agency: Agency
    id: int = 0
    title: str = "(preview)"
    tracking_number: str = ""
    filed_on: dt.date | None = None
    due_on: dt.date | None = None
    events: tuple = ()

    def days_late(self, today: dt.date) -> int:
        return 0


def preview_for_agency(
    subject: str, body: str, agency: Agency, profile: RequesterProfile | None, *, today: dt.date
) -> LetterFrame:
    """The template as this agency would receive it (nothing is stored)."""
    context = build_context(_PreviewRequest(agency), profile, today=today)  # type: ignore[arg-type]
    return check_template(body, subject, context)


def preview_template(subject: str, body: str) -> LetterFrame:
    """Render template sources against the sample context; LetterTemplateError if they fail."""
    return check_template(body, subject, sample_context())


def save_template(
    session: Session,
    *,
    slug: str,
    title: str,
    kind: LetterKind,
    subject: str,
    body: str,
    description: str = "",
    note: str = "",
    actor: User | None,
) -> LetterTemplate:
    """Create a template or add a version; the text must render against the sample context."""
    slug = slug.strip().lower()
    if not _SLUG.match(slug):
        raise ValidationFailed("A template name uses lower-case letters, digits and _ only.")
    if not title.strip() or not subject.strip() or not body.strip():
        raise ValidationFailed("A template needs a title, a subject and a body.")
    preview_template(subject, body)
    template = session.scalar(select(LetterTemplate).where(LetterTemplate.slug == slug))
    if template is None:
        template = LetterTemplate(slug=slug, kind=LetterKind(kind), is_builtin=False)
        session.add(template)
    template.title, template.description = title.strip()[:200], description.strip()
    template.kind = LetterKind(kind)
    if not template.versions or template.current.sha256 != template_sha256(subject, body):
        _add_version(
            template,
            subject,
            body,
            sorted(KNOWN_VARIABLES & _used(subject + body)),
            note=note or "edited",
            actor=actor,
        )
    session.flush()
    return template


def _used(source: str) -> set[str]:
    return set(
        re.findall(r"\b(?:agency|jurisdiction|requester|request)\.[a-z_]+|\btoday\b", source)
    )


# ---------------------------------------------------------------------------------------------
# Requester profiles
# ---------------------------------------------------------------------------------------------


@dataclass
class ProfileFields:
    name: str
    organisation: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    signature: str = ""


def get_profile(session: Session, user: User | None) -> RequesterProfile | None:
    """The user's own profile, else the organisation's default one."""
    if user is not None:
        own = session.scalar(select(RequesterProfile).where(RequesterProfile.user_id == user.id))
        if own is not None:
            return own
    return session.scalar(select(RequesterProfile).where(RequesterProfile.user_id.is_(None)))


def save_profile(session: Session, user: User | None, fields: ProfileFields) -> RequesterProfile:
    """Save the user's profile (or the organisation default when user is None)."""
    if not fields.name.strip():
        raise ValidationFailed("A requester profile needs a name.")
    query = select(RequesterProfile).where(
        RequesterProfile.user_id == user.id if user else RequesterProfile.user_id.is_(None)
    )
    profile = session.scalar(query) or RequesterProfile(user_id=user.id if user else None)
    for key, value in fields.__dict__.items():
        setattr(profile, key, value.strip())
    session.add(profile)
    session.flush()
    return profile


# ---------------------------------------------------------------------------------------------
# Drafting
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationFailed("The date range ends before it starts.")


def build_context(
    request: RecordsRequest,
    profile: RequesterProfile | None,
    *,
    today: dt.date,
    date_range: DateRange | None = None,
) -> LetterContext:
    """The plain values a template sees for this request: no database objects."""
    agency, law = request.agency, request.agency.jurisdiction
    date_range = date_range or DateRange(DEFAULT_RANGE_START, today)
    denial = next((e for e in reversed(request.events) if e.kind == "denied"), None)
    denial_on = (
        dt.date.fromisoformat(denial.data["on"]) if denial and denial.data.get("on") else None
    )
    profile = profile or RequesterProfile(
        name="", organisation="", address="", email="", phone="", signature=""
    )
    return {
        "agency": {
            "name": agency.name,
            "city": agency.city,
            "county": agency.county,
            "state": agency.state,
            "email": agency.email,
            "address": agency.address,
            "portal_url": agency.portal_url,
        },
        "jurisdiction": {
            "code": law.code,
            "name": law.name,
            "law_name": law.law_name,
            "citation": law.citation,
            "response_days": law.response_days or 0,
            "day_type": law.day_type if law.response_days else "",
            "rule_label": rule_label(
                law.response_days,
                law.day_type,
                decision_days=law.decision_days,
                decision_day_type=law.decision_day_type,
                decision_from=law.decision_from,
            ),
            "extension_days": law.extension_days or 0,
            "rule_summary": law.rule_summary,
        },
        "requester": {
            "name": profile.name,
            "organisation": profile.organisation,
            "address": profile.address,
            "email": profile.email,
            "phone": profile.phone,
            "signature": profile.signature or profile.name,
        },
        "request": {
            "id": request.id,
            "title": request.title,
            "subject_tag": subject_tag(request.id),
            "reference": request.tracking_number,
            "filed_on": long_date(request.filed_on),
            "due_on": long_date(request.due_on),
            "days_late": request.days_late(today),
            "date_range_start": long_date(date_range.start),
            "date_range_end": long_date(date_range.end),
            "denial_on": long_date(denial_on),
            "exemptions": [denial.data.get("exemptions", "")] if denial else [],
        },
        "today": long_date(today),
    }


def draft_letter(
    session: Session,
    request: RecordsRequest,
    template: LetterTemplate,
    *,
    profile: RequesterProfile | None,
    today: dt.date,
    date_range: DateRange | None = None,
) -> Letter:
    """Fill the template in for this request; LetterTemplateError if a value is missing."""
    if profile is None:
        raise ValidationFailed(
            "Set up a requester profile (who signs the letters) first: Account → Requester profile."
        )
    version = template.current
    rendered = render_letter_source(
        version.body_source,
        version.subject_source,
        build_context(request, profile, today=today, date_range=date_range),
    )
    letter = Letter(
        request=request,
        template_version=version,
        profile=profile,
        kind=template.kind,
        subject=rendered.subject[:500],
        body=rendered.body,
    )
    session.add(letter)
    session.flush()
    return letter


def current_letter(
    session: Session, request: RecordsRequest, kind: LetterKind = LetterKind.REQUEST
) -> Letter | None:
    """The newest letter of that kind for the request."""
    return session.scalar(
        select(Letter)
        .where(Letter.request_id == request.id, Letter.kind == kind)
        .order_by(Letter.id.desc())
    )


def edit_letter(session: Session, letter: Letter, *, subject: str, body: str) -> Letter:
    """Change a drafted letter before it is filed."""
    if letter.filed_at is not None:
        raise InvalidTransition("This letter was filed; what was sent cannot change.")
    if not subject.strip() or not body.strip():
        raise ValidationFailed("A letter needs a subject and a body.")
    letter.subject, letter.body, letter.is_edited = " ".join(subject.split())[:500], body, True
    session.flush()
    return letter


def letter_frame(letter: Letter, *, today: dt.date) -> LetterFrame:
    """The letter laid out for rendering; dated the day it was filed, or today for a draft."""
    on = letter.filed_at.date() if letter.filed_at else today
    context = build_context(letter.request, letter.profile, today=on)
    return frame_from_context(context, subject=letter.subject, body=parse_markdown(letter.body))


@dataclass(frozen=True)
class Renderers:
    pdf: LetterRenderer
    docx: LetterRenderer


def file_letter(
    session: Session,
    letter: Letter,
    *,
    renderers: Renderers,
    store: Callable[[bytes], str],
    now: dt.datetime,
    extra: dict[str, Any] | None = None,
    pdf: bytes | None = None,
    frame: LetterFrame | None = None,
) -> FiledLetter:
    """Freeze what is sent: text, PDF, DOCX and the template version, stored by hash.

    Pass the frame and PDF that were just sent to store exactly those bytes.
    """
    if letter.filed_at is not None:
        raise InvalidTransition("This letter was filed already.")
    letter.filed_at = now
    frame = frame or letter_frame(letter, today=now.date())
    version = letter.template_version
    filed = FiledLetter(
        letter=letter,
        request_id=letter.request_id,
        subject=letter.subject,
        body=letter.body,
        text=frame_plain_text(frame),
        pdf_sha256=store(pdf or renderers.pdf.render(frame)),
        docx_sha256=store(renderers.docx.render(frame)),
        template_version_id=version.id,
        template_sha256=version.sha256,
        filed_at=now,
        extra=extra or {},
    )
    session.add(filed)
    index_filed_letter(session, filed)
    session.flush()
    return filed


# ---------------------------------------------------------------------------------------------
# Campaigns
# ---------------------------------------------------------------------------------------------


def draft_campaign(
    session: Session,
    *,
    name: str,
    template: LetterTemplate,
    agencies: Sequence[Agency],
    profile: RequesterProfile | None,
    actor: User | None,
    today: dt.date,
    date_range: DateRange | None = None,
    title: str | None = None,
    description: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> Campaign:
    """One draft request with its letter per agency; an existing campaign gets new agencies."""
    if not agencies:
        raise ValidationFailed("Choose at least one agency.")
    if profile is None:
        raise ValidationFailed("Set up a requester profile (who signs the letters) first.")
    campaign = session.scalar(select(Campaign).where(Campaign.name == name.strip()))
    if campaign is None:
        campaign = create_campaign(session, name, description=description, actor=actor)
    already = set(
        session.scalars(
            select(RecordsRequest.agency_id).where(RecordsRequest.campaign_id == campaign.id)
        )
    )
    todo = [a for a in agencies if a.id not in already]
    for done, agency in enumerate(todo, start=1):
        request = create_request(
            session, agency, title=title or template.title, campaign=campaign, actor=actor
        )
        draft_letter(
            session, request, template, profile=profile, today=today, date_range=date_range
        )
        if progress is not None:
            progress(done, len(todo))
    return campaign


def requests_without_email(requests: Sequence[RecordsRequest]) -> list[RecordsRequest]:
    return [r for r in requests if not r.agency.email and r.status == Status.DRAFT]
