"""The application factory and configuration order."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from foiatrack import create_app
from foiatrack.config import _main as config_main
from foiatrack.config import ensure_instance, secret_key_path


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "instance"
    monkeypatch.setenv("FOIATRACK_INSTANCE_PATH", str(path))
    for name in list(os.environ):
        if name.startswith("FOIATRACK_") and name != "FOIATRACK_INSTANCE_PATH":
            monkeypatch.delenv(name)
    return path


def test_refuses_to_start_without_secret_key_outside_tests(instance: Path) -> None:
    instance.mkdir()
    with pytest.raises(RuntimeError, match="no SECRET_KEY"):
        create_app()


def test_testing_app_starts_without_secret_key(instance: Path) -> None:
    assert create_app({"TESTING": True}).config["TESTING"] is True


def test_generated_secret_key_is_private_and_kept(instance: Path) -> None:
    assert ensure_instance(instance) is True
    key_file = secret_key_path(instance)
    first = key_file.read_text()
    assert len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert ensure_instance(instance) is False
    assert key_file.read_text() == first
    assert create_app().config["SECRET_KEY"] == first


def test_init_instance_command(instance: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert config_main(["init-instance", str(instance)]) == 0
    assert "Created" in capsys.readouterr().out
    assert config_main(["init-instance", str(instance)]) == 0
    assert "Kept" in capsys.readouterr().out
    assert config_main(["bogus"]) == 2


def test_configuration_order(instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_instance(instance)
    (instance / "config.py").write_text(
        "ORGANISATION_NAME = 'From file'\nSTORAGE_DIR = '/from/file'\nMAX_CONTENT_LENGTH = 5\n"
    )
    app = create_app()
    assert app.config["ORGANISATION_NAME"] == "From file"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'foiatrack.sqlite'}"

    monkeypatch.setenv("FOIATRACK_STORAGE_DIR", "/from/env")
    monkeypatch.setenv("FOIATRACK_MAX_CONTENT_LENGTH", "7")
    monkeypatch.setenv("FOIATRACK_SQLALCHEMY_DATABASE_URI", "sqlite:////tmp/env.sqlite")
    app = create_app()
    assert app.config["STORAGE_DIR"] == "/from/env"
    assert app.config["MAX_CONTENT_LENGTH"] == 7  # JSON-parsed, as Flask documents
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/env.sqlite"
    assert app.config["ORGANISATION_NAME"] == "From file"

    app = create_app({"STORAGE_DIR": "/from/test"})
    assert app.config["STORAGE_DIR"] == "/from/test"


def test_defaults_are_secure(instance: Path) -> None:
    ensure_instance(instance)
    config = create_app().config
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["STORAGE_DIR"] == str(instance / "files")
