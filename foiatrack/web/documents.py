"""The document archive: list and filter, upload, tag, notes, view and download safely."""

from __future__ import annotations

import datetime as dt
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from foiatrack.adapters import blob_store
from foiatrack.domain.accounts.models import Role
from foiatrack.domain.documents import services
from foiatrack.domain.documents.models import Document, Tag
from foiatrack.domain.errors import DomainError
from foiatrack.domain.requests.models import RecordsRequest
from foiatrack.extensions import db
from foiatrack.web.security import role_required

bp = Blueprint("documents", __name__, url_prefix="/documents")
PER_PAGE = 50
#: types a browser may show inline; everything else is only ever downloaded
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


class TagForm(FlaskForm):
    tag = StringField("Tag", validators=[DataRequired(), Length(max=60)])


class NotesForm(FlaskForm):
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=20_000)])


class TagEditForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=60)])
    colour = SelectField("Colour", choices=[SelectChoice(c, c) for c in services.TAG_COLOURS])


class MergeForm(FlaskForm):
    target = SelectField("Merge into", validators=[DataRequired()])


def _query(args: dict[str, str]):
    query = (
        select(Document)
        .where(Document.request_id.is_not(None))
        .order_by(Document.received_on.desc().nulls_last(), Document.id.desc())
    )
    if args.get("tag"):
        query = query.where(Document.tags.any(Tag.name == args["tag"]))
    if args.get("request", "").isdigit():
        query = query.where(Document.request_id == int(args["request"]))
    if args.get("type"):
        query = query.where(Document.media_type == args["type"])
    if args.get("source"):
        query = query.where(Document.source == args["source"])
    return query


@bp.get("/")
def index() -> ResponseReturnValue:
    args = {k: v for k, v in request.args.items() if v}
    page = db.paginate(_query(args), per_page=PER_PAGE, error_out=False)
    return render_template(
        "documents/index.html",
        page=page,
        args=args,
        tags=services.list_tags(db.session),
        tag_form=TagForm(),
    )


def highlight(text: str, query: str) -> Markup:
    """Escape the text, then mark the query's words in it."""
    words = [w for w in re.findall(r"\w+", query or "") if len(w) > 1][:20]
    escaped = str(escape(text))
    if not words:
        return Markup(escaped)  # noqa: S704 - escaped above
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(str(escape(w))) for w in words) + r")", re.IGNORECASE
    )
    return Markup(pattern.sub(r"<mark>\1</mark>", escaped))  # noqa: S704 - escaped above


@bp.get("/<int:document_id>")
def detail(document_id: int) -> ResponseReturnValue:
    document = services.get_document(db.session, document_id)
    if document.request_id is None:
        abort(404)
    query = request.args.get("q", "")[:500]
    page_number = request.args.get("page", type=int) or 1
    return render_template(
        "documents/detail.html",
        document=document,
        query=query,
        page_number=page_number,
        pages=[(p.number, highlight(p.text, query)) for p in document.pages],
        inline=document.media_type in INLINE_TYPES,
        tag_form=TagForm(),
        notes_form=NotesForm(notes=document.notes),
    )


def _send(document: Document, *, as_attachment: bool) -> ResponseReturnValue:
    path = blob_store(current_app.config).path(document.sha256)
    inline = not as_attachment and document.media_type in INLINE_TYPES
    response = send_file(
        path,
        mimetype=document.media_type if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=document.filename,
        conditional=True,
    )
    # Nothing in a stored file may run: no scripts, no plugins. PDFs skip the CSP sandbox
    # only because Chromium refuses to show a PDF in a sandboxed document.
    policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    if document.media_type != "application/pdf":
        policy = "sandbox; " + policy
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/<int:document_id>/file")
def raw(document_id: int) -> ResponseReturnValue:
    """The original, for the viewer: inline only for PDFs and images."""
    return _send(services.get_document(db.session, document_id), as_attachment=False)


