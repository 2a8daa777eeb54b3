"""The home page: the deadline dashboard."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from foiatrack.domain.accounts.services import list_users
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.requests.dashboard import DashboardCache
from foiatrack.domain.requests.models import Campaign, RecordsRequest, Status
from foiatrack.domain.requests.queries import RequestFilter
from foiatrack.domain.requests.workflow import BULK_ACTIONS
from foiatrack.extensions import db

bp = Blueprint("dashboard", __name__, url_prefix="/")


def filters_from_args() -> RequestFilter:
    status = request.args.get("status") or None
    if status and status not in {s.value for s in Status}:
        abort(400, description=f"Unknown status {status!r}.")
    return RequestFilter(
        status=Status(status) if status else None,
        campaign_id=request.args.get("campaign", type=int),
        state=(request.args.get("state") or "")[:2] or None,
        agency_name=(request.args.get("agency") or "")[:200] or None,
        assignee_id=request.args.get("assignee", type=int),
        tag=(request.args.get("tag") or "")[:60] or None,
    )


def dashboard_cache() -> DashboardCache:
    """This process's cache of built dashboards (each gunicorn worker has its own)."""
    cache = current_app.extensions.get("foiatrack.dashboard_cache")
    if cache is None:
        cache = DashboardCache(max_age=current_app.config["DASHBOARD_CACHE_SECONDS"])
        current_app.extensions["foiatrack.dashboard_cache"] = cache
    return cache


@bp.get("/")
def index() -> ResponseReturnValue:
    filters = filters_from_args()
    today = dt.date.today()
    board = dashboard_cache().get(db.session, filters, today=today)
    return render_template(
        "dashboard/index.html",
        board=board,
        filters=filters,
        today=today,
        statuses=list(Status),
        bulk_actions=BULK_ACTIONS,
        campaigns=list(db.session.scalars(select(Campaign).order_by(Campaign.name))),
        jurisdiction_codes=db.session.scalars(
            select(Jurisdiction.code).order_by(Jurisdiction.code)
        ),
        users=[u for u in list_users(db.session) if u.is_active],
        has_requests=db.session.scalar(select(RecordsRequest.id).limit(1)) is not None,
        filter_args={k: v for k, v in request.args.items() if v},
    )
