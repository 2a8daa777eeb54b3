"""Downloads: the request list as CSV, with the same filters as the list page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from foiatrack.domain.requests import queries
from foiatrack.domain.requests.models import RecordsRequest, Status
from foiatrack.extensions import db

bp = Blueprint("exports", __name__, url_prefix="/exports")

COLUMNS = (
    "id",
    "agency",
    "state",
    "city",
    "campaign",
    "status",
    "filed_on",
    "due_on",
    "due_is_statutory",
    "days_late",
    "ack_due_on",
    "assignee",
    "tags",
    "agency_reference",
    "url",
)
#: a spreadsheet treats a cell starting with one of these as a formula (or a formula's start)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_TRUE = {"1", "true", "yes", "on"}


def request_filter_from_args(args: MultiDict[str, str], *, today: dt.date) -> queries.RequestFilter:
    """The list page's filters from query arguments; aborts with 400 on a malformed value."""
    status = args.get("status") or None
    if status and status not in {s.value for s in Status}:
        abort(400, description=f"Unknown status {status!r}.")
    return queries.RequestFilter(
        status=Status(status) if status else None,
        campaign_id=_int_arg(args, "campaign"),
        state=(args.get("state") or "").strip() or None,
        assignee_id=_int_arg(args, "assignee"),
        tag=(args.get("tag") or "").strip() or None,
        overdue_on=today if (args.get("overdue") or "").lower() in _TRUE else None,
    )


def _int_arg(args: MultiDict[str, str], name: str) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    # A typo must not silently widen the export to every request.
    if not value.isdigit():
        abort(400, description=f"{name} must be a number, not {value!r}.")
    return int(value)


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _row(req: RecordsRequest, today: dt.date) -> list[Any]:
    agency = req.agency
    return [
        req.id,
        agency.name,
        agency.state,
        agency.city,
        req.campaign.name if req.campaign else "",
        Status(req.status).value,
        req.filed_on.isoformat() if req.filed_on else "",
        req.due_on.isoformat() if req.due_on else "",
        ("yes" if req.due_is_statutory else "no") if req.due_on else "",
        req.days_late(today),
        req.ack_due_on.isoformat() if req.ack_due_on else "",
        req.assignee.email if req.assignee else "",
        "; ".join(tag.name for tag in req.tags),
        req.tracking_number,
        url_for("requests.detail", request_id=req.id, _external=True),
    ]


@bp.get("/requests.csv")
def requests_csv() -> ResponseReturnValue:
    today = dt.date.today()
    filters = request_filter_from_args(request.args, today=today)
    query = queries.request_query(filters).options(selectinload(RecordsRequest.references))
    # Loaded before streaming starts, so a database error is a proper error page and the
    # number of queries stays the same however many rows there are.
    rows = list(db.session.scalars(query))

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # Excel needs the byte order mark to read UTF-8 (accented agency and city names).
        yield "\ufeff"
        writer.writerow(COLUMNS)
        for req in rows:
            writer.writerow([neutralise(cell) for cell in _row(req, today)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    filename = f"foiatrack-requests-{today.isoformat()}.csv"
    return Response(
        stream_with_context(generate()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
