"""The schema comes from Alembic and matches the models exactly."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from foiatrack.domain.search.schema import include_name
from foiatrack.extensions import db


def test_migrations_match_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
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


def test_upgrade_keeps_data_and_downgrades(db_backend: str, tmp_path, monkeypatch) -> None:
    """Migrating a database that already holds requests keeps their reference numbers."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from foiatrack import PROJECT_ROOT, create_app
    from tests.conftest import POSTGRES_URL

    schema = f"ft_migrate_{os.getpid()}"
    if db_backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    else:
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("FOIATRACK_INSTANCE_PATH", str(tmp_path))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    directory = str(PROJECT_ROOT / "migrations")
    try:
        with app.app_context():
            upgrade(directory=directory, revision="0001")
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO jurisdiction (code, name, law_name, citation, day_type, "
                        "rolls_forward, counts_receipt_day, ack_only, rule_summary, appeal_notes, "
                        "source, confidence) VALUES ('MI', 'Michigan', 'FOIA', 'MCL 15.231', "
                        "'business', false, false, true, '', '', '', 'high')"
                    )
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO agency (name, name_key, kind, jurisdiction_id, city, county, "
                        "email, portal_url, address, phone, is_ring_partner, source_url, notes) "
                        "VALUES ('Troy PD', 'troy pd', 'police', 1, '', '', '', '', '', '', true, "
                        "'', '')"
                    )
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO records_request (agency_id, title, status, tracking_number) "
                        "VALUES (1, 'Ring', 'filed', 'FOIA-2026-17')"
                    )
                )
            upgrade(directory=directory)
            with db.engine.connect() as conn:
                rows = conn.execute(
                    sa.text("SELECT request_id, number FROM request_reference")
                ).all()
                flags = conn.execute(
                    sa.text("SELECT due_is_statutory, filing_confirmation FROM records_request")
                ).all()
                second_stage = conn.execute(
                    sa.text(
                        "SELECT decision_days, decision_day_type, decision_from FROM jurisdiction"
                    )
                ).all()
            assert rows == [(1, "FOIA-2026-17")]
            assert [(bool(a), b) for a, b in flags] == [(True, "")]
            # 0008: an existing jurisdiction has no second stage until the CSV is reloaded.
            assert [tuple(r) for r in second_stage] == [(None, None, None)]
            downgrade(directory=directory, revision="0001")
            with db.engine.connect() as conn:
                numbers = (
                    conn.execute(sa.text("SELECT tracking_number FROM records_request"))
                    .scalars()
                    .all()
                )
            assert numbers == ["FOIA-2026-17"]
            db.engine.dispose()
    finally:
        if db_backend == "postgresql":
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
