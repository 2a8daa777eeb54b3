"""foiatrack: a public-records request workflow manager."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, web, then the command line."""
    from foiatrack.cli import register_cli
    from foiatrack.config import load_config
    from foiatrack.extensions import (
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        use_write_ahead_log,
    )
    from foiatrack.web import register_web

    import_module("foiatrack.tasks")  # registers the job handlers

    app = Flask(
        __name__,
        instance_path=os.environ.get("FOIATRACK_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, test_config)
    db.init_app(app)
    with app.app_context():
        use_write_ahead_log(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    register_web(app)
    register_cli(app)
    return app
