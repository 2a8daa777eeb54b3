"""The home page: what is late, what is due soon, and how each campaign stands."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from foiatrack.domain.requests import services
from foiatrack.domain.requests.models import CLOSED_STATUSES, RecordsRequest, Status
from foiatrack.extensions import db

bp = Blueprint("dashboard", __name__, url_prefix="/")
DUE_SOON_DAYS = 7


@bp.get("/")
def index() -> ResponseReturnValue:
    today = dt.date.today()
    open_statuses = [s.value for s in Status if s not in CLOSED_STATUSES]
    overdue = services.list_requests(db.session, services.RequestFilter(overdue_on=today))
    due_soon = list(
        db.session.scalars(
            services.request_query(services.RequestFilter()).where(
                RecordsRequest.due_on >= today,
                RecordsRequest.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS),
                RecordsRequest.status.in_(open_statuses),
            )
        )
    )
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
