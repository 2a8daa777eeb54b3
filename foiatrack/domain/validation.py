"""Checks on single values, shared by forms, CSV imports and services."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0", ""}


def email_problem(value: str) -> str | None:
    """Why `value` is not a usable e-mail address, or None when it is fine (or empty)."""
    if not value:
        return None
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"e-mail {value!r} is not valid ({exc})"
    return None


def url_problem(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return f"portal URL {value!r} must start with http:// or https://"
    return None


def parse_yes_no(value: str) -> bool | None:
    """yes/no, true/false, 1/0 (case-insensitive); empty is no; None when it is neither."""
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def parse_iso_date(value: str) -> dt.date | None:
    """A YYYY-MM-DD date; raises ValueError with a readable message otherwise."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"date {value!r} is not in the form YYYY-MM-DD") from None
