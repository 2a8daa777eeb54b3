"""Realistic, deterministic data for the benchmarks, built through the real domain services.

Everything random comes from one `random.Random(seed)`, and the random draws never depend on
what the database returns, so the same seed and `today` give the same agencies, the same
timelines and (through the deadline engine) the same due dates on SQLite and PostgreSQL.

Planning is kept apart from applying: `plan_requests` is pure and says what happens to each
request and when; `build_workload` creates it with `create_request` and the lifecycle actions,
so statuses, timelines and due dates are exactly what the app would have stored. Generators for
documents and e-mails can be added the same way: a pure `plan_*` function drawing from the
shared generator, and an `add_*` function applying the plan through the services.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import math
import random
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.accounts.services import create_user
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.agencies.naming import name_key
from foiatrack.domain.agencies.services import AgencyFields, create_agency
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.reference import load_reference_data
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import (
    Campaign,
    Fee,
    FeeStatus,
    FilingMethod,
    RecordsRequest,
    Status,
)
from foiatrack.domain.requests.services import (
    TOKEN_ALPHABET,
    TOKEN_LENGTH,
    create_campaign,
    create_request,
)
from foiatrack.domain.requests.workflow import Action
from tests.data.mail.make_samples import pdf_file

#: the period requests are spread over
HISTORY_DAYS = 730

# Place names that exist in many states, so "<City> Police Department" reads like a real one.
CITIES = (
    "Springfield", "Franklin", "Greenville", "Clinton", "Madison", "Salem", "Georgetown",
    "Fairview", "Riverside", "Bristol", "Arlington", "Ashland", "Burlington", "Manchester",
    "Oxford", "Jackson", "Milton", "Newport", "Dover", "Hudson", "Lexington", "Marion",
    "Oakland", "Auburn", "Dayton", "Lebanon", "Mount Vernon", "Centerville", "Chester",
    "Kingston", "Winchester", "Cleveland", "Troy", "Warren", "Columbia", "Jefferson",
    "Lancaster", "Princeton", "Plymouth", "Hamilton", "Richmond", "Florence", "Canton",
    "Bedford", "Fayetteville", "Harrison", "Highland", "Lakewood", "Maple Grove", "Monroe",
    "Newton", "Norwood", "Oak Park", "Orange", "Pleasant Hill", "Portland", "Quincy",
    "Rochester", "Shelby", "Smithville", "Stanton", "Sterling", "Union City", "Vienna",
    "Waverly", "Westfield", "Wilmington", "Woodstock", "Cedar Rapids", "Elmwood", "Glendale",
    "Hampton", "Hillsboro", "Independence", "Kent", "Lakeview", "Liberty", "Lincoln",
    "Mansfield", "Medina", "Middletown", "Milford", "Morgantown", "Newark", "Northfield",
    "Paris", "Pine Bluff", "Rockford", "Round Rock", "Sandy Springs", "Somerset", "Sparta",
    "Summit", "Sunnyvale", "Taylor", "Vernon", "Wayne", "Williamsburg", "Winfield",
)  # fmt: skip
COUNTIES = (
    "Washington", "Jefferson", "Franklin", "Jackson", "Lincoln", "Madison", "Montgomery",
    "Clay", "Marion", "Monroe", "Wayne", "Union", "Warren", "Greene", "Johnson", "Polk",
    "Carroll", "Grant", "Hamilton", "Lake", "Lee", "Marshall", "Douglas", "Clark", "Adams",
    "Brown", "Butler", "Calhoun", "Crawford", "Fayette", "Hancock", "Harrison", "Henry",
    "Knox", "Lawrence", "Logan", "Morgan", "Perry", "Pike", "Putnam", "Scott", "Shelby",
    "Benton", "Boone", "Cass", "Clinton", "Dallas", "Decatur", "Hardin", "Howard",
)  # fmt: skip
CAMPAIGN_TOPICS = (
    "Ring partnership agreements and MOUs",
    "Neighbors app video requests",
    "Ring Law Enforcement Portal training materials",
    "Communications with Amazon and Ring staff",
    "Camera registry and doorbell subsidy programmes",
    "Emergency disclosure requests to Ring",
    "Ring talking points and press approvals",
    "Fusus and real-time crime centre integrations",
)
TAGS = ("priority", "press", "follow-up", "appeal-candidate", "litigation", "portal", "mou")
EXEMPTIONS = (
    "ongoing investigation exemption",
    "security plan exemption",
    "trade secrets (vendor agreement)",
    "personal privacy",
    "none cited",
)
FILING_METHODS = ((FilingMethod.EMAIL, 60), (FilingMethod.PORTAL, 30), (FilingMethod.POST, 10))
OUTCOMES = (("fulfil", 38), ("partial", 20), ("no_records", 20), ("deny", 22))


@dataclass(frozen=True)
class Step:
    """One thing that happens to a request: a lifecycle action on a day, with its options."""

    action: str
    on: dt.date
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CampaignPlan:
    name: str
    launched_on: dt.date
    #: share of the agencies this campaign writes to
    reach: float


@dataclass(frozen=True)
class RequestPlan:
    agency: int
    campaign: int | None
    #: the day the request is filed; after `today` it stays a draft
    filed_on: dt.date
    steps: tuple[Step, ...]
    assignee: int | None
    tags: tuple[str, ...]


@dataclass
class Workload:
    """What was built, for the benchmark's description."""

    seed: int
    today: dt.date
    agencies: int
    campaigns: int
    requests: int
    users: int
    statuses: Counter[str]
    seconds: float

    def describe(self) -> str:
        return (
            f"{self.requests:,} requests, {self.agencies:,} agencies, {self.campaigns} campaigns "
            f"over {HISTORY_DAYS // 365} years (seed {self.seed})"
        )

    def status_mix(self) -> str:
        """The statuses, most common first, as shares."""
        return ", ".join(
            f"{status.replace('_', ' ')} {n / self.requests:.0%}"
            for status, n in self.statuses.most_common()
        )


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _lognormal_days(rng: random.Random, median: float, sigma: float = 0.7) -> int:
    return max(1, round(rng.lognormvariate(math.log(median), sigma)))


