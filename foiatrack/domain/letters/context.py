"""The plain values a letter template sees, and a complete fictional example of them.

Templates never see database objects: the caller flattens an agency, its jurisdiction, the
requester and the request into the dictionaries below. Dates arrive preformatted
("March 2, 2026") so templates need no filters. A value the letter does not have is an empty
string (or 0 / an empty list), never missing: a missing key is a template error.

- agency: name, city, county, state, email, address (multi-line), portal_url
- jurisdiction: code, name, law_name, citation, response_days (int; 0 = no fixed deadline),
  day_type ("business"/"calendar"), rule_label ("10 business days" / "no fixed deadline"),
  extension_days (int; 0 = none), rule_summary
- requester: name, organisation, address (multi-line), email, phone, signature
- request: id (int), title, subject_tag ("[FOIA #123]"), reference (the agency's, or ""),
  filed_on, due_on, days_late (int), date_range_start, date_range_end, denial_on,
  exemptions (list of str)
- today: the letter's date
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from foiatrack.domain.letters.document import LetterDocument
from foiatrack.domain.letters.frame import LetterFrame


class AgencyContext(TypedDict):
    name: str
    city: str
    county: str
    state: str
    email: str
    address: str
    portal_url: str


class JurisdictionContext(TypedDict):
    code: str
    name: str
    law_name: str
    citation: str
    response_days: int
    day_type: str
    rule_label: str
    extension_days: int
    rule_summary: str


class RequesterContext(TypedDict):
    name: str
    organisation: str
    address: str
    email: str
    phone: str
    signature: str


class RequestContext(TypedDict):
    id: int
    title: str
    subject_tag: str
    reference: str
    filed_on: str
    due_on: str
    days_late: int
    date_range_start: str
    date_range_end: str
    denial_on: str
    exemptions: list[str]


class LetterContext(TypedDict):
    agency: AgencyContext
    jurisdiction: JurisdictionContext
    requester: RequesterContext
    request: RequestContext
    today: str


def _names(prefix: str, typed: type) -> tuple[str, ...]:
    return tuple(f"{prefix}.{key}" for key in typed.__annotations__)


#: Every dotted name a template may use; template metadata may only declare these.
KNOWN_VARIABLES: frozenset[str] = frozenset(
    (
        *_names("agency", AgencyContext),
        *_names("jurisdiction", JurisdictionContext),
        *_names("requester", RequesterContext),
        *_names("request", RequestContext),
        "today",
    )
)

RECORDS_OFFICER_LINE = "Attn: Public Records Officer"
CLOSING_LINE = "Sincerely,"


def rule_label(
    response_days: int | None,
    day_type: str,
    *,
    decision_days: int | None = None,
    decision_day_type: str | None = None,
    decision_from: str | None = None,
) -> str:
    """How a response rule reads in a letter: "5 business days", "no fixed deadline", or for a
    two-stage law "5 business days to acknowledge it and 20 business days after the
    acknowledgement to answer it"."""
    if not response_days:
        return "no fixed deadline"

    def days(n: int, kind: str | None) -> str:
        return f"{n} {kind + ' ' if kind else ''}{'day' if n == 1 else 'days'}"

    first = days(response_days, day_type)
    if not decision_days:
        return first
    origin = "the acknowledgement" if decision_from == "acknowledgement" else "receipt"
    return (
        f"{first} to acknowledge it and {days(decision_days, decision_day_type)} "
        f"after {origin} to answer it"
    )


def sample_context() -> LetterContext:
    """A complete, fictional context: previews, template checks and tests use it."""
    return {
        "agency": {
            "name": "Springfield Police Department",
            "city": "Springfield",
            "county": "Sangamon",
            "state": "IL",
            "email": "foia@police.springfield.example",
            "address": "800 East Monroe Street\nSpringfield, IL 62701",
            "portal_url": "https://police.springfield.example/foia",
        },
        "jurisdiction": {
            "code": "IL",
            "name": "Illinois",
            "law_name": "Illinois Freedom of Information Act",
            "citation": "5 ILCS 140/1 et seq.",
            "response_days": 5,
            "day_type": "business",
            "rule_label": rule_label(5, "business"),
            "extension_days": 5,
            "rule_summary": "Comply or deny within 5 business days (5 ILCS 140/3(d)); one "
            "extension of up to 5 more business days by written notice (140/3(e)).",
        },
        "requester": {
            "name": "Jordan Reyes",
            "organisation": "Open Records Project",
            "address": "1200 Example Avenue, Suite 4\nChicago, IL 60601",
            "email": "jordan.reyes@openrecords.example",
            "phone": "(312) 555-0142",
            "signature": "Jordan Reyes, Records Coordinator",
        },
        "request": {
            "id": 123,
            "title": "Ring and Neighbors partnership records",
            "subject_tag": "[FOIA #123]",
            "reference": "2026-0417",
            "filed_on": "January 12, 2026",
            "due_on": "January 20, 2026",
            "days_late": 41,
            "date_range_start": "January 1, 2018",
            "date_range_end": "January 12, 2026",
            "denial_on": "February 3, 2026",
            "exemptions": ["5 ILCS 140/7(1)(d)(i) (law enforcement proceedings)"],
        },
        "today": "March 2, 2026",
    }


def _get(context: Mapping[str, Any], dotted: str) -> str:
    value: Any = context
    for part in dotted.split("."):
        value = value.get(part, "") if isinstance(value, Mapping) else ""
    return "" if value is None else str(value)


def frame_from_context(
    context: Mapping[str, Any], *, subject: str, body: LetterDocument
) -> LetterFrame:
    """Lay out a letter from a template context: requester letterhead, agency address, signature."""
    return LetterFrame(
        sender_lines=(
            _get(context, "requester.name"),
            _get(context, "requester.organisation"),
            _get(context, "requester.address"),
            _get(context, "requester.email"),
            _get(context, "requester.phone"),
        ),
        date_line=_get(context, "today"),
        recipient_lines=(
            _get(context, "agency.name"),
            RECORDS_OFFICER_LINE,
            _get(context, "agency.address"),
            _get(context, "agency.email"),
        ),
        subject=subject,
        body=body,
        signature_lines=(
            CLOSING_LINE,
            _get(context, "requester.signature") or _get(context, "requester.name"),
            _get(context, "requester.organisation"),
        ),
    )
