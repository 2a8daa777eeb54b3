"""The command line: init-db, users, agency import and listing."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.accounts.services import authenticate
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.requests.models import RecordsRequest
from foiatrack.extensions import db

FBI_SAMPLE = Path(__file__).resolve().parent / "data" / "fbi_cde_agencies_sample.csv"


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_init_db_is_idempotent(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["init-db", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Demo campaign loaded" in first.output
    counts = (_count(app, Agency), _count(app, RecordsRequest))
    assert counts == (30, 30)
    second = runner.invoke(args=["init-db", "--demo"])
    assert second.exit_code == 0, second.output
    assert "30 unchanged" in second.output and "Demo campaign loaded" not in second.output
    assert (_count(app, Agency), _count(app, RecordsRequest)) == counts


def test_create_user_from_stdin(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "Ed@Example.org", "--role", "editor", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created ed@example.org (editor)" in result.output
    with app.app_context():
        user = authenticate(db.session, "ed@example.org", "a long enough secret")
        assert user is not None and user.role == Role.EDITOR


def test_create_user_errors_exit_non_zero(app: Flask, runner: FlaskCliRunner) -> None:
    short = runner.invoke(
        args=["create-user", "a@example.org", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1 and "at least 10" in short.output
    bad_role = runner.invoke(
        args=["create-user", "a@example.org", "--role", "boss", "--password-stdin"],
        input="long enough pw\n",
    )
    assert bad_role.exit_code == 2
    assert _count(app, User) == 0


def test_create_user_prompts_for_password(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "v@example.org"], input="a long enough secret\na long enough secret\n"
    )
    assert result.exit_code == 0, result.output
    assert _count(app, User) == 1


def test_bootstrap_admin_prints_the_password_once(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["bootstrap-admin"])
    assert first.exit_code == 0, first.output
    saved = Path(app.instance_path) / "initial-admin-password.txt"
    email, password = saved.read_text().split()
    assert password in first.output and email == "admin@example.org"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    with app.app_context():
        assert authenticate(db.session, email, password).role == Role.ADMIN
    second = runner.invoke(args=["bootstrap-admin"])
    assert second.exit_code == 0
    assert password not in second.output and "exists already" in second.output
    assert _count(app, User) == 1


def test_import_agencies_dry_run_then_real(app: Flask, runner: FlaskCliRunner) -> None:
    dry = runner.invoke(args=["import-agencies", str(FBI_SAMPLE), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "14 would be created" in dry.output and "Nothing was imported" in dry.output
    assert _count(app, Agency) == 0
    real = runner.invoke(args=["import-agencies", str(FBI_SAMPLE)])
    assert real.exit_code == 0 and "14 were created" in real.output
    assert _count(app, Agency) == 14


def test_import_agencies_bad_file(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name,state\nGood PD,MI\n,MI\nOther PD,QQ\n")
    result = runner.invoke(args=["import-agencies", str(bad)])
    assert result.exit_code == 1
    assert "line 3: name is missing" in result.output
    assert "line 4: state 'QQ'" in result.output
    assert _count(app, Agency) == 0
    missing = runner.invoke(args=["import-agencies", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2


def test_agencies_json(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["init-db"])
    result = runner.invoke(args=["agencies", "--state", "or", "--ring-partners", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["name"] for r in rows] == ["Tigard Police Department"]
    assert {"id", "name", "state", "city", "email", "ring_partner"} <= rows[0].keys()
    assert rows[0]["state"] == "OR" and rows[0]["ring_partner"] is True
    text = runner.invoke(args=["agencies", "--state", "MI"])
    assert "9 agencies" in text.output and "[Ring partner]" in text.output
