"""The benchmark workload: deterministic from its seed, realistic in its spread of statuses.

No timing here: benchmarks are run by `make bench`, never by the test suite.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.workload import (
    OUR_ADDRESS,
    OUR_NAME,
    MailTarget,
    build_workload,
    email_bytes,
    mail_targets,
    plan_campaigns,
    plan_emails,
    plan_requests,
    seed_reply_tokens,
)
from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.adapters.text_extraction import extract
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.documents.sniffing import sniff_media_type
from foiatrack.domain.mail.ingest import IngestContext, process_message, store_upload
from foiatrack.domain.mail.models import Message
from foiatrack.domain.mail.parsing import parse_message
from foiatrack.domain.requests.models import NOT_RUNNING_STATUSES, RecordsRequest, Status

TODAY = dt.date(2026, 3, 2)
SIZE = 200


def _snapshot(session: Session) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(
            Agency.name,
            RecordsRequest.status,
            RecordsRequest.filed_on,
            RecordsRequest.due_on,
            RecordsRequest.first_response_on,
            RecordsRequest.closed_on,
        )
        .join(RecordsRequest.agency)
        .order_by(RecordsRequest.id)
    )
    return [tuple(r) for r in rows]


def _plans(seed: int) -> list[object]:
    rng = random.Random(seed)
    campaigns = plan_campaigns(rng, 4, TODAY)
    return plan_requests(rng, SIZE, agencies=50, campaigns=campaigns, users=3, today=TODAY)


def test_plans_depend_only_on_the_seed() -> None:
    assert _plans(7) == _plans(7)
    assert _plans(7) != _plans(8)


def test_same_seed_builds_the_same_requests_and_due_dates(session: Session) -> None:
    first = build_workload(session, seed=7, requests=SIZE, today=TODAY, users=2)
    built = _snapshot(session)
    session.rollback()
    assert _snapshot(session) == []
    second = build_workload(session, seed=7, requests=SIZE, today=TODAY, users=2)
    assert _snapshot(session) == built
    assert first.statuses == second.statuses
    assert len(built) == SIZE
    # the due dates come from the deadline engine, so they must be there once filed
    assert all(due is not None for _, _, filed, due, *_ in built if filed is not None)


def test_statuses_are_spread_like_a_real_campaign(session: Session) -> None:
    workload = build_workload(session, seed=3, requests=SIZE, today=TODAY, users=2)
    statuses = {Status(s) for s in workload.statuses}
    assert {Status.DRAFT, Status.FILED, Status.ACKNOWLEDGED, Status.FULFILLED} <= statuses
    assert {Status.REJECTED, Status.NO_RESPONSIVE_RECORDS} & statuses
    assert len(statuses) >= 8
    rows = _snapshot(session)
    filed = sorted(r[2] for r in rows if r[2] is not None)
    # spread over two years, none in the future
    assert filed[0] < TODAY - dt.timedelta(days=500) and filed[-1] <= TODAY
    overdue = [
        r
        for r in rows
        if r[3] is not None and r[3] < TODAY and Status(r[1]) not in NOT_RUNNING_STATUSES
    ]
    assert overdue, "some agencies never answer, so the overdue bucket is not empty"
    ring = session.scalars(select(Agency).where(Agency.is_ring_partner.is_(True))).all()
    assert ring and workload.agencies > len(ring)
    generated = session.scalars(select(Agency.name).where(Agency.is_ring_partner.is_(False))).all()
    assert all(n.endswith((" Police Department", " County Sheriff's Office")) for n in generated)


def _targets(count: int) -> list[MailTarget]:
    return [
        MailTarget(i, f"token{i:05d}", "Ring records", "Springfield Police Department",
                   f"records@springfield{i}.example.org")
        for i in range(1, count + 1)
    ]  # fmt: skip


def test_replies_depend_only_on_the_seed_and_carry_readable_pdfs() -> None:
    targets = _targets(10)
    plans = plan_emails(random.Random(5), 40, targets=10, today=TODAY)
    assert plans == plan_emails(random.Random(5), 40, targets=10, today=TODAY)
    assert plans != plan_emails(random.Random(6), 40, targets=10, today=TODAY)
    assert {p.route for p in plans} == {"subject_tag", "reply_address", "unrouted"}
    for plan in plans:
        target = targets[plan.target] if plan.target is not None else None
        data = email_bytes(plan, target)
        assert data == email_bytes(plan, target)
        parsed = parse_message(data)
        assert parsed.defects == []
        assert [a.filename for a in parsed.attachments] == [a.filename for a in plan.attachments]
        pages = [extract(a.data, "application/pdf", ocr=False) for a in parsed.attachments]
        assert [e.page_count for e in pages] == [a.pages for a in plan.attachments]
        assert all(e.pages and e.pages[0].startswith(a.title) for e, a in zip(
            pages, plan.attachments, strict=True))  # fmt: skip
        if plan.route == "subject_tag" and target is not None:
            assert parsed.subject.endswith(f"[FOIA FT-{target.request_id}]")
        if plan.route == "reply_address" and target is not None:
            assert parsed.to == [f"foia+{target.reply_token}@newsroom.example.org"]


def test_replies_route_as_planned_through_ingest(session: Session, tmp_path: Path) -> None:
    build_workload(session, seed=4, requests=40, today=TODAY, users=1)
    seed_reply_tokens(session, random.Random(4))
    targets = mail_targets(session)
    plans = plan_emails(random.Random(4), 30, targets=len(targets), today=TODAY)
    blobs = FileSystemBlobStore(tmp_path)
    now = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    ctx = IngestContext(
        store=blobs.put, sniff=sniff_media_type, mail_from=f"{OUR_NAME} <{OUR_ADDRESS}>", now=now
    )
    for plan in plans:
        target = targets[plan.target] if plan.target is not None else None
        data = email_bytes(plan, target)
        raw = store_upload(session, data, store=blobs.put, now=now)
        outcome = process_message(session, raw, data, ctx)
        message = session.scalars(select(Message).where(Message.raw_id == raw.id)).one()
        if plan.route == "unrouted":
            assert outcome == "inbox", plan
        else:
            assert target is not None and outcome == "routed", plan
            assert [link.request_id for link in message.links] == [target.request_id]
            assert message.links[0].routed_by == plan.route
