"""Full-text search over documents, messages and filed letters, with facets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.search.service import (
    FACETS,
    KIND_LABELS,
    Hit,
    SearchFilters,
    SearchResults,
    search,
)
from foiatrack.extensions import db

bp = Blueprint("search", __name__, url_prefix="/search")
PER_PAGE = 20
FACET_TITLES = {
    "kind": "Type",
    "state": "State",
    "agency": "Agency",
    "campaign": "Campaign",
    "tag": "Tag",
    "media_type": "File type",
    "source": "Source",
}
#: facet name -> the query-string filter it sets
FACET_FILTERS = {
    "kind": "kind",
    "state": "state",
    "agency": "agency_id",
    "campaign": "campaign_id",
    "tag": "tag",
    "media_type": "media_type",
    "source": "source",
}
FILTER_TITLES = {
    "kind": "Type",
    "state": "State",
    "agency_id": "Agency",
    "campaign_id": "Campaign",
    "tag": "Tag",
    "media_type": "File type",
    "source": "Source",
    "date_from": "From",
    "date_to": "To",
}
FILTER_NAMES = (
    "kind",
    "state",
    "agency_id",
    "campaign_id",
    "tag",
    "media_type",
    "source",
    "date_from",
    "date_to",
)


def _filters(values: Mapping[str, Any]) -> SearchFilters:
    """Filters from the query string; ValidationFailed naming a malformed one."""
    numbers: dict[str, int | None] = {}
    for name in ("agency_id", "campaign_id"):
        value = (values.get(name) or "").strip()
        if value and not value.isdigit():
            raise ValidationFailed(f"{name} must be a number, not {value!r}.")
        numbers[name] = int(value) if value else None
    dates: dict[str, dt.date | None] = {}
    for name in ("date_from", "date_to"):
        value = (values.get(name) or "").strip()
        try:
            dates[name] = dt.date.fromisoformat(value) if value else None
        except ValueError:
            raise ValidationFailed(
                f"The date {value!r} is not a date written as YYYY-MM-DD."
            ) from None
    text = {
        name: (values.get(name) or "").strip() or None
        for name in ("state", "tag", "kind", "media_type", "source")
    }
    return SearchFilters(**numbers, **dates, **text)  # type: ignore[arg-type]


def hit_url(hit: Hit, query: str) -> str | None:
    """Where a hit opens: the document at its page, or the request a message or letter is on."""
    if hit.kind == "document":
        if hit.request_id is None:
            return None  # still in the inbox, not viewable as an archived document
        return url_for(
            "documents.detail",
            document_id=hit.id,
            page=hit.page,
            q=query,
            _anchor=f"page-{hit.page}",
        )
    if hit.request_id is None:
        return url_for("inbox.index")
    return url_for("requests.detail", request_id=hit.request_id)


@bp.get("/")
def index() -> ResponseReturnValue:
    query = (request.args.get("q") or "").strip()
    args = {k: v for k, v in request.args.items() if k in FILTER_NAMES and v.strip()}
    page = request.args.get("page", type=int) or 1
    results: SearchResults | None = None
    error: ValidationFailed | None = None
    if query or args:
        try:
            if not query:
                raise ValidationFailed("Type a word to search for.")
            results = search(
                db.session,
                query,
                filters=_filters(request.args),
                page=max(page, 1),
                per_page=PER_PAGE,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            error = exc

    def link(**changes: Any) -> str:
        """This search with some filters changed (None removes one); back to page 1."""
        values = {"q": query, **args, **changes}
        values = {k: v for k, v in values.items() if v not in (None, "")}
        return url_for("search.index", **values)

    # Active filters by their facet's label ("Troy Police Department", not agency_id 12).
    active_labels = dict(args)
    if results is not None:
        for facet, name in FACET_FILTERS.items():
            for value in results.facets[facet]:
                if args.get(name) == value.value:
                    active_labels[name] = value.label
    status = 400 if error is not None else 200
    return render_template(
        "search/index.html",
        query=query,
        args=args,
        active_labels=active_labels,
        filter_titles=FILTER_TITLES,
        results=results,
        error=error,
        facets=FACETS,
        facet_titles=FACET_TITLES,
        facet_filters=FACET_FILTERS,
        kind_labels=KIND_LABELS,
        link=link,
        hit_url=lambda hit: hit_url(hit, query),
        # The snippet is escaped by the search service before <mark> is added.
        safe_snippet=lambda hit: Markup(hit.snippet),  # noqa: S704
    ), status
