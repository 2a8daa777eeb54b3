"""The holding pen for replies that could not be matched to a request."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("/")
def index() -> ResponseReturnValue:
    # Mail ingest fills this page; until a mailbox is connected there is nothing to assign.
    return render_template("inbox/index.html", messages=[])
