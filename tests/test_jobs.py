"""Long jobs: progress on the Job row, failures kept, and all three runners."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from foiatrack import PROJECT_ROOT
from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.jobs.models import Job, JobStatus
from foiatrack.extensions import db
from foiatrack.jobs import Progress, create_job, dispatch, get_job, handler, run_job
from tests.conftest import needs_service


@handler("count_to")
def count_to(
    session: Session, job: Job, progress: Progress, config: Mapping[str, Any]
) -> dict[str, Any]:
    n = job.params["n"]
    for i in range(1, n + 1):
        progress(i, n, f"counted {i}")
    if job.params.get("fail"):
        raise ValidationFailed("the count went wrong")
    if job.params.get("crash"):
        raise RuntimeError("boom")
    return {"counted": n, "next_url": "/"}


def _new_job(app: Flask, **params: Any) -> int:
    with app.app_context():
        job = create_job(db.session, "count_to", title="Count", params=params, actor=None)
        db.session.commit()
        return job.id


def _job(app: Flask, job_id: int) -> Job:
    with app.app_context():
        job = get_job(db.session, job_id)
        db.session.expunge(job)
        return job


def test_inline_job_records_progress_and_result(app: Flask) -> None:
    seen: list[int] = []
    job_id = _new_job(app, n=5)
    run_job(app, job_id, progress_hook=lambda done, total=None, message="": seen.append(done))
    job = _job(app, job_id)
    assert (job.status, job.done, job.total, job.percent) == (JobStatus.DONE, 5, 5, 100)
    assert job.result == {"counted": 5, "next_url": "/"} and seen == [1, 2, 3, 4, 5]
    assert job.started_at is not None and job.finished_at is not None


def test_failures_are_kept_on_the_job(app: Flask) -> None:
    job_id = _new_job(app, n=2, fail=True)
    run_job(app, job_id)
    job = _job(app, job_id)
    assert job.status == JobStatus.FAILED and job.error == "the count went wrong"
    assert job.done == 2  # progress made before the failure is kept
    crash_id = _new_job(app, n=1, crash=True)
    run_job(app, crash_id)
    assert _job(app, crash_id).error == "RuntimeError: boom"


def test_finished_jobs_do_not_run_again(app: Flask) -> None:
    job_id = _new_job(app, n=1)
    run_job(app, job_id)
    first = _job(app, job_id).finished_at
    run_job(app, job_id)
    assert _job(app, job_id).finished_at == first


def test_unknown_kind_and_runner(app: Flask) -> None:
    with app.app_context(), pytest.raises(ValueError, match="no handler"):
        create_job(db.session, "nope", title="x", params={}, actor=None)
    app.config["JOB_RUNNER"] = "carrier pigeon"
    with pytest.raises(ValueError, match="JOB_RUNNER"):
        dispatch(app, _new_job(app, n=1))


def _wait(app: Flask, job_id: int, seconds: float = 30) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = _job(app, job_id)
        if job.is_finished:
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job_id} did not finish in {seconds}s")


def test_thread_runner(app: Flask, db_backend: str) -> None:
    if db_backend == "sqlite":
        # one file, two connections at once: give the writer room
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    app.config["JOB_RUNNER"] = "thread"
    job_id = _new_job(app, n=3)
    dispatch(app, job_id)
    assert _wait(app, job_id).status == JobStatus.DONE


@pytest.mark.slow
def test_rq_runner_with_a_real_redis_worker(app: Flask, database_url: str, tmp_path) -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError as exc:
        needs_service(f"Redis at {url} is not reachable: {exc}")
    app.config.update(JOB_RUNNER="rq", REDIS_URL=url)
    job_id = _new_job(app, n=4)
    dispatch(app, job_id)
    # A real worker process, as on a server: it imports the handler from this test module.
    env = {
        **os.environ,
        "FOIATRACK_SQLALCHEMY_DATABASE_URI": database_url,
        "FOIATRACK_SECRET_KEY": "test",
        "FOIATRACK_REDIS_URL": url,
        "FOIATRACK_INSTANCE_PATH": str(tmp_path),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    code = (
        "import tests.test_jobs, rq, redis; from foiatrack.jobs import QUEUE_NAME; "
        f"rq.Worker([QUEUE_NAME], connection=redis.Redis.from_url('{url}'))"
        ".work(burst=True)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    job = _job(app, job_id)
    assert job.status == JobStatus.DONE, (job.error, result.stderr[-2000:])
    assert job.result["counted"] == 4


def test_job_pages(app: Flask, client: FlaskClient, login_as: Callable[[Role], User]) -> None:
    login_as(Role.VIEWER)
    job_id = _new_job(app, n=2)
    run_job(app, job_id)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Count" in page and 'data-job-url="/jobs/' in page and "You can leave this page" in page
    data = client.get(f"/jobs/{job_id}.json").get_json()
    assert data["status"] == "done" and data["percent"] == 100 and data["finished"] is True
    assert "Count" in client.get("/jobs/").get_data(as_text=True)
    assert client.get("/jobs/999.json").status_code == 404
