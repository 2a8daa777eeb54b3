"""Progress of long jobs: a page that updates itself, and its JSON for scripts."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, send_file
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from foiatrack.adapters import blob_store
from foiatrack.domain.jobs.models import Job, JobStatus
from foiatrack.extensions import db
from foiatrack.jobs import get_job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def job_json(job: Job) -> dict[str, object]:
    return {
        "id": job.id,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "error": job.error,
        "result": job.result,
        "finished": job.is_finished,
    }


@bp.get("/")
def index() -> ResponseReturnValue:
    jobs = db.session.scalars(select(Job).order_by(Job.id.desc()).limit(50))
    return render_template("jobs/index.html", jobs=list(jobs))


@bp.get("/<int:job_id>")
def detail(job_id: int) -> ResponseReturnValue:
    return render_template("jobs/detail.html", job=get_job(db.session, job_id))


@bp.get("/<int:job_id>.json")
def status(job_id: int) -> ResponseReturnValue:
    return jsonify(job_json(get_job(db.session, job_id)))


@bp.get("/<int:job_id>/download")
def download(job_id: int) -> ResponseReturnValue:
    """The file a finished job produced (a ZIP of letters, an export)."""
    job = get_job(db.session, job_id)
    sha = job.result.get("sha256") if job.status == JobStatus.DONE else None
    if not sha:
        abort(404, description="This job has no file to download (yet).")
    path = blob_store(current_app.config).path(sha)
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=job.result.get("filename") or f"job-{job.id}.zip",
    )
