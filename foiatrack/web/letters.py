"""Letter templates (list, create, edit with preview, versions) and each request's letter."""

from __future__ import annotations

import datetime as dt

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
from markupsafe import Markup
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from foiatrack.adapters import blob_store, letter_renderers
from foiatrack.domain.accounts.models import Role
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.errors import DomainError, LetterTemplateError
from foiatrack.domain.letters import services as letters
from foiatrack.domain.letters.frame import frame_to_html
from foiatrack.domain.letters.models import LetterKind
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import Status
from foiatrack.domain.requests.services import get_request
from foiatrack.extensions import db
from foiatrack.web.security import role_required

bp = Blueprint("letters", __name__, url_prefix="/letters")

KIND_CHOICES = [SelectChoice(k.value, k.label) for k in LetterKind]


class TemplateForm(FlaskForm):
    slug = StringField(
        "Name (letters, digits and _; used by the draft command)",
        validators=[DataRequired(), Length(max=80)],
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=KIND_CHOICES)
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    subject = StringField("Subject line", validators=[DataRequired(), Length(max=500)])
    body = TextAreaField(
        "Letter (Markdown with {{ placeholders }})",
        validators=[DataRequired(), Length(max=100_000)],
    )
    note = StringField(
        "What changed (kept in the version history)", validators=[Optional(), Length(max=500)]
    )


class LetterForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired(), Length(max=500)])
    body = TextAreaField("Letter (Markdown)", validators=[DataRequired(), Length(max=100_000)])


class DraftForm(FlaskForm):
    template = SelectField("Template", validators=[DataRequired()])


def _html(frame: object) -> Markup:
    # frame_to_html escapes every value it prints; the result is safe to embed.
    return Markup(frame_to_html(frame))  # noqa: S704


# --- templates -------------------------------------------------------------------------------


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("letters/index.html", templates=letters.list_templates(db.session))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def create() -> ResponseReturnValue:
    return _edit(None)


@bp.route("/<slug>", methods=["GET", "POST"])
def edit(slug: str) -> ResponseReturnValue:
    template = letters.get_template(db.session, slug)
    if request.method == "POST" and not current_user.can(Role.EDITOR):
        abort(403)
    return _edit(template)


edit.required_role = Role.EDITOR  # type: ignore[attr-defined]  # POST is for editors