# ---------------------------------------------------------------------------------------------
# Plans: pure functions of the random generator and `today`
# ---------------------------------------------------------------------------------------------


def agency_names(rng: random.Random, states: Sequence[str]) -> Iterator[tuple[str, str]]:
    """Distinct (name, state) pairs, city police departments and county sheriffs, until none
    are left."""
    seen: set[tuple[str, str]] = set()
    capacity = len(states) * (len(CITIES) + len(COUNTIES))
    while len(seen) < capacity:
        state = rng.choice(states)
        if rng.random() < 0.75:
            name = f"{rng.choice(CITIES)} Police Department"
        else:
            name = f"{rng.choice(COUNTIES)} County Sheriff's Office"
        if (name, state) not in seen:
            seen.add((name, state))
            yield name, state


def plan_campaigns(rng: random.Random, count: int, today: dt.date) -> list[CampaignPlan]:
    """Campaigns launched at regular intervals over the period, each reaching many agencies."""
    start = today - dt.timedelta(days=HISTORY_DAYS)
    step = HISTORY_DAYS / max(count, 1)
    plans = []
    for i in range(count):
        # The last campaign is still being sent, so some of its requests are drafts.
        launched = start + dt.timedelta(days=round((i + 1) * step) - rng.randint(5, 25))
        topic = CAMPAIGN_TOPICS[i % len(CAMPAIGN_TOPICS)]
        plans.append(CampaignPlan(f"{topic} ({launched:%b %Y})", launched, rng.uniform(0.5, 1.0)))
    return plans


