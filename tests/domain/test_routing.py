"""Routing rules, in order, and the cases that must go to the inbox instead of guessing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from foiatrack.domain.letters.models import OutboundMessage
from foiatrack.domain.mail.models import SenderRule
from foiatrack.domain.mail.parsing import ParsedMessage
from foiatrack.domain.mail.routing import is_outgoing, route
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod
from tests.factories import make_agency, make_request

MAIL_FROM = "foiatrack <records@newsroom.example.org>"
TODAY = dt.date(2026, 11, 30)


def _request(
    session: Session, name: str = "Troy Police Department", email: str = "", filed: bool = True
):
    request = make_request(session, make_agency(session, name=name, state="MI", email=email))
    if filed:
        lifecycle.file_request(
            session, request, actor=None, clock=Clock(TODAY, TODAY), method=FilingMethod.EMAIL
        )
    return request


def _mail(**fields: object) -> ParsedMessage:
    return ParsedMessage(
        from_address=str(fields.pop("from_address", "clerk@city.example.gov")), **fields
    )  # type: ignore[arg-type]


def test_reply_address_in_any_recipient_header(session: Session) -> None:
    request = _request(session)
    for header in ("to", "cc", "delivered_to"):
        found = route(
            session,
            _mail(**{header: [f"records+{request.reply_token}@newsroom.example.org"]}),
            mail_from=MAIL_FROM,
        )
        assert (found.request_ids, found.routed_by) == ([request.id], "reply_address"), header


def test_retyped_token_routes_only_when_one_request_fits(session: Session) -> None:
    request = _request(session)
    token = request.reply_token
    typo = token[:4] + ("a" if token[4] != "a" else "b") + token[5:]
    found = route(
        session, _mail(to=[f"records+{typo.upper()}@newsroom.example.org"]), mail_from=MAIL_FROM
    )
    assert found.request_ids == [request.id] and found.reason == "retyped reply token"
    other = _request(session, name="Other PD")
    other.reply_token = token[:4] + ("c" if token[4] not in "ac" else "d") + token[5:]
    session.flush()
    ambiguous = route(
        session, _mail(to=[f"records+{typo}@newsroom.example.org"]), mail_from=MAIL_FROM
    )
    assert ambiguous.request_ids == []  # two requests are one typo away: ask a person


def test_someone_elses_plus_address_is_ignored(session: Session) -> None:
    request = _request(session)
    found = route(
        session,
        _mail(to=[f"press+{request.reply_token}@newsroom.example.org"]),
        mail_from=MAIL_FROM,
    )
    assert found.request_ids == []


def test_in_reply_to_and_references(session: Session) -> None:
    request = _request(session)
    session.add(
        OutboundMessage(
            request_id=request.id,
            message_id="<foiatrack.1.abc@x.org>",
            from_address="a@x.org",
            to_address="b@y.org",
            subject="s",
            attempts=1,
        )
    )
    session.flush()
    for fields in (
        {"in_reply_to": "<foiatrack.1.abc@x.org>"},
        {"references": ["<other@z>", "<foiatrack.1.abc@x.org>"]},
    ):
        found = route(session, _mail(**fields), mail_from=MAIL_FROM)
        assert (found.request_ids, found.routed_by) == ([request.id], "in_reply_to")


def test_subject_tag(session: Session) -> None:
    request = _request(session)
    found = route(
        session, _mail(subject=f"RE: [FOIA FT-{request.id}] Records request"), mail_from=MAIL_FROM
    )
    assert (found.request_ids, found.routed_by) == ([request.id], "subject_tag")
    assert (
        route(session, _mail(subject="RE: [FOIA FT-99999]"), mail_from=MAIL_FROM).request_ids == []
    )


def test_portal_case_id_in_the_subject(session: Session) -> None:
    request = _request(session)
    lifecycle.add_reference(session, request, "W004512-112526", actor=None, label="GovQA")
    found = route(
        session,
        _mail(
            from_address="noreply@mycusthelp.net",
            subject="Public Records Request :: W004512-112526 has been closed",
        ),
        mail_from=MAIL_FROM,
    )
    assert (found.request_ids, found.routed_by) == ([request.id], "reference")
    near = route(session, _mail(subject="W004512-1125267"), mail_from=MAIL_FROM)
    assert near.request_ids == []  # a longer number that merely starts the same


def test_one_message_several_requests(session: Session) -> None:
    first, second = _request(session), _request(session, name="Second PD")
    found = route(
        session,
        _mail(
            to=[
                f"records+{first.reply_token}@newsroom.example.org",
                f"records+{second.reply_token}@newsroom.example.org",
            ]
        ),
        mail_from=MAIL_FROM,
    )
    assert found.request_ids == sorted([first.id, second.id])


def test_sender_suggests_but_does_not_route(session: Session) -> None:
    request = _request(session, email="foia@troymi.example.gov")
    found = route(
        session,
        _mail(from_address="clerk@troymi.example.gov", subject="Your request"),
        mail_from=MAIL_FROM,
    )
    assert found.request_ids == [] and found.suggested_request_id == request.id
    _request(session, name="Troy Police Department", email="foia@troymi.example.gov")
    two = route(session, _mail(from_address="clerk@troymi.example.gov"), mail_from=MAIL_FROM)
    assert two.suggested_request_id is None  # two agencies share the domain now


def test_remembered_sender_routes_by_itself(session: Session) -> None:
    request = _request(session, name="Denver Police Department")
    session.add(SenderRule(sender="noreply@portal.example.com", agency_id=request.agency_id))
    session.flush()
    found = route(session, _mail(from_address="noreply@portal.example.com"), mail_from=MAIL_FROM)
    assert (found.request_ids, found.routed_by) == ([request.id], "sender")


def test_free_mail_domains_say_nothing(session: Session) -> None:
    _request(session, email="chief@gmail.com")
    found = route(session, _mail(from_address="someone.else@gmail.com"), mail_from=MAIL_FROM)
    assert found.suggested_request_id is None and found.request_ids == []


def test_our_own_messages_are_outgoing(session: Session) -> None:
    request = _request(session)
    assert is_outgoing(
        session,
        _mail(from_address=f"records+{request.reply_token}@newsroom.example.org"),
        MAIL_FROM,
    )
    session.add(
        OutboundMessage(
            request_id=request.id,
            message_id="<sent@x>",
            from_address="a@x",
            to_address="b@y",
            subject="s",
            attempts=1,
        )
    )
    session.flush()
    assert is_outgoing(session, _mail(message_id="<sent@x>"), MAIL_FROM)
    assert not is_outgoing(session, _mail(), MAIL_FROM)
