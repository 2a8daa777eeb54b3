"""The schema comes from Alembic and matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from foiatrack.extensions import db


def test_migrations_match_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_schema_was_built_by_alembic(app: Flask) -> None:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert "alembic_version" in tables
    assert {
        "agency",
        "jurisdiction",
        "records_request",
        "request_event",
        "user_account",
        "campaign",
    } <= tables
