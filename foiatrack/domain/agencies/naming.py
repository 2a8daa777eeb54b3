"""How agency names are compared and classified."""

from __future__ import annotations

import re
import unicodedata

from foiatrack.domain.agencies.models import AgencyKind

_ABBREVIATIONS = {
    "dept": "department",
    "pd": "police department",
    "twp": "township",
    "so": "sheriffs office",
    "co": "county",
    "st": "saint",
    "&": "and",
}


def name_key(name: str) -> str:
    """A normalised form of a name: case, accents, punctuation and common abbreviations ignored."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def guess_kind(name: str) -> AgencyKind:
    key = name_key(name)
    if "state police" in key or "highway patrol" in key or "state patrol" in key:
        return AgencyKind.STATE_POLICE
    if "sheriff" in key:
        return AgencyKind.SHERIFF
    if "public safety" in key:
        return AgencyKind.PUBLIC_SAFETY
    if "police" in key:
        return AgencyKind.POLICE
    return AgencyKind.OTHER
