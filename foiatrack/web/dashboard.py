"""The home page: what is late, what is due soon, and how each campaign stands."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from foiatrack.domain.requests import queries, services
from foiatrack.domain.requests.models import RecordsRequest, Status
from foiatrack.extensions import db

bp = Blueprint("dashboard", __name__, url_prefix="/")
DUE_SOON_DAYS = 7


@bp.get("/")
def index() -> ResponseReturnValue:
    today = dt.date.today()
    overdue = queries.list_requests(db.session, queries.RequestFilter(overdue_on=today))
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    due_soon = list(db.session.scalars(queries.due_between(queries.RequestFilter(), today, soon)))
    return render_template(
        "dashboard/index.html",
        overdue=overdue,
        due_soon=due_soon,
        today=today,
        counts=services.status_counts(db.session),
        campaigns=services.campaign_summaries(db.session),
        statuses=list(Status),
        has_requests=db.session.scalar(select(RecordsRequest.id).limit(1)) is not None,
    )
