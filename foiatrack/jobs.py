"""Running long tasks away from the request that started them, with progress on a Job row.

Three runners, chosen by JOB_RUNNER: "thread" (default: a laptop needs nothing else installed),
"rq" (a Redis-backed worker for a server: `python -m foiatrack.worker`), and "inline" (tests and
the CLI: run now, in this process). Handlers own their transactions: they commit after each
unit of work, so a crash keeps what was done and the job can be run again to resume.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from flask import Flask
from sqlalchemy.orm import Session

from foiatrack.domain.accounts.models import User
from foiatrack.domain.base import utcnow
from foiatrack.domain.errors import DomainError, NotFound
from foiatrack.domain.jobs.models import Job, JobStatus
from foiatrack.extensions import db

log = logging.getLogger(__name__)
QUEUE_NAME = "foiatrack"


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None, message: str = "") -> None: ...


Handler = Callable[[Session, Job, Progress, Mapping[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def create_job(
    session: Session,
    kind: str,
    *,
    title: str,
    params: dict[str, Any],
    actor: User | None,
    total: int = 0,
) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(
        kind=kind,
        title=title[:300],
        params=params,
        total=total,
        created_by_id=actor.id if actor else None,
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"There is no job {job_id}.")
    return job


def dispatch(app: Flask, job_id: int) -> None:
    """Start a committed job with the configured runner."""
    runner = app.config.get("JOB_RUNNER", "thread")
    if runner == "inline":
        run_job(app, job_id)
    elif runner == "thread":
        threading.Thread(
            target=run_job, args=(app, job_id), daemon=True, name=f"foiatrack-job-{job_id}"
        ).start()
    elif runner == "rq":
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE_NAME, connection=Redis.from_url(app.config["REDIS_URL"]))
        queue.enqueue("foiatrack.worker.run_job_by_id", job_id, job_timeout=6 * 3600)
    else:
        raise ValueError(f"JOB_RUNNER must be inline, thread or rq, not {runner!r}")


def run_job(app: Flask, job_id: int, progress_hook: Progress | None = None) -> Job:
    """Run one job to the end, recording progress, the result or the error on its row."""
    with app.app_context():
        session = db.session
        job = get_job(session, job_id)
        if job.is_finished:
            return job
        job.status, job.started_at, job.error = JobStatus.RUNNING, utcnow(), ""
        session.commit()

        def progress(done: int, total: int | None = None, message: str = "") -> None:
            job.done = done
            if total is not None:
                job.total = total
            if message:
                job.message = message[:2000]
            session.commit()
            if progress_hook is not None:
                progress_hook(done, total, message)

        try:
            result = HANDLERS[job.kind](session, job, progress, app.config)
        except Exception as error:  # every failure must land on the job row
            session.rollback()
            job = get_job(session, job_id)
            job.status, job.finished_at = JobStatus.FAILED, utcnow()
            job.error = (
                str(error)
                if isinstance(error, DomainError)
                else (f"{type(error).__name__}: {error}")
            )
            if not isinstance(error, DomainError):
                log.error("job %s failed\n%s", job_id, traceback.format_exc())
            session.commit()
            return job
        job.status, job.finished_at, job.result = JobStatus.DONE, utcnow(), result
        job.done = max(job.done, job.total)
        session.commit()
        return job