def plan_steps(rng: random.Random, filed_on: dt.date, today: dt.date) -> tuple[Step, ...]:
    """What the agency (and we) did after filing, stopping at `today`.

    About one agency in six never answers, so the overdue bucket stays realistic; the others
    answer after a log-normal delay (median about a month, a long tail past the deadline).
    """
    steps = [Step("file", filed_on, {"method": _weighted(rng, FILING_METHODS)})]
    day = filed_on

    def then(action: str, after: int, **options: Any) -> None:
        nonlocal day
        day = day + dt.timedelta(days=after)
        steps.append(Step(action, day, options))

    if rng.random() < 0.03:
        then("withdraw", rng.randint(1, 60), reason="duplicate of another request")
        return _until(steps, today)
    if rng.random() < 0.6:
        reference = f"PRR-{filed_on.year}-{rng.randint(100, 99999)}" if rng.random() < 0.5 else ""
        then("acknowledge", rng.randint(1, 7), reference=reference)
    if rng.random() < 0.15:
        then("extend", rng.randint(3, 15), days=rng.choice((5, 10, 14, 30)))
    if rng.random() < 0.17:
        return _until(steps, today)  # the agency goes silent
    interim = rng.random()
    if interim < 0.12:
        then("fee", rng.randint(5, 30), amount_cents=rng.randint(10, 900) * 100)
        settle = rng.random()
        if settle < 0.3:
            then("withdraw", rng.randint(30, 90), reason="the fee was not worth paying")
            return _until(steps, today)
        if settle < 0.8:
            then("pay_fee", rng.randint(3, 30), status=FeeStatus.PAID)
        else:
            return _until(steps, today)
    elif interim < 0.17:
        then("clarification", rng.randint(3, 20), question="Which date range is meant?")
        if rng.random() < 0.75:
            then("clarify", rng.randint(1, 14), note="Since 2018.")
        else:
            return _until(steps, today)
    outcome = _weighted(rng, OUTCOMES)
    then(outcome, _lognormal_days(rng, 25), **_outcome_options(rng, outcome))
    if outcome == "partial" and rng.random() < 0.6:
        then("fulfil", _lognormal_days(rng, 30))
    elif outcome in ("deny", "no_records") and rng.random() < 0.3:
        then("appeal", rng.randint(5, 25))
        if rng.random() < 0.5:
            final = rng.choice(("fulfil", "deny"))
            then(final, rng.randint(20, 60), **_outcome_options(rng, final))
    return _until(steps, today)


def _outcome_options(rng: random.Random, outcome: str) -> dict[str, Any]:
    return {"exemptions": rng.choice(EXEMPTIONS)} if outcome == "deny" else {}


def _until(steps: list[Step], today: dt.date) -> tuple[Step, ...]:
    return tuple(s for s in steps if s.on <= today)


def plan_requests(
    rng: random.Random,
    count: int,
    *,
    agencies: int,
    campaigns: Sequence[CampaignPlan],
    users: int,
    today: dt.date,
) -> list[RequestPlan]:
    """`count` requests: nine in ten belong to a campaign and are filed in the weeks after its
    launch; the rest are one-off requests filed any day of the period."""
    start = today - dt.timedelta(days=HISTORY_DAYS)
    plans = []
    for _ in range(count):
        if campaigns and rng.random() < 0.9:
            campaign: int | None = rng.randrange(len(campaigns))
            filed = campaigns[campaign].launched_on + dt.timedelta(days=rng.randint(0, 28))
        else:
            campaign = None
            filed = start + dt.timedelta(days=rng.randint(0, HISTORY_DAYS))
        steps = plan_steps(rng, filed, today) if filed <= today else ()
        assignee = rng.randrange(users) if users and rng.random() < 0.7 else None
        tags = (
            tuple(sorted(set(rng.sample(TAGS, rng.randint(1, 2))))) if rng.random() < 0.25 else ()
        )
        plans.append(RequestPlan(rng.randrange(agencies), campaign, filed, steps, assignee, tags))
    return plans


# ---------------------------------------------------------------------------------------------
# Building: the plans applied through the domain services
# ---------------------------------------------------------------------------------------------


def add_users(session: Session, count: int, *, password: str) -> list[User]:
    """Editors who get requests assigned to them."""
    return [
        create_user(session, f"reporter{i + 1}@example.org", password, role=Role.EDITOR)
        for i in range(count)
    ]


def add_agencies(session: Session, rng: random.Random, count: int) -> list[Agency]:
    """The shipped Ring partners, then generated departments across every state."""
    load_reference_data(session)
    ring = list(session.scalars(select(Agency).order_by(Agency.id)))
    states = sorted(c for c in session.scalars(select(Jurisdiction.code)) if c != "US")
    taken = {(a.name_key, a.state) for a in ring}
    agencies = list(ring)
    names = agency_names(rng, states)
    while len(agencies) < count:
        name, state = next(names)
        if (name_key(name), state) in taken:
            continue
        city = name.removesuffix(" Police Department") if "Police" in name else ""
        county = name.removesuffix(" County Sheriff's Office") if not city else ""
        slug = name_key(name).replace(" ", "-")
        fields = AgencyFields(
            name=name,
            state=state,
            city=city,
            county=county,
            email=f"records@{slug}.{state.lower()}.example.org",
        )
        agencies.append(create_agency(session, fields))
    return agencies