@bp.get("/<int:document_id>/download")
def download(document_id: int) -> ResponseReturnValue:
    return _send(services.get_document(db.session, document_id), as_attachment=True)


@bp.post("/<int:document_id>/tags")
@role_required(Role.EDITOR)
def add_tag(document_id: int) -> ResponseReturnValue:
    document = services.get_document(db.session, document_id)
    form = TagForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.tag_documents(
            db.session, [document], services.get_or_create_tag(db.session, form.tag.data)
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("documents.detail", document_id=document.id))
    db.session.commit()
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.post("/<int:document_id>/tags/<int:tag_id>/remove")
@role_required(Role.EDITOR)
def remove_tag(document_id: int, tag_id: int) -> ResponseReturnValue:
    document = services.get_document(db.session, document_id)
    services.tag_documents(db.session, [document], services.get_tag(db.session, tag_id), add=False)
    db.session.commit()
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.post("/<int:document_id>/notes")
@role_required(Role.EDITOR)
def notes(document_id: int) -> ResponseReturnValue:
    document = services.get_document(db.session, document_id)
    form = NotesForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_notes(db.session, document, form.notes.data or "")
    db.session.commit()
    flash("Notes saved.", "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.post("/bulk-tag")
@role_required(Role.EDITOR)
def bulk_tag() -> ResponseReturnValue:
    """Tag or untag the documents ticked in the list."""
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:1000]
    name = request.form.get("tag", "")
    documents = list(db.session.scalars(select(Document).where(Document.id.in_(ids))))
    if not documents:
        flash("Select at least one document.", "error")
        return redirect(url_for("documents.index"))
    try:
        tag = services.get_or_create_tag(db.session, name)
        changed = services.tag_documents(
            db.session, documents, tag, add=request.form.get("op") != "untag"
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("documents.index"))
    db.session.commit()
    flash(f"{changed} document{'s' if changed != 1 else ''} changed.", "success")
    return redirect(request.form.get("next") or url_for("documents.index"))


@bp.route("/tags", methods=["GET"])
def tags() -> ResponseReturnValue:
    merge = MergeForm()
    all_tags = services.list_tags(db.session)
    merge.target.choices = [SelectChoice(str(t.id), t.name) for t, _ in all_tags]
    return render_template(
        "documents/tags.html",
        tags=all_tags,
        edit_form=TagEditForm(),
        merge_form=merge,
        colours=services.TAG_COLOURS,
    )


@bp.post("/tags/<int:tag_id>")
@role_required(Role.EDITOR)
def edit_tag(tag_id: int) -> ResponseReturnValue:
    tag = services.get_tag(db.session, tag_id)
    form = TagEditForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.update_tag(db.session, tag, name=form.name.data, colour=form.colour.data)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("documents.tags"))
    db.session.commit()
    flash("Tag saved.", "success")
    return redirect(url_for("documents.tags"))


@bp.post("/tags/<int:tag_id>/merge")
@role_required(Role.EDITOR)
def merge_tag(tag_id: int) -> ResponseReturnValue:
    source = services.get_tag(db.session, tag_id)
    target_id = request.form.get("target", "")
    if not target_id.isdigit():
        abort(400)
    try:
        target = services.merge_tags(
            db.session, source, services.get_tag(db.session, int(target_id))
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("documents.tags"))
    db.session.commit()
    flash(f"Merged into {target.name}.", "success")
    return redirect(url_for("documents.tags"))


