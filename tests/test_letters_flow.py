"""Letters end to end: draft a campaign, review and edit, file by e-mail through a real SMTP
server (with faults injected), file by other means, ZIP, and the CLI."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from foiatrack.adapters import blob_store
from foiatrack.adapters.text_extraction import docx_text, pdf_text, text_matches
from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.letters import services as letters
from foiatrack.domain.letters.models import FiledLetter, Letter, OutboundMessage, SnapshotViolation
from foiatrack.domain.reference import load_reference_data
from foiatrack.domain.requests.models import RecordsRequest, Status
from foiatrack.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_agency
from tests.servers import SmtpServer

PROFILE = letters.ProfileFields(
    name="Jordan Reyes",
    organisation="Open Records Project",
    address="1 Example Ave\nChicago, IL 60601",
    email="jordan@example.org",
    signature="Jordan Reyes, reporter",
)


@pytest.fixture
def setup(app: Flask) -> None:
    app.config["JOB_RUNNER"] = "inline"
    with app.app_context():
        load_reference_data(db.session)
        letters.save_profile(db.session, None, PROFILE)
        db.session.commit()


def _agency_ids(app: Flask, state: str) -> list[int]:
    with app.app_context():
        from foiatrack.domain.agencies.models import Agency

        return list(
            db.session.scalars(
                select(Agency.id)
                .join(Agency.jurisdiction)
                .where(Agency.is_ring_partner.is_(True))
                .where(Agency.jurisdiction.has(code=state))
                .order_by(Agency.id)
            )
        )


def _draft(runner: FlaskCliRunner, *args: str) -> list[dict]:
    result = runner.invoke(args=["draft", "--template", "ring_request", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("setup")
def test_draft_cli_for_ring_partners_in_a_state(app: Flask, runner: FlaskCliRunner) -> None:
    drafted = _draft(runner, "--state", "PA", "--ring-partners", "--campaign", "Ring PA")
    assert len(drafted) == 6 and {"id", "agency_id"} <= drafted[0].keys()
    assert sorted(d["agency_id"] for d in drafted) == _agency_ids(app, "PA")
    again = _draft(runner, "--state", "PA", "--ring-partners", "--campaign", "Ring PA")
    assert again == []  # agencies already in the campaign are not drafted twice
    with app.app_context():
        letter = db.session.scalar(select(Letter).where(Letter.request_id == drafted[0]["id"]))
        assert "Right-to-Know Law (RTKL) (65 P.S. § 67.101 et seq.)" in letter.body
        assert letter.subject.startswith(f"[FOIA FT-{drafted[0]['id']}]")
    bad = runner.invoke(args=["draft", "--template", "nope", "--state", "PA"])
    assert bad.exit_code == 1 and "no letter template 'nope'" in bad.output
    usage = runner.invoke(args=["draft", "--template", "ring_request"])
    assert usage.exit_code == 2


@pytest.mark.usefixtures("setup")
def test_render_cli_writes_pdf_and_docx(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    (request,) = _draft(runner, "--agency", str(_agency_ids(app, "OR")[0]))
    for fmt in ("pdf", "docx"):
        out = tmp_path / f"letter.{fmt}"
        result = runner.invoke(
            args=["render", str(request["id"]), "--format", fmt, "--output", str(out)]
        )
        assert result.exit_code == 0, result.output
        text = pdf_text(out.read_bytes()) if fmt == "pdf" else docx_text(out.read_bytes())
        assert "Tigard Police Department" in text and "Neighbors" in text
        assert "Oregon" in text or "ORS 192" in text
    assert (
        runner.invoke(
            args=["render", "9999", "--format", "pdf", "--output", str(tmp_path / "x.pdf")]
        ).exit_code
        == 1
    )


def _with_emails(app: Flask, request_ids: list[int]) -> None:
    with app.app_context():
        for i, request_id in enumerate(request_ids):
            request = db.session.get(RecordsRequest, request_id)
            request.agency.email = f"records{i}@agency{i}.example.org"
        db.session.commit()


@pytest.mark.usefixtures("setup")
def test_send_by_email_through_real_smtp(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer
) -> None:
    app.config.update(smtp_server.config())
    drafted = _draft(runner, "--state", "IL", "--ring-partners", "--campaign", "Ring IL")
    ids = [d["id"] for d in drafted]
    _with_emails(app, ids[:3])  # the fourth agency has no e-mail address
    result = runner.invoke(args=["send", "--campaign", "Ring IL"])
    assert result.exit_code == 1, result.output  # one request could not be sent
    assert "3 sent" in result.stdout and "no e-mail address" in result.output
    assert len(smtp_server.received) == 3
    mail = smtp_server.received[0]
    message = mail.message
    with app.app_context():
        request = db.session.get(RecordsRequest, ids[0])
        outbound = db.session.scalar(
            select(OutboundMessage).where(OutboundMessage.request_id == request.id)
        )
        assert request.status == Status.FILED and request.filed_on is not None
        assert request.due_on is not None
        assert message["Message-ID"] == outbound.message_id
        assert message["From"].addresses[0].addr_spec == f"foia+{request.reply_token}@example.org"
        assert message["Reply-To"] == f"foia+{request.reply_token}@example.org"
        assert mail.rcpt_tos == ["records0@agency0.example.org"]
        assert f"[FOIA FT-{request.id}]" in message["Subject"]
        body = message.get_body(("plain",)).get_content()
        assert request.agency.name in body and "Neighbors" in body
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        pdf = attachment.get_content()
        filed = db.session.scalar(select(FiledLetter).where(FiledLetter.request_id == request.id))
        assert blob_store(app.config).get(filed.pdf_sha256) == pdf  # the snapshot is what went
        assert text_matches(
            pdf_text(pdf), filed.text, allow_wraps=True
        ) or request.agency.name in pdf_text(pdf)
        assert "Jordan Reyes" in filed.text
        assert len(filed.template_sha256) == 64
    again = runner.invoke(args=["send", "--campaign", "Ring IL"])
    assert "3 skipped" in again.stdout  # never sent twice
    assert len(smtp_server.received) == 3


@pytest.mark.usefixtures("setup")
def test_refused_and_dropped_sends_resume(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer
) -> None:
    app.config.update(smtp_server.config())
    drafted = _draft(runner, "--state", "MI", "--ring-partners", "--campaign", "Ring MI")
    ids = [d["id"] for d in drafted][:4]
    _with_emails(app, ids)
    smtp_server.refuse("records1@agency1.example.org")
    result = runner.invoke(args=["send", *map(str, ids)])
    assert result.exit_code == 1 and "3 sent" in result.stdout and "1 failed" in result.stdout
    assert "records1@agency1.example.org" in result.output
    with app.app_context():
        refused = db.session.get(RecordsRequest, ids[1])
        assert refused.status == Status.DRAFT  # left unsent, with the error shown
        outbound = db.session.scalar(
            select(OutboundMessage).where(OutboundMessage.request_id == ids[1])
        )
        assert outbound.status == "failed" and "550" in outbound.last_error
    smtp_server.handler.refused.clear()
    smtp_server.drop_connection_on_data()
    result = runner.invoke(args=["send", *map(str, ids)])
    assert "failed" in result.output and result.exit_code == 1
    smtp_server.handler.drop_on_data = False
    result = runner.invoke(args=["send", *map(str, ids)])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.stdout and "3 skipped" in result.stdout
    recipients = sorted(m.rcpt_tos[0] for m in smtp_server.received)
    assert recipients == sorted({f"records{i}@agency{i}.example.org" for i in range(4)})


@pytest.mark.usefixtures("setup")
def test_interrupted_send_is_not_repeated_without_a_person(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer
) -> None:
    app.config.update(smtp_server.config())
    (request,) = _draft(runner, "--agency", str(_agency_ids(app, "OR")[0]))
    _with_emails(app, [request["id"]])
    with app.app_context():  # a run that crashed after recording the attempt
        req = db.session.get(RecordsRequest, request["id"])
        from foiatrack.domain.mail.outbound import plan_send

        plan_send(
            db.session, req, letters.current_letter(db.session, req), mail_from="foia@example.org"
        )
        db.session.commit()
    result = runner.invoke(args=["send", str(request["id"])])
    assert result.exit_code == 1 and "interrupted" in result.output
    assert smtp_server.received == []
    result = runner.invoke(args=["send", str(request["id"]), "--resend-interrupted"])
    assert result.exit_code == 0 and len(smtp_server.received) == 1


@pytest.mark.usefixtures("setup")
def test_send_without_smtp_is_a_clear_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["send", "1"])
    assert result.exit_code == 1 and "SMTP_HOST" in result.output


@pytest.mark.usefixtures("setup")
def test_campaign_in_the_browser(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    response = client.post(
        "/campaigns/new",
        data={
            "name": "Ring FL 2026",
            "template": "ring_request",
            "state": "FL",
            "ring_partners": "y",
            "since": "2019-01-01",
            "csrf_token": csrf_token(client, "/campaigns/new"),
        },
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "done" in job_page and "Continue" in job_page
    campaign_url = re.search(r'href="(/campaigns/\d+)"', job_page).group(1)
    page = client.get(campaign_url).get_data(as_text=True)
    assert page.count("Preview") == 5 and "No e-mail address" in page
    request_id = int(re.search(r"/letters/request/(\d+)", page).group(1))
    letter_url = f"/letters/request/{request_id}"
    page = client.get(letter_url).get_data(as_text=True)
    assert "January 1, 2019" in page and "Florida" in page
    response = client.post(
        letter_url,
        data={
            "subject": "Edited subject",
            "body": "Dear officer,\n\nPlease send **everything**.",
            "csrf_token": csrf_token(client, letter_url),
        },
    )
    assert response.status_code == 302
    page = client.get(letter_url).get_data(as_text=True)
    assert "edited by hand" in page and "<strong>everything</strong>" in page
    pdf = client.get(f"{letter_url}/letter.pdf")
    assert pdf.mimetype == "application/pdf" and "everything" in pdf_text(pdf.data)
    docx = client.get(f"{letter_url}/letter.docx")
    assert "Please send everything." in docx_text(docx.data)
    # filing by portal freezes the letter
    response = client.post(
        f"/requests/{request_id}/actions/file",
        data={
            "file-on": "2026-11-02",
            "file-method": "portal",
            "file-confirmation": "W012345",
            "file-csrf_token": csrf_token(client, f"/requests/{request_id}"),
        },
    )
    assert response.status_code == 302
    response = client.post(
        letter_url, data={"subject": "x", "body": "y", "csrf_token": csrf_token(client, letter_url)}
    )
    assert response.status_code == 409  # what was filed cannot change
    with app.app_context():
        filed = db.session.scalar(select(FiledLetter).where(FiledLetter.request_id == request_id))
        assert filed.extra == {"method": "portal", "confirmation": "W012345"}
        assert "everything" in filed.text
        filed.text = "tampered"
        with pytest.raises(SnapshotViolation):
            db.session.flush()
        db.session.rollback()
    # the ZIP of the campaign's letters
    response = client.post(
        f"{campaign_url}/letters.zip", data={"csrf_token": csrf_token(client, campaign_url)}
    )
    job_url = response.headers["Location"]
    with client.get(f"{job_url}/download") as download:
        assert download.status_code == 200
        names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert len(names) == 10 and sum(n.endswith(".pdf") for n in names) == 5


@pytest.mark.usefixtures("setup")
def test_campaign_form_refuses_bad_choices(
    client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    token = csrf_token(client, "/campaigns/new")
    response = client.post(
        "/campaigns/new",
        data={
            "name": "X",
            "template": "ring_request",
            "agency_ids": "1, 99999",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422 and "No agency with id 99999" in response.get_data(True)
    response = client.post(
        "/campaigns/new",
        data={
            "name": "X",
            "template": "ring_request",
            "csrf_token": token,
            "agency_csv": (io.BytesIO(b"name,state\nNowhere PD,MI\n"), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "line 2: no such agency" in response.get_data(True)
    response = client.post(
        "/campaigns/new",
        data={"name": "X", "template": "ring_request", "state": "", "csrf_token": token},
    )
    assert response.status_code == 422


@pytest.mark.usefixtures("setup")
def test_template_editing_preview_and_errors(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    token = csrf_token(client, "/letters/new")
    base = {
        "slug": "short_request",
        "title": "Short request",
        "kind": "request",
        "subject": "{{ request.subject_tag }} Records",
        "csrf_token": token,
    }
    cases = {
        "Hello {{ agency.name }": "unexpected",
        "Hello {{ agency.nmae }}": "agency.nmae",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}": "unsafe",
    }
    for body, message in cases.items():
        response = client.post("/letters/new", data={**base, "body": body, "action": "save"})
        assert response.status_code == 422, body
        assert message in response.get_data(as_text=True), body
    response = client.post(
        "/letters/new",
        data={
            **base,
            "body": "Dear {{ agency.name }},\n\nUnder {{ jurisdiction.citation }}, please.",
            "action": "preview",
        },
    )
    assert response.status_code == 200 and "Springfield Police Department" in response.get_data(
        True
    )
    response = client.post(
        "/letters/new",
        data={
            **base,
            "body": "Dear {{ agency.name }},\n\nUnder {{ jurisdiction.citation }}, please.",
            "action": "save",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/letters/short_request",
        data={
            **base,
            "body": "Dear {{ agency.name }},\n\nPlease.",
            "note": "shorter",
            "action": "save",
        },
    )
    page = client.get("/letters/short_request").get_data(as_text=True)
    assert "Version 2" in page and "shorter" in page
    assert "Under" in client.get("/letters/short_request/versions/1").get_data(as_text=True)


def test_hostile_agency_names_stay_literal(app: Flask, runner: FlaskCliRunner) -> None:
    app.config["JOB_RUNNER"] = "inline"
    with app.app_context():
        load_reference_data(db.session)
        letters.save_profile(db.session, None, PROFILE)
        hostile = make_agency(
            db.session,
            state="CA",
            name="<script>alert(1)</script> *Police* [x](javascript:alert(1))",
        )
        long_name = make_agency(db.session, state="CA", name="Полиция " + "x" * 280)
        db.session.commit()
        ids = [hostile.id, long_name.id]
    drafted = _draft(runner, "--agency", str(ids[0]), "--agency", str(ids[1]))
    for request in drafted:
        with app.app_context():
            req = db.session.get(RecordsRequest, request["id"])
            letter = letters.current_letter(db.session, req)
            frame = letters.letter_frame(letter, today=req.created_at.date())
            from foiatrack.adapters import letter_renderers

            text = docx_text(letter_renderers().docx.render(frame))
            assert req.agency.name in text
            pdf = pdf_text(letter_renderers().pdf.render(frame))
            # a long name wraps in the PDF: compare without line breaks
            assert req.agency.name.replace(" ", "") in pdf.replace("\n", "").replace(" ", "")


def test_parallel_rendering_keeps_the_order() -> None:
    from foiatrack.domain.letters.context import frame_from_context, sample_context
    from foiatrack.domain.letters.document import parse_markdown
    from foiatrack.tasks import render_many

    frames = [
        frame_from_context(
            sample_context(), subject=f"Letter {i}", body=parse_markdown(f"Paragraph number {i}.")
        )
        for i in range(10)
    ]
    seen: list[int] = []
    rendered = list(render_many(frames, workers=2, progress=seen.append))
    assert seen == list(range(1, 11))
    for i, (pdf, docx) in enumerate(rendered):
        assert f"Paragraph number {i}." in pdf_text(pdf)
        assert f"Paragraph number {i}." in docx_text(docx)


@pytest.mark.usefixtures("setup")
def test_preview_a_template_for_any_agency(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    agency_id = _agency_ids(app, "OR")[0]
    page = client.get(f"/letters/ring_request?agency={agency_id}").get_data(as_text=True)
    assert "Preview for Tigard Police Department" in page
    assert "ORS 192" in page and "Springfield" not in page.split("Preview for")[1]
    assert "Preview the Ring request letter" in client.get(f"/agencies/{agency_id}").get_data(
        as_text=True
    )


@pytest.mark.usefixtures("setup")
def test_live_preview_endpoint(client: FlaskClient, login_as: Callable[[Role], User]) -> None:
    login_as(Role.EDITOR)
    token = csrf_token(client, "/letters/new")
    ok = client.post(
        "/letters/preview",
        data={"subject": "Hi", "body": "Dear {{ agency.name }}, <b>bold</b>", "csrf_token": token},
    )
    assert "Springfield Police Department" in ok.get_json()["html"]
    assert "<b>bold</b>" not in ok.get_json()["html"]  # raw HTML in a template stays text
    bad = client.post(
        "/letters/preview", data={"subject": "Hi", "body": "{{ nope }}", "csrf_token": token}
    ).get_json()
    assert bad["html"] == "" and "nope" in bad["error"]
    assert client.post("/letters/preview", data={"subject": "x", "body": "y"}).status_code == 400
