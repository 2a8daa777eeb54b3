"""What a letter says about the law, from the shipped jurisdiction data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from foiatrack.domain.letters.services import build_context
from tests.factories import make_agency, make_request


def test_a_new_york_letter_states_both_deadlines(session: Session) -> None:
    request = make_request(session, make_agency(session, name="Albany PD", state="NY"))
    law = build_context(request, None, today=dt.date(2026, 11, 30))["jurisdiction"]
    assert law["rule_label"] == (
        "5 business days to acknowledge it and 20 business days after the acknowledgement "
        "to answer it"
    )


def test_a_single_deadline_letter_is_unchanged(session: Session) -> None:
    request = make_request(session, make_agency(session, name="Austin PD", state="TX"))
    law = build_context(request, None, today=dt.date(2026, 11, 30))["jurisdiction"]
    assert law["rule_label"] == "10 business days"