@bp.post("/request/<int:request_id>")
@role_required(Role.EDITOR)
def upload(request_id: int) -> ResponseReturnValue:
    """Upload one or more files onto a request (the form and the drag-and-drop area)."""
    req = db.session.get(RecordsRequest, request_id)
    if req is None:
        abort(404)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        flash("Choose at least one file.", "error")
        return redirect(url_for("requests.detail", request_id=request_id))
    added, duplicates, problems = [], [], []
    store = blob_store(current_app.config).put
    from foiatrack.adapters.text_extraction import sniff_media_type

    for upload_file in files:
        try:
            result = services.upload_document(
                db.session,
                req,
                filename=upload_file.filename or "",
                data=upload_file.read(),
                store=store,
                sniff=sniff_media_type,
                actor=current_user,
                today=dt.date.today(),
                max_size=current_app.config["MAX_UPLOAD_SIZE"],
            )
        except DomainError as error:
            problems.append(str(error))
            continue
        (added if result.is_new else duplicates).append(result.document)
    db.session.commit()
    _extract_later(added)
    if added:
        flash(f"Added {len(added)} file{'s' if len(added) != 1 else ''}.", "success")
    if duplicates:
        flash(
            "Already on this request (same content): " + ", ".join(d.filename for d in duplicates),
            "info",
        )
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("requests.detail", request_id=request_id) + "#documents")


def _extract_later(documents: list[Document]) -> None:
    """Text extraction runs as a job: a slow or huge PDF never holds the upload."""
    if not documents:
        return
    from foiatrack.jobs import create_job, dispatch
    from foiatrack.tasks import EXTRACT_DOCUMENTS

    job = create_job(
        db.session,
        EXTRACT_DOCUMENTS,
        title="Extract text of uploaded files",
        params={"document_ids": [d.id for d in documents]},
        actor=current_user,
        total=len(documents),
    )
    db.session.commit()
    dispatch(current_app._get_current_object(), job.id)


@bp.route("/bulk", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def bulk_upload() -> ResponseReturnValue:
    """Many files at once (a ZIP, or a folder chosen in the browser) with a CSV that maps
    each file to its request. Every row is checked before anything is stored."""
    from foiatrack.adapters.text_extraction import sniff_media_type
    from foiatrack.domain.documents.zips import expand_zip

    report: list[services.BulkRow] = []
    problems: list[str] = []
    if request.method == "POST":
        mapping = request.files.get("mapping")
        uploads = [f for f in request.files.getlist("files") if f and f.filename]
        files: dict[str, bytes] = {}
        for upload_file in uploads:
            data = upload_file.read()
            name = (upload_file.filename or "").replace("\\", "/").lstrip("/")
            if name.lower().endswith(".zip"):
                expansion = expand_zip(data)
                problems += [f"{name}: {reason}" for reason in expansion.skipped]
                files.update({member.path.lstrip("/"): member.data for member in expansion.members})
            else:
                files[name] = data
                files.setdefault(name.rsplit("/", 1)[-1], data)
        if mapping is None or not mapping.filename:
            problems.append("Choose the mapping CSV (columns file and request_id).")
        if not files:
            problems.append("Choose a ZIP file or a folder of files.")
        if not problems:
            request_ids = set(db.session.scalars(select(RecordsRequest.id)))
            try:
                rows = services.parse_mapping(mapping.read(), set(files), request_ids)
                for row in rows:
                    req = db.session.get(RecordsRequest, row.request_id)
                    result = services.upload_document(
                        db.session,
                        req,
                        filename=row.name.rsplit("/", 1)[-1],
                        data=files[row.name],
                        store=blob_store(current_app.config).put,
                        sniff=sniff_media_type,
                        actor=current_user,
                        today=dt.date.today(),
                        max_size=current_app.config["MAX_UPLOAD_SIZE"],
                    )
                    report.append(
                        services.BulkRow(
                            row.line,
                            row.name,
                            row.request_id,
                            "added" if result.is_new else "already there",
                            result.document.id,
                        )
                    )
            except DomainError as error:
                db.session.rollback()
                problems = [str(error), *getattr(error, "problems", [])]
                report = []
            else:
                db.session.commit()
                _extract_later(
                    [
                        db.session.get(Document, r.document_id)
                        for r in report
                        if r.outcome == "added"
                    ]
                )
                flash(f"{sum(r.outcome == 'added' for r in report)} files added.", "success")
    return render_template("documents/bulk.html", report=report, problems=problems), (
        422 if problems else 200
    )
