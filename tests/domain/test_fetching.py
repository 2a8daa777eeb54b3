"""fetch_pass against a real Dovecot: every message stored and processed exactly once, whatever
fails in the middle (a dropped connection, a crash, a second poller, a processing error)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from foiatrack import PROJECT_ROOT
from foiatrack.adapters import blob_store
from foiatrack.adapters.imap import DONE_KEYWORD, ImapMailbox, imap_mailbox_from_config
from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.domain.errors import MailboxError
from foiatrack.domain.mail.fetching import (
    FetchSummary,
    fetch_pass,
    message_id_of,
    retry_delay,
)
from foiatrack.domain.mail.models import MailboxState, Message, RawMessage, RawStatus
from foiatrack.extensions import db
from tests.servers import ImapServer, make_mail

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


class Recorder:
    """A process() that records what it was given, derives a Message from it (raw_id is unique:
    committing one twice would fail) and answers `outcome`, or fails on demand."""

    def __init__(self, outcome: str = "inbox", blobs: FileSystemBlobStore | None = None) -> None:
        self.outcome = outcome
        self.blobs = blobs
        self.calls: list[str] = []
        self.fail_times = 0
        self.after: Callable[[int], None] | None = None

    def __call__(self, session: Session, raw: RawMessage) -> str:
        message_id = raw.message_id_header
        self.calls.append(message_id)
        if self.blobs is not None:
            # The bytes are in the blob store before anything is derived from them.
            assert message_id_of(self.blobs.get(raw.sha256)) == message_id
        if self.after is not None:
            # Before writing anything: on SQLite a flushed write holds the database's only
            # write lock, which a test that makes another poller run meanwhile cannot afford.
            self.after(len(self.calls))
        session.add(Message(raw_id=raw.id, message_id_header=message_id))
        session.flush()
        if self.fail_times:
            self.fail_times -= 1
            raise ValueError("the parser choked")
        return self.outcome


@pytest.fixture
def blobs(app: Flask) -> FileSystemBlobStore:
    return blob_store(app.config)


def _connect(server: ImapServer, **config: object) -> ImapMailbox:
    mailbox = imap_mailbox_from_config(server.config(**config))
    assert mailbox is not None
    return mailbox


def _pass(
    session: Session,
    server: ImapServer,
    blobs: FileSystemBlobStore,
    process: Callable[[Session, RawMessage], str],
    *,
    now: dt.datetime = NOW,
    mailbox: ImapMailbox | None = None,
    **config: object,
) -> FetchSummary:
    own = mailbox is None
    mailbox = mailbox or _connect(server, **config)
    try:
        return fetch_pass(session, mailbox, store=blobs.put, process=process, now=lambda: now)
    finally:
        if own:
            mailbox.close()


def _rows(session: Session) -> list[RawMessage]:
    session.expire_all()
    return list(session.scalars(sa.select(RawMessage).order_by(RawMessage.id)))


def _assert_each_once(session: Session, sent: Sequence[bytes], recorder: Recorder) -> None:
    """Every sent message has exactly one original row, and what was derived from it was
    committed exactly once (an attempt rolled back by a failure may have been made before)."""
    expected = sorted(message_id_of(m) for m in sent)
    originals = [r for r in _rows(session) if r.status != RawStatus.DUPLICATE]
    assert sorted(r.message_id_header for r in originals) == expected
    assert all(r.status == RawStatus.DONE for r in originals)
    derived = session.execute(sa.select(Message.message_id_header, Message.raw_id)).all()
    assert sorted(m for m, _ in derived) == expected
    assert {raw_id for _, raw_id in derived} == {r.id for r in originals}
    assert set(recorder.calls) == set(expected)


def test_a_pass_stores_everything_once_and_a_second_pass_does_nothing(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    sent = [make_mail(i) for i in range(5)]
    uids = imap_server.append_many("INBOX", sent)
    recorder = Recorder(blobs=blobs)

    summary = _pass(session, imap_server, blobs, recorder)

    assert summary.line() == "fetched 5, routed 0, to the inbox 5, duplicates 0, failed 0"
    rows = _rows(session)
    assert [(r.uid, r.uidvalidity, r.size) for r in rows] == [
        (uid, imap_server.uidvalidity(), len(m)) for uid, m in zip(uids, sent, strict=True)
    ]
    assert [blobs.get(r.sha256) for r in rows] == sent
    assert {r.mailbox for r in rows} == {
        f"imap://{imap_server.user}@127.0.0.1:{imap_server.port}/INBOX"
    }
    _assert_each_once(session, sent, recorder)
    assert len(recorder.calls) == 5
    state = session.scalars(sa.select(MailboxState)).one()
    assert (state.last_uid, state.locked_until, state.locked_by) == (uids[-1], None, "")
    assert state.last_run_at == NOW
    assert all(DONE_KEYWORD.encode() in m.flags for m in imap_server.messages())

    again = _pass(session, imap_server, blobs, recorder)
    assert again.line() == "fetched 0, routed 0, to the inbox 0, duplicates 0, failed 0"
    assert len(_rows(session)) == 5
    _assert_each_once(session, sent, recorder)


def test_outcomes_are_counted_and_kept(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    imap_server.append_many("INBOX", [make_mail(i) for i in range(3)])
    outcomes = iter(["routed", "outgoing", "inbox"])

    summary = _pass(session, imap_server, blobs, lambda s, r: next(outcomes))

    assert (summary.routed, summary.outgoing, summary.inbox) == (1, 1, 1)
    assert [r.status for r in _rows(session)] == [
        RawStatus.DONE,
        RawStatus.OUTGOING,
        RawStatus.DONE,
    ]


def test_messages_move_to_the_processed_folder_only_after_the_commit(
    app: Flask, session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    sent = [make_mail(i) for i in range(3)]
    imap_server.append_many("INBOX", sent)
    recorder = Recorder()
    other = sessionmaker(bind=db.engine)

    def check(n: int) -> None:
        # While a message is processed its raw row is committed (another connection sees
        # it) and the message is still in the INBOX.
        with other() as fresh:
            committed = fresh.scalars(sa.select(RawMessage.message_id_header)).all()
        assert recorder.calls[-1] in committed
        inbox = [message_id_of(m.data) for m in imap_server.messages()]
        assert recorder.calls[-1] in inbox

    recorder.after = check
    summary = _pass(session, imap_server, blobs, recorder, IMAP_PROCESSED_FOLDER="Processed")

    assert summary.fetched == 3
    assert imap_server.messages() == []
    assert [m.data for m in imap_server.messages("Processed")] == sent
    _assert_each_once(session, sent, recorder)


def test_the_same_message_twice_in_one_folder(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    mail = make_mail(1)
    imap_server.append_many("INBOX", [mail, mail])
    recorder = Recorder()

    summary = _pass(session, imap_server, blobs, recorder)

    assert (summary.fetched, summary.inbox, summary.duplicates) == (2, 1, 1)
    first, second = _rows(session)
    assert (first.status, second.status) == (RawStatus.DONE, RawStatus.DUPLICATE)
    assert second.duplicate_of_id == first.id
    assert recorder.calls == [message_id_of(mail)]


def test_the_same_message_in_two_folders_polled_as_two_mailboxes(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    # Delivered twice (a Cc to another address filed in another folder): other transport
    # headers, so other bytes, but the same Message-ID.
    inbox_copy = make_mail(1, extra_headers="Delivered-To: foia@example.org\r\n")
    other_copy = make_mail(1, extra_headers="Delivered-To: records@example.org\r\n")
    identical = make_mail(2)
    imap_server.append_many("INBOX", [inbox_copy, identical])
    imap_server.append_many("Agencies", [other_copy, identical])
    recorder = Recorder()

    first = _pass(session, imap_server, blobs, recorder)
    second = _pass(session, imap_server, blobs, recorder, IMAP_FOLDER="Agencies")

    assert (first.fetched, first.inbox, first.duplicates) == (2, 2, 0)
    assert (second.fetched, second.inbox, second.duplicates) == (2, 0, 2)
    rows = _rows(session)
    assert len({r.mailbox for r in rows}) == 2
    originals = {r.id: r for r in rows if r.status == RawStatus.DONE}
    duplicates = [r for r in rows if r.status == RawStatus.DUPLICATE]
    assert len(originals) == 2 and len(duplicates) == 2
    for duplicate in duplicates:
        assert originals[duplicate.duplicate_of_id].message_id_header == (
            duplicate.message_id_header
        )
    _assert_each_once(session, [inbox_copy, identical], recorder)


def test_a_uidvalidity_change_doubles_nothing(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    sent = [make_mail(i) for i in range(3)]
    imap_server.append_many("INBOX", sent)
    recorder = Recorder()
    _pass(session, imap_server, blobs, recorder)
    # A restore onto a new server: new UIDVALIDITY, and our keyword is lost as well, so the
    # same messages come back under new UIDs as if they were new.
    client = imap_server.client()
    client.select_folder("INBOX")
    client.remove_flags(client.search(["ALL"]), [DONE_KEYWORD])
    client.logout()
    new_validity = imap_server.change_uidvalidity()
    sent.append(make_mail(9))
    imap_server.append("INBOX", sent[-1])

    summary = _pass(session, imap_server, blobs, recorder)

    assert summary.uidvalidity_changed
    assert (summary.fetched, summary.inbox, summary.duplicates) == (4, 1, 3)
    _assert_each_once(session, sent, recorder)
    state = session.scalars(sa.select(MailboxState)).one()
    assert state.uidvalidity == new_validity

    again = _pass(session, imap_server, blobs, recorder)
    assert (again.fetched, again.uidvalidity_changed) == (0, False)


def test_a_uidvalidity_change_skips_what_was_marked_done(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    imap_server.append_many("INBOX", [make_mail(i) for i in range(3)])
    recorder = Recorder()
    _pass(session, imap_server, blobs, recorder)
    imap_server.change_uidvalidity()

    summary = _pass(session, imap_server, blobs, recorder)

    assert summary.uidvalidity_changed
    assert summary.fetched == 0  # the keyword survived: nothing is even downloaded again
    assert len(_rows(session)) == 3


class _SocketDropper:
    """A thin wrapper: the connection's socket is shut down after the Nth fetched message."""

    def __init__(self, inner: ImapMailbox, after: int) -> None:
        self.inner = inner
        self.after = after
        self.name = inner.name
        self.supports_idle = inner.supports_idle

    def __getattr__(self, attr: str) -> object:
        return getattr(self.inner, attr)

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        for n, item in enumerate(self.inner.fetch(uids), start=1):
            yield item
            if n == self.after:
                import socket

                self.inner.client.socket().shutdown(socket.SHUT_RDWR)