@contextmanager
def deferred_flushes(session: Session | scoped_session[Session]) -> Iterator[Callable[[], None]]:
    """Inside the block the services' own `flush()` calls (and autoflush) do nothing; the
    yielded function flushes for real.

    Services flush after every action, which at benchmark scale costs more than the actions
    themselves (five flushes per request). The objects, values and due dates are the same; they
    only reach the database in batches.
    """
    real = session() if isinstance(session, scoped_session) else session

    def flush_now() -> None:
        Session.flush(real)

    real.flush = lambda objects=None: None  # type: ignore[method-assign]
    try:
        yield flush_now
    finally:
        del real.flush


def _apply(
    session: Session,
    request: RecordsRequest,
    step: Step,
    *,
    today: dt.date,
    actor: User | None,
    fees: list[Fee],
    flush: Callable[[], None],
) -> None:
    clock = Clock(today, step.on)
    o = step.options
    match step.action:
        case "file":
            lifecycle.file_request(session, request, actor=actor, clock=clock, method=o["method"])
        case "acknowledge":
            lifecycle.acknowledge(session, request, actor=actor, clock=clock, **o)
        case "extend":
            lifecycle.extend(session, request, actor=actor, clock=clock, days=o["days"])
        case "fee":
            fees.append(lifecycle.request_fee(session, request, actor=actor, clock=clock, **o))
        case "pay_fee":
            flush()  # the timeline entry records the fee's id
            lifecycle.update_fee(session, fees[-1], o["status"], actor=actor, clock=clock)
        case "clarification":
            lifecycle.request_clarification(session, request, actor=actor, clock=clock, **o)
        case "clarify":
            lifecycle.clarify(session, request, actor=actor, clock=clock, **o)
        case "partial" | "fulfil" | "no_records":
            action = {
                "partial": Action.PARTIAL_RESPONSE,
                "fulfil": Action.FULFIL,
                "no_records": Action.NO_RECORDS,
            }[step.action]
            lifecycle.record_response(session, request, action, actor=actor, clock=clock)
        case "deny":
            lifecycle.deny(session, request, actor=actor, clock=clock, **o)
        case "appeal":
            lifecycle.appeal(session, request, actor=actor, clock=clock)
        case "withdraw":
            lifecycle.withdraw(session, request, actor=actor, clock=clock, **o)
        case _:
            raise ValueError(f"unknown step {step.action!r}")


def _build_request(
    session: Session,
    plan: RequestPlan,
    today: dt.date,
    agencies: Sequence[Agency],
    campaigns: Sequence[Campaign],
    users: Sequence[User],
    flush: Callable[[], None],
) -> str:
    actor = users[plan.assignee] if plan.assignee is not None else None
    campaign = campaigns[plan.campaign] if plan.campaign is not None else None
    request = create_request(
        session,
        agencies[plan.agency],
        title=campaign.name if campaign else "Records about the department's Ring partnership",
        campaign=campaign,
        actor=actor,
    )
    fees: list[Fee] = []
    for step in plan.steps:
        _apply(session, request, step, today=today, actor=actor, fees=fees, flush=flush)
    if actor is not None:
        lifecycle.assign(session, request, actor, actor=actor)
    for tag in plan.tags:
        lifecycle.add_tag(session, request, tag, actor=actor)
    return Status(request.status).value


