"""One pass over a mailbox: every new message stored exactly once, then processed.

Exactly once comes from the order of the steps and from two keys, not from the server:

1. a lease on the mailbox (MailboxState.locked_until) taken with one conditional UPDATE, so a
   second poller finds it taken and leaves without touching anything;
2. the raw bytes go to the content-addressed blob store, then a RawMessage row keyed by
   (mailbox, UIDVALIDITY, UID) is committed; a row whose Message-ID or bytes were ingested
   before becomes a DUPLICATE of the first;
3. only then is the message processed (parsed, routed); a failure is kept on the row
   (FAILED, error, retry_at) and retried later from the blob store;
4. only after the commit of step 2 is the message marked done on the server; the processing,
   the cursor (MailboxState.last_uid) moving past it and the renewed lease are then committed
   together. Dying before that commit leaves the row STORED, and the next pass processes it.

A crash or a dropped connection at any point leaves a state from which the next pass redoes
only safe steps: a UID whose row exists is not stored again, a STORED row is processed, a
UIDVALIDITY change resets the cursor and the two keys stop anything from doubling.

Unlike other services this one commits, once per step, because that is what exactly once
needs; the caller must not hold uncommitted work in the session it passes.
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import logging
import os
import secrets
import socket
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

from foiatrack.domain.base import utcnow
from foiatrack.domain.mail.models import MailboxState, RawMessage, RawStatus
from foiatrack.domain.ports import Mailbox

log = logging.getLogger(__name__)

#: what process() may answer, and the status each one leaves on the raw message
OUTCOMES = {
    "routed": RawStatus.DONE,
    "inbox": RawStatus.DONE,
    "outgoing": RawStatus.OUTGOING,
    "duplicate": RawStatus.DUPLICATE,
}
#: first retry of a failed message after this long, doubling up to RETRY_MAX
RETRY_BASE = dt.timedelta(minutes=5)
RETRY_MAX = dt.timedelta(hours=6)
#: the header block searched for the Message-ID; a longer one is malformed anyway
MAX_HEADER_BYTES = 256 * 1024
#: the first key of PostgreSQL advisory locks taken while storing raw messages ("FTRM")
ADVISORY_LOCK_SPACE = 0x4654524D

SessionSource = Session | scoped_session[Session] | Callable[[], Session]
Process = Callable[[Session, RawMessage], str]


@dataclass
class FetchSummary:
    """What one pass did; `line()` is what `flask fetch-mail` prints."""

    mailbox: str
    fetched: int = 0
    routed: int = 0
    inbox: int = 0
    outgoing: int = 0
    duplicates: int = 0
    failed: int = 0
    #: failed or interrupted messages processed again in this pass (their outcome is counted
    #: in routed, inbox, duplicates or failed as well)
    retried: int = 0
    #: another poller held the mailbox: this pass did nothing
    skipped_locked: bool = False
    locked_by: str = ""
    uidvalidity_changed: bool = False
    #: the lease ran out and another poller took the mailbox; this pass stopped early
    lost_lock: bool = False

    def line(self) -> str:
        return (
            f"fetched {self.fetched}, routed {self.routed}, to the inbox {self.inbox}, "
            f"duplicates {self.duplicates}, failed {self.failed}"
        )

    def count(self, outcome: str) -> None:
        if outcome == "routed":
            self.routed += 1
        elif outcome == "inbox":
            self.inbox += 1
        elif outcome == "outgoing":
            self.outgoing += 1
        elif outcome == "duplicate":
            self.duplicates += 1
        else:
            self.failed += 1


def default_owner() -> str:
    """Who holds a lease: host, process and a random part (two pollers in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait before processing a message again after `attempts` failures."""
    # The exponent is capped before multiplying: timedelta overflows long before 2**attempts.
    doublings = min(max(attempts - 1, 0), 20)
    return min(RETRY_BASE * 2**doublings, RETRY_MAX)


def message_id_of(data: bytes) -> str:
    """The Message-ID header as parsing.py reads it, from the header block only."""
    head = data[:MAX_HEADER_BYTES]
    end = min((i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0), default=-1)
    if end >= 0:
        head = head[:end]
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(head)
        value = str(headers.get("Message-ID", "") or "")
    except Exception:  # a header the email package cannot even read is no Message-ID
        return ""
    return " ".join(value.split())[:998]


def fetch_pass(
    sessions: SessionSource,
    mailbox: Mailbox,
    *,
    store: Callable[[bytes], str],
    process: Process,
    now: Callable[[], dt.datetime] = utcnow,
    lease_seconds: float = 300,
    owner: str | None = None,
    stop: Callable[[], bool] | None = None,
) -> FetchSummary:
    """Store, process and mark done every new message of `mailbox`; retry failed ones.

    `sessions` is a session (or a scoped session), or a factory whose session is closed at
    the end. `store` puts bytes in the blob store and returns their SHA-256; `process` turns a
    committed raw message into messages and links and answers "routed", "inbox", "outgoing"
    or "duplicate" (it flushes, never commits). `stop` is asked between messages (a SIGTERM
    in --watch). MailboxError and database errors propagate after the lease is given back;
    what was committed before stays and the next pass carries on.
    """
    shared = isinstance(sessions, Session | scoped_session)
    session = cast(Session, sessions) if shared else sessions()
    owner = owner or default_owner()
    lease = dt.timedelta(seconds=lease_seconds)
    summary = FetchSummary(mailbox=mailbox.name)
    try:
        if not _acquire(session, mailbox.name, owner, now(), lease, summary):
            return summary
        try:
            _run(session, mailbox, summary, store, process, now, lease, owner, stop)
        except BaseException as exc:
            try:
                session.rollback()
                _release(session, mailbox.name, owner, now(), str(exc) or type(exc).__name__)
            except Exception:
                # The database is what failed: the lease runs out by itself, and the error
                # that stopped the pass is the one worth reporting.
                log.exception("could not give back the lease on %s", mailbox.name)
            raise
        _release(session, mailbox.name, owner, now(), "")
        return summary
    finally:
        if not shared:
            session.close()


def _acquire(
    session: Session,
    name: str,
    owner: str,
    at: dt.datetime,
    lease: dt.timedelta,
    summary: FetchSummary,
) -> bool:
    if session.scalar(select(MailboxState.id).where(MailboxState.mailbox == name)) is None:
        session.add(MailboxState(mailbox=name, last_uid=0, locked_by=""))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # another poller made it first: fine, it exists
    taken = session.execute(
        update(MailboxState)
        .where(
            MailboxState.mailbox == name,
            or_(
                MailboxState.locked_until.is_(None),
                MailboxState.locked_until < at,
                # Our own lease, left behind when giving it back failed (the database was
                # down): a watcher keeps its owner name across passes.
                MailboxState.locked_by == owner,
            ),
        )
        .values(locked_until=at + lease, locked_by=owner)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if taken.rowcount == 1:
        return True
    state = session.scalar(select(MailboxState).where(MailboxState.mailbox == name))
    summary.skipped_locked = True
    summary.locked_by = state.locked_by if state else ""
    log.info("%s is being fetched by %s; skipped", name, summary.locked_by)
    return False


def _renew(
    session: Session, name: str, owner: str, at: dt.datetime, lease: dt.timedelta, **values: object
) -> bool:
    """Extend our lease (and set `values`) in one statement; False when it is no longer ours."""
    result = session.execute(
        update(MailboxState)
        .where(MailboxState.mailbox == name, MailboxState.locked_by == owner)
        .values(locked_until=at + lease, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def _release(session: Session, name: str, owner: str, at: dt.datetime, error: str) -> None:
    session.execute(
        update(MailboxState)
        .where(MailboxState.mailbox == name, MailboxState.locked_by == owner)
        .values(locked_until=None, locked_by="", last_run_at=at, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _run(
    session: Session,
    mailbox: Mailbox,
    summary: FetchSummary,
    store: Callable[[bytes], str],
    process: Process,
    now: Callable[[], dt.datetime],
    lease: dt.timedelta,
    owner: str,
    stop: Callable[[], bool] | None,
) -> None:
    name = mailbox.name
    state = session.scalars(select(MailboxState).where(MailboxState.mailbox == name)).one()
    uidvalidity = mailbox.uidvalidity()
    last_uid = state.last_uid
    if state.uidvalidity != uidvalidity:
        if state.uidvalidity is not None:
            # The server renumbered the folder: every UID may now name another message. Start
            # again from the beginning; the Message-ID and content keys stop anything doubling.
            log.warning(
                "%s: UIDVALIDITY changed from %s to %s; reading the folder again",
                name,
                state.uidvalidity,
                uidvalidity,
            )
            summary.uidvalidity_changed = True
        last_uid = 0
        if not _renew(session, name, owner, now(), lease, uidvalidity=uidvalidity, last_uid=0):
            summary.lost_lock = True
            return
    handled: set[int] = set()
    for uid, data in mailbox.fetch(mailbox.uids_after(last_uid)):
        if stop is not None and stop():
            break
        raw, new = _store(session, name, uidvalidity, uid, data, store, now())
        del data
        handled.add(raw.id)
        if new:
            summary.fetched += 1
        outcome = "duplicate" if new and raw.status == RawStatus.DUPLICATE else ""
        if raw.status == RawStatus.STORED:
            outcome = _process(session, raw, process, now())
        mailbox.mark_done(uid)
        # One commit for the processing, the cursor and the lease: if we die before it, the
        # row is still STORED and the next pass processes it (from the retry step once the
        # message has left the folder), so nothing derived is ever committed twice.
        kept = _renew(session, name, owner, now(), lease, last_uid=max(uid, last_uid))
        if outcome:
            summary.count(outcome)
        if not kept:
            summary.lost_lock = True
            log.warning("%s: the lease ran out and another poller took over", name)
            return
        last_uid = max(uid, last_uid)
    if stop is not None and stop():
        return
    for raw_id in _due_for_retry(session, name, now(), exclude=handled):
        raw = session.get(RawMessage, raw_id)
        if raw is None or raw.status not in (RawStatus.STORED, RawStatus.FAILED):
            continue
        summary.retried += 1
        outcome = _process(session, raw, process, now())
        session.commit()
        summary.count(outcome)
        if stop is not None and stop():
            return


def _store(
    session: Session,
    name: str,
    uidvalidity: int,
    uid: int,
    data: bytes,
    store: Callable[[bytes], str],
    at: dt.datetime,
) -> tuple[RawMessage, bool]:
    """The committed RawMessage for this UID, and whether this call created it."""
    key = (
        RawMessage.mailbox == name,
        RawMessage.uidvalidity == uidvalidity,
        RawMessage.uid == uid,
    )
    existing = session.scalar(select(RawMessage).where(*key))
    if existing is not None:
        return existing, False
    # The blob first: a committed row never points at bytes that are not on disk.
    sha256 = store(data)
    message_id = message_id_of(data)
    _serialise(session, [message_id, sha256])
    raw = RawMessage(
        mailbox=name,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id_header=message_id,
        sha256=sha256,
        size=len(data),
        fetched_at=at,
        status=RawStatus.STORED,
        error="",
        attempts=0,
    )
    session.add(raw)
    try:
        session.flush()
    except IntegrityError:
        # Only possible if another poller stored this UID after its lease ran out.
        session.rollback()
        return session.scalars(select(RawMessage).where(*key)).one(), False
    # Looked up after our own insert, in the same transaction: on SQLite the insert holds the
    # write lock and on PostgreSQL the advisory locks above, so two pollers storing the same
    # message from two folders cannot both miss each other.
    same = [RawMessage.sha256 == sha256]
    if message_id:
        same.append(RawMessage.message_id_header == message_id)
    original = session.scalar(
        select(RawMessage)
        .where(or_(*same), RawMessage.id != raw.id, RawMessage.status != RawStatus.DUPLICATE)
        .order_by(RawMessage.id)
        .limit(1)
    )
    if original is not None:
        raw.status, raw.duplicate_of_id = RawStatus.DUPLICATE, original.id
    session.commit()
    return raw, True


def _serialise(session: Session, keys: Iterable[str]) -> None:
    """On PostgreSQL, hold a transaction lock per key until commit (SQLite's writes are
    serialised already)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted({k for k in keys if k}):
        # A signed 32-bit hash in our own lock space; a collision only makes two unrelated
        # messages wait for each other for a moment.
        crc = zlib.crc32(key.encode())
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": ADVISORY_LOCK_SPACE, "key": crc - (1 << 32) if crc >= 1 << 31 else crc},
        )


