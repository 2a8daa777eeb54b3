from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from foiatrack.domain.accounts import services
from foiatrack.domain.accounts.models import Role
from foiatrack.domain.errors import ValidationFailed

PASSWORD = "long enough password"


def test_create_and_authenticate_case_insensitively(session: Session) -> None:
    user = services.create_user(session, "  Reporter@Example.ORG ", PASSWORD, role=Role.EDITOR)
    assert user.email == "reporter@example.org"
    assert user.password_hash != PASSWORD
    assert services.authenticate(session, "REPORTER@example.org", PASSWORD) is user
    assert user.last_login_at is not None
    assert services.authenticate(session, "reporter@example.org", "wrong password!") is None
    assert services.authenticate(session, "nobody@example.org", PASSWORD) is None


def test_inactive_user_cannot_log_in(session: Session) -> None:
    user = services.create_user(session, "gone@example.org", PASSWORD)
    user.is_active = False
    assert services.authenticate(session, "gone@example.org", PASSWORD) is None


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "not a valid e-mail"),
        ("short@example.org", "short", "at least 10"),
    ],
)
def test_bad_input_is_refused(session: Session, email: str, password: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        services.create_user(session, email, password)


def test_duplicate_email_is_refused(session: Session) -> None:
    services.create_user(session, "dup@example.org", PASSWORD)
    with pytest.raises(ValidationFailed, match="already exists"):
        services.create_user(session, "DUP@example.org", PASSWORD)


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.includes(Role.EDITOR) and Role.EDITOR.includes(Role.VIEWER)
    assert not Role.VIEWER.includes(Role.EDITOR)


def test_last_admin_cannot_be_demoted_or_locked(session: Session) -> None:
    admin = services.create_user(session, "admin@example.org", PASSWORD, role=Role.ADMIN)
    with pytest.raises(ValidationFailed, match="at least one active admin"):
        services.update_user(session, admin, role=Role.EDITOR, is_active=True, acting_user=admin)
    with pytest.raises(ValidationFailed, match="at least one active admin"):
        services.update_user(session, admin, role=Role.ADMIN, is_active=False, acting_user=admin)
    other = services.create_user(session, "second@example.org", PASSWORD, role=Role.ADMIN)
    services.update_user(session, admin, role=Role.VIEWER, is_active=True, acting_user=other)
    assert admin.role == Role.VIEWER


def test_change_password_checks_the_current_one(session: Session) -> None:
    user = services.create_user(session, "pw@example.org", PASSWORD)
    with pytest.raises(ValidationFailed, match="not your current password"):
        services.change_password(session, user, current="wrong one!!", new="a brand new password")
    services.change_password(session, user, current=PASSWORD, new="a brand new password")
    assert services.authenticate(session, "pw@example.org", "a brand new password") is user
