"""The agency directory: browse, filter, create, edit and import from CSV."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import SelectChoice

from foiatrack.domain.accounts.models import Role
from foiatrack.domain.agencies import importing, services
from foiatrack.domain.agencies.models import AgencyKind
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.jurisdictions.services import jurisdictions_by_code
from foiatrack.extensions import db
from foiatrack.web.forms import AgencyForm, AgencyImportForm
from foiatrack.web.security import role_required

bp = Blueprint("agencies", __name__, url_prefix="/agencies")
PER_PAGE = 50


def _filters_from_args() -> services.AgencyFilter:
    return services.AgencyFilter(
        state=request.args.get("state") or None,
        ring_partners_only=request.args.get("ring") == "1",
        text=request.args.get("q", "")[:200],
    )


@bp.get("/")
def index() -> ResponseReturnValue:
    filters = _filters_from_args()
    page = db.paginate(services.agency_query(filters), per_page=PER_PAGE, error_out=False)
    return render_template(
        "agencies/index.html",
        page=page,
        filters=filters,
        jurisdictions=jurisdictions_by_code(db.session).values(),
    )


@bp.get("/<int:agency_id>")
def detail(agency_id: int) -> ResponseReturnValue:
    agency = services.get_agency(db.session, agency_id)
    return render_template("agencies/detail.html", agency=agency)


def _agency_form(obj: object | None = None) -> AgencyForm:
    form = AgencyForm(obj=obj)
    form.state.choices = [
        SelectChoice(code, f"{code} — {j.name}")
        for code, j in jurisdictions_by_code(db.session).items()
    ]
    return form


def _fields(form: AgencyForm) -> services.AgencyFields:
    return services.AgencyFields(
        name=form.name.data or "",
        state=form.state.data or "",
        city=form.city.data or "",
        county=form.county.data or "",
        email=form.email.data or "",
        portal_url=form.portal_url.data or "",
        address=form.address.data or "",
        phone=form.phone.data or "",
        is_ring_partner=bool(form.is_ring_partner.data),
        ring_partner_since=form.ring_partner_since.data,
        notes=form.notes.data or "",
        source_url=form.source_url.data or "",
        kind=AgencyKind(form.kind.data),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def create() -> ResponseReturnValue:
    form = _agency_form()
    if form.validate_on_submit():
        agency = services.create_agency(db.session, _fields(form))
        db.session.commit()
        flash(f"Added {agency.name}.", "success")
        return redirect(url_for("agencies.detail", agency_id=agency.id))
    return render_template("agencies/form.html", form=form, agency=None), (
        400 if form.errors else 200
    )


@bp.route("/<int:agency_id>/edit", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit(agency_id: int) -> ResponseReturnValue:
    agency = services.get_agency(db.session, agency_id)
    form = _agency_form(obj=agency)
    if request.method == "GET":
        form.state.data = agency.state
    if form.validate_on_submit():
        services.update_agency(db.session, agency, _fields(form))
        db.session.commit()
        flash(f"Saved {agency.name}.", "success")
        return redirect(url_for("agencies.detail", agency_id=agency.id))
    return render_template("agencies/form.html", form=form, agency=agency), (
        400 if form.errors else 200
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def import_csv() -> ResponseReturnValue:
    form = AgencyImportForm()
    report, problems, status = None, [], 200
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            report = importing.import_agencies(db.session, data, dry_run=bool(form.dry_run.data))
        except ValidationFailed as exc:
            db.session.rollback()
            problems, status = [str(exc), *exc.problems], 422
        else:
            if report.dry_run:
                db.session.rollback()
                flash(f"Checked: {report.summary}. Nothing was imported yet.", "info")
            else:
                db.session.commit()
                flash(f"Imported: {report.summary}.", "success")
    elif form.errors:
        status = 400
    return render_template(
        "agencies/import.html",
        form=form,
        report=report,
        problems=problems,
        columns=importing.FOIATRACK_COLUMNS,
    ), status
