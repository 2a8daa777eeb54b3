"""Dashboard flow: requests filed on past dates show as overdue, most late first; recording an
extension takes one out of overdue; the calendar feed carries the due dates."""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod
from foiatrack.domain.requests.services import create_campaign, create_request
from foiatrack.extensions import db
from tests.browser.conftest import DESKTOP, EDITOR_EMAIL, PHONE, UI, LiveServer
from tests.factories import make_agency

pytestmark = pytest.mark.browser

#: a real kind of name (a consolidated city-county department) made longer than any screen
LONG_NAME = (
    "Metropolitan Police Department of the Consolidated City and County of "
    "Lower-Susquehanna-Valley-Regional-Public-Safety-Cooperative-Authority Township"
)
CAMPAIGN = "Ring partnerships 2026"


@dataclass(frozen=True)
class Seeded:
    today: dt.date
    #: agency name -> (request id, due date, days late today)
    requests: dict[str, tuple[int, dt.date, int]]

    def overdue(self) -> list[str]:
        """Agencies whose request is late, most late first (as the dashboard orders them)."""
        late = [(due, rid, name) for name, (rid, due, days) in self.requests.items() if days]
        return [name for _, _, name in sorted(late)]


@pytest.fixture
def filed_in_the_past(seeded: Flask) -> Seeded:
    """Five requests of one campaign filed 60, 40, 20 and 0 days ago, and one still a draft."""
    today = dt.date.today()
    with seeded.app_context():
        session = db.session
        by_name = {a.name: a for a in session.scalars(select(Agency))}
        long_named = make_agency(session, name=LONG_NAME, state="PA", is_ring_partner=True)
        campaign = create_campaign(session, CAMPAIGN, actor=None)
        plan = [
            (by_name["Troy Police Department"], 60),
            (long_named, 40),
            (by_name["Denver Police Department"], 20),
            (by_name["San Diego Police Department"], 0),
            (by_name["Aurora Police Department"], None),
        ]
        made = {}
        for agency, days_ago in plan:
            req = create_request(
                session, agency, title="Ring partnership records", campaign=campaign, actor=None
            )
            if days_ago is not None:
                lifecycle.file_request(
                    session,
                    req,
                    actor=None,
                    clock=Clock(today, today - dt.timedelta(days=days_ago)),
                    method=FilingMethod.EMAIL,
                )
            made[agency.name] = req
        session.commit()
        requests = {
            name: (req.id, req.due_on, req.days_late(today))
            for name, req in made.items()
            if req.due_on is not None
        }
        session.remove()
    seeded_requests = Seeded(today, requests)
    # The plan above only means something if three are late and one is not yet.
    assert len(seeded_requests.overdue()) == 3, requests
    return seeded_requests


def _overdue_rows(ui: UI) -> list[tuple[str, str]]:
    rows = ui.page.locator("#overdue tbody tr")
    return [
        (row.locator("td").nth(2).inner_text(), row.locator("td").nth(9).inner_text())
        for row in rows.all()
    ]


