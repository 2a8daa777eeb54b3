"""Logging in and out, and changing one's own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from foiatrack.domain.accounts import services
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.letters.services import ProfileFields, get_profile, save_profile
from foiatrack.extensions import db, limiter
from foiatrack.web.forms import ChangePasswordForm, LoginForm, ProfileForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute or scheme-relative URL would make this an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_submitted_email)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            flash("Wrong e-mail or password.", "error")
            return render_template("auth/login.html", form=form), 401
        db.session.commit()
        session.clear()  # a fresh session on login: no fixation
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session,
                current_user,
                current=form.current_password.data or "",
                new=form.new_password.data or "",
            )
        except ValidationFailed as exc:
            form.new_password.errors = [str(exc)]
            return render_template("auth/account.html", form=form), 400
        db.session.commit()
        flash("Your password was changed.", "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form), 400 if form.errors else 200


def profile_fields(form: ProfileForm) -> ProfileFields:
    return ProfileFields(
        name=form.name.data or "",
        organisation=form.organisation.data or "",
        address=form.address.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        signature=form.signature.data or "",
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    """Who signs this user's letters: name, organisation, address, e-mail, phone, signature."""
    own = get_profile(db.session, current_user)
    is_own = own is not None and own.user_id == current_user.id
    form = ProfileForm(obj=own)
    if form.validate_on_submit():
        save_profile(db.session, current_user, profile_fields(form))
        db.session.commit()
        flash("Your requester profile was saved.", "success")
        return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html", form=form, is_own=is_own, fallback=own if not is_own else None
    ), 400 if form.errors else 200
