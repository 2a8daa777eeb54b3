"""The archive across agencies: near-duplicate groups, campaign coverage, and exports."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.documents import exports, similarity
from foiatrack.domain.documents.services import get_tag, list_tags
from foiatrack.domain.requests.models import Campaign
from foiatrack.domain.requests.services import get_request
from foiatrack.domain.search.service import Hit, SearchFilters
from foiatrack.extensions import db
from foiatrack.jobs import create_job, dispatch
from foiatrack.tasks_archive import (
    EVIDENCE_BUNDLE,
    EXPORT_SEARCH_ZIP,
    EXPORT_TAG_ZIP,
    REGROUP_DOCUMENTS,
)
from foiatrack.web.security import role_required

bp = Blueprint("archive", __name__, url_prefix="/archive")
GROUPS_PER_PAGE = 50
MEMBERS_PER_PAGE = 25


def _start(kind: str, *, title: str, params: dict[str, object], total: int = 0) -> Response:
    job = create_job(db.session, kind, title=title, params=params, actor=current_user, total=total)
    db.session.commit()
    dispatch(current_app._get_current_object(), job.id)
    return redirect(url_for("jobs.detail", job_id=job.id))


def _search_args() -> tuple[str, SearchFilters]:
    """The query and filters, named as on the search page (q, state, tag, date_from...)."""
    query = (request.values.get("q") or "").strip()
    if not query:
        abort(400, description="Say what to search for: add ?q=words to the address.")
    return query, exports.search_filters(request.values)


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template(
        "archive/index.html",
        groups=similarity.count_groups(db.session),
        tags=list_tags(db.session),
        campaigns=list(db.session.scalars(select(Campaign).order_by(Campaign.name))),
    )


@bp.get("/groups")
def groups() -> ResponseReturnValue:
    page = max(1, request.args.get("page", type=int) or 1)
    total = similarity.count_groups(db.session)
    return render_template(
        "archive/groups.html",
        groups=similarity.list_groups(
            db.session, limit=GROUPS_PER_PAGE, offset=(page - 1) * GROUPS_PER_PAGE
        ),
        total=total,
        page=page,
        pages=max(1, -(-total // GROUPS_PER_PAGE)),
    )


@bp.post("/groups/regroup")
@role_required(Role.EDITOR)
def regroup() -> ResponseReturnValue:
    return _start(REGROUP_DOCUMENTS, title="Find near-duplicate documents", params={})


@bp.get("/groups/<int:group_id>")
def group(group_id: int) -> ResponseReturnValue:
    view = similarity.group_view(
        db.session,
        group_id,
        page=max(1, request.args.get("page", type=int) or 1),
        per_page=MEMBERS_PER_PAGE,
    )
    return render_template("archive/group.html", view=view)


@bp.get("/campaigns/<int:campaign_id>/coverage")
def coverage(campaign_id: int) -> ResponseReturnValue:
    return render_template(
        "archive/coverage.html", coverage=similarity.campaign_coverage(db.session, campaign_id)
    )


@bp.post("/tags/<int:tag_id>/export")
@role_required(Role.VIEWER)
def export_tag(tag_id: int) -> ResponseReturnValue:
    tag = get_tag(db.session, tag_id)
    return _start(
        EXPORT_TAG_ZIP,
        title=f"ZIP of the documents tagged \u201c{tag.name}\u201d",
        params={"tag_id": tag.id},
    )


@bp.post("/search/export")
@role_required(Role.VIEWER)
def export_search() -> ResponseReturnValue:
    query, filters = _search_args()
    return _start(
        EXPORT_SEARCH_ZIP,
        title=f"ZIP of the documents found by \u201c{query}\u201d"[:300],
        params={"q": query, "filters": filters.active()},
    )


@bp.get("/search.csv")
def search_csv() -> ResponseReturnValue:
    query, filters = _search_args()
    # At most 50,000 hits (a few megabytes): built whole, so an error is a proper page.
    hits = exports.all_search_hits(db.session, query, filters=filters)

    def link(hit: Hit) -> str:
        if hit.kind == "document" and hit.request_id is not None:
            return url_for("documents.detail", document_id=hit.id, page=hit.page, _external=True)
        if hit.request_id:
            return url_for("requests.detail", request_id=hit.request_id, _external=True)
        return ""

    filename = f"foiatrack-search-{exports.slug(query, 40) or 'results'}-{dt.date.today()}.csv"
    return Response(
        exports.search_results_csv(hits, link=link),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/requests/<int:request_id>/evidence")
def evidence_page(request_id: int) -> ResponseReturnValue:
    return render_template("archive/evidence.html", req=get_request(db.session, request_id))


@bp.post("/requests/<int:request_id>/evidence")
@role_required(Role.VIEWER)
def evidence(request_id: int) -> ResponseReturnValue:
    req = get_request(db.session, request_id)
    return _start(
        EVIDENCE_BUNDLE,
        title=f"Evidence bundle for request #{req.id} ({req.agency.name})"[:300],
        params={"request_id": req.id},
    )
