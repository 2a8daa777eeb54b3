"""The calendar page and the feed calendar apps fetch with nothing but a secret URL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod, RecordsRequest
from foiatrack.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_agency, make_request

TODAY = dt.date.today()
FEED = re.compile(r'value="(http://localhost/calendar/([A-Za-z0-9_-]+)\.ics)"')


def _filed(
    name: str, *, filed_on: dt.date, assignee_id: int | None = None, state: str = "CA"
) -> RecordsRequest:
    session = db.session
    request = make_request(session, make_agency(session, name=name, state=state))
    lifecycle.file_request(
        session,
        request,
        actor=None,
        clock=Clock(today=TODAY, on=filed_on),
        method=FilingMethod.EMAIL,
    )
    if assignee_id is not None:
        lifecycle.assign(session, request, session.get(User, assignee_id), actor=None)
    return request


def _rotate(client: FlaskClient) -> str:
    """Press the button on the calendar page; the feed URL the page then shows."""
    response = client.post(
        "/calendar/rotate", data={"csrf_token": csrf_token(client, "/calendar/")}
    )
    assert response.status_code == 302
    match = FEED.search(client.get("/calendar/").get_data(as_text=True))
    assert match, "no feed URL on the page"
    return match.group(1)


def _events(client: FlaskClient, url: str) -> dict[str, dict[str, object]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {
        str(event["UID"]): {
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "summary": str(event["SUMMARY"]),
            "url": str(event["URL"]),
        }
        for event in Calendar.from_ical(response.data).walk("VEVENT")
    }


@pytest.fixture
def team(app: Flask, make_user: Callable[..., User]) -> dict[str, int]:
    """A colleague; requests for the logged-in viewer are added once they exist."""
    colleague = make_user(Role.EDITOR, email="colleague@example.org")
    with app.app_context():
        theirs = _filed(
            "Berkeley Police Department",
            filed_on=TODAY - dt.timedelta(days=3),
            assignee_id=colleague.id,
        )
        db.session.commit()
        return {"colleague": colleague.id, "theirs": theirs.id}


def _mine(app: Flask, user: User) -> dict[str, RecordsRequest]:
    with app.app_context():
        late = _filed(
            "Alameda Police Department", filed_on=TODAY - dt.timedelta(days=60), assignee_id=user.id
        )
        soon = _filed(
            "Miami Police Department",
            state="FL",
            filed_on=TODAY - dt.timedelta(days=2),
            assignee_id=user.id,
        )
        closed = _filed(
            "Davis Police Department", filed_on=TODAY - dt.timedelta(days=5), assignee_id=user.id
        )
        lifecycle.withdraw(db.session, closed, actor=None, clock=Clock(TODAY, TODAY))
        db.session.commit()
        for request in (late, soon, closed):
            db.session.refresh(request)
            db.session.expunge(request)
        return {"late": late, "soon": soon, "closed": closed}


def test_page_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/calendar/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    response = client.post(
        "/calendar/rotate", data={"csrf_token": csrf_token(client, "/auth/login")}
    )
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_viewer_subscribes_to_their_own_due_dates(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User], team: dict[str, int]
) -> None:
    viewer = login_as(Role.VIEWER)
    mine = _mine(app, viewer)
    page = client.get("/calendar/").get_data(as_text=True)
    assert "Create my calendar address" in page and FEED.search(page) is None
    assert 'href="/calendar/"' in client.get("/").get_data(as_text=True)

    url = _rotate(client)
    page = client.get("/calendar/").get_data(as_text=True)
    assert f'value="{url}?scope=all"' in page
    assert f'href="webcal://{url.split("://")[1]}"' in page
    assert "Google Calendar" in page and "Outlook" in page and "Apple Calendar" in page
    assert "data-confirm=" in page

    events = _events(app.test_client(), url)  # a calendar app: no session cookie
    late, soon = mine["late"], mine["soon"]
    assert set(events) == {f"request-{late.id}-due@foiatrack", f"request-{soon.id}-due@foiatrack"}
    late_event = events[f"request-{late.id}-due@foiatrack"]
    assert late.due_on is not None and late.due_on < TODAY
    assert late_event["start"] == late.due_on
    assert late_event["end"] == late.due_on + dt.timedelta(days=1)
    assert late_event["summary"] == f"Due: Alameda Police Department (#{late.id})"
    assert late_event["url"] == f"http://localhost/requests/{late.id}"
    soon_event = events[f"request-{soon.id}-due@foiatrack"]
    assert soon.due_on is not None and soon.due_on > TODAY
    assert soon_event["start"] == soon.due_on
    assert str(soon_event["summary"]).startswith("Follow up: Miami Police Department")


def test_scope_all_is_the_whole_team(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User], team: dict[str, int]
) -> None:
    mine = _mine(app, login_as(Role.EDITOR))
    url = _rotate(client)
    feed = app.test_client()
    everyone = _events(feed, url + "?scope=all")
    assert set(everyone) == {
        f"request-{mine['late'].id}-due@foiatrack",
        f"request-{mine['soon'].id}-due@foiatrack",
        f"request-{team['theirs']}-due@foiatrack",
    }
    assert len(_events(feed, url)) == 2
    assert len(_events(feed, url + "?scope=mine")) == 2
    assert feed.get(url + "?scope=everything").status_code == 400


def test_feed_response_headers(app: Flask, client: FlaskClient, login_as: Callable) -> None:
    login_as(Role.VIEWER)
    url = _rotate(client)
    response = app.test_client().get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="foiatrack.ics"'
    assert "no-store" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "foiatrack: due dates for viewer@example.org"
    assert calendar.walk("VEVENT") == []


def test_rotating_revokes_the_old_url(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    old = _rotate(client)
    new = _rotate(client)
    assert new != old
    feed = app.test_client()
    assert feed.get(old).status_code == 404
    assert feed.get(old + "?scope=all").status_code == 404
    assert feed.get(new).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/not-a-real-token-but-long-enough.ics",
        "/calendar/x.ics",
        "/calendar/%27%20OR%201%3D1%20--.ics",
        "/calendar/" + "A" * 43 + ".ics",
    ],
)
def test_unknown_tokens_are_not_found(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_deactivated_users_feed_stops(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    user = login_as(Role.VIEWER)
    url = _rotate(client)
    with app.app_context():
        db.session.get(User, user.id).is_active = False
        db.session.commit()
    assert app.test_client().get(url).status_code == 404


def test_rotate_needs_the_csrf_token(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    user = login_as(Role.VIEWER)
    assert client.post("/calendar/rotate").status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).calendar_token is None
