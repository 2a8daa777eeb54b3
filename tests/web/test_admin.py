from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.accounts.services import authenticate
from foiatrack.extensions import db
from tests.conftest import csrf_token


def test_admin_adds_a_user_and_sees_the_password_once(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/users",
        data={
            "email": "reporter@example.org",
            "name": "Reporter",
            "role": "editor",
            "csrf_token": csrf_token(client, "/admin/"),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "shown only this once" in html
    password = re.search(r'<code class="secret">([^<]+)</code>', html).group(1)
    with app.app_context():
        assert authenticate(db.session, "reporter@example.org", password).role == Role.EDITOR
    assert password not in client.get("/admin/").get_data(as_text=True)


def test_admin_cannot_add_a_duplicate(
    client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    admin = login_as(Role.ADMIN)
    response = client.post(
        "/admin/users",
        data={"email": admin.email, "role": "viewer", "csrf_token": csrf_token(client, "/admin/")},
    )
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)


def test_last_admin_cannot_lock_themself_out(
    client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    admin = login_as(Role.ADMIN)
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"role": "viewer", "csrf_token": csrf_token(client, "/admin/")},
    )
    assert response.status_code == 422
    assert "at least one active admin" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200


def test_admin_changes_a_role(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[[Role], User],
    make_user: Callable[..., User],
) -> None:
    login_as(Role.ADMIN)
    viewer = make_user(Role.VIEWER)
    response = client.post(
        f"/admin/users/{viewer.id}",
        data={"role": "editor", "is_active": "y", "csrf_token": csrf_token(client, "/admin/")},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, viewer.id).role == Role.EDITOR


def test_admin_rebuilds_the_search_index_as_a_job(app: Flask, client: FlaskClient,
                                                  login_as: Callable[[Role], User]) -> None:
    app.config["JOB_RUNNER"] = "inline"
    login_as(Role.ADMIN)
    response = client.post("/admin/reindex", data={"csrf_token": csrf_token(client, "/admin/")})
    assert response.status_code == 302
    job = client.get(response.headers["Location"] + ".json").get_json()
    assert job["status"] == "done" and job["kind"] == "reindex"
    assert set(job["result"]["counts"]) == {"document", "message", "letter"}