@pytest.mark.parametrize("how", ["server kicks the session", "socket closes"])
def test_a_connection_dropped_in_the_middle_of_a_pass(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore, how: str
) -> None:
    sent = [make_mail(i) for i in range(10)]
    imap_server.append_many("INBOX", sent)
    recorder = Recorder()
    mailbox = _connect(imap_server)
    mailbox.batch_count = 3
    if how == "socket closes":
        dropping = _SocketDropper(mailbox, after=4)
    else:
        recorder.after = lambda n: imap_server.kick() if n == 4 else None

    with pytest.raises(MailboxError, match="IMAP server"):
        fetch_pass(
            session,
            dropping if how == "socket closes" else mailbox,  # type: ignore[arg-type]
            store=blobs.put,
            process=recorder,
            now=lambda: NOW,
        )
    mailbox.close()

    stored = _rows(session)
    assert 4 <= len(stored) < 10
    state = session.scalars(sa.select(MailboxState)).one()
    assert state.locked_until is None
    assert "IMAP server" in state.last_error
    assert state.last_uid < stored[-1].uid  # the last one was never marked done

    summary = _pass(session, imap_server, blobs, recorder)

    assert summary.fetched == 10 - len(stored)
    assert summary.duplicates == 0
    _assert_each_once(session, sent, recorder)
    # Only the message in flight when the connection died was processed a second time (its
    # first processing was rolled back with the failed pass).
    assert len(recorder.calls) == 11
    assert len(_rows(session)) == 10
    assert all(DONE_KEYWORD.encode() in m.flags for m in imap_server.messages())
    assert session.scalars(sa.select(MailboxState.last_error)).one() == ""


