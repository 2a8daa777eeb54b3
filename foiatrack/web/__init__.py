"""The web UI: blueprints, error pages and template helpers."""

from __future__ import annotations

import datetime as dt

from flask import Flask, flash, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.errors import DomainError, ValidationFailed
from foiatrack.domain.mail.suggestions import LABELS as SUGGESTION_LABELS
from foiatrack.extensions import db
from foiatrack.web import (
    admin,
    agencies,
    archive,
    auth,
    calendar,
    campaigns,
    dashboard,
    documents,
    exports,
    inbox,
    jobs,
    letters,
    requests,
    search,
)
from foiatrack.web.security import current_role_allows, init_security

NAVIGATION = [
    ("dashboard.index", "Dashboard", Role.VIEWER),
    ("campaigns.index", "Campaigns", Role.VIEWER),
    ("requests.index", "Requests", Role.VIEWER),
    ("inbox.index", "Inbox", Role.VIEWER),
    ("documents.index", "Documents", Role.VIEWER),
    ("search.index", "Search", Role.VIEWER),
    ("archive.index", "Archive", Role.VIEWER),
    ("agencies.index", "Agencies", Role.VIEWER),
    ("letters.index", "Letters", Role.VIEWER),
    ("jobs.index", "Jobs", Role.VIEWER),
    ("admin.index", "Admin", Role.ADMIN),
]


def register_web(app: Flask) -> None:
    init_security(app)
    for module in (
        jobs,
        letters,
        auth,
        dashboard,
        campaigns,
        requests,
        inbox,
        documents,
        agencies,
        admin,
        calendar,
        exports,
        archive,
        search,
    ):
        app.register_blueprint(module.bp)
    app.add_url_rule("/healthz", "health", _health)
    _register_error_pages(app)

    @app.context_processor
    def template_helpers() -> dict[str, object]:
        return {
            "navigation": NAVIGATION,
            "can": current_role_allows,
            "Role": Role,
            "today": dt.date.today(),
            "organisation_name": app.config["ORGANISATION_NAME"],
            "suggestion_labels": SUGGESTION_LABELS,
        }


def _health() -> tuple[str, int]:
    db.session.execute(text("SELECT 1"))
    return "ok", 200


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[str, int]:
        db.session.rollback()
        problems = error.problems if isinstance(error, ValidationFailed) else []
        return render_template(
            "errors/error.html",
            code=error.status_code,
            title=_TITLES.get(error.status_code, "Not possible"),
            message=str(error),
            problems=problems,
        ), error.status_code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "errors/error.html",
            code=400,
            title="The form expired or was forged",
            message="The form's security token was missing or wrong, so nothing was changed. "
            "Go back, reload the page and try again.",
            problems=[],
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        if code == 429:
            flash("Too many attempts. Wait a minute and try again.", "error")
        return render_template(
            "errors/error.html",
            code=code,
            title=_TITLES.get(code, error.name),
            message=error.description,
            problems=[],
        ), code

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        app.logger.error("Unhandled error on %s", request.path)
        return render_template(
            "errors/error.html",
            code=500,
            title="Something went wrong",
            message="The error was logged. Nothing you did was lost; "
            "try again, and tell an admin if it keeps happening.",
            problems=[],
        ), 500


_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible now",
    413: "File too large",
    422: "Please check your input",
    429: "Too many attempts",
    500: "Something went wrong",
}
