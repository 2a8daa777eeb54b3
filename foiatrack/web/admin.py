"""Administration: users and roles."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from foiatrack.domain.accounts import services
from foiatrack.domain.accounts.models import Role
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.letters.services import get_profile, save_profile
from foiatrack.extensions import db
from foiatrack.web.auth import profile_fields
from foiatrack.web.forms import EditUserForm, NewUserForm, ProfileForm
from foiatrack.web.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> ResponseReturnValue:
    return render_template(
        "admin/index.html", users=services.list_users(db.session), form=NewUserForm()
    )


@bp.post("/users")
@role_required(Role.ADMIN)
def create_user() -> ResponseReturnValue:
    form = NewUserForm()
    if form.validate_on_submit():
        password = services.generate_password()
        try:
            user = services.create_user(
                db.session,
                form.email.data or "",
                password,
                role=Role(form.role.data),
                name=form.name.data or "",
            )
        except ValidationFailed as exc:
            form.email.errors = [str(exc)]
        else:
            db.session.commit()
            # Shown once on the next page, never stored in clear text.
            return render_template("admin/user_created.html", user=user, password=password)
    return render_template(
        "admin/index.html", users=services.list_users(db.session), form=form
    ), 400


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int) -> ResponseReturnValue:
    user = services.get_user(db.session, user_id)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        services.update_user(
            db.session,
            user,
            role=Role(form.role.data),
            is_active=bool(form.is_active.data),
            acting_user=current_user,
        )
        db.session.commit()
        flash(f"Saved {user.email}.", "success")
        return redirect(url_for("admin.index"))
    return render_template("admin/user.html", user=user, form=form), 400 if form.errors else 200


@bp.route("/profile", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisation_profile() -> ResponseReturnValue:
    """The organisation's default requester profile, for users without their own."""
    current = get_profile(db.session, None)
    form = ProfileForm(obj=current)
    if form.validate_on_submit():
        save_profile(db.session, None, profile_fields(form))
        db.session.commit()
        flash("The organisation's requester profile was saved.", "success")
        return redirect(url_for("admin.index"))
    return render_template(
        "auth/profile.html", form=form, organisation=True, is_own=True, fallback=None
    ), 400 if form.errors else 200


@bp.post("/reindex")
@role_required(Role.ADMIN)
def reindex() -> ResponseReturnValue:
    """Rebuild the search index as a job with a progress bar."""
    from flask import current_app

    from foiatrack.jobs import create_job, dispatch
    from foiatrack.tasks import REINDEX

    job = create_job(
        db.session, REINDEX, title="Rebuild the search index", params={}, actor=current_user
    )
    db.session.commit()
    dispatch(current_app._get_current_object(), job.id)
    return redirect(url_for("jobs.detail", job_id=job.id))
