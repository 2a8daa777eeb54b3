"""Every lifecycle form on the request page, including the refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.requests import services
from foiatrack.domain.requests.models import FeeStatus, Status
from foiatrack.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_agency, make_request

TODAY = dt.date.today()


@pytest.fixture
def request_id(app: Flask) -> int:
    with app.app_context():
        agency = make_agency(
            db.session,
            name="Lakeland Police Department",
            state="FL",
            email="records@lakeland.example.org",
        )
        request = make_request(db.session, agency)
        db.session.commit()
        return request.id


def _post(client: FlaskClient, path: str, **data: str):
    token = csrf_token(client, path.rsplit("/actions", 1)[0] if "/actions" in path else "/")
    return client.post(path, data={**data, "csrf_token": token})


def _action(client: FlaskClient, request_id: int, name: str, **data: str):
    # every action's form is prefixed with its name, as the page renders it
    token = csrf_token(client, f"/requests/{request_id}")
    fields = {f"{name}-{key}": value for key, value in data.items()}
    return client.post(
        f"/requests/{request_id}/actions/{name}", data={**fields, f"{name}-csrf_token": token}
    )


def _status(app: Flask, request_id: int) -> Status:
    with app.app_context():
        return Status(services.get_request(db.session, request_id).status)


def _iso(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=days_ago)).isoformat()


@pytest.fixture
def editor(login_as: Callable[[Role], User]) -> User:
    return login_as(Role.EDITOR)


@pytest.mark.usefixtures("editor")
def test_file_then_every_answer(app: Flask, client: FlaskClient, request_id: int) -> None:
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Record filing" in page and "The clock starts when the request is filed" in page
    response = _action(
        client, request_id, "file", on=_iso(40), method="portal", confirmation="NR-2026-77"
    )
    assert response.status_code == 302
    assert _status(app, request_id) == Status.FILED
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "How the due date was computed" in page
    assert "follow-up date, not a legal deadline" in page  # Florida: "promptly"
    assert "NR-2026-77" in page
    assert "days late" in page and "Draft a follow-up" in page

    assert (
        _action(
            client, request_id, "acknowledge", on=_iso(39), reference="P012345-010126"
        ).status_code
        == 302
    )
    assert _status(app, request_id) == Status.ACKNOWLEDGED
    assert (
        _action(client, request_id, "extend", on=_iso(30), days="10", note="voluminous").status_code
        == 302
    )
    assert (
        _action(
            client, request_id, "request_clarification", on=_iso(29), question="which cameras?"
        ).status_code
        == 302
    )
    assert _status(app, request_id) == Status.CLARIFICATION_REQUESTED
    assert _action(client, request_id, "clarify", on=_iso(28)).status_code == 302
    assert (
        _action(
            client, request_id, "request_fee", on=_iso(27), amount="25.50", deposit=""
        ).status_code
        == 302
    )
    assert _status(app, request_id) == Status.FEE_REQUESTED
    with app.app_context():
        fee = services.get_request(db.session, request_id).fees[0]
        assert fee.amount_cents == 2550
    response = _post(client, f"/requests/{request_id}/fees/{fee.id}", status="paid", on=_iso(26))
    assert response.status_code == 302
    assert _status(app, request_id) == Status.PROCESSING
    assert _action(client, request_id, "partial_response", on=_iso(20)).status_code == 302
    assert (
        _action(
            client,
            request_id,
            "deny",
            on=_iso(10),
            exemptions="§ 119.071(2)(c) active criminal intelligence",
        ).status_code
        == 302
    )
    assert _status(app, request_id) == Status.REJECTED
    assert _action(client, request_id, "appeal", on=_iso(5)).status_code == 302
    assert (
        _action(
            client, request_id, "set_due_date", due_on=_iso(-3), note="agreed with counsel"
        ).status_code
        == 302
    )
    assert _action(client, request_id, "fulfil", on=_iso(1)).status_code == 302
    assert _status(app, request_id) == Status.FULFILLED
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    for text in (
        "P012345-010126",
        "extended its deadline by 10 calendar days",
        "$25.50",
        "119.071(2)(c)",
        "Appeal filed",
        "agreed with counsel",
        "released the records",
    ):
        assert text in page, text
    assert "This request is closed" not in page  # an appeal can still be filed
    assert "Appeal filed" in page


@pytest.mark.usefixtures("editor")
def test_acknowledging_a_new_york_request_moves_it_to_the_second_deadline(
    app: Flask, client: FlaskClient
) -> None:
    # N.Y. Pub. Off. Law § 89(3)(a): 5 business days to acknowledge, then 20 business days
    # from the acknowledgement. Filed 14 days ago, the 5 business days are over whatever the
    # holidays; acknowledged 12 days ago, 20 business days later is still ahead.
    with app.app_context():
        agency = make_agency(db.session, name="Rochester Police Department", state="NY")
        request_id = make_request(db.session, agency).id
        db.session.commit()
    assert _action(client, request_id, "file", on=_iso(14), method="email").status_code == 302
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "days late" in page
    assert (
        "to acknowledge, then <strong>20 business days</strong> after the acknowledgement" in page
    )
    assert "Second stage, not started" in page

    assert _action(client, request_id, "acknowledge", on=_iso(12)).status_code == 302
    assert _status(app, request_id) == Status.ACKNOWLEDGED
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "days late" not in page and "day late" not in page
    assert f"Acknowledged on {_iso(12)}" in page
    assert "the law then allows 20 business days from the acknowledgement" in page
    with app.app_context():
        request = services.get_request(db.session, request_id)
        assert request.ack_due_on is not None and request.ack_due_on < TODAY
        assert request.due_on is not None and request.due_on > TODAY
        # at least 20 weekdays after the acknowledgement: four weeks
        assert request.due_on >= TODAY - dt.timedelta(days=12) + dt.timedelta(days=28)


@pytest.mark.usefixtures("editor")
def test_refused_transition_shows_why(app: Flask, client: FlaskClient, request_id: int) -> None:
    response = _action(client, request_id, "acknowledge", on=_iso(1))
    assert response.status_code == 409
    assert "cannot be recorded while the request is draft" in response.get_data(as_text=True)
    assert _status(app, request_id) == Status.DRAFT
    response = _action(client, request_id, "fulfil", on=_iso(1))
    assert response.status_code == 409
    assert _status(app, request_id) == Status.DRAFT


@pytest.mark.usefixtures("editor")
def test_invalid_form_input_is_refused(app: Flask, client: FlaskClient, request_id: int) -> None:
    response = _action(client, request_id, "file", on="not a date", method="portal")
    assert response.status_code == 400 and "Please check the form" in response.get_data(True)
    response = _action(client, request_id, "file", on=_iso(-5), method="portal")
    assert response.status_code == 422 and "future" in response.get_data(as_text=True)
    assert _status(app, request_id) == Status.DRAFT
    _action(client, request_id, "file", on=_iso(10), method="email")
    response = _action(client, request_id, "deny", on=_iso(1), exemptions="")
    assert response.status_code == 400
    response = _action(client, request_id, "extend", on=_iso(1))
    assert response.status_code == 422 and "number of days or a new date" in response.get_data(True)
    response = _action(client, request_id, "request_fee", on=_iso(1), amount="-3")
    assert response.status_code == 400
    assert _status(app, request_id) == Status.FILED
    assert (
        client.post(
            f"/requests/{request_id}/actions/explode", data={"csrf_token": csrf_token(client, "/")}
        ).status_code
        == 404
    )


@pytest.mark.usefixtures("editor")
def test_fee_update_refused_when_settled(app: Flask, client: FlaskClient, request_id: int) -> None:
    _action(client, request_id, "file", on=_iso(10), method="email")
    _action(client, request_id, "request_fee", on=_iso(9), amount="10")
    with app.app_context():
        fee_id = services.get_request(db.session, request_id).fees[0].id
    assert (
        _post(
            client, f"/requests/{request_id}/fees/{fee_id}", status="waived", on=_iso(8)
        ).status_code
        == 302
    )
    response = _post(client, f"/requests/{request_id}/fees/{fee_id}", status="paid", on=_iso(7))
    assert response.status_code == 409
    with app.app_context():
        assert services.get_request(db.session, request_id).fees[0].status == FeeStatus.WAIVED
    assert (
        _post(client, f"/requests/{request_id}/fees/999", status="paid", on=_iso(7)).status_code
        == 404
    )


def test_references_tags_assign_rule_and_notes(
    app: Flask, client: FlaskClient, request_id: int, login_as: Callable[[Role], User]
) -> None:
    editor = login_as(Role.EDITOR)
    _action(client, request_id, "file", on=_iso(10), method="email")
    base = f"/requests/{request_id}"
    assert _post(client, f"{base}/references", number="W000123", label="GovQA").status_code == 302
    assert _post(client, f"{base}/tags", tag="Story A").status_code == 302
    assert _post(client, f"{base}/assign", assignee=str(editor.id)).status_code == 302
    assert (
        _post(
            client, f"{base}/rule", days="3", day_type="business", note="Lakeland ordinance"
        ).status_code
        == 302
    )
    assert _post(client, f"{base}/notes", text="called the clerk").status_code == 302
    assert _post(client, f"{base}/assign", assignee="99999").status_code == 400
    page = client.get(base).get_data(as_text=True)
    for text in (
        "W000123",
        "story a",
        editor.email,
        "Lakeland ordinance",
        "called the clerk",
        "3 business days",
    ):
        assert text in page, text
    assert "Story A" not in page.replace("Tagged", "")  # tags are normalised


@pytest.mark.usefixtures("editor")
def test_follow_up_draft_and_record(app: Flask, client: FlaskClient, request_id: int) -> None:
    _action(client, request_id, "file", on=_iso(60), method="email")
    page = client.get(f"/requests/{request_id}/follow-up").get_data(as_text=True)
    assert "Lakeland Police Department" in page and "records@lakeland.example.org" in page
    assert "Florida" in page or "119" in page
    response = _post(client, f"/requests/{request_id}/follow-up", on=_iso(0), note="sent")
    assert response.status_code == 302
    assert "Followed up on" in client.get(f"/requests/{request_id}").get_data(as_text=True)


def test_viewer_sees_no_forms_and_cannot_post(
    app: Flask, client: FlaskClient, request_id: int, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Record what happened" not in page and "Add tag" not in page
    for path in ("actions/file", "tags", "assign", "rule", "references", "follow-up"):
        response = _post(
            client,
            f"/requests/{request_id}/{path}",
            on=_iso(1),
            method="email",
            tag="x",
            number="1",
        )
        assert response.status_code == 403, path
    assert _status(app, request_id) == Status.DRAFT


def test_request_list_filters_and_paging_links(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    with app.app_context():
        for i in range(3):
            make_request(db.session, make_agency(db.session, name=f"Agency {i} PD", state="TX"))
        db.session.commit()
    html = client.get("/requests/?state=TX&page=1").get_data(as_text=True)
    assert "Agency 0 PD" in html and "Download CSV" in html
    assert "/exports/requests.csv?state=TX" in html
    assert "No requests match" in client.get("/requests/?state=CA").get_data(as_text=True)
    assert "No requests match" in client.get("/requests/?overdue=1").get_data(as_text=True)


@pytest.mark.usefixtures("editor")
def test_filing_by_post_keeps_the_confirmation_file(
    app: Flask, client: FlaskClient, request_id: int
) -> None:
    import io

    token = csrf_token(client, f"/requests/{request_id}")
    response = client.post(
        f"/requests/{request_id}/actions/file",
        data={
            "file-on": _iso(3),
            "file-method": "post",
            "file-confirmation": "USPS 9400 1000",
            "file-confirmation_file": (
                io.BytesIO(b"Certified mail receipt 9400 1000"),
                "receipt.txt",
            ),
            "file-csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Filing confirmation: receipt.txt" in page and "USPS 9400 1000" in page
    assert _status(app, request_id) == Status.FILED
