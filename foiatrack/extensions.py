"""Flask extensions, created unbound and initialised in create_app."""

import sqlite3
from typing import Any

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, event

from foiatrack.domain.base import Base

db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


def use_write_ahead_log(engine: Engine) -> None:
    """SQLite in WAL mode: pages keep reading while `fetch-mail` or a job writes (with the
    default rollback journal a writer blocks every reader), and a commit costs one fsync
    instead of several. `synchronous=FULL` keeps a commit durable at power loss, which the
    mail ingest's exactly-once rule relies on (a message is flagged on the server only after
    its row is committed). PostgreSQL engines are left alone.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, record: Any) -> None:
        if not isinstance(connection, sqlite3.Connection):  # pragma: no cover - other drivers
            return
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