CRASHING_POLLER = """
import json, os
from foiatrack import create_app
from foiatrack.adapters import blob_store
from foiatrack.adapters.imap import imap_mailbox_from_config
from foiatrack.domain.mail.fetching import fetch_pass
from foiatrack.extensions import db

app = create_app(json.loads(os.environ["FT_TEST_CONFIG"]))
crash_at = int(os.environ["FT_CRASH_AT"])
with app.app_context():
    mailbox = imap_mailbox_from_config(app.config)
    marked = []

    def mark_done(uid):
        marked.append(uid)
        if len(marked) == crash_at:
            os._exit(3)  # killed between the commit and the move: no cleanup of any kind
        real_mark_done(uid)

    real_mark_done = mailbox.mark_done
    mailbox.mark_done = mark_done
    fetch_pass(db.session(), mailbox, store=blob_store(app.config).put,
               process=lambda session, raw: "inbox", owner="the-crashed-poller")
"""


def _child_config(app: Flask, imap_server: ImapServer, **extra: object) -> str:
    keys = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "STORAGE_DIR")
    return json.dumps({k: app.config[k] for k in keys} | imap_server.config(**extra))


def test_a_crash_between_storing_and_moving(
    app: Flask, session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    sent = [make_mail(i) for i in range(5)]
    imap_server.append_many("INBOX", sent)
    env = os.environ | {
        "FT_TEST_CONFIG": _child_config(app, imap_server, IMAP_PROCESSED_FOLDER="Processed"),
        "FT_CRASH_AT": "3",
    }
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_POLLER],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 3, child.stderr
    # Three stored, two processed and moved; the third one's bytes are committed but it was
    # neither moved nor its processing committed.
    assert [r.status for r in _rows(session)] == [RawStatus.DONE] * 2 + [RawStatus.STORED]
    assert len(imap_server.messages()) == 3
    state = session.scalars(sa.select(MailboxState)).one()
    assert state.locked_by == "the-crashed-poller"
    recorder = Recorder()
    config = {"IMAP_PROCESSED_FOLDER": "Processed"}

    # The dead poller's lease still runs: a poller now must leave everything alone.
    waiting = _pass(session, imap_server, blobs, recorder, now=dt.datetime.now(dt.UTC), **config)
    assert waiting.skipped_locked and waiting.locked_by == "the-crashed-poller"
    assert len(imap_server.messages()) == 3

    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    summary = _pass(session, imap_server, blobs, recorder, now=later, **config)

    assert not summary.skipped_locked
    assert (summary.fetched, summary.inbox, summary.duplicates) == (2, 3, 0)
    rows = _rows(session)
    assert len(rows) == 5 and all(r.status == RawStatus.DONE for r in rows)
    assert sorted(r.message_id_header for r in rows) == sorted(message_id_of(m) for m in sent)
    # The stored-but-not-moved message was not stored again, only processed and moved.
    assert sorted(recorder.calls) == sorted(message_id_of(m) for m in sent[2:])
    assert imap_server.messages() == []
    assert sorted(m.data for m in imap_server.messages("Processed")) == sorted(sent)


