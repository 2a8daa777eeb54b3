"""`flask remind`: printed digests, and mail to each assignee through a real SMTP server."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

from flask import Flask
from flask.testing import FlaskCliRunner

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.accounts.services import create_user
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod
from foiatrack.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import make_agency, make_request
from tests.servers import SmtpServer

TODAY = dt.date(2026, 3, 16)
ARGS = ["remind", "--today", TODAY.isoformat()]


def _seed(app: Flask) -> dict[str, int]:
    """Ann: 2 overdue, 1 due soon; Bob: 1 due soon; nobody: 1 overdue; an admin, Ada."""
    with app.app_context():
        s = db.session
        ann = create_user(s, "ann@example.org", TEST_PASSWORD, role=Role.EDITOR, name="Ann Lee")
        bob = create_user(s, "bob@example.org", TEST_PASSWORD, role=Role.EDITOR)
        create_user(s, "ada@example.org", TEST_PASSWORD, role=Role.ADMIN, name="Ada")
        troy = make_agency(s, name="Troy Police Department", state="MI")
        ids = {}
        for key, due, who in (
            ("ann_late", -10, ann),
            ("ann_later", -2, ann),
            ("ann_soon", 3, ann),
            ("bob_soon", 6, bob),
            ("nobody_late", -1, None),
            ("far_away", 30, bob),
        ):
            req = make_request(s, troy)
            clock = Clock(today=TODAY, on=TODAY - dt.timedelta(days=60))
            lifecycle.file_request(s, req, actor=None, clock=clock, method=FilingMethod.EMAIL)
            lifecycle.set_due_date(
                s,
                req,
                actor=None,
                clock=clock,
                due_on=TODAY + dt.timedelta(days=due),
                note="agreed",
            )
            if who is not None:
                lifecycle.assign(s, req, who, actor=None)
            ids[key] = req.id
        db.session.commit()
        return ids


def test_prints_every_digest_without_smtp(app: Flask, runner: FlaskCliRunner) -> None:
    app.config["BASE_URL"] = "https://foia.example.org"
    ids = _seed(app)

    result = runner.invoke(args=ARGS)

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("=" * 72) == 4  # three digests, each opened, and the closing line
    assert "To: Ann Lee <ann@example.org>" in out
    assert "Subject: foiatrack: 2 overdue, 1 due within 7 days" in out
    assert "To: bob@example.org" in out
    assert "To: admins (unassigned requests)" in out
    assert f"https://foia.example.org/requests/{ids['ann_late']}" in out
    assert f"/requests/{ids['far_away']}" not in out
    assert out.index("To: Ann") < out.index("To: bob") < out.index("To: admins")
    assert out.rstrip().splitlines()[-1] == (
        "3 digest(s) printed (SMTP_HOST is unset, nothing was mailed): "
        "3 overdue, 2 due within 7 days."
    )


def test_mails_each_assignee_through_smtp(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer
) -> None:
    app.config.update(smtp_server.config(), BASE_URL="https://foia.example.org")
    ids = _seed(app)

    result = runner.invoke(args=ARGS)

    assert result.exit_code == 0, result.output
    assert "Mailed ann@example.org: 2 overdue, 1 due soon." in result.stdout
    assert "Mailed ada@example.org (unassigned requests): 1 overdue, 0 due soon." in (result.stdout)
    assert result.stdout.rstrip().endswith("3 mailed, 0 failed.")
    mails = {m.rcpt_tos[0]: m for m in smtp_server.received}
    assert sorted(mails) == ["ada@example.org", "ann@example.org", "bob@example.org"]
    assert all(len(m.rcpt_tos) == 1 for m in mails.values())

    ann = mails["ann@example.org"]
    assert ann.mail_from == "foia@example.org"
    assert ann.message["From"] == "foiatrack <foia@example.org>"
    assert ann.message["To"] == "Ann Lee <ann@example.org>"
    assert ann.message["Subject"] == "foiatrack: 2 overdue, 1 due within 7 days"
    assert ann.message["Message-ID"].endswith("@example.org>")
    assert ann.message["Auto-Submitted"] == "auto-generated"
    sent = parsedate_to_datetime(ann.message["Date"])
    assert abs(sent - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    body = ann.message.get_content()
    assert "Requests assigned to Ann Lee, as of 2026-03-16." in body
    assert body.index(f"#{ids['ann_late']} ") < body.index(f"#{ids['ann_later']} ")
    assert f"https://foia.example.org/requests/{ids['ann_soon']}" in body
    assert f"/requests/{ids['bob_soon']}" not in body

    ada = mails["ada@example.org"].message
    assert ada["Subject"] == "foiatrack (unassigned requests): 1 overdue, 0 due within 7 days"
    assert f"/requests/{ids['nobody_late']}" in ada.get_content()
    assert len({m.message["Message-ID"] for m in mails.values()}) == 3


def test_a_refused_recipient_fails_the_run_but_not_the_others(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer
) -> None:
    app.config.update(smtp_server.config())
    _seed(app)
    smtp_server.refuse("ann@example.org")

    result = runner.invoke(args=ARGS)

    assert result.exit_code == 1
    assert "Could not mail ann@example.org:" in result.stderr
    assert "550" in result.stderr
    assert "Mailed bob@example.org" in result.stdout
    assert "2 mailed, 1 failed." in result.stdout
    assert sorted(m.rcpt_tos[0] for m in smtp_server.received) == [
        "ada@example.org",
        "bob@example.org",
    ]


def test_print_flag_prints_even_with_smtp(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer
) -> None:
    app.config.update(smtp_server.config())
    _seed(app)

    result = runner.invoke(args=[*ARGS, "--print", "--days", "3"])

    assert result.exit_code == 0, result.output
    assert "printed (--print): 3 overdue, 1 due within 3 days." in result.stdout
    assert smtp_server.received == []


def test_nothing_to_report(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["remind", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Nothing overdue or due within 7 days.\n"


def test_smtp_without_mail_from_is_an_error(
    app: Flask, runner: FlaskCliRunner, smtp_server: SmtpServer
) -> None:
    app.config.update(smtp_server.config(), MAIL_FROM=None)
    _seed(app)

    result = runner.invoke(args=ARGS)

    assert result.exit_code == 1
    assert "MAIL_FROM" in result.stderr
    assert smtp_server.received == []
