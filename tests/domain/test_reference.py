from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.reference import DATA_DIR, load_demo_campaign, load_reference_data
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import (
    AppendOnlyViolation,
    EventKind,
    FilingMethod,
    RecordsRequest,
    RequestEvent,
    Status,
)
from tests.factories import make_agency, make_request


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_shipped_jurisdictions_cover_every_state_dc_and_federal(session: Session) -> None:
    codes = {j.code for j in session.scalars(select(Jurisdiction))}
    assert len(codes) == 52
    assert {"US", "DC", "CA", "WY", "AK", "HI"} <= codes
    federal = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "US"))
    assert federal.citation.startswith("5 U.S.C.")
    assert (federal.response_days, federal.day_type) == (20, "business")
    assert federal.rule_label == "20 business days"
    no_deadline = session.scalars(select(Jurisdiction).where(Jurisdiction.day_type == "none"))
    assert all(j.response_days is None and j.rule_label == "no fixed deadline" for j in no_deadline)


def test_reference_sources_are_written_beside_the_data() -> None:
    sources = (DATA_DIR / "SOURCES.md").read_text()
    assert "jurisdictions.csv" in sources and "ring_agencies.csv" in sources


def test_loading_twice_duplicates_nothing(session: Session) -> None:
    first = load_reference_data(session)
    agencies = _count(session, Agency)
    assert agencies == 30
    assert all(a.source_url.startswith("http") for a in session.scalars(select(Agency)))
    second = load_reference_data(session)
    assert (second.jurisdictions_created, second.jurisdictions_updated) == (0, 0)
    assert second.agencies.count(second.agencies.outcomes[0].action) == 30
    assert second.agencies.summary.endswith("30 unchanged")
    assert _count(session, Agency) == agencies
    assert _count(session, Jurisdiction) == 52
    assert first.agencies.summary.startswith("30 rows: 30 were created")


def test_ring_partner_dates_are_kept(session: Session) -> None:
    load_reference_data(session)
    waterford = session.scalar(select(Agency).where(Agency.name == "Waterford Police Department"))
    assert waterford.is_ring_partner
    assert waterford.ring_partner_since == dt.date(2019, 9, 9)
    assert waterford.state == "MI"
    assert "Evidence:" in waterford.notes


def test_demo_campaign_is_loaded_once(session: Session) -> None:
    load_reference_data(session)
    today = dt.date(2026, 11, 30)
    campaign = load_demo_campaign(session, today=today)
    assert campaign is not None
    assert len(campaign.requests) == 30
    drafts = [r for r in campaign.requests if r.status == Status.DRAFT]
    filed = [r for r in campaign.requests if r.filed_on is not None]
    assert len(drafts) == 10 and len(filed) == 20
    assert all(r.due_on is not None and r.filed_on < today for r in filed)
    assert any(r.days_late(today) > 0 for r in filed)
    assert {Status.FEE_REQUESTED, Status.ACKNOWLEDGED, Status.PARTIALLY_FULFILLED} <= {
        r.status for r in filed
    }
    assert load_demo_campaign(session, today=today) is None
    assert _count(session, RecordsRequest) == 30
    created = session.scalars(select(RequestEvent).where(RequestEvent.kind == EventKind.CREATED))
    assert len(list(created)) == 30


def test_timeline_events_are_append_only(session: Session) -> None:
    load_reference_data(session)
    load_demo_campaign(session)
    session.commit()
    event = session.scalars(select(RequestEvent)).first()
    event.summary = "rewritten history"
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()
    event = session.scalars(select(RequestEvent)).first()
    session.delete(event)
    with pytest.raises(AppendOnlyViolation):
        session.flush()


def test_reloading_changed_law_data_moves_stored_due_dates(session: Session) -> None:
    # A database from before New York's second deadline was in the data: a request
    # acknowledged then kept the acknowledgement deadline as its due date.
    load_reference_data(session)
    new_york = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "NY"))
    new_york.decision_days = new_york.decision_day_type = new_york.decision_from = None
    request = make_request(session, make_agency(session, name="Albany Police", state="NY"))
    today = dt.date(2026, 11, 30)
    lifecycle.file_request(
        session,
        request,
        actor=None,
        clock=Clock(today, dt.date(2026, 1, 5)),
        method=FilingMethod.EMAIL,
    )
    lifecycle.acknowledge(session, request, actor=None, clock=Clock(today, dt.date(2026, 1, 9)))
    assert request.due_on == dt.date(2026, 1, 12)  # 5 business days, one stage

    result = load_reference_data(session)
    assert result.jurisdictions_updated == 1
    assert result.deadlines_moved == 1
    # 20 business days from Fri 2026-01-09, skipping Mon 1/19 (MLK Day): Mon 2026-02-09.
    assert request.due_on == dt.date(2026, 2, 9)
    assert load_reference_data(session).deadlines_moved == 0  # nothing changed this time
