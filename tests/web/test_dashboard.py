"""The dashboard page: buckets, filters and bulk actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.requests import lifecycle, services
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod, Status
from foiatrack.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_agency, make_campaign, make_request

TODAY = dt.date.today()


@pytest.fixture
def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        campaign = make_campaign(db.session, "Ring partners 2026")
        made = {}
        for key, name, state, days_ago in [
            ("late", "Overdue Police Department", "CA", 45),
            ("soon", "Soon Police Department", "CA", 6),
            ("other", "Other Police Department", "TX", 40),
        ]:
            request = make_request(
                db.session, make_agency(db.session, name=name, state=state), campaign
            )
            lifecycle.file_request(
                db.session,
                request,
                actor=None,
                clock=Clock(TODAY, TODAY - dt.timedelta(days=days_ago)),
                method=FilingMethod.EMAIL,
            )
            made[key] = request.id
        draft = make_request(db.session, make_agency(db.session, name="Draft PD", state="CA"))
        made["draft"] = draft.id
        db.session.commit()
        return made


def _section(html: str, key: str) -> str:
    start = html.index(f'id="{key}"')
    return html[start : html.index("</section>", start)]


def test_dashboard_shows_overdue_first(
    client: FlaskClient, ids: dict[str, int], login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    html = client.get("/").get_data(as_text=True)
    overdue = _section(html, "overdue")
    assert "Overdue Police Department" in overdue and "Other Police Department" in overdue
    assert overdue.index("Overdue Police Department") < overdue.index("Other Police Department")
    assert "days late" in overdue
    assert "Soon Police Department" in _section(html, "due_soon")
    assert "Soon Police Department" not in overdue
    assert "Ring partners 2026" in html and "3 of 3 filed" in html
    assert 'name="ids"' not in html  # viewers get no bulk controls


def test_filters(
    client: FlaskClient, ids: dict[str, int], login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    html = client.get("/?state=TX").get_data(as_text=True)
    assert "Overdue Police Department" not in html and "Other Police Department" in html
    html = client.get("/?agency=other").get_data(as_text=True)
    assert "Overdue Police Department" not in html and "Other Police Department" in html
    assert client.get("/?status=bogus").status_code == 400


def _bulk(client: FlaskClient, **data: object):
    return client.post("/requests/bulk", data={**data, "csrf_token": csrf_token(client, "/")})


def test_bulk_assign_tag_and_record(
    app: Flask, client: FlaskClient, ids: dict[str, int], login_as: Callable[[Role], User]
) -> None:
    editor = login_as(Role.EDITOR)
    selected = [str(ids["late"]), str(ids["other"])]
    assert _bulk(client, op="assign", assignee=str(editor.id), ids=selected).status_code == 302
    assert _bulk(client, op="tag", tag="follow up monday", ids=selected).status_code == 302
    response = _bulk(client, op="record", action="acknowledge", ids=[*selected, str(ids["draft"])])
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "Applied to 2 requests." in html and "Refused 1" in html
    with app.app_context():
        for key in ("late", "other"):
            request = services.get_request(db.session, ids[key])
            assert request.assignee_id == editor.id
            assert [t.name for t in request.tags] == ["follow up monday"]
            assert request.status == Status.ACKNOWLEDGED
        assert services.get_request(db.session, ids["draft"]).status == Status.DRAFT
    html = client.get(f"/?assignee={editor.id}&tag=follow+up+monday").get_data(as_text=True)
    assert "Overdue Police Department" in html and "Soon Police Department" not in html


def test_bulk_follow_up_drafts(
    client: FlaskClient, ids: dict[str, int], login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    response = _bulk(client, op="follow_up", ids=[str(ids["late"]), str(ids["other"])])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("Record as sent") == 2
    assert "Overdue Police Department" in html and "days ago" in html


def test_bulk_refuses_bad_input(
    client: FlaskClient, ids: dict[str, int], login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    assert _bulk(client, op="explode", ids=[str(ids["late"])]).status_code == 400
    response = _bulk(client, op="tag", tag="x")
    assert response.status_code == 302
    assert "Select at least one request" in client.get("/").get_data(as_text=True)
    assert _bulk(client, op="tag", tag="x", ids=["424242"]).status_code == 404


def test_viewer_cannot_bulk(
    client: FlaskClient, ids: dict[str, int], login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    assert _bulk(client, op="tag", tag="x", ids=[str(ids["late"])]).status_code == 403