def test_overdue_first_extension_and_calendar_feed(
    live_server: LiveServer, filed_in_the_past: Seeded, ui: UI
) -> None:
    page = ui.page
    seeded = filed_in_the_past
    ui.login(EDITOR_EMAIL)

    # Overdue comes first, most late first, each with its days late.
    sections = page.locator("main section[id] h2").all_inner_texts()
    assert sections[0] == "Overdue (3)", sections
    expected = [(name, f"{seeded.requests[name][2]} days late") for name in seeded.overdue()]
    assert _overdue_rows(ui) == expected
    assert expected[0][0] == "Troy Police Department"
    stat = page.locator(".stat-overdue").inner_text()
    assert re.fullmatch(r"3\s+overdue", stat), stat
    ui.check_page("dashboard")
    ui.shot("dashboard-overdue-first")

    # A long agency name wraps inside its cell instead of widening the page, on a phone too.
    long_cell = page.locator("#overdue td", has_text=LONG_NAME)
    line_height = long_cell.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight)")
    assert long_cell.bounding_box()["height"] > 1.5 * line_height
    page.set_viewport_size(PHONE)
    ui.shot("dashboard-on-a-phone")
    page.set_viewport_size(DESKTOP)

    # Keyboard: the skip link comes first and moves focus to the content; every focused
    # control shows a focus ring; a column header sorts from the keyboard.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("(el) => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    header = page.locator("#overdue").get_by_role("columnheader", name="Days late")
    unringed = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement, style = getComputedStyle(el);
                return {
                    tag: el.tagName, text: (el.textContent || el.name || '').trim().slice(0, 40),
                    ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                };
            }"""
        )
        if not focused["ring"]:
            unringed.append(focused)
        if header.get_by_role("button").evaluate("(el) => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Days late column header")
    assert not unringed, f"focused without a visible focus ring: {unringed}"
    ui.shot("keyboard-focus-on-a-column-header")
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "ascending"
    assert [name for name, _ in _overdue_rows(ui)] == seeded.overdue()[::-1]

    # Record an extension on the second-latest request: it leaves the overdue list.
    extended = seeded.overdue()[1]
    request_id, old_due, _ = seeded.requests[extended]
    new_due = seeded.today + dt.timedelta(days=30)
    ui.follow(page.locator("#overdue").get_by_role("link", name=f"#{request_id}", exact=True))
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"#{request_id} ")
    ui.check_page("request page")
    extension = page.locator("details", has=page.get_by_text("Extension", exact=True))
    extension.locator("summary").click()
    extension.get_by_label("…or extended to (date)").fill(new_due.isoformat())
    extension.get_by_label("Reason the agency gave").fill("Staff shortage; records are off site.")
    ui.shot("recording-an-extension")
    ui.follow(extension.get_by_role("button", name="Record"))
    due_fact = page.locator("dl.facts dd").nth(4)
    assert due_fact.inner_text().startswith(new_due.isoformat())
    assert "late" not in due_fact.inner_text()
    timeline = page.locator(".timeline").inner_text()
    assert f"extended its deadline to {new_due.isoformat()}" in timeline
    ui.shot("request-after-extension")

    ui.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard"))
    remaining = [name for name in seeded.overdue() if name != extended]
    assert page.locator("main section[id] h2").first.inner_text() == "Overdue (2)"
    assert [name for name, _ in _overdue_rows(ui)] == remaining
    ui.shot("dashboard-after-extension")

    # The calendar feed: a private address, then an iCalendar file with the due dates.
    ui.follow(page.get_by_role("link", name="Calendar", exact=True))
    assert page.get_by_role("heading", name="No calendar address yet").is_visible()
    ui.follow(page.get_by_role("button", name="Create my calendar address"))
    assert "Your calendar address is ready." in page.locator(".flashes").inner_text()
    feed_url = page.get_by_label("Every running request of the team").input_value()
    assert feed_url.startswith(ui.url("/calendar/")) and feed_url.endswith(".ics?scope=all")
    ui.check_page("calendar")
    ui.shot("calendar-address")
    # Fetched as a calendar app would: no cookie, only the secret in the address.
    with urllib.request.urlopen(feed_url, timeout=10) as response:
        content_type = response.headers["Content-Type"]
        ics = response.read().decode()
    assert content_type.startswith("text/calendar")
    assert ics.startswith("BEGIN:VCALENDAR")
    unfolded = ics.replace("\r\n ", "")
    due_dates = {
        name: (new_due if name == extended else due)
        for name, (_, due, _) in seeded.requests.items()
    }
    for name, due in due_dates.items():
        assert f"DTSTART;VALUE=DATE:{due:%Y%m%d}" in unfolded, (name, due)
        assert f"(#{seeded.requests[name][0]})" in unfolded
    assert f"DTSTART;VALUE=DATE:{old_due:%Y%m%d}" not in unfolded
    assert unfolded.count("BEGIN:VEVENT") >= len(due_dates)
