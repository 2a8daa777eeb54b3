"""Creating users, checking passwords and changing roles."""

from __future__ import annotations

import re
import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.base import utcnow
from foiatrack.domain.errors import NotFound, ValidationFailed

MIN_PASSWORD_LENGTH = 10
#: 32 random bytes: 43 URL-safe characters, far beyond guessing
CALENDAR_TOKEN_BYTES = 32
_CALENDAR_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")
# Hashing a password we never store keeps a login for an unknown e-mail as slow as a real one,
# so response times do not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


def normalise_email(email: str, *, check: bool = True) -> str:
    """Lower-cased, trimmed e-mail address; raises ValidationFailed when it is not one."""
    email = email.strip().lower()
    if not check:
        return email
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(f"{email!r} is not a valid e-mail address: {exc}") from exc


def generate_password() -> str:
    """A random password for a new account, readable enough to type once."""
    return secrets.token_urlsafe(15)


def create_user(
    session: Session, email: str, password: str, *, role: Role = Role.VIEWER, name: str = ""
) -> User:
    """Add a user; refuses duplicates (case-insensitive) and short passwords."""
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if find_user(session, email) is not None:
        raise ValidationFailed(f"A user with the e-mail {email} already exists.")
    user = User(
        email=email,
        name=name.strip(),
        role=Role(role),
        password_hash=generate_password_hash(password),
    )
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email, check=False)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = find_user(session, email)
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Replace the user's password after checking the current one."""
    if not check_password_hash(user.password_hash, current):
        raise ValidationFailed("That is not your current password.")
    set_password(session, user, new)


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = generate_password_hash(password)
    session.flush()


def update_user(
    session: Session, user: User, *, role: Role, is_active: bool, acting_user: User
) -> None:
    """Change a user's role or lock them out; the last active admin cannot lose admin rights."""
    losing_admin = user.role == Role.ADMIN and (role != Role.ADMIN or not is_active)
    if losing_admin and count_active_admins(session) <= 1:
        raise ValidationFailed("foiatrack needs at least one active admin.")
    user.role = Role(role)
    user.is_active = is_active
    session.flush()


def count_active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.is_active)
        )
        or 0
    )


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def rotate_calendar_token(session: Session, user: User) -> str:
    """Give the user a new calendar feed secret; the URL with the old one stops working."""
    token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
    user.calendar_token = token
    session.flush()
    return token


def user_by_calendar_token(session: Session, token: str) -> User | None:
    """The active user whose calendar feed secret is exactly `token`, or None."""
    # Anything that cannot be a token is refused before it reaches the database.
    if not _CALENDAR_TOKEN_SHAPE.fullmatch(token or ""):
        return None
    user = session.scalar(select(User).where(User.calendar_token == token))
    # The database compares by an index; compare_digest guards against a case-insensitive
    # collation matching a different token, and costs nothing.
    if user is None or not secrets.compare_digest(user.calendar_token or "", token):
        return None
    return user if user.is_active else None
