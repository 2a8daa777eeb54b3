"""Which request(s) an incoming message belongs to.

In order, as the issue and alaveteli's request_mailer do it: the per-request reply address
(plus-token in To, Cc, Delivered-To or X-Original-To, tolerant of one retyped character when
exactly one request fits), In-Reply-To/References naming a message we sent, the subject tag,
an agency reference number or portal case id recorded on a request, then the sender: a
remembered sender or the agency's address or domain, when it points to exactly one agency
with exactly one open request. Anything else waits in the inbox for a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parseaddr

from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.letters.models import OutboundMessage
from foiatrack.domain.letters.services import SUBJECT_TAG_PATTERN
from foiatrack.domain.mail.models import SenderRule
from foiatrack.domain.mail.parsing import ParsedMessage
from foiatrack.domain.requests.models import CLOSED_STATUSES, RecordsRequest, RequestReference
from foiatrack.domain.requests.services import TOKEN_ALPHABET, TOKEN_LENGTH

_TOKEN = re.compile(rf"^[{TOKEN_ALPHABET}]{{{TOKEN_LENGTH - 1},{TOKEN_LENGTH + 1}}}$")
#: references shorter than this are too likely to appear by chance in a message
MIN_REFERENCE_LENGTH = 5
#: big free-mail domains: a matching domain says nothing about the agency
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "aol.com",
        "icloud.com",
        "comcast.net",
        "proton.me",
    }
)


@dataclass
class Route:
    """Where a message goes: requests (with how each was found) or the inbox."""

    request_ids: list[int] = field(default_factory=list)
    routed_by: str = ""
    #: for the inbox: a request the sender points to, offered to the editor in one click
    suggested_request_id: int | None = None
    reason: str = ""

    @property
    def is_routed(self) -> bool:
        return bool(self.request_ids)


def our_addresses(mail_from: str) -> tuple[str, str]:
    """(local part, domain) of the configured mailbox; plus-tokens hang off the local part."""
    _, address = parseaddr(mail_from)
    local, _, domain = address.lower().partition("@")
    return local.split("+")[0], domain


def is_outgoing(session: Session, parsed: ParsedMessage, mail_from: str) -> bool:
    """A message we sent ourselves, come back through the mailbox (a copy, a bounce loop)."""
    if parsed.message_id and session.scalar(
        select(OutboundMessage.id).where(OutboundMessage.message_id == parsed.message_id)
    ):
        return True
    local, domain = our_addresses(mail_from)
    sender_local, _, sender_domain = parsed.from_address.partition("@")
    return bool(local) and sender_domain == domain and sender_local.split("+")[0] == local


def route(session: Session, parsed: ParsedMessage, *, mail_from: str) -> Route:
    """Decide where the message goes; reads the database, changes nothing."""
    for rule in (_by_reply_address, _by_thread, _by_subject_tag, _by_reference):
        found = rule(session, parsed, mail_from)
        if found.is_routed:
            return found
    return _by_sender(session, parsed)


def _by_reply_address(session: Session, parsed: ParsedMessage, mail_from: str) -> Route:
    local, domain = our_addresses(mail_from)
    tokens = set()
    for address in [*parsed.to, *parsed.cc, *parsed.delivered_to]:
        address_local, _, address_domain = address.partition("@")
        base, plus, token = address_local.partition("+")
        if plus and base == local and (not domain or address_domain == domain) and token:
            tokens.add(token.lower())
    if not tokens:
        return Route()
    exact = list(
        session.scalars(select(RecordsRequest.id).where(RecordsRequest.reply_token.in_(tokens)))
    )
    if exact:
        return Route(sorted(set(exact)), "reply_address")
    # A retyped token (one wrong, missing or extra character) still routes when exactly one
    # request is that close; two candidates would be a guess, so it goes to the inbox.
    candidates = [t for t in tokens if _TOKEN.match(t)]
    if not candidates:
        return Route()
    close = {
        rid
        for rid, known in session.execute(
            select(RecordsRequest.id, RecordsRequest.reply_token).where(
                RecordsRequest.reply_token.is_not(None)
            )
        )
        if any(Levenshtein.distance(known, t, score_cutoff=1) <= 1 for t in candidates)
    }
    if len(close) == 1:
        return Route(sorted(close), "reply_address", reason="retyped reply token")
    return Route()


def _by_thread(session: Session, parsed: ParsedMessage, mail_from: str) -> Route:
    ids = [i for i in [parsed.in_reply_to, *parsed.references] if i]
    if not ids:
        return Route()
    found = set(
        session.scalars(
            select(OutboundMessage.request_id).where(OutboundMessage.message_id.in_(ids))
        )
    )
    return Route(sorted(found), "in_reply_to") if found else Route()


def _by_subject_tag(session: Session, parsed: ParsedMessage, mail_from: str) -> Route:
    ids = {int(m) for m in SUBJECT_TAG_PATTERN.findall(parsed.subject)}
    if not ids:
        return Route()
    found = set(session.scalars(select(RecordsRequest.id).where(RecordsRequest.id.in_(ids))))
    return Route(sorted(found), "subject_tag") if found else Route()


def _by_reference(session: Session, parsed: ParsedMessage, mail_from: str) -> Route:
    """An agency's own number or a portal's case id, recorded on a request, in the subject
    (portals such as GovQA and NextRequest put it there) or the first lines of the body."""
    haystack = f"{parsed.subject}\n{parsed.body_text[:2000]}".lower()
    if not haystack.strip():
        return Route()
    references = session.execute(
        select(RequestReference.number, RequestReference.request_id).where(
            func.length(RequestReference.number) >= MIN_REFERENCE_LENGTH
        )
    )
    found = set()
    for number, request_id in references:
        needle = number.lower()
        # The plain substring test rules out almost every number before a regular expression
        # (compiled per number) has to confirm the word boundaries.
        if needle not in haystack:
            continue
        pattern = rf"(?<![\w-]){re.escape(needle)}(?![\w-])"
        if re.search(pattern, haystack):
            found.add(request_id)
    return Route(sorted(found), "reference") if found else Route()


def _by_sender(session: Session, parsed: ParsedMessage) -> Route:
    sender = parsed.from_address
    if "@" not in sender:
        return Route(reason="no sender address")
    domain = sender.rpartition("@")[2]
    rule = session.scalar(
        select(SenderRule)
        .where(SenderRule.sender.in_([sender, f"@{domain}"]))
        .order_by(func.length(SenderRule.sender).desc())
    )
    if rule is not None:
        agencies = [rule.agency_id]
        remembered = True
    else:
        remembered = False
        conditions = [func.lower(Agency.email) == sender]
        if domain not in PUBLIC_MAIL_DOMAINS:
            conditions.append(func.lower(Agency.email).like(f"%@{domain}"))
        agencies = list(session.scalars(select(Agency.id).where(or_(*conditions))))
    if len(set(agencies)) != 1:
        return Route(reason="the sender matches no single agency")
    open_requests = list(
        session.scalars(
            select(RecordsRequest.id).where(
                RecordsRequest.agency_id == agencies[0],
                RecordsRequest.status.not_in([s.value for s in CLOSED_STATUSES]),
                RecordsRequest.filed_on.is_not(None),
            )
        )
    )
    if len(open_requests) != 1:
        return Route(reason="the sender's agency has no single open request")
    if remembered:
        return Route(open_requests, "sender")
    return Route(
        suggested_request_id=open_requests[0],
        reason=f"the sender's address matches {sender if sender else domain}",
    )
