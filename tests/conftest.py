"""Fixtures: a fresh app and database per test, on SQLite or PostgreSQL (--db)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from foiatrack import PROJECT_ROOT, create_app
from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.accounts.services import create_user
from foiatrack.domain.jurisdictions.services import load_jurisdictions
from foiatrack.domain.reference import DATA_DIR
from foiatrack.extensions import db
from tests.servers import imap_server, smtp_server  # noqa: F401 - fixtures for every test module

POSTGRES_URL = os.environ.get(
    "FOIATRACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_PASSWORD = "correct horse battery staple"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("FOIATRACK_TEST_DB", "sqlite"),
        help="database to run the suite on (default: sqlite, or $FOIATRACK_TEST_DB)",
    )


def needs_service(reason: str) -> None:
    """A missing service fails the run under CI=true and skips it elsewhere, with the reason."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required service unavailable under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _test_config(database_url: str, instance: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_DIR": str(instance / "files"),
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    }


def _migrate_and_seed(url: str, instance: Path) -> None:
    app = create_app(_test_config(url, instance))
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        load_jurisdictions(db.session, DATA_DIR / "jurisdictions.csv")
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def db_backend(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def database_template(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrated once per test session: a SQLite file to copy, or a PostgreSQL schema to reset."""
    instance = tmp_path_factory.mktemp("template-instance")
    os.environ["FOIATRACK_INSTANCE_PATH"] = str(instance)
    if db_backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.sqlite"
        _migrate_and_seed(f"sqlite:///{path}", instance)
        yield str(path)
        return
    schema = f"ft_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin_engine = sa.create_engine(POSTGRES_URL)
    try:
        with admin_engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin_engine.dispose()
        needs_service(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc.orig}")
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    _migrate_and_seed(url, instance)
    yield url
    with admin_engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin_engine.dispose()


@pytest.fixture
def database_url(db_backend: str, database_template: str, tmp_path: Path) -> str:
    if db_backend == "sqlite":
        path = tmp_path / "foiatrack.sqlite"
        shutil.copyfile(database_template, path)
        return f"sqlite:///{path}"
    return database_template


@pytest.fixture
def app(
    database_url: str, db_backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setenv("FOIATRACK_INSTANCE_PATH", str(instance))
    app = create_app(_test_config(database_url, instance))
    yield app
    with app.app_context():
        db.session.remove()
        if db_backend == "postgresql":
            tables = [
                t.name for t in reversed(db.metadata.sorted_tables) if t.name != "jurisdiction"
            ]
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.Session]:
    """The app's session inside an app context, for calling services directly."""
    with app.app_context():
        yield db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token from a page's form, as a browser would send it back."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(role: Role = Role.VIEWER, email: str | None = None) -> User:
        with app.app_context():
            user = create_user(
                db.session, email or f"{role.value}@example.org", TEST_PASSWORD, role=role
            )
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def login_as(client: FlaskClient, make_user: Callable[..., User]) -> Callable[[Role], User]:
    """Create a user with the role and log the test client in as them."""

    def login(role: Role) -> User:
        user = make_user(role)
        response = client.post(
            "/auth/login",
            data={
                "email": user.email,
                "password": TEST_PASSWORD,
                "csrf_token": csrf_token(client, "/auth/login"),
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login
