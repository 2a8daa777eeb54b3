"""Login, sessions, CSRF, rate limiting and security headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from foiatrack.domain.accounts.models import Role, User
from tests.conftest import TEST_PASSWORD, csrf_token


def _login(client: FlaskClient, email: str, password: str, **extra: str):
    return client.post(
        "/auth/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token(client, "/auth/login"),
            **extra,
        },
    )


def _page_urls(app: Flask) -> list[str]:
    """Every GET page without URL parameters, plus one of each kind with an id."""
    urls = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments
    ]
    return [
        *urls,
        "/agencies/1",
        "/requests/1",
        "/campaigns/1",
        "/admin/users/1",
        "/agencies/1/edit",
    ]


def test_every_page_requires_login(app: Flask, client: FlaskClient) -> None:
    public = {"/auth/login", "/healthz"}
    for url in _page_urls(app):
        if url in public or url.startswith("/static"):
            continue
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/auth/login?next="), url


def test_public_pages(client: FlaskClient) -> None:
    assert client.get("/auth/login").status_code == 200
    assert client.get("/healthz").get_data(as_text=True) == "ok"


def test_login_and_logout(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.EDITOR)
    response = _login(client, user.email.upper(), TEST_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert user.email in page and "Dashboard" in page
    response = client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.EDITOR)
    response = _login(client, user.email, "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(client: FlaskClient) -> None:
    response = _login(client, "nobody@example.org", "whatever password")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_login_follows_only_local_next(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.VIEWER)
    response = client.post(
        "/auth/login?next=//evil.example/x",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client, "/auth/login"),
        },
    )
    assert response.headers["Location"] == "/"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.post(
        "/auth/login?next=/agencies/",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client, "/auth/login"),
        },
    )
    assert response.headers["Location"] == "/agencies/"


def test_missing_csrf_token_is_refused(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.EDITOR)
    response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_missing_csrf_token_on_a_logged_in_form(
    client: FlaskClient, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    response = client.post(
        "/agencies/new", data={"name": "Forged PD", "state": "MI", "kind": "police"}
    )
    assert response.status_code == 400
    assert "Forged PD" not in client.get("/agencies/?q=Forged").get_data(as_text=True)


def test_login_is_rate_limited(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.EDITOR)
    statuses = [_login(client, user.email, "wrong password").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # even the right password waits until the window passes
    assert _login(client, user.email, TEST_PASSWORD).status_code == 429


def test_security_headers(client: FlaskClient, login_as: Callable[[Role], User]) -> None:
    login_as(Role.VIEWER)
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app: Flask, make_user: Callable[..., User]) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    user = make_user(Role.VIEWER)
    token = csrf_token(client, "/auth/login")
    response = client.post(
        "/auth/login",
        base_url="https://localhost",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_change_own_password(client: FlaskClient, login_as: Callable[[Role], User]) -> None:
    user = login_as(Role.VIEWER)
    token = csrf_token(client, "/auth/account")
    bad = client.post(
        "/auth/account",
        data={
            "current_password": "nope nope nope",
            "new_password": "another long password",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400 and "not your current password" in bad.get_data(as_text=True)
    ok = client.post(
        "/auth/account",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "another long password",
            "csrf_token": token,
        },
    )
    assert ok.status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _login(client, user.email, "another long password").status_code == 302


@pytest.mark.parametrize("path", ["/no-such-page", "/agencies/999999"])
def test_not_found_pages(client: FlaskClient, login_as: Callable[[Role], User], path: str) -> None:
    login_as(Role.VIEWER)
    response = client.get(path)
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)
