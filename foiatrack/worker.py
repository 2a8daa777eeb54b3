"""The Redis-backed worker for long jobs on a server: `python -m foiatrack.worker`.

Set JOB_RUNNER = "rq" and REDIS_URL in the configuration of both the web app and the worker.
"""

from __future__ import annotations

import functools

from flask import Flask

from foiatrack import create_app
from foiatrack.jobs import QUEUE_NAME, run_job


@functools.cache
def _app() -> Flask:
    return create_app()


def run_job_by_id(job_id: int) -> None:
    """What the RQ worker calls for each queued job."""
    run_job(_app(), job_id)


def main() -> None:
    from redis import Redis
    from rq import Worker

    app = _app()
    connection = Redis.from_url(app.config["REDIS_URL"])
    Worker([QUEUE_NAME], connection=connection).work(with_scheduler=False)


if __name__ == "__main__":
    main()
