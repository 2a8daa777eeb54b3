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

import datetime as dt
import math
import random
import time
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
from foiatrack.domain.requests.services import create_campaign, create_request
from foiatrack.domain.requests.workflow import Action

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
