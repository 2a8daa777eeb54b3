"""The reference data foiatrack ships (jurisdictions, documented Ring partners) and the demo."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from foiatrack.domain.agencies.importing import FOIATRACK_COLUMNS, ImportReport, import_agencies
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.jurisdictions.services import load_jurisdictions
from foiatrack.domain.letters.models import LetterTemplate
from foiatrack.domain.letters.services import (
    ProfileFields,
    draft_letter,
    get_profile,
    save_profile,
    sync_builtin_templates,
)
from foiatrack.domain.letters.templates import load_template_dir
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import Campaign, FilingMethod, RecordsRequest
from foiatrack.domain.requests.services import create_campaign, create_request
from foiatrack.domain.requests.workflow import Action

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_CAMPAIGN = "Demo: Ring partnership records"
DEMO_TITLE = "Records about the department's partnership with Ring and the Neighbors app"
#: who signs the demo letters until an admin sets up the organisation's real profile
DEMO_PROFILE = ProfileFields(
    name="Demo Requester",
    organisation="Example Newsroom (demo)",
    address="1 Example Plaza\nSpringfield, IL 62701",
    email="records@example.org",
    phone="(555) 010-0000",
    signature="Demo Requester, Records Desk",
)


@dataclass(frozen=True)
class ReferenceLoadResult:
    jurisdictions_created: int
    jurisdictions_updated: int
    agencies: ImportReport
    #: letter templates (created, updated) from letter_templates/
    templates: tuple[int, int] = (0, 0)
    #: filed requests whose stored due date moved because a law's data changed
    deadlines_moved: int = 0


def ring_agencies_csv(path: Path) -> bytes:
    """The shipped Ring list in the importer's format: the evidence goes into the notes."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*FOIATRACK_COLUMNS, "source_url"])
    writer.writeheader()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            notes = "; ".join(p for p in (f"Evidence: {row['evidence']}", row["notes"]) if p)
            writer.writerow({key: row.get(key, "") for key in writer.fieldnames} | {"notes": notes})
    return out.getvalue().encode("utf-8")


def load_reference_data(session: Session, data_dir: Path = DATA_DIR) -> ReferenceLoadResult:
    """Insert or update the jurisdictions and the documented Ring partners; never duplicates."""
    created, updated = load_jurisdictions(session, data_dir / "jurisdictions.csv")
    # Stored due dates follow the law data: e.g. New York's second deadline, added to the data
    # after requests were acknowledged, must reach them without waiting for their next action.
    moved = lifecycle.refresh_all_deadlines(session, today=dt.date.today()) if updated else 0
    report = import_agencies(session, ring_agencies_csv(data_dir / "ring_agencies.csv"))
    templates = sync_builtin_templates(session, load_template_dir())
    return ReferenceLoadResult(created, updated, report, templates, moved)


def load_demo_campaign(session: Session, *, today: dt.date | None = None) -> Campaign | None:
    """A request to every documented Ring partner at various stages, so the dashboard shows
    something real; None when the demo already exists."""
    today = today or dt.date.today()
    if session.scalar(select(Campaign).where(Campaign.name == DEMO_CAMPAIGN)) is not None:
        return None
    campaign = create_campaign(
        session,
        DEMO_CAMPAIGN,
        actor=None,
        description="Loaded by `make run` to show how a campaign looks. Delete or ignore it.",
    )
    partners = session.scalars(
        select(Agency).where(Agency.is_ring_partner.is_(True)).order_by(Agency.name)
    )
    profile = get_profile(session, None) or save_profile(session, None, DEMO_PROFILE)
    template = session.scalar(select(LetterTemplate).where(LetterTemplate.slug == "ring_request"))
    for index, agency in enumerate(partners):
        request = create_request(session, agency, title=DEMO_TITLE, campaign=campaign, actor=None)
        if template is not None and index % 3 == 2:  # the ones left as drafts get a letter
            draft_letter(session, request, template, profile=profile, today=today)
        _advance_demo_request(session, request, index, today)
    return campaign


def _advance_demo_request(
    session: Session, request: RecordsRequest, index: int, today: dt.date
) -> None:
    # Two of every three requests were filed over the last nine weeks; some were answered.
    if index % 3 == 2:
        return
    filed = today - dt.timedelta(days=7 + (index * 37) % 56)
    lifecycle.file_request(
        session, request, actor=None, clock=Clock(today, filed), method=FilingMethod.EMAIL
    )
    stage = index % 6
    if stage == 1:
        lifecycle.acknowledge(
            session,
            request,
            actor=None,
            clock=Clock(today, filed + dt.timedelta(days=2)),
            reference=f"PRR-{filed.year}-{100 + index}",
        )
    elif stage == 3:
        lifecycle.request_fee(
            session,
            request,
            actor=None,
            clock=Clock(today, filed + dt.timedelta(days=4)),
            amount_cents=2_500 + index * 100,
        )
    elif stage == 4:
        lifecycle.record_response(
            session,
            request,
            Action.PARTIAL_RESPONSE,
            actor=None,
            clock=Clock(today, min(today, filed + dt.timedelta(days=6))),
        )
