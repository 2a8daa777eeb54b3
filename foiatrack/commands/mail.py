"""`flask --app foiatrack fetch-mail`: read agency replies from the IMAP mailbox.

One pass by default (for cron or a systemd timer); `--watch` keeps a connection open and waits
with IMAP IDLE (or polls every --interval seconds), reconnecting with backoff after failures,
until SIGINT or SIGTERM. Either way each message is stored exactly once (see
foiatrack.domain.mail.fetching), so a timer and a watcher may even run side by side.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any, NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from foiatrack.adapters import blob_store
from foiatrack.adapters.imap import ImapMailbox, ImapSettings, imap_settings_from_config
from foiatrack.domain.errors import MailboxError, ValidationFailed
from foiatrack.domain.mail.fetching import FetchSummary, default_owner, fetch_pass
from foiatrack.domain.mail.models import RawMessage
from foiatrack.extensions import db

#: servers may drop an IDLE connection after 30 minutes (RFC 2177): re-issue before that
IDLE_SECONDS = 29 * 60
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 5 * 60.0


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _stamp() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class Backoff:
    """Seconds to wait after each consecutive failure: doubling from `first` up to `maximum`,
    with +/-20% jitter so that several pollers do not reconnect in step."""

    def __init__(self, first: float = BACKOFF_FIRST, maximum: float = BACKOFF_MAX) -> None:
        self.first = first
        self.maximum = maximum
        self.failures = 0

    def next(self) -> float:
        base = min(self.first * 2 ** min(self.failures, 30), self.maximum)
        self.failures += 1
        return base * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not a secret

    def reset(self) -> None:
        self.failures = 0


class _Stop(BaseException):
    """Raised by the signal handler to leave a wait; never caught as an ordinary error."""


class _Stopper:
    """SIGINT/SIGTERM: finish the current message, give the lease back, leave.

    Inside `waiting()` (IDLE, sleeping) the handler raises, because nothing is in flight there;
    elsewhere it only sets a flag that fetch_pass checks between messages.
    """

    def __init__(self) -> None:
        self.stopping = False
        self._waiting = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        if self._waiting:
            raise _Stop

    def requested(self) -> bool:
        return self.stopping

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        if self.stopping:
            raise _Stop
        self._waiting = True
        try:
            yield
        finally:
            self._waiting = False


def _processor(config: Mapping[str, Any]) -> Callable[[Session, RawMessage], str]:
    from foiatrack.domain.mail.ingest import process_raw

    blobs = blob_store(config)

    def process(session: Session, raw: RawMessage) -> str:
        return process_raw(session, raw, blobs=blobs, config=config, now=dt.datetime.now(dt.UTC))

    return process


def _extract_pending(*, wait: bool) -> int | None:
    """Queue text extraction for the files mail brought in (as the inbox and uploads do)."""
    from foiatrack.tasks import extract_pending_later

    app = current_app._get_current_object()
    job_id = extract_pending_later(app, actor=None)
    if job_id is not None and wait:
        # A one-off command would end, and take the job runner's background thread with it,
        # before the extraction finished: wait for it (the rq runner has no such thread).
        for thread in threading.enumerate():
            if thread.name == f"foiatrack-job-{job_id}":
                thread.join()
    return job_id


def _report(summary: FetchSummary, *, stamp: bool = False) -> None:
    prefix = f"{_stamp()} {summary.mailbox}: " if stamp else ""
    if summary.skipped_locked:
        click.echo(
            f"{prefix}another poller ({summary.locked_by or 'unknown'}) is fetching "
            f"{summary.mailbox}; nothing done."
        )
    if summary.uidvalidity_changed:
        click.echo(f"{prefix}the server renumbered the folder (UIDVALIDITY changed); re-read it.")
    click.echo(prefix + summary.line())
    if summary.retried or summary.outgoing:
        click.echo(
            f"{prefix}retried {summary.retried} earlier failures; "
            f"{summary.outgoing} of our own messages came back"
        )


@click.command("fetch-mail")
@with_appcontext
@click.option(
    "--watch",
    is_flag=True,
    help="Keep fetching until stopped: IMAP IDLE when the server has it, else every --interval.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="With --watch: seconds between polls when the server has no IDLE.",
)
def fetch_mail_command(watch: bool, interval: float) -> None:
    """Fetch agency replies from the IMAP mailbox (IMAP_* settings), store and route them."""
    config = current_app.config
    try:
        settings = imap_settings_from_config(config)
    except ValidationFailed as exc:
        _fail(str(exc))
    if settings is None:
        _fail("no mailbox configured: set FOIATRACK_IMAP_HOST")
    store = blob_store(config).put
    process = _processor(config)
    if watch:
        _watch(settings, store=store, process=process, interval=interval)
        return
    try:
        mailbox = ImapMailbox(settings)
    except MailboxError as exc:
        _fail(f"could not reach the mailbox {settings.name}: {exc}")
    try:
        summary = fetch_pass(db.session, mailbox, store=store, process=process)
    except MailboxError as exc:
        _fail(
            f"the pass over {settings.name} stopped: {exc} What was stored before the "
            "failure is kept; the next run carries on."
        )
    finally:
        mailbox.close()
    _report(summary)
    job_id = _extract_pending(wait=True)
    if job_id is not None:
        click.echo(f"Text extraction of the new files: job {job_id}.")


def _watch(
    settings: ImapSettings,
    *,
    store: Callable[[bytes], str],
    process: Callable[[Session, RawMessage], str],
    interval: float,
) -> None:
    stopper = _Stopper()
    previous = {sig: signal.signal(sig, stopper) for sig in (signal.SIGINT, signal.SIGTERM)}
    backoff = Backoff()
    owner = default_owner()
    mailbox: ImapMailbox | None = None
    click.echo(f"{_stamp()} watching {settings.name}; SIGINT or SIGTERM stops.")
    try:
        while not stopper.stopping:
            try:
                if mailbox is None:
                    mailbox = ImapMailbox(settings)
                summary = fetch_pass(
                    db.session,
                    mailbox,
                    store=store,
                    process=process,
                    owner=owner,
                    stop=stopper.requested,
                )
                backoff.reset()
                if summary.fetched or summary.retried or summary.failed or summary.skipped_locked:
                    _report(summary, stamp=True)
                if summary.routed:
                    _extract_pending(wait=False)
                if summary.fetched and not summary.skipped_locked:
                    continue  # more may have come in meanwhile: look again before waiting
                with stopper.waiting():
                    if mailbox.supports_idle and not summary.skipped_locked:
                        mailbox.idle_wait(IDLE_SECONDS)
                    else:
                        time.sleep(interval)
            except _Stop:
                raise
            except Exception as exc:
                # The mailbox or the database went away: log, drop the connection, wait, and
                # start over; every committed step is kept.
                with contextlib.suppress(Exception):
                    db.session.rollback()
                if mailbox is not None:
                    mailbox.close()
                    mailbox = None
                delay = backoff.next()
                click.echo(
                    f"{_stamp()} {settings.name}: {str(exc).rstrip('.') or type(exc).__name__}; "
                    f"trying again in {delay:.0f} s",
                    err=True,
                )
                with stopper.waiting():
                    time.sleep(delay)
    except _Stop:
        pass
    finally:
        if mailbox is not None:
            mailbox.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"{_stamp()} stopped.")
