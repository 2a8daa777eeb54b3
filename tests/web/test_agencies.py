"""The agency directory in the browser: list, filters, detail, create, edit, import."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.reference import load_reference_data
from foiatrack.extensions import db
from tests.conftest import csrf_token

FBI_SAMPLE = Path(__file__).resolve().parent.parent / "data" / "fbi_cde_agencies_sample.csv"


@pytest.fixture
def reference(app: Flask) -> None:
    with app.app_context():
        load_reference_data(db.session)
        db.session.commit()


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Agency)) or 0


@pytest.mark.usefixtures("reference")
def test_list_and_filters(client: FlaskClient, login_as: Callable[[Role], User]) -> None:
    login_as(Role.VIEWER)
    html = client.get("/agencies/").get_data(as_text=True)
    assert "Waterford Police Department" in html and "Tigard Police Department" in html
    html = client.get("/agencies/?state=OR").get_data(as_text=True)
    assert "Tigard Police Department" in html and "Waterford" not in html
    html = client.get("/agencies/?q=livonia").get_data(as_text=True)
    assert "Livonia Police Department" in html and "Troy Police" not in html
    html = client.get("/agencies/?ring=1&state=ZZ").get_data(as_text=True)
    assert "No agencies match" in html


@pytest.mark.usefixtures("reference")
def test_detail_shows_the_law_and_source(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    with app.app_context():
        agency_id = db.session.scalar(select(Agency.id).where(Agency.name.like("Tigard%")))
    html = client.get(f"/agencies/{agency_id}").get_data(as_text=True)
    assert "Oregon" in html and "ORS" in html
    assert "publicrecords.tigard-or.gov" in html
    assert "no e-mail: file by portal or post" in html


def test_create_edit_and_hostile_names(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    token = csrf_token(client, "/agencies/new")
    hostile = "<script>alert(1)</script> Police Department 警察"
    response = client.post(
        "/agencies/new",
        data={
            "name": hostile,
            "state": "CA",
            "kind": "police",
            "email": "records@city.example.org",
            "is_ring_partner": "y",
            "ring_partner_since": "2019-06-01",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Police Department 警察" in html
    agency_path = response.headers["Location"]
    response = client.post(
        f"{agency_path}/edit",
        data={
            "name": "Renamed Police Department",
            "state": "CA",
            "kind": "police",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert "Renamed Police Department" in client.get(agency_path).get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 301, "Field cannot be longer than 300 characters"),
        ("email", "not-an-email", "Invalid email address"),
        ("state", "ZZ", "Not a valid choice"),
        ("ring_partner_since", "yesterday", "Not a valid date value"),
    ],
)
def test_bad_form_input_changes_nothing(
    app: Flask,
    client: FlaskClient,
    login_as: Callable[[Role], User],
    field: str,
    value: str,
    message: str,
) -> None:
    login_as(Role.EDITOR)
    data = {
        "name": "Good PD",
        "state": "MI",
        "kind": "police",
        field: value,
        "csrf_token": csrf_token(client, "/agencies/new"),
    }
    response = client.post("/agencies/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(app) == 0


def test_editing_a_missing_agency_is_404(
    client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    assert client.get("/agencies/424242/edit").status_code == 404


def _upload(client: FlaskClient, data: bytes, *, dry_run: bool):
    form = {
        "file": (io.BytesIO(data), "agencies.csv"),
        "csrf_token": csrf_token(client, "/agencies/import"),
    }
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/agencies/import", data=form, content_type="multipart/form-data")


def test_import_form_dry_run_then_import(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    response = _upload(client, FBI_SAMPLE.read_bytes(), dry_run=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "14 would be created" in html and "not an agency name" in html
    assert _count(app) == 0
    response = _upload(client, FBI_SAMPLE.read_bytes(), dry_run=False)
    assert "14 were created" in response.get_data(as_text=True)
    assert _count(app) == 14


def test_import_form_reports_bad_rows(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    response = _upload(client, b"name,state\nGood PD,MI\nBad PD,XX\n", dry_run=False)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html and "line 3: state &#39;XX&#39;" in html
    assert _count(app) == 0


def test_import_form_requires_a_file(client: FlaskClient, login_as: Callable[[Role], User]) -> None:
    login_as(Role.EDITOR)
    response = client.post(
        "/agencies/import", data={"csrf_token": csrf_token(client, "/agencies/import")}
    )
    assert response.status_code == 400
    assert "This field is required" in response.get_data(as_text=True)


def test_oversized_upload_is_refused(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = _upload(client, b"name,state\n" + b"A PD,MI\n" * 500, dry_run=False)
    assert response.status_code == 413
    assert _count(app) == 0
