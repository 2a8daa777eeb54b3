"""People who use foiatrack and what they may do."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from foiatrack.domain.base import Base, TimestampMixin


class Role(StrEnum):
    """Roles are ordered: each one can do everything the ones below it can."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


class User(TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-cased so that logins are case-insensitive
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(20), default=Role.VIEWER)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[dt.datetime | None]
    #: secret in the URL of the user's calendar feed; rotating it revokes old subscriptions
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    # Flask-Login reads these four; they are plain attributes so the domain needs no Flask import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def can(self, role: Role) -> bool:
        """Whether this user has at least `role`."""
        return self.is_active and Role(self.role).includes(role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