def build_workload(
    session: Session,
    *,
    seed: int,
    requests: int,
    today: dt.date,
    agencies: int | None = None,
    campaigns: int = 8,
    users: int = 5,
    password: str = "benchmark-password",  # noqa: S107 - throwaway benchmark accounts
    flush_every: int = 500,
) -> Workload:
    """Agencies, users, campaigns and `requests` requests with their whole timelines.

    Like the services, it flushes (every `flush_every` requests) but never commits: the caller
    commits once, or rolls back. One transaction is also the fastest way to write it all, as
    nothing loaded is expired half-way.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    agency_count = agencies or min(2500, max(40, requests // 6))
    agency_rows = add_agencies(session, rng, agency_count)
    user_rows = add_users(session, users, password=password)
    campaign_plans = plan_campaigns(rng, campaigns, today)
    campaign_rows: list[Campaign] = [
        create_campaign(session, plan.name, actor=None) for plan in campaign_plans
    ]
    plans = plan_requests(
        rng,
        requests,
        agencies=len(agency_rows),
        campaigns=campaign_plans,
        users=len(user_rows),
        today=today,
    )
    statuses: Counter[str] = Counter()
    with deferred_flushes(session) as flush:
        for done, plan in enumerate(plans, start=1):
            statuses[
                _build_request(session, plan, today, agency_rows, campaign_rows, user_rows, flush)
            ] += 1
            if done % flush_every == 0:
                flush()
        flush()
    return Workload(
        seed=seed,
        today=today,
        agencies=len(agency_rows),
        campaigns=len(campaign_rows),
        requests=requests,
        users=len(user_rows),
        statuses=statuses,
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------
# E-mails from agencies, with PDF attachments
# ---------------------------------------------------------------------------------------------

#: the newsroom's mailbox the replies come to; plus-addresses (foia+<token>@...) hang off it
OUR_ADDRESS = "foia@newsroom.example.org"
OUR_NAME = "FOIA Desk"
#: what agencies answer with, and how often
REPLY_KINDS = (
    ("acknowledgement", 24),
    ("extension", 14),
    ("records", 36),
    ("fee", 8),
    ("denial", 10),
    ("no_records", 8),
)
#: how a reply finds its request: the subject tag we send ("[FOIA FT-<id>]"), the request's
#: reply address (foia+<token>@), or neither (it waits in the inbox for a person)
MAIL_ROUTES = (("subject_tag", 45), ("reply_address", 25), ("unrouted", 30))
CLERKS = (
    "Dana Whitfield", "Marcus Ortega", "Priya Raman", "Linda Kowalski", "James O'Neill",
    "Teresa Nguyen", "Robert Hale", "Angela Brooks", "Samuel Price", "Karen Lindqvist",
)  # fmt: skip
PORTALS = ("govqa.example.com", "nextrequest.example.com", "justfoia.example.com")
RECORD_TITLES = (
    "Ring partnership MOU", "Neighbors Portal video requests", "E-mail export", "Invoice",
    "Training slides", "Camera registry", "Press approvals", "Meeting minutes",
    "Portal request log", "Purchase order", "Talking points", "Council memo",
)  # fmt: skip
# Words of the records' pages: what Ring partnership files are made of.
RECORD_WORDS = (
    "the", "of", "and", "to", "a", "in", "for", "is", "on", "that", "by", "with", "as", "at",
    "be", "this", "from", "or", "are", "will", "department", "police", "ring", "neighbors",
    "portal", "video", "request", "requests", "camera", "cameras", "footage", "residents",
    "agreement", "memorandum", "understanding", "amazon", "law", "enforcement", "officer",
    "officers", "sergeant", "chief", "city", "county", "council", "program", "subsidy",
    "doorbell", "doorbells", "registry", "incident", "investigation", "case", "number",
    "evidence", "sharing", "public", "safety", "community", "outreach", "training", "session",
    "press", "release", "approval", "social", "media", "post", "posts", "app", "users",
    "downloads", "metrics", "quarterly", "report", "meeting", "minutes", "agenda", "budget",
    "invoice", "purchase", "order", "vendor", "contract", "terms", "conditions", "data",
    "retention", "policy", "privacy", "consent", "owner", "owners", "address", "map",
    "heat", "area", "active", "partner", "partners", "coordinator", "email", "attached",
    "please", "review", "draft", "final", "version", "signed", "date", "time", "pm", "am",
    "monday", "tuesday", "wednesday", "thursday", "friday", "january", "march", "june",
    "october", "2019", "2020", "2021", "2022", "2023", "thanks", "regards", "follow", "up",
    "questions", "concerns", "discussed", "agreed", "next", "steps", "schedule", "call",
)  # fmt: skip
LETTERHEAD_SIZE = (240, 60)
PAGE_LINES = (44, 52)


@dataclass(frozen=True)
class PdfPlan:
    """One attached PDF: its pages are drawn at rendering time from `seed`, so a plan of a
    thousand messages stays small."""

    filename: str
    title: str
    pages: int
    seed: int


@dataclass(frozen=True)
class EmailPlan:
    number: int
    kind: str
    #: "subject_tag", "reply_address" or "unrouted"
    route: str
    #: which of the answered requests (an index into the targets), None for a sender we cannot
    #: place (a records portal's no-reply address)
    target: int | None
    sent: dt.datetime
    clerk: str
    reference: str
    #: days of an extension, cents of a fee
    amount: int
    html: bool
    #: our request letter quoted below the reply
    quoted: bool
    attachments: tuple[PdfPlan, ...]

    @property
    def pages(self) -> int:
        return sum(a.pages for a in self.attachments)


@dataclass(frozen=True)
class MailTarget:
    """What a reply needs to know about the request it answers (read from the database)."""

    request_id: int
    reply_token: str
    title: str
    agency: str
    agency_email: str


def _pdf(rng: random.Random, name: str, title: str, pages: int) -> PdfPlan:
    return PdfPlan(name, title, pages, rng.getrandbits(48))


def plan_emails(rng: random.Random, count: int, *, targets: int, today: dt.date) -> list[EmailPlan]:
    """`count` agency replies to `targets` requests, each with one or more PDF attachments:
    a letter of one or two pages for acknowledgements, extensions, fees and refusals; one to
    three files of 1 to 10 pages for a release of records."""
    if targets < 1:
        raise ValueError("replies need at least one request to answer")
    plans = []
    for number in range(1, count + 1):
        kind = _weighted(rng, REPLY_KINDS)
        route = _weighted(rng, MAIL_ROUTES)
        # Unrouted mail comes from an agency's own address (without our tag or token) or,
        # for two in five, from a records portal that names only its own case number.
        portal = route == "unrouted" and rng.random() < 0.4
        target = None if portal else rng.randrange(targets)
        sent = dt.datetime.combine(
            today - dt.timedelta(days=rng.randint(0, 60)), dt.time(), tzinfo=dt.UTC
        ) + dt.timedelta(seconds=rng.randint(7 * 3600, 18 * 3600))
        reference = (
            f"{rng.choice(('PRR', 'R', 'W'))}{sent.year % 100:02d}-{rng.randint(100, 99999)}"
        )
        amount = rng.choice((10, 15, 20, 30)) if kind == "extension" else rng.randint(5, 400) * 500
        if kind == "records":
            titles = rng.sample(RECORD_TITLES, rng.randint(1, 3))
            attachments = tuple(
                _pdf(rng, f"{t.replace(' ', '_')}_{number}.pdf", t, rng.randint(1, 10))
                for t in titles
            )
        else:
            pages = 1 if kind in ("acknowledgement", "no_records") else rng.randint(1, 2)
            if kind == "denial":
                pages = rng.randint(1, 3)
            letter = f"{kind.replace('_', ' ').title()} letter"
            attachments = (_pdf(rng, f"{kind}_letter_{number}.pdf", letter, pages),)
        plans.append(
            EmailPlan(
                number=number,
                kind=kind,
                route=route,
                target=target,
                sent=sent,
                clerk=rng.choice(CLERKS),
                reference=reference,
                amount=amount,
                html=rng.random() < 0.6,
                quoted=rng.random() < 0.5,
                attachments=attachments,
            )
        )
    return plans


def mail_targets(session: Session) -> list[MailTarget]:
    """The filed requests, in id order, as replies address them."""
    rows = session.execute(
        select(RecordsRequest, Agency)
        .join(RecordsRequest.agency)
        .where(RecordsRequest.filed_on.is_not(None))
        .order_by(RecordsRequest.id)
    )
    targets = []
    for request, agency in rows:
        slug = name_key(agency.name).replace(" ", "-")
        targets.append(
            MailTarget(
                request_id=request.id,
                reply_token=request.reply_token or "",
                title=request.title,
                agency=agency.name,
                agency_email=agency.email or f"records@{slug}.example.gov",
            )
        )
    return targets


def seed_reply_tokens(session: Session, rng: random.Random) -> None:
    """Give every request a reply token drawn from `rng`.

    `create_request` draws tokens from `secrets`, so two databases built from one seed have
    different ones; with these, one mailbox of replies routes the same way in every database.
    """
    taken: set[str] = set()
    for request in session.scalars(select(RecordsRequest).order_by(RecordsRequest.id)):
        token = ""
        while not token or token in taken:
            token = "".join(rng.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
        taken.add(token)
        request.reply_token = token
    session.flush()


def _reply_paragraphs(plan: EmailPlan, title: str) -> list[str]:
    received = (plan.sent - dt.timedelta(days=12)).date()
    match plan.kind:
        case "acknowledgement":
            return [
                f"This e-mail acknowledges receipt of your public records request received on "
                f"{received:%B %d, %Y}, regarding {title}.",
                f"Your request has been assigned reference number {plan.reference}. Please "
                "use this number in any correspondence about the request.",
                "The acknowledgement letter is attached.",
            ]
        case "extension":
            until = plan.sent.date() + dt.timedelta(days=plan.amount + plan.amount // 2)
            return [
                f"Regarding your request {plan.reference} about {title}: because of the volume "
                f"of responsive records, we need an additional {plan.amount} business days to "
                "respond.",
                f"We anticipate a response by {until:%B %d, %Y}. The extension letter is attached.",
            ]
        case "records":
            files = ", ".join(a.filename for a in plan.attachments)
            return [
                f"Please find attached the records responsive to your request {plan.reference} "
                f"regarding {title}: {files}.",
                "Some personal information has been redacted. This completes our response.",
            ]
        case "fee":
            return [
                f"The estimated cost to fulfil your request {plan.reference} is "
                f"${plan.amount / 100:,.2f}, for staff time to search for and review the "
                "records.",
                "Please remit payment within 30 days; the invoice is attached.",
            ]
        case "denial":
            return [
                f"Your request {plan.reference} regarding {title} is denied. The records are "
                "exempt from disclosure under the ongoing investigation exemption.",
                "The determination letter explaining your appeal rights is attached.",
            ]
        case _:
            return [
                f"After a diligent search, we did not locate any records responsive to your "
                f"request {plan.reference} regarding {title}.",
                "The attached letter closes the request.",
            ]


def _subject(plan: EmailPlan, target: MailTarget | None) -> str:
    what = {
        "acknowledgement": "Acknowledgement of public records request",
        "extension": "Extension of time to respond",
        "records": "Records release",
        "fee": "Fee estimate for your records request",
        "denial": "Determination on your records request",
        "no_records": "No responsive records",
    }[plan.kind]
    if plan.route == "subject_tag" and target is not None:
        return f"RE: {target.title} [FOIA FT-{target.request_id}]"
    return f"{what} {plan.reference}"


def _html(paragraphs: Sequence[str]) -> str:
    body = "".join(
        "<p>" + p.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</p>"
        for p in paragraphs
    )
    return f'<html><body><div style="font-family:Calibri,sans-serif">{body}</div></body></html>'


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def email_bytes(
    plan: EmailPlan, target: MailTarget | None, *, our_address: str = OUR_ADDRESS
) -> bytes:
    """The reply as the agency's mail server delivered it (CRLF line ends, base64 PDFs)."""
    local, _, domain = our_address.partition("@")
    if target is None:
        portal = PORTALS[plan.number % len(PORTALS)]
        sender = f'"Records Portal" <no-reply@{portal}>'
        sender_domain = portal
        title = "your records request"
        agency = "Public Records Center"
    else:
        sender = f'"{plan.clerk}" <{target.agency_email}>'
        sender_domain = target.agency_email.partition("@")[2]
        title = target.title
        agency = target.agency
    to = (
        f"{local}+{target.reply_token}@{domain}"
        if plan.route == "reply_address" and target is not None
        else our_address
    )
    paragraphs = [
        "Good afternoon,",
        *_reply_paragraphs(plan, title),
        f"Sincerely,\n{plan.clerk}\nRecords Unit\n{agency}",
    ]
    if plan.quoted:
        paragraphs += [
            "-----Original Message-----\n"
            f"From: {OUR_NAME} <{our_address}>\n"
            f"Sent: {plan.sent - dt.timedelta(days=12):%A, %B %d, %Y %I:%M %p}\n"
            f"Subject: Public records request: {title}",
            "Under the state public records law, I request copies of all agreements, "
            "memoranda of understanding and correspondence between the department and Ring "
            "LLC or Amazon, including Neighbors Portal video requests, since January 1, 2018. "
            "Please provide the records electronically. I ask for a waiver of fees, as the "
            "records will be published in the public interest.",
        ]
    text = "\r\n\r\n".join(p.replace("\n", "\r\n") for p in paragraphs) + "\r\n"
    mixed = f"mixed-{plan.number:06d}"
    head = (
        f"From: {sender}\r\n"
        f"To: {to}\r\n"
        f"Subject: {_subject(plan, target)}\r\n"
        f"Date: {email.utils.format_datetime(plan.sent)}\r\n"
        f"Message-ID: <{plan.number}.{plan.reference.lower()}@mail.{sender_domain}>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{mixed}"\r\n\r\n'
    )
    out = [head.encode(), f"--{mixed}\r\n".encode()]
    if plan.html:
        alt = f"alt-{plan.number:06d}"
        out += [
            f'Content-Type: multipart/alternative; boundary="{alt}"\r\n\r\n'.encode(),
            f"--{alt}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n".encode(),
            text.encode(),
            f"--{alt}\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n".encode(),
            _b64(_html(paragraphs).encode()),
            f"--{alt}--\r\n".encode(),
        ]
    else:
        out += [
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
            text.encode(),
        ]
    for attachment in plan.attachments:
        out += [
            f'--{mixed}\r\nContent-Type: application/pdf; name="{attachment.filename}"\r\n'
            f'Content-Disposition: attachment; filename="{attachment.filename}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n".encode(),
            _b64(pdf_bytes(attachment)),
        ]
    out.append(f"--{mixed}--\r\n".encode())
    return b"".join(out)


