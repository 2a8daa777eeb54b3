"""Campaigns: one letter sent to many agencies."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from foiatrack.domain.requests import queries, services
from foiatrack.domain.requests.models import Status
from foiatrack.extensions import db

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template(
        "campaigns/index.html", summaries=services.campaign_summaries(db.session)
    )


@bp.get("/<int:campaign_id>")
def detail(campaign_id: int) -> ResponseReturnValue:
    campaign = services.get_campaign(db.session, campaign_id)
    requests = queries.list_requests(db.session, queries.RequestFilter(campaign_id=campaign.id))
    return render_template(
        "campaigns/detail.html", campaign=campaign, requests=requests, statuses=list(Status)
    )
