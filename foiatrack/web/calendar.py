"""Due dates as a calendar feed that calendar apps subscribe to by a secret URL."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from foiatrack.adapters.ical import REFRESH, build_calendar
from foiatrack.domain.accounts.models import Role
from foiatrack.domain.accounts.services import rotate_calendar_token, user_by_calendar_token
from foiatrack.domain.base import utcnow
from foiatrack.domain.requests.calendar import calendar_events, feed_requests
from foiatrack.extensions import db
from foiatrack.web.security import role_required

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

#: values of the feed's `scope` query parameter
SCOPE_MINE = "mine"
SCOPE_ALL = "all"


class RotateForm(FlaskForm):
    """Only the CSRF token: the button is the whole form."""


@bp.get("/")
def index() -> ResponseReturnValue:
    token = current_user.calendar_token
    urls: dict[str, str] = {}
    if token:
        urls = {
            scope: url_for("calendar.feed", token=token, _external=True, **params)
            for scope, params in ((SCOPE_MINE, {}), (SCOPE_ALL, {"scope": SCOPE_ALL}))
        }
    webcal = {scope: "webcal://" + url.split("://", 1)[1] for scope, url in urls.items()}
    return render_template("calendar/index.html", urls=urls, webcal=webcal, form=RotateForm())


# Every user manages their own feed, viewers included (see SELF_SERVICE_ENDPOINTS).
@bp.post("/rotate")
@role_required(Role.VIEWER)
def rotate() -> ResponseReturnValue:
    if not RotateForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    had_one = bool(current_user.calendar_token)
    rotate_calendar_token(db.session, current_user)
    db.session.commit()
    if had_one:
        flash(
            "Your calendar has a new address. The old one no longer works: "
            "subscribe again with the new one.",
            "success",
        )
    else:
        flash("Your calendar address is ready.", "success")
    return redirect(url_for("calendar.index"))


@bp.get("/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    """The feed itself: public, authenticated by the secret token in its URL."""
    user = user_by_calendar_token(db.session, token)
    if user is None:
        abort(404)
    scope = request.args.get("scope") or SCOPE_MINE
    if scope not in (SCOPE_MINE, SCOPE_ALL):
        abort(400, description=f"Unknown scope {scope!r}: use {SCOPE_ALL!r} or leave it out.")
    organisation = current_app.config["ORGANISATION_NAME"]
    if scope == SCOPE_ALL:
        requests = feed_requests(db.session, assignee_id=None)
        title = f"{organisation}: team due dates"
    else:
        requests = feed_requests(db.session, assignee_id=user.id)
        title = f"{organisation}: due dates for {user.name or user.email}"
    events = calendar_events(
        requests,
        request_url=lambda request_id: url_for(
            "requests.detail", request_id=request_id, _external=True
        ),
    )
    body = build_calendar(
        events,
        title=title,
        description="Response deadlines of public-records requests, from foiatrack.",
        now=utcnow(),
        refresh=REFRESH,
    )
    response = current_app.response_class(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="foiatrack.ics"'
    # Private case material behind a secret URL: no shared caches, no search engines.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
