"""`flask fetch-mail` end to end: Dovecot -> raw messages -> ingest (process_raw) -> routed or
in the inbox; one pass, --watch in a real subprocess, and two processes at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from foiatrack import PROJECT_ROOT
from foiatrack.commands.mail import Backoff
from foiatrack.domain.documents.models import Document, ExtractionStatus
from foiatrack.domain.letters.services import SUBJECT_TAG_FORMAT
from foiatrack.domain.mail.fetching import message_id_of
from foiatrack.domain.mail.models import MailboxState, Message, MessageLink, RawMessage, RawStatus
from tests.factories import make_request
from tests.servers import ImapServer, free_port, make_mail


def _counts(session: Session) -> dict[str, int]:
    session.expire_all()
    rows = session.execute(sa.select(RawMessage.status, sa.func.count()).group_by("status"))
    return {str(status): n for status, n in rows}


def test_no_mailbox_configured(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["fetch-mail"])
    assert result.exit_code == 1
    assert "no mailbox configured: set FOIATRACK_IMAP_HOST" in result.output


def test_bad_setting(app: Flask, runner: FlaskCliRunner) -> None:
    app.config.update(IMAP_HOST="imap.example.org", IMAP_USERNAME="u", IMAP_SSL="sometimes")
    result = runner.invoke(args=["fetch-mail"])
    assert result.exit_code == 1
    assert "IMAP_SSL must be true or false" in result.output


def test_mailbox_unreachable(app: Flask, runner: FlaskCliRunner) -> None:
    app.config.update(
        IMAP_HOST="127.0.0.1",
        IMAP_PORT=free_port(),
        IMAP_USERNAME="u",
        IMAP_SSL=False,
        IMAP_STARTTLS=False,
    )
    result = runner.invoke(args=["fetch-mail"])
    assert result.exit_code == 1
    assert "could not reach the mailbox imap://u@127.0.0.1" in result.output
    assert "connection refused" in result.output


def test_one_pass_routes_replies_and_keeps_the_rest_in_the_inbox(
    app: Flask, runner: FlaskCliRunner, session: Session, imap_server: ImapServer
) -> None:
    request = make_request(session)
    session.commit()
    tagged = make_mail(
        1,
        subject=f"RE: Ring records {SUBJECT_TAG_FORMAT.format(id=request.id)}",
        attachment=b"%PDF-1.4 not really a pdf\n",
    )
    stray = make_mail(2, subject="A question about something else")
    forwarded = make_mail(
        3,
        subject="Fwd: RE: Ring records",
        message_id="<forward@x>",
        body="Reply number 1: we received your request.\r\n",
        attachment=b"%PDF-1.4 not really a pdf\n",
    )
    pdf = make_mail(4, subject="records", attachment=b"%PDF-1.4 another file\n")
    imap_server.append_many("INBOX", [tagged, stray, tagged, pdf])
    app.config.update(imap_server.config(IMAP_PROCESSED_FOLDER="Processed"))

    result = runner.invoke(args=["fetch-mail"])

    assert result.exit_code == 0, result.output
    assert "fetched 4, routed 1, to the inbox 2, duplicates 1, failed 0" in result.output
    links = session.scalars(sa.select(MessageLink)).all()
    assert [link.request_id for link in links] == [request.id]
    assert [link.routed_by for link in links] == ["subject_tag"]
    # The routed reply's file became a document, and its text extraction ran before the
    # command ended (a background thread would have died with it).
    documents = session.scalars(sa.select(Document)).all()
    assert [d.filename for d in documents] == ["records.pdf"]
    assert documents[0].extraction_status != ExtractionStatus.PENDING
    assert "Text extraction of the new files: job" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 3
    assert imap_server.messages() == []
    assert len(imap_server.messages("Processed")) == 4

    # The same reply forwarded with a new Message-ID: other bytes, same content.
    imap_server.append("INBOX", forwarded)
    again = runner.invoke(args=["fetch-mail"])
    assert again.exit_code == 0, again.output
    assert "fetched 1, routed 0, to the inbox 0, duplicates" in again.output
    assert _counts(session)[RawStatus.DUPLICATE] == 2
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 3

    nothing = runner.invoke(args=["fetch-mail"])
    assert "fetched 0, routed 0, to the inbox 0, duplicates 0, failed 0" in nothing.output


def test_a_locked_mailbox_is_skipped(
    app: Flask, runner: FlaskCliRunner, session: Session, imap_server: ImapServer
) -> None:
    import datetime as dt

    imap_server.append("INBOX", make_mail(1))
    app.config.update(imap_server.config())
    settings_name = f"imap://{imap_server.user}@127.0.0.1:{imap_server.port}/INBOX"
    session.add(
        MailboxState(
            mailbox=settings_name,
            locked_by="cron@other-host",
            locked_until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
        )
    )
    session.commit()

    result = runner.invoke(args=["fetch-mail"])

    assert result.exit_code == 0, result.output
    assert "another poller (cron@other-host) is fetching" in result.output
    assert "fetched 0," in result.output
    assert _counts(session) == {}


def _env(app: Flask, imap_server: ImapServer, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "FOIATRACK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "FOIATRACK_STORAGE_DIR": app.config["STORAGE_DIR"],
            "FOIATRACK_SECRET_KEY": "test-secret",
            "FOIATRACK_IMAP_HOST": imap_server.host,
            "FOIATRACK_IMAP_PORT": str(imap_server.port),
            "FOIATRACK_IMAP_USERNAME": imap_server.user,
            "FOIATRACK_IMAP_PASSWORD": imap_server.password,
            "FOIATRACK_IMAP_SSL": "false",
            "FOIATRACK_IMAP_STARTTLS": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


FLASK = [sys.executable, "-m", "flask", "--app", "foiatrack", "fetch-mail"]


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow
def test_watch_ingests_new_mail_reconnects_and_stops_cleanly_on_sigterm(
    app: Flask, session: Session, imap_server: ImapServer, tmp_path: Path
) -> None:
    imap_server.append("INBOX", make_mail(1))
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        watcher = subprocess.Popen(
            # A long interval: mail noticed within seconds was announced by IDLE, not polled.
            [*FLASK, "--watch", "--interval", "600"],
            cwd=PROJECT_ROOT,
            env=_env(app, imap_server),
            stdout=stdout,
            stderr=stderr,
        )
    try:
        _wait_for(lambda: _counts(session).get(RawStatus.DONE) == 1, "the first message")
        # Under IDLE: a new message is noticed without polling.
        started = time.monotonic()
        imap_server.append("INBOX", make_mail(2))
        _wait_for(lambda: _counts(session).get(RawStatus.DONE) == 2, "mail during IDLE")
        assert time.monotonic() - started < 15
        # The server drops the connection: the watcher logs it, reconnects, carries on.
        imap_server.kick()
        _wait_for(lambda: "trying again in" in err.read_text(), "the failure to be logged")
        imap_server.append("INBOX", make_mail(3))
        _wait_for(lambda: _counts(session).get(RawStatus.DONE) == 3, "mail after reconnecting")
    finally:
        watcher.send_signal(signal.SIGTERM)
        code = watcher.wait(timeout=30)
    output = out.read_text()
    assert code == 0, output + err.read_text()
    assert "watching imap://" in output
    assert output.rstrip().endswith("stopped.")
    assert "Traceback" not in err.read_text()
    state = session.scalars(sa.select(MailboxState)).one()
    assert state.locked_until is None  # the lease was given back on the way out
    assert sorted(r.message_id_header for r in session.scalars(sa.select(RawMessage))) == sorted(
        message_id_of(make_mail(i)) for i in (1, 2, 3)
    )


@pytest.mark.slow
def test_watch_stops_on_sigint_while_waiting_to_reconnect(
    app: Flask, imap_server: ImapServer, tmp_path: Path
) -> None:
    # An unreachable server: the watcher is in its backoff sleep when the signal comes.
    env = _env(app, imap_server, FOIATRACK_IMAP_PORT=str(free_port()))
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        watcher = subprocess.Popen(
            [*FLASK, "--watch"], cwd=PROJECT_ROOT, env=env, stdout=stdout, stderr=stderr
        )
    try:
        # Backoff: tried at once, then after about 1 s, then about 2 s.
        _wait_for(lambda: err.read_text().count("connection refused") >= 2, "a second attempt")
    finally:
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(timeout=30)
    assert code == 0, err.read_text()
    assert "trying again in" in err.read_text()
    assert "Traceback" not in err.read_text()
    assert out.read_text().rstrip().endswith("stopped.")


@pytest.mark.slow
def test_two_processes_at_once(app: Flask, session: Session, imap_server: ImapServer) -> None:
    sent = [make_mail(i) for i in range(40)]
    imap_server.append_many("INBOX", sent)
    env = _env(app, imap_server)
    runs = [
        subprocess.Popen(
            FLASK, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    fetched = 0
    for stdout, _ in outputs:
        text = stdout.decode()
        fetched += int(text.split("fetched ")[1].split(",")[0])
    assert fetched == 40
    rows = list(session.scalars(sa.select(RawMessage)))
    assert sorted(r.message_id_header for r in rows) == sorted(message_id_of(m) for m in sent)
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 40


def test_backoff_doubles_to_five_minutes_with_jitter() -> None:
    backoff = Backoff()
    delays = [backoff.next() for _ in range(12)]
    for delay, base in zip(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300], strict=True):
        assert 0.8 * base <= delay <= 1.2 * base
    backoff.reset()
    assert backoff.next() <= 1.2


def test_fetch_mail_is_registered(app: Flask) -> None:
    assert "fetch-mail" in app.cli.commands


def test_fetching_from_the_inbox_page_is_a_job_with_progress(
    app, client, imap_server, login_as
) -> None:
    from foiatrack.domain.accounts.models import Role
    from foiatrack.domain.mail.models import Message
    from foiatrack.extensions import db
    from tests.conftest import csrf_token
    from tests.mail_samples import sample

    app.config.update(
        imap_server.config(), JOB_RUNNER="inline", MAIL_FROM="records@newsroom.example.org"
    )
    for name in ("govqa_portal.eml", "latin1.eml"):
        imap_server.append("INBOX", sample(name))
    login_as(Role.EDITOR)
    response = client.post("/inbox/fetch", data={"csrf_token": csrf_token(client, "/inbox/")})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = client.get(response.headers["Location"] + ".json").get_json()
    assert job["status"] == "done" and (job["done"], job["total"]) == (2, 2)
    assert job["result"]["summary"].startswith("fetched 2")
    with app.app_context():
        assert db.session.query(Message).count() == 2
    viewer_page = client.get("/inbox/").get_data(as_text=True)
    assert "Fetch new replies now" in viewer_page
