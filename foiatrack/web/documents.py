"""The archive of documents agencies returned."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("documents/index.html", documents=[])