def test_a_message_stored_but_never_processed_is_processed_by_the_next_pass(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    sent = [make_mail(i) for i in range(2)]
    imap_server.append_many("INBOX", sent)
    recorder = Recorder()

    def crash(session: Session, raw: RawMessage) -> str:
        raise KeyboardInterrupt  # not an Exception: like a kill, it is not recorded as a failure

    with pytest.raises(KeyboardInterrupt):
        _pass(session, imap_server, blobs, crash)
    assert [r.status for r in _rows(session)] == [RawStatus.STORED]

    summary = _pass(session, imap_server, blobs, recorder)

    assert (summary.fetched, summary.inbox) == (1, 2)
    _assert_each_once(session, sent, recorder)


def test_two_pollers_at_once(
    app: Flask, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    sent = [make_mail(i) for i in range(6)]
    imap_server.append_many("INBOX", sent)
    with app.app_context():
        sessions = sessionmaker(bind=db.engine)
    first_inside = threading.Event()
    second_done = threading.Event()
    recorder = Recorder()
    results: dict[str, FetchSummary] = {}
    errors: list[BaseException] = []

    def hold(n: int) -> None:
        if n == 1:
            first_inside.set()
            assert second_done.wait(30)

    recorder.after = hold

    def poll(label: str) -> None:
        try:
            with app.app_context():
                mailbox = _connect(imap_server)
                try:
                    results[label] = fetch_pass(
                        sessions, mailbox, store=blobs.put, process=recorder
                    )
                finally:
                    mailbox.close()
        except BaseException as exc:
            errors.append(exc)
        finally:
            if label == "second":
                second_done.set()

    first = threading.Thread(target=poll, args=("first",))
    first.start()
    assert first_inside.wait(30)
    second = threading.Thread(target=poll, args=("second",))
    second.start()
    second.join(30)
    first.join(60)

    assert errors == []
    assert results["second"].skipped_locked
    assert results["second"].fetched == 0
    assert results["first"].fetched == 6
    with sessions() as session:
        _assert_each_once(session, sent, recorder)
        assert len(_rows(session)) == 6


def test_a_lease_is_taken_over_when_it_ran_out_or_was_our_own(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    imap_server.append("INBOX", make_mail(1))
    mailbox = _connect(imap_server)
    state = MailboxState(
        mailbox=mailbox.name, locked_by="watcher-1", locked_until=NOW + dt.timedelta(minutes=1)
    )
    session.add(state)
    session.commit()

    def run(owner: str, at: dt.datetime) -> FetchSummary:
        return fetch_pass(
            session, mailbox, store=blobs.put, process=Recorder(), now=lambda: at, owner=owner
        )

    try:
        assert run("watcher-2", NOW).skipped_locked
        assert not run("watcher-1", NOW).skipped_locked
        session.refresh(state)
        assert (state.locked_by, state.locked_until) == ("", None)
        assert len(_rows(session)) == 1
    finally:
        mailbox.close()


def test_a_failing_message_is_kept_and_retried_later(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    sent = [make_mail(i) for i in range(3)]
    imap_server.append_many("INBOX", sent)
    recorder = Recorder()
    recorder.fail_times = 1

    summary = _pass(session, imap_server, blobs, recorder, IMAP_PROCESSED_FOLDER="Processed")

    assert summary.line() == "fetched 3, routed 0, to the inbox 2, duplicates 0, failed 1"
    failed = [r for r in _rows(session) if r.status == RawStatus.FAILED]
    assert len(failed) == 1
    assert failed[0].error == "ValueError: the parser choked"
    assert failed[0].attempts == 1
    assert failed[0].retry_at == NOW + retry_delay(1)
    # Its bytes are safe, so it left the INBOX like the others.
    assert imap_server.messages() == []

    soon = _pass(session, imap_server, blobs, recorder, now=NOW + dt.timedelta(minutes=1))
    assert soon.retried == 0

    recorder.fail_times = 1
    again = _pass(session, imap_server, blobs, recorder, now=NOW + dt.timedelta(minutes=6))
    assert (again.retried, again.failed) == (1, 1)
    row = session.get(RawMessage, failed[0].id)
    assert row is not None
    assert (row.status, row.attempts) == (RawStatus.FAILED, 2)
    assert row.retry_at == NOW + dt.timedelta(minutes=6) + retry_delay(2)

    later = NOW + dt.timedelta(minutes=6) + retry_delay(2)
    last = _pass(session, imap_server, blobs, recorder, now=later)
    assert (last.retried, last.inbox, last.failed, last.fetched) == (1, 1, 0, 0)
    session.refresh(row)
    assert (row.status, row.error, row.retry_at) == (RawStatus.DONE, "", None)
    assert Counter(recorder.calls)[failed[0].message_id_header] == 3


def test_retry_delay_doubles_up_to_a_ceiling() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=10),
        dt.timedelta(minutes=20),
    ]
    assert retry_delay(50) == dt.timedelta(hours=6)


def test_stop_is_honoured_between_messages(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    imap_server.append_many("INBOX", [make_mail(i) for i in range(4)])
    recorder = Recorder()
    mailbox = _connect(imap_server)
    try:
        summary = fetch_pass(
            session,
            mailbox,
            store=blobs.put,
            process=recorder,
            now=lambda: NOW,
            stop=lambda: len(recorder.calls) >= 2,
        )
    finally:
        mailbox.close()
    assert summary.fetched == 2
    state = session.scalars(sa.select(MailboxState)).one()
    assert state.locked_until is None
    assert state.last_uid == _rows(session)[-1].uid


def test_a_25_mb_message_streams_through(
    session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    payload = os.urandom(19 * 1024 * 1024)
    big = [make_mail(i, attachment=payload) for i in range(3)]
    assert all(len(m) > 25 * 1024 * 1024 for m in big)
    imap_server.append_many("INBOX", big)
    recorder = Recorder()

    tracemalloc.start()
    try:
        summary = _pass(session, imap_server, blobs, recorder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert summary.fetched == 3
    assert [blobs.get(r.sha256) == m for r, m in zip(_rows(session), big, strict=True)] == [
        True
    ] * 3
    # One message in memory at a time (about 1.03 times its size at the peak); holding
    # the three together would need three times as much.
    assert peak < 1.5 * len(big[0]), peak


def test_message_id_of_reads_only_the_header_block() -> None:
    assert message_id_of(make_mail(1)) == "<reply-1@records.city.example>"
    assert message_id_of(b"Subject: x\r\n\r\nMessage-ID: <in-body@x>\r\n") == ""
    assert message_id_of(b"Message-ID:\r\n  <folded@x>\r\n\r\nbody") == "<folded@x>"
    assert message_id_of(b"\xff\xfe garbage") == ""


def test_two_pollers_on_two_folders_with_the_same_mail_at_the_same_time(
    app: Flask, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    count = 30
    inbox = [make_mail(i, extra_headers="Delivered-To: a@example.org\r\n") for i in range(count)]
    other = [make_mail(i, extra_headers="Delivered-To: b@example.org\r\n") for i in range(count)]
    imap_server.append_many("INBOX", inbox)
    imap_server.append_many("Agencies", other)
    with app.app_context():
        sessions = sessionmaker(bind=db.engine)
    recorder = Recorder()
    lock = threading.Lock()
    start = threading.Barrier(2)
    results: list[FetchSummary] = []
    errors: list[BaseException] = []

    def process(session: Session, raw: RawMessage) -> str:
        with lock:
            return recorder(session, raw)

    def poll(folder: str) -> None:
        try:
            with app.app_context():
                mailbox = _connect(imap_server, IMAP_FOLDER=folder)
                try:
                    start.wait(10)
                    summary = fetch_pass(sessions, mailbox, store=blobs.put, process=process)
                    results.append(summary)
                finally:
                    mailbox.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=poll, args=(f,)) for f in ("INBOX", "Agencies")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    assert sum(s.fetched for s in results) == 2 * count
    assert sum(s.inbox for s in results) == count
    assert sum(s.duplicates for s in results) == count
    with sessions() as session:
        _assert_each_once(session, inbox, recorder)


def test_end_to_end_with_ingest_no_message_or_attachment_doubles(
    app: Flask, session: Session, imap_server: ImapServer, blobs: FileSystemBlobStore
) -> None:
    from foiatrack.domain.mail.ingest import process_raw
    from foiatrack.domain.mail.models import Attachment

    pdf = b"%PDF-1.4\n% the responsive records\n"
    reply = make_mail(1, subject="Records", attachment=pdf)
    copy = make_mail(1, subject="Records", attachment=pdf, extra_headers="X-Copy: 1\r\n")
    forward = make_mail(
        2,
        subject="Fwd: Records",
        attachment=pdf,
        body="Reply number 1: we received your request.\r\n",
    )
    imap_server.append_many("INBOX", [reply, forward])
    imap_server.append("Agencies", copy)

    def process(session: Session, raw: RawMessage) -> str:
        return process_raw(session, raw, blobs=blobs, config=app.config, now=NOW)

    for folder in ("INBOX", "Agencies", "INBOX"):
        _pass(session, imap_server, blobs, process, IMAP_FOLDER=folder)

    statuses = sorted(r.status for r in _rows(session))
    assert statuses == sorted([RawStatus.DONE, RawStatus.DUPLICATE, RawStatus.DUPLICATE])
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1
    attachments = session.scalars(sa.select(Attachment)).all()
    assert len(attachments) == 1
    assert blobs.get(attachments[0].sha256) == pdf
