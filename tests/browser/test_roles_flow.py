"""Roles: a viewer can open every page and sees the same data, but no control that would change
anything, and a POST forged from the viewer's own session is refused."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from foiatrack.adapters import blob_store
from foiatrack.adapters.text_extraction import sniff_media_type
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.documents import services as documents
from foiatrack.domain.letters.models import Letter
from foiatrack.domain.reference import DEMO_CAMPAIGN, load_demo_campaign
from foiatrack.domain.requests.models import RecordsRequest, Status
from foiatrack.domain.requests.services import create_request
from foiatrack.extensions import db
from foiatrack.tasks import extract_document
from tests.browser.conftest import UI, VIEWER_EMAIL, LiveServer
from tests.factories import make_agency

pytestmark = pytest.mark.browser

LONG_NAME = (
    "Office of the Sheriff and Department of Public Safety of the Unified Government of "
    "Wyandotte-County-and-Kansas-City-Kansas-Consolidated-Metropolitan-Area"
)
NOTE_TEXT = "Minutes of the council meeting that approved the Neighbors Portal agreement."
#: forms a viewer may submit: their own session, calendar address and downloads
SELF_SERVICE = (
    r"^/(auth/logout|calendar/rotate|campaigns/\d+/letters\.zip|archive/tags/\d+/export"
    r"|archive/search/export|archive/requests/\d+/evidence)$"
)
NAVIGATION = [
    "Dashboard",
    "Campaigns",
    "Requests",
    "Inbox",
    "Documents",
    "Search",
    "Archive",
    "Agencies",
    "Letters",
    "Jobs",
]


@dataclass(frozen=True)
class Ids:
    campaign: int
    filed_request: int
    filed_due: dt.date
    draft_with_letter: int
    long_agency: int
    document: int


@pytest.fixture
def demo_data(seeded: Flask) -> Ids:
    """The demo campaign (every Ring partner at some stage), plus a long-named agency with a
    request carrying a tagged, indexed document."""
    with seeded.app_context():
        session = db.session
        campaign = load_demo_campaign(session)
        assert campaign is not None
        long_agency = make_agency(session, name=LONG_NAME, state="KS", is_ring_partner=True)
        request = create_request(
            session, long_agency, title="Ring partnership records", campaign=campaign, actor=None
        )
        upload = documents.upload_document(
            session,
            request,
            filename="council-minutes.txt",
            data=NOTE_TEXT.encode(),
            store=blob_store(seeded.config).put,
            sniff=sniff_media_type,
            actor=None,
            today=dt.date.today(),
            max_size=10_000,
        )
        documents.tag_documents(
            session, [upload.document], documents.get_or_create_tag(session, "council")
        )
        session.commit()
        assert extract_document(session, upload.document.id, seeded.config) == "ok"
        filed = session.scalars(
            select(RecordsRequest)
            .where(RecordsRequest.status == Status.FILED, RecordsRequest.due_on.is_not(None))
            .order_by(RecordsRequest.id)
        ).first()
        draft = session.scalar(select(Letter.request_id).order_by(Letter.id).limit(1))
        ids = Ids(
            campaign=campaign.id,
            filed_request=filed.id,
            filed_due=filed.due_on,
            draft_with_letter=draft,
            long_agency=long_agency.id,
            document=upload.document.id,
        )
        assert session.scalar(select(Agency.name).where(Agency.id == ids.long_agency))
        session.remove()
    return ids


def _edit_controls(ui: UI) -> list[str]:
    """Visible controls of forms that would change something, and links to editing pages."""
    return ui.page.evaluate(
        """(selfService) => {
            const allowed = new RegExp(selfService);
            const visible = (el) => el.getClientRects().length > 0;
            const controls = [...document.querySelectorAll('form')]
                .filter((f) => f.method.toLowerCase() === 'post'
                    && !allowed.test(new URL(f.action).pathname))
                .flatMap((f) => [...f.querySelectorAll(
                        'button:not([type=button]), input:not([type=hidden]), select, textarea')]
                    .filter(visible)
                    .map((el) => `${new URL(f.action).pathname}: ${
                        (el.textContent || el.name || '').trim()}`));
            const links = [...document.querySelectorAll('a[href]')]
                .filter((a) => /\\/(new|edit|import)$/.test(new URL(a.href).pathname))
                .filter(visible)
                .map((a) => `link to ${new URL(a.href).pathname}: ${a.textContent.trim()}`);
            return controls.concat(links);
        }""",
        SELF_SERVICE,
    )


def _visit(ui: UI, name: str, *, shot: bool = True) -> None:
    assert ui.page.get_by_role("heading", level=1).count() == 1, name
    assert not _edit_controls(ui), f"{name}: {_edit_controls(ui)}"
    ui.check_page(name)
    if shot:
        ui.shot(re.sub(r"\W+", "-", name.lower()).strip("-"))


def test_viewer_sees_everything_and_can_change_nothing(
    live_server: LiveServer, demo_data: Ids, ui: UI
) -> None:
    page = ui.page
    ids = demo_data
    ui.login(VIEWER_EMAIL)
    assert page.locator(".account .badge").inner_text() == "viewer"

    # Every section of the navigation opens, with content and without editing controls.
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == NAVIGATION
    for label in NAVIGATION:
        ui.follow(nav.get_by_role("link", name=label, exact=True))
        assert (
            nav.get_by_role("link", name=label, exact=True).get_attribute("aria-current") == "page"
        )
        _visit(ui, label, shot=label in ("Dashboard", "Documents", "Agencies"))
    # The same numbers an editor sees: the demo campaign's overdue requests are listed.
    ui.goto("/")
    assert page.locator("#overdue tbody tr").count() > 0
    assert page.get_by_role("checkbox").count() == 0
    assert page.get_by_role("button", name="Apply to selected").count() == 0

    # A long table keeps its header row in view while it scrolls.
    ui.goto("/agencies/")
    rows = page.locator("table tbody tr")
    assert rows.count() >= 31
    wrap = page.locator(".table-wrap").first
    wrap.evaluate("(el) => { el.scrollTop = 600; }")
    assert wrap.evaluate("(el) => el.scrollTop") > 0, "the agency table does not scroll"
    header_top = page.locator("table thead th").first.bounding_box()["y"]
    assert abs(header_top - wrap.bounding_box()["y"]) <= 2
    ui.shot("agencies-scrolled-header-stays")

    # Detail pages.
    pages = [
        ("campaign", f"/campaigns/{ids.campaign}", DEMO_CAMPAIGN),
        ("request", f"/requests/{ids.filed_request}", f"#{ids.filed_request} "),
        ("letter preview", f"/letters/request/{ids.draft_with_letter}", "Request letter · "),
        ("letter template", "/letters/ring_request", "Ring and Neighbors records request"),
        ("agency with a long name", f"/agencies/{ids.long_agency}", LONG_NAME),
        ("document", f"/documents/{ids.document}", "council-minutes"),
        ("tags", "/documents/tags", "Tags"),
        ("search results", "/search/?q=council+neighbors", "Search"),
        ("calendar", "/calendar/", "Calendar"),
    ]
    for name, path, heading in pages:
        ui.goto(path)
        assert heading in page.get_by_role("heading", level=1).inner_text(), name
        _visit(ui, name)
    # What the viewer sees is the data itself, not an empty shell.
    ui.goto(f"/requests/{ids.filed_request}")
    assert page.locator("dl.facts").get_by_text(ids.filed_due.isoformat()).count() == 1
    assert page.get_by_role("heading", name="Record what happened").count() == 0
    ui.goto("/search/?q=council+neighbors")
    assert page.locator(".hit mark").first.inner_text().lower() in ("council", "neighbors")
    ui.goto(f"/documents/{ids.document}")
    assert NOTE_TEXT in page.locator(".viewer-text").inner_text()

    # A forged form, posted from the viewer's own logged-in page with a valid CSRF token,
    # is refused: the before-request guard answers 403 and nothing changes.
    ui.goto(f"/requests/{ids.filed_request}")
    later = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.evaluate(
            """([action, until]) => {
                const form = document.createElement('form');
                form.method = 'post';
                form.action = action;
                const token = document.querySelector('input[name=csrf_token]').value;
                for (const [name, value] of [['csrf_token', token], ['on', until.slice(0, 10)],
                                             ['until', until], ['note', 'forged']]) {
                    const input = document.createElement('input');
                    input.type = 'hidden'; input.name = name; input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [f"/requests/{ids.filed_request}/actions/extend", later],
        )
    assert posted.value.status == 403
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed (403)"
    assert "Viewers can read everything but change nothing." in page.locator("main").inner_text()
    ui.shot("forged-post-refused")
    token = page.locator("input[name=csrf_token]").first.input_value()
    for path, form in [
        (f"/campaigns/{ids.campaign}/send", {}),
        (f"/letters/request/{ids.draft_with_letter}", {"subject": "x", "body": "forged"}),
        (f"/documents/{ids.document}/tags", {"tag": "forged"}),
    ]:
        response = page.request.post(ui.url(path), form={"csrf_token": token, **form})
        assert response.status == 403, (path, response.status)
    ui.goto(f"/requests/{ids.filed_request}")
    assert page.locator("dl.facts").get_by_text(ids.filed_due.isoformat()).count() == 1
    assert "forged" not in page.locator(".timeline").inner_text()
    assert "extended" not in page.locator(".timeline").inner_text()
    ui.goto(f"/documents/{ids.document}")
    assert "forged" not in page.locator("dl.facts").inner_text()
