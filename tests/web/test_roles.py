"""Roles, checked for every blueprint: viewers read, editors change, admins manage users."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from foiatrack.domain.accounts.models import Role, User
from foiatrack.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_agency, make_campaign, make_request

READ_PAGES = [
    "/",
    "/campaigns/",
    "/campaigns/1",
    "/requests/",
    "/requests/1",
    "/inbox/",
    "/documents/",
    "/agencies/",
    "/agencies/1",
    "/auth/account",
]
WRITES = [
    ("/agencies/new", {"name": "Forged PD", "state": "MI", "kind": "police"}),
    ("/agencies/1/edit", {"name": "Renamed PD", "state": "MI", "kind": "police"}),
    ("/agencies/import", {}),
    ("/requests/1/notes", {"text": "forged note"}),
    ("/admin/users", {"email": "new@example.org", "role": "admin"}),
    ("/admin/users/1", {"role": "admin", "is_active": "y"}),
]


@pytest.fixture
def data(app: Flask) -> None:
    with app.app_context():
        agency = make_agency(db.session, name="Troy Police Department")
        make_request(db.session, agency, make_campaign(db.session))
        db.session.commit()


@pytest.mark.usefixtures("data")
def test_viewer_reads_every_page_without_edit_controls(
    client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    for path in READ_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for control in ("Add an agency", "Import from CSV", ">Edit<", "Add note"):
            assert control not in html, (path, control)
    assert "Admin" not in client.get("/").get_data(as_text=True)


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(("path", "form"), WRITES)
def test_viewer_cannot_change_anything(
    client: FlaskClient, login_as: Callable[[Role], User], path: str, form: dict[str, str]
) -> None:
    login_as(Role.VIEWER)
    response = client.post(path, data={**form, "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403
    assert "Forged PD" not in client.get("/agencies/").get_data(as_text=True)
    assert "forged note" not in client.get("/requests/1").get_data(as_text=True)


@pytest.mark.usefixtures("data")
def test_editor_sees_edit_controls_but_not_admin(
    client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    assert "Add an agency" in client.get("/agencies/").get_data(as_text=True)
    assert "Add note" in client.get("/requests/1").get_data(as_text=True)
    assert client.get("/admin/").status_code == 403
    response = client.post(
        "/admin/users",
        data={"email": "x@example.org", "role": "admin", "csrf_token": csrf_token(client, "/")},
    )
    assert response.status_code == 403


@pytest.mark.usefixtures("data")
def test_admin_reaches_admin(client: FlaskClient, login_as: Callable[[Role], User]) -> None:
    login_as(Role.ADMIN)
    assert client.get("/admin/").status_code == 200
    assert ">Admin<" in client.get("/").get_data(as_text=True)


def test_deactivated_user_is_logged_out(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    user = login_as(Role.EDITOR)
    with app.app_context():
        db.session.get(User, user.id).is_active = False
        db.session.commit()
    assert client.get("/").status_code == 302