def _process(session: Session, raw: RawMessage, process: Process, at: dt.datetime) -> str:
    """Run `process` on a committed raw message and flush its outcome for the caller to
    commit; on error roll back, commit the row as FAILED and answer "failed"."""
    raw_id = raw.id
    try:
        outcome = process(session, raw)
        status = OUTCOMES.get(outcome)
        if status is None:
            raise ValueError(f"process() answered {outcome!r}")
        raw.status, raw.error, raw.retry_at = status, "", None
        session.flush()
        return outcome
    except Exception as exc:
        session.rollback()
        failed = session.get(RawMessage, raw_id)
        if failed is None:  # pragma: no cover - the row was committed before processing
            raise
        failed.status = RawStatus.FAILED
        failed.error = f"{type(exc).__name__}: {exc}"[:4000]
        failed.attempts += 1
        failed.retry_at = at + retry_delay(failed.attempts)
        session.commit()
        log.warning("raw message %s failed (attempt %s): %s", raw_id, failed.attempts, exc)
        return "failed"


def _due_for_retry(session: Session, name: str, at: dt.datetime, *, exclude: set[int]) -> list[int]:
    """Raw messages of this mailbox left STORED by an interrupted pass, or FAILED and due."""
    ids = session.scalars(
        select(RawMessage.id)
        .where(
            RawMessage.mailbox == name,
            or_(
                RawMessage.status == RawStatus.STORED,
                (RawMessage.status == RawStatus.FAILED) & (RawMessage.retry_at <= at),
            ),
        )
        .order_by(RawMessage.id)
    )
    return [i for i in ids if i not in exclude]
