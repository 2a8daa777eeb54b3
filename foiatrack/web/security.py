"""Who may see and change what: login by default, one role decorator, security headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, redirect, request, url_for
from flask_login import current_user

from foiatrack.domain.accounts.models import Role, User
from foiatrack.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])

#: endpoints anyone may reach without logging in (the calendar feed checks its own URL secret)
PUBLIC_ENDPOINTS = {"auth.login", "static", "health", "calendar.feed"}
#: endpoints that change state but belong to every logged-in user (own session, password, feed)
SELF_SERVICE_ENDPOINTS = {
    "auth.logout",
    "auth.account",
    "calendar.rotate",
    "campaigns.letters_zip",
    "archive.export_tag",
    "archive.export_search",
    "archive.evidence",
    "auth.profile",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def role_required(role: Role) -> Callable[[F], F]:
    """Let the view run only for active users with at least `role`."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(role):
                abort(403, description=f"This needs the {role.value} role.")
            return view(*args, **kwargs)

        wrapped.required_role = role  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def current_role_allows(role: Role) -> bool:
    return bool(current_user.is_authenticated and current_user.can(role))


def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    # A safety net under the decorator: viewers never change anything, whatever a view forgets.
    if (
        request.method not in SAFE_METHODS
        and request.endpoint not in SELF_SERVICE_ENDPOINTS
        and not current_user.can(Role.EDITOR)
    ):
        abort(403, description="Viewers can read everything but change nothing.")
    return None


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user and current_user.is_authenticated:
        # Pages show private case material: keep them out of shared caches and the back button.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_security(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.is_active else None

    app.before_request(_require_login)
    app.after_request(_security_headers)