def _pdf_escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def page_lines(plan: PdfPlan) -> list[list[str]]:
    """The text of each page of a planned PDF: full pages of 44 to 52 lines, the last one
    shorter."""
    rng = random.Random(plan.seed)
    pages = []
    for number in range(1, plan.pages + 1):
        lines = [f"{plan.title} - page {number} of {plan.pages}", ""]
        count = rng.randint(*PAGE_LINES)
        if number == plan.pages and plan.pages > 1:
            count = rng.randint(8, count)
        for _ in range(count):
            words = rng.choices(RECORD_WORDS, k=rng.randint(11, 15))
            lines.append(" ".join(words).capitalize() + ".")
        pages.append(lines)
    return pages


def pdf_bytes(plan: PdfPlan) -> bytes:
    """A PDF with a text layer (Helvetica) and a letterhead image on its first page, the way
    an agency's word processor writes one; deterministic from the plan."""
    rng = random.Random(plan.seed ^ 0x5A5A)
    width, height = LETTERHEAD_SIZE
    # An incompressible grey image, as large as a logo scanned to JPEG.
    letterhead = zlib.compress(rng.randbytes(width * height), 6)
    pages = page_lines(plan)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the page objects are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace "
        f"/DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length {len(letterhead)} >>\n"
        "stream\n".encode()
        + letterhead
        + b"\nendstream",
        f"<< /Title ({_pdf_escape(plan.title)}) /Producer (Records Unit) >>".encode(),
    ]
    kids = []
    for index, lines in enumerate(pages):
        ops = []
        if index == 0:
            ops.append("q 180 0 0 45 72 735 cm /Im1 Do Q")
        ops.append("BT /F1 10 Tf 12 TL 72 715 Td")
        for line in lines:
            ops.append(f"({_pdf_escape(line)}) Tj T*")
        ops.append("ET")
        content = zlib.compress("\n".join(ops).encode("latin-1"), 6)
        objects.append(
            f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode()
            + content
            + b"\nendstream"
        )
        content_ref = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_ref} 0 R "
            "/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> >>".encode()
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return pdf_file(objects, trailer="/Info 5 0 R")
