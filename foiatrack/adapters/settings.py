"""Reading typed settings (flags, numbers) that may come from FOIATRACK_* variables as text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from foiatrack.domain.errors import ValidationFailed

_N = TypeVar("_N", int, float)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def setting_flag(config: Mapping[str, Any], key: str, *, default: bool) -> bool:
    """A true/false setting that may arrive as a string from the environment."""
    value = config.get(key)
    if value is None:
        return default
    if isinstance(value, bool | int):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationFailed(f"The setting {key} must be true or false, not {value!r}.")


def setting_number(config: Mapping[str, Any], key: str, kind: type[_N], *, default: _N) -> _N:
    """A positive number setting that may arrive as a string from the environment."""
    value = config.get(key)
    if value is None or value == "":
        return default
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"The setting {key} must be a number, not {value!r}.") from None
    if number <= 0:
        raise ValidationFailed(f"The setting {key} must be more than 0, not {value!r}.")
    return number
