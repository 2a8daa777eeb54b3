"""Draft flow: an editor drafts a Ring campaign for one state, reviews and edits letters, and
files them all by e-mail, from login to every request filed with a due date."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask

from foiatrack.domain.agencies.services import AgencyFilter, list_agencies
from foiatrack.extensions import db
from tests.browser.conftest import EDITOR_EMAIL, UI, LiveServer
from tests.servers import SmtpServer

pytestmark = pytest.mark.browser

STATE = "IL"
#: the documented Ring partners in Illinois (foiatrack/data/ring_agencies.csv), by name
IL_PARTNERS = [
    "Aurora Police Department",
    "Bensenville Police Department",
    "Naperville Police Department",
    "Rolling Meadows Police Department",
]
IL_LAW = "Illinois Freedom of Information Act"
IL_CITATION = "5 ILCS 140"
CAMPAIGN = "Ring partnerships, Illinois 2026"
EDITED_SENTENCE = (
    "Please include the Neighbors Portal sign-up form the department returned to Ring."
)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _address(name: str) -> str:
    return "records@" + re.sub(r"[^a-z]+", "-", name.lower()).strip("-") + ".example"


@pytest.fixture
def server_settings() -> dict[str, object]:
    # Agencies' mail servers throttle bursts: two letters a second, which also keeps the
    # sending job running long enough to watch its progress bar move.
    return {"SEND_RATE_PER_MINUTE": 120}


@pytest.fixture
def il_addresses(seeded: Flask) -> dict[str, str]:
    """The shipped list has no e-mail addresses; give the Illinois partners one each."""
    addresses = {}
    with seeded.app_context():
        agencies = list_agencies(db.session, AgencyFilter(state=STATE, ring_partners_only=True))
        for agency in agencies:
            agency.email = addresses[agency.name] = _address(agency.name)
        db.session.commit()
        db.session.remove()
    assert sorted(addresses) == IL_PARTNERS
    return addresses


def _column(ui: UI, index: int) -> list[str]:
    return ui.page.locator(f"table tbody tr td:nth-child({index})").all_inner_texts()


def test_draft_preview_edit_and_file_a_campaign_by_email(
    live_server: LiveServer, il_addresses: dict[str, str], ui: UI, smtp_server: SmtpServer
) -> None:
    page = ui.page
    ui.login(EDITOR_EMAIL)
    assert page.get_by_role("heading", name="No requests yet").is_visible()
    ui.shot("dashboard-before-any-request")
    ui.check_page("empty dashboard")

    # An empty campaign list says what to do next.
    ui.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns"))
    empty = page.locator(".empty")
    assert "No campaigns yet" in empty.inner_text()
    ui.follow(empty.get_by_role("link", name="new campaign"))

    # No requester profile yet: the form says so before anything is typed into it.
    notice = page.get_by_role("region", name="First: who signs the letters")
    assert notice.is_visible()
    ui.assert_accessible("new campaign without a profile")
    ui.shot("new-campaign-asks-for-a-profile")
    ui.follow(notice.get_by_role("link", name="Set up your requester profile"))
    page.get_by_label("Name (signs the letters)").fill("Dana Reporter")
    page.get_by_label("Organisation").fill("Prairie Public Radio")
    page.get_by_label("E-mail").fill("dana@prairie.example")
    ui.follow(page.get_by_role("button", name="Save"))
    assert "Your requester profile was saved." in page.locator(".flashes").inner_text()

    # The campaign: the Ring template, every Ring partner in Illinois.
    ui.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns"))
    ui.follow(page.get_by_role("link", name="New campaign", exact=True))
    assert page.get_by_role("region", name="First: who signs the letters").count() == 0
    page.get_by_label("Campaign name").fill(CAMPAIGN)
    page.get_by_label("Letter template").select_option(label="Ring and Neighbors records request")
    page.get_by_label("Agencies in this state").select_option(STATE)
    assert page.get_by_label("Only agencies with a Ring partnership").is_checked()
    ui.check_page("new campaign form")
    ui.shot("new-campaign-filled-in")
    ui.follow(page.get_by_role("button", name="Draft the letters"))

    # Drafting runs as a job; its page follows it to the end by itself.
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Draft \u201c{CAMPAIGN}\u201d for 4 agencies"
    )
    ui.wait_for_job()
    bar = page.locator(".job-progress")
    assert (bar.get_attribute("max"), page.locator(".job-count").inner_text()) == (
        "4",
        "4 of 4 (100%)",
    )
    assert bar.evaluate("(el) => el.value") == 4
    ui.check_page("job progress")
    ui.shot("drafting-job-done")
    ui.follow(page.get_by_role("link", name="Continue"))

    # The campaign page: four drafts, one per Illinois partner.
    assert page.get_by_role("heading", level=1).inner_text() == CAMPAIGN
    assert "4 agencies" in page.locator(".stat-row").inner_text()
    assert "4 drafts" in page.locator(".stat-row").inner_text()
    assert sorted(_column(ui, 2)) == IL_PARTNERS
    assert set(_column(ui, 4)) == {"draft"}
    # Sortable columns: a header is a button that sorts, and says which way.
    agency_header = page.get_by_role("columnheader", name="Agency")
    agency_header.get_by_role("button").click()
    assert _column(ui, 2) == IL_PARTNERS
    assert agency_header.get_attribute("aria-sort") == "ascending"
    agency_header.get_by_role("button").click()
    assert _column(ui, 2) == IL_PARTNERS[::-1]
    assert agency_header.get_attribute("aria-sort") == "descending"
    ui.check_page("campaign with drafts")
    ui.shot("campaign-drafted")

    # Two previews: each names its agency and cites Illinois's law.
    campaign_url = page.url
    for name in IL_PARTNERS[:2]:
        ui.follow(
            page.get_by_role("row", name=re.compile(name)).get_by_role("link", name="Preview")
        )
        assert page.get_by_role("heading", level=1).inner_text() == f"Request letter · {name}"
        preview = page.locator(".letter-preview").inner_text()
        assert name in preview
        assert IL_LAW in preview and IL_CITATION in preview
        assert "Dana Reporter" in preview
        if name == IL_PARTNERS[0]:
            ui.check_page("letter preview")
        ui.shot(f"preview-{name.split()[0].lower()}")
        page.goto(campaign_url)

    # Edit one letter by hand.
    edited = IL_PARTNERS[2]
    ui.follow(page.get_by_role("row", name=re.compile(edited)).get_by_role("link", name="Preview"))
    body = page.get_by_label("Letter (Markdown)")
    body.fill(body.input_value() + "\n\n" + EDITED_SENTENCE + "\n")
    ui.follow(page.get_by_role("button", name="Save the letter"))
    assert "Letter saved." in page.locator(".flashes").inner_text()
    assert page.get_by_text("edited by hand").is_visible()
    assert EDITED_SENTENCE in page.locator(".letter-preview").inner_text()
    ui.shot("letter-edited")
    page.goto(campaign_url)

    # Filing asks first; saying no changes nothing.
    file_all = page.get_by_role("button", name="File all by e-mail (4)")
    page.once("dialog", lambda dialog: dialog.dismiss())
    file_all.click()
    assert page.url == campaign_url
    assert "4 drafts" in page.locator(".stat-row").inner_text()
    assert smtp_server.received == []
    dialogs: list[str] = []

    def accept(dialog: object) -> None:
        dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    page.once("dialog", accept)
    ui.follow(file_all)
    assert dialogs == ["E-mail 4 letters to their agencies now?"]
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    job_url = page.url

    # A long job can be left and come back to: it is listed with its progress under Jobs.
    ui.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs"))
    row = page.get_by_role("row", name=re.compile(f"Send \u201c{CAMPAIGN}\u201d by e-mail"))
    assert row.get_by_role("progressbar").count() == 1
    ui.check_page("jobs list")
    ui.shot("jobs-list-while-sending")
    ui.follow(row.get_by_role("link").first)
    assert page.url == job_url
    page.evaluate("() => { window.stillTheSamePage = true; }")
    seen = []
    deadline = time.monotonic() + 60
    while page.locator(".job-status").inner_text() not in ("done", "failed"):
        seen.append(bar.evaluate("(el) => el.value"))
        assert time.monotonic() < deadline, f"sending did not finish: {seen[-5:]}"
        page.wait_for_timeout(150)
    ui.wait_for_job()
    seen.append(bar.evaluate("(el) => el.value"))
    # The page showed the job running, then its script moved the bar to the end, in place.
    assert seen[0] < 4 and seen == sorted(seen) and seen[-1] == 4, seen
    assert page.evaluate("() => window.stillTheSamePage") is True
    assert page.locator(".job-count").inner_text() == "4 of 4 (100%)"
    ui.shot("sending-job-done")
    ui.follow(page.get_by_role("link", name="Continue"))

    # Every request is filed today, with a due date under Illinois's five business days.
    assert page.url == campaign_url
    stats = page.locator(".stat-row").inner_text()
    assert "0 drafts" in stats and "4 filed or later" in stats
    assert set(_column(ui, 4)) == {"filed"}
    assert set(_column(ui, 5)) == {"sent"}
    assert all(DATE.fullmatch(filed) for filed in _column(ui, 7)), _column(ui, 7)
    due = _column(ui, 8)
    assert all(DATE.match(d) and d[:10] > f for d, f in zip(due, _column(ui, 7), strict=True)), due
    assert page.get_by_role("button", name=re.compile("File all by e-mail")).count() == 0
    ui.check_page("campaign filed")
    ui.shot("campaign-filed")

    # The mail server got one letter per agency, the edited one as edited, each with its PDF.
    received = {mail.rcpt_tos[0]: mail.message for mail in smtp_server.received}
    assert sorted(received) == sorted(il_addresses.values())
    for name, address in il_addresses.items():
        message = received[address]
        text = message.get_body(("plain",)).get_content()
        assert name in text and IL_CITATION in text
        assert (EDITED_SENTENCE in text) == (name == edited)
        attachments = [part.get_filename() for part in message.iter_attachments()]
        assert len(attachments) == 1 and attachments[0].endswith(".pdf")