def _edit(template: object | None) -> ResponseReturnValue:
    form = TemplateForm(obj=None)
    if template is not None and request.method == "GET":
        current = template.current
        form.slug.data, form.title.data, form.kind.data = (
            template.slug,
            template.title,
            template.kind,
        )
        form.description.data = template.description
        form.subject.data, form.body.data = current.subject_source, current.body_source
    preview, error = None, None
    agency = _preview_agency()
    if form.subject.data and form.body.data:
        try:
            frame = (
                letters.preview_for_agency(
                    form.subject.data,
                    form.body.data,
                    agency,
                    letters.get_profile(db.session, current_user),
                    today=dt.date.today(),
                )
                if agency
                else letters.preview_template(form.subject.data, form.body.data)
            )
            preview = _html(frame)
        except LetterTemplateError as exc:
            error = str(exc)
    wants_save = request.form.get("action") != "preview" and error is None
    if request.method == "POST" and form.validate_on_submit() and wants_save:
        try:
            saved = letters.save_template(
                db.session,
                slug=template.slug if template else form.slug.data,
                title=form.title.data,
                kind=LetterKind(form.kind.data),
                subject=form.subject.data,
                body=form.body.data,
                description=form.description.data or "",
                note=form.note.data or "",
                actor=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(f"Saved {saved.title} (version {saved.current.number}).", "success")
            return redirect(url_for("letters.edit", slug=saved.slug))
    status = 422 if (request.method == "POST" and error) else (400 if form.errors else 200)
    return render_template(
        "letters/edit.html",
        form=form,
        template=template,
        preview=preview,
        error=error,
        agency=agency,
    ), status


def _preview_agency() -> Agency | None:
    """The agency to preview for (?agency=ID), or None for the fictional sample agency."""
    agency_id = request.values.get("agency", type=int)
    return db.session.get(Agency, agency_id) if agency_id else None


@bp.get("/<slug>/versions/<int:number>")
def version(slug: str, number: int) -> ResponseReturnValue:
    template = letters.get_template(db.session, slug)
    found = next((v for v in template.versions if v.number == number), None)
    if found is None:
        abort(404)
    return render_template("letters/version.html", template=template, version=found)


# --- one request's letter --------------------------------------------------------------------


def _draft_form() -> DraftForm:
    form = DraftForm()
    form.template.choices = [
        SelectChoice(t.slug, f"{t.title} ({t.kind.replace('_', ' ')})")
        for t in letters.list_templates(db.session)
    ]
    return form


@bp.route("/request/<int:request_id>", methods=["GET", "POST"])
def request_letter(request_id: int) -> ResponseReturnValue:
    """Preview the request's letter; editors may change it until it is filed."""
    req = get_request(db.session, request_id)
    kind = LetterKind(request.args.get("kind", LetterKind.REQUEST.value))
    letter = letters.current_letter(db.session, req, kind)
    form = LetterForm(obj=letter) if letter else LetterForm()
    status = 200
    if request.method == "POST":
        if not current_user.can(Role.EDITOR):
            abort(403)
        if letter is None:
            abort(404)
        if form.validate_on_submit():
            try:
                letters.edit_letter(
                    db.session, letter, subject=form.subject.data, body=form.body.data
                )
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                status = exc.status_code
            else:
                db.session.commit()
                flash("Letter saved.", "success")
                return redirect(
                    url_for("letters.request_letter", request_id=req.id, kind=kind.value)
                )
        else:
            status = 400
    preview = _html(letters.letter_frame(letter, today=dt.date.today())) if letter else None
    return render_template(
        "letters/request.html",
        req=req,
        letter=letter,
        form=form,
        preview=preview,
        kind=kind,
        draft_form=_draft_form(),
        kinds=list(LetterKind),
    ), status


request_letter.required_role = Role.EDITOR  # type: ignore[attr-defined]


@bp.post("/request/<int:request_id>/draft")
@role_required(Role.EDITOR)
def draft(request_id: int) -> ResponseReturnValue:
    """Draft a letter for the request from a template (a follow-up, an appeal, ...)."""
    req = get_request(db.session, request_id)
    form = _draft_form()
    if not form.validate_on_submit():
        abort(400)
    template = letters.get_template(db.session, form.template.data)
    try:
        letters.draft_letter(
            db.session,
            req,
            template,
            profile=letters.get_profile(db.session, current_user),
            today=dt.date.today(),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("letters.request_letter", request_id=req.id))
    db.session.commit()
    flash(f"Drafted: {template.title}.", "success")
    return redirect(url_for("letters.request_letter", request_id=req.id, kind=template.kind))


@bp.get("/request/<int:request_id>/letter.<fmt>")
def download(request_id: int, fmt: str) -> ResponseReturnValue:
    """The letter as PDF or DOCX: the stored snapshot once filed, else rendered now."""
    if fmt not in ("pdf", "docx"):
        abort(404)
    req = get_request(db.session, request_id)
    kind = LetterKind(request.args.get("kind", LetterKind.REQUEST.value))
    letter = letters.current_letter(db.session, req, kind)
    if letter is None:
        abort(404, description="This request has no letter of that kind.")
    mimetype = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }[fmt]
    name = f"request-{req.id}-{kind.value}.{fmt}"
    if letter.filed is not None:
        sha = letter.filed.pdf_sha256 if fmt == "pdf" else letter.filed.docx_sha256
        return send_file(
            blob_store(current_app.config).path(sha),
            mimetype=mimetype,
            as_attachment=True,
            download_name=name,
        )
    renderer = getattr(letter_renderers(), fmt)
    data = renderer.render(letters.letter_frame(letter, today=dt.date.today()))
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def file_with_letter(
    req: object,
    *,
    method: object,
    confirmation: str,
    on: dt.date,
    confirmation_file: object | None = None,
) -> None:
    """Filing by other means (portal, post, fax): snapshot the letter, keep the confirmation
    the channel gave (a number, a receipt file), then start the clock."""
    letter = letters.current_letter(db.session, req)
    if letter is not None and letter.filed_at is None and Status(req.status) == Status.DRAFT:
        now = dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)
        letters.file_letter(
            db.session,
            letter,
            renderers=letter_renderers(),
            store=blob_store(current_app.config).put,
            now=now,
            extra={"method": str(method), "confirmation": confirmation},
        )
    lifecycle.file_request(
        db.session,
        req,
        actor=current_user,
        clock=Clock(dt.date.today(), on),
        method=method,
        confirmation=confirmation,
    )
    if confirmation_file is not None and getattr(confirmation_file, "filename", ""):
        from foiatrack.adapters.text_extraction import sniff_media_type
        from foiatrack.domain.documents.services import upload_document

        result = upload_document(
            db.session,
            req,
            filename=confirmation_file.filename,
            data=confirmation_file.read(),
            store=blob_store(current_app.config).put,
            sniff=sniff_media_type,
            actor=current_user,
            today=on,
            max_size=current_app.config["MAX_UPLOAD_SIZE"],
        )
        result.document.title = f"Filing confirmation: {result.document.filename}"


@bp.post("/preview")
@role_required(Role.EDITOR)
def live_preview() -> ResponseReturnValue:
    """The preview of template text being typed, as an HTML fragment (for the live preview)."""
    subject = request.form.get("subject", "")[:500]
    body = request.form.get("body", "")[:100_000]
    agency = _preview_agency()
    try:
        frame = (
            letters.preview_for_agency(
                subject,
                body,
                agency,
                letters.get_profile(db.session, current_user),
                today=dt.date.today(),
            )
            if agency
            else letters.preview_template(subject, body)
        )
    except LetterTemplateError as exc:
        return {"html": "", "error": str(exc)}
    return {"html": str(_html(frame)), "error": ""}
