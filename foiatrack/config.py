"""Configuration: defaults, then instance/config.py, then FOIATRACK_* variables, then tests.

Run `python -m foiatrack.config init-instance` (make run does) to create the instance folder
and a random SECRET_KEY in it.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name


class Defaults:
    SQLALCHEMY_DATABASE_URI: str | None = None  # set from the instance path in load_config
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    STORAGE_DIR: str | None = None  # instance/files unless set
    #: the largest request body (several files uploaded at once)
    MAX_CONTENT_LENGTH = 200 * 1024 * 1024
    #: the largest single uploaded file
    MAX_UPLOAD_SIZE = 100 * 1024 * 1024
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: long forms do not expire
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: attempts per client address and per account
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    ORGANISATION_NAME = "foiatrack"
    #: where long jobs run: "thread" (in the web process), "rq" (python -m foiatrack.worker)
    JOB_RUNNER = "thread"
    REDIS_URL = "redis://127.0.0.1:6379/0"
    #: where links in e-mails point; set it to the public address behind the proxy
    BASE_URL = "http://127.0.0.1:5000"
    #: outgoing mail (reminders, letters); no mail is sent while SMTP_HOST is unset
    SMTP_HOST: str | None = None
    SMTP_PORT = 587
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = True
    #: TLS from the first byte (usually port 465) instead of STARTTLS
    SMTP_SSL = False
    SMTP_TIMEOUT = 30
    MAIL_FROM: str | None = None
    #: how long (seconds) a worker may reuse a built dashboard; every view still checks that no
    #: request, agency, campaign or user changed since. 0 rebuilds it on every view.
    DASHBOARD_CACHE_SECONDS = 60


def secret_key_path(instance_path: str | os.PathLike[str]) -> Path:
    return Path(instance_path) / SECRET_KEY_FILE


def ensure_instance(instance_path: str | os.PathLike[str]) -> bool:
    """Create the instance folder and a secret key file if missing; True when a key was made."""
    path = Path(instance_path)
    path.mkdir(parents=True, exist_ok=True)
    key_file = secret_key_path(path)
    if key_file.exists():
        return False
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return True


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill app.config in the documented order and refuse to run without a secret key."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    key_file = secret_key_path(app.instance_path)
    if not app.config.get("SECRET_KEY") and key_file.exists():
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    app.config.from_prefixed_env("FOIATRACK")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path, 'foiatrack.sqlite')}"
        )
    if not app.config.get("STORAGE_DIR"):
        app.config["STORAGE_DIR"] = str(Path(app.instance_path, "files"))
    if not app.config.get("SECRET_KEY") and not app.config.get("TESTING"):
        raise RuntimeError(
            "foiatrack has no SECRET_KEY. Run `make run` (or `python -m foiatrack.config "
            "init-instance`) to generate one in the instance folder, or set FOIATRACK_SECRET_KEY."
        )


def _main(argv: list[str]) -> int:
    if argv[:1] != ["init-instance"] or len(argv) > 2:
        print("usage: python -m foiatrack.config init-instance [INSTANCE_PATH]", file=sys.stderr)
        return 2
    instance = (
        argv[1]
        if len(argv) == 2
        else os.environ.get(
            "FOIATRACK_INSTANCE_PATH", str(Path(__file__).resolve().parent.parent / "instance")
        )
    )
    made = ensure_instance(instance)
    print(f"{'Created' if made else 'Kept'} the secret key in {secret_key_path(instance)}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
