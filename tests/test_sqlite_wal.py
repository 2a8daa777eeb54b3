"""SQLite runs in write-ahead-log mode: readers are not blocked by a writer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from foiatrack import create_app
from foiatrack.extensions import db


def test_sqlite_databases_use_the_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    )
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.commit()
        # a writer holds an open transaction; another connection still reads
        with db.engine.connect() as writer:
            writer.execute(text("INSERT INTO t VALUES (2)"))
            reader = sqlite3.connect(path, timeout=0.1)
            try:
                assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)
            finally:
                reader.close()
            writer.rollback()
        db.engine.dispose()
