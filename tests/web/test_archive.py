"""The archive pages, exports as jobs, and the archive's command-line commands."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from foiatrack.adapters import blob_store
from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.documents import similarity
from foiatrack.domain.documents.models import Document
from foiatrack.domain.documents.services import get_or_create_tag, tag_documents
from foiatrack.domain.jobs.models import Job, JobStatus
from foiatrack.domain.requests.models import EventKind
from foiatrack.domain.requests.services import record_event
from foiatrack.domain.search import indexing
from foiatrack.extensions import db
from tests.archive_data import AGREEMENT, build_corpus


@dataclass(frozen=True)
class Archive:
    campaign_id: int
    group_id: int
    tag_id: int
    request_id: int
    agreement_ids: list[int]


@pytest.fixture
def archive(app: Flask) -> Archive:
    app.config["JOB_RUNNER"] = "inline"
    with app.app_context():
        session = db.session
        corpus = build_corpus(session, blob_store(app.config))
        for document in corpus.agreements + corpus.unrelated:
            indexing.index_document(session, document)
        tag = get_or_create_tag(session, "Neighbors agreement")
        tag_documents(session, corpus.agreements[:3], tag)
        request = corpus.requests["Troy Police Department"]
        record_event(session, request, EventKind.NOTE, "Called the clerk", actor=None)
        similarity.regroup(session)
        session.commit()
        group_id = session.scalar(select(Document.group_id).where(Document.group_id.is_not(None)))
        return Archive(
            campaign_id=corpus.campaign.id,
            group_id=group_id,
            tag_id=tag.id,
            request_id=request.id,
            agreement_ids=[d.id for d in corpus.agreements],
        )


def _csrf(client: FlaskClient) -> str:
    html = client.get("/archive/").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _no_inline_code(html: str) -> None:
    assert "<script>" not in html.split("</head>", 1)[1]
    assert " style=" not in html
    assert " onclick=" not in html


def _job_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job)) or 0


def test_pages_render_for_a_viewer(
    client: FlaskClient, login_as: Callable[[Role], User], archive: Archive
) -> None:
    login_as(Role.VIEWER)
    index = client.get("/archive/")
    assert index.status_code == 200
    html = index.get_data(as_text=True)
    assert "1 group of near-duplicates" in html
    assert "Neighbors agreement" in html
    assert f"/archive/campaigns/{archive.campaign_id}/coverage" in html

    groups = client.get("/archive/groups").get_data(as_text=True)
    assert "Neighbors Portal agreement" in groups
    assert f"/archive/groups/{archive.group_id}" in groups
    assert "Find near-duplicates again" not in groups  # editors only

    group = client.get(f"/archive/groups/{archive.group_id}")
    assert group.status_code == 200
    page = group.get_data(as_text=True)
    assert page.index("Fort Wayne Police Department") < page.index("Troy Police Department")
    assert '<del class="diff-del">thirty (30)</del>' in page
    assert '<ins class="diff-ins">sixty (60)</ins>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "the common version" in page

    coverage = client.get(f"/archive/campaigns/{archive.campaign_id}/coverage")
    assert coverage.status_code == 200
    matrix = coverage.get_data(as_text=True)
    assert matrix.count('aria-label="Returned"') == 6
    assert matrix.count("Not returned") == 3
    assert "Agencies that returned no documents" in matrix
    assert "Kalamazoo Police Department" in matrix

    evidence = client.get(f"/archive/requests/{archive.request_id}/evidence")
    assert evidence.status_code == 200
    assert "Make the evidence bundle" in evidence.get_data(as_text=True)
    for response in (index, group, coverage, evidence):
        _no_inline_code(response.get_data(as_text=True))


def test_unknown_group_and_campaign_are_404(
    client: FlaskClient, login_as: Callable[[Role], User], archive: Archive
) -> None:
    login_as(Role.VIEWER)
    assert client.get("/archive/groups/999999").status_code == 404
    assert client.get("/archive/campaigns/999999/coverage").status_code == 404
    assert client.get("/archive/requests/999999/evidence").status_code == 404


def test_exports_refuse_anonymous_users(app: Flask, client: FlaskClient, archive: Archive) -> None:
    for path in (
        f"/archive/tags/{archive.tag_id}/export",
        "/archive/search/export?q=agreement",
        f"/archive/requests/{archive.request_id}/evidence",
        "/archive/groups/regroup",
    ):
        response = client.post(path)
        assert response.status_code in (302, 400), path
        if response.status_code == 302:
            assert "/auth/login" in response.headers["Location"]
    for path in ("/archive/search.csv?q=agreement", "/archive/groups", "/archive/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]
    assert _job_count(app) == 0


def test_viewer_cannot_regroup(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User], archive: Archive
) -> None:
    login_as(Role.VIEWER)
    response = client.post("/archive/groups/regroup", data={"csrf_token": _csrf(client)})
    assert response.status_code == 403
    assert _job_count(app) == 0


def _download(client: FlaskClient, response) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job_id = int(job_url.rstrip("/").rsplit("/", 1)[1])
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["status"] == JobStatus.DONE, status
    assert status["result"]["next_url"] == f"/jobs/{job_id}/download"
    with client.get(f"/jobs/{job_id}/download") as download:
        assert download.status_code == 200
        assert download.mimetype == "application/zip"
        data = download.data
    assert status["result"]["sha256"] == hashlib.sha256(data).hexdigest()
    return zipfile.ZipFile(io.BytesIO(data))


def test_viewer_exports_a_tag_as_a_zip_job(
    client: FlaskClient, login_as: Callable[[Role], User], archive: Archive
) -> None:
    login_as(Role.VIEWER)
    response = client.post(
        f"/archive/tags/{archive.tag_id}/export", data={"csrf_token": _csrf(client)}
    )
    zipped = _download(client, response)
    names = zipped.namelist()
    assert "manifest.csv" in names
    assert len(names) == 4
    assert all(zipped.read(n) == AGREEMENT.encode() for n in names if n.endswith(".pdf"))
    manifest = zipped.read("manifest.csv").decode().removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(manifest)))
    assert {int(r["document_id"]) for r in rows} == set(archive.agreement_ids[:3])
    assert {r["tags"] for r in rows} == {"Neighbors agreement"}


def test_search_export_zip_and_csv(
    client: FlaskClient, login_as: Callable[[Role], User], archive: Archive
) -> None:
    login_as(Role.VIEWER)
    response = client.post(
        "/archive/search/export?q=neighbors+portal&state=OH", data={"csrf_token": _csrf(client)}
    )
    zipped = _download(client, response)
    files = [n for n in zipped.namelist() if n != "manifest.csv"]
    assert len(files) == 2
    assert all(n.startswith("OH/") for n in files)

    csv_response = client.get("/archive/search.csv?q=neighbors+portal")
    assert csv_response.status_code == 200
    assert csv_response.mimetype == "text/csv"
    assert "attachment" in csv_response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True)[1:])))
    assert {int(r["id"]) for r in rows} == set(archive.agreement_ids)
    assert all(r["url"].startswith("http://localhost/documents/") for r in rows)

    assert client.get("/archive/search.csv").status_code == 400
    assert client.get("/archive/search.csv?q=x&campaign_id=nope").status_code == 422
    assert client.get('/archive/search.csv?q="unbalanced').status_code == 400


def test_evidence_bundle_job(
    client: FlaskClient, login_as: Callable[[Role], User], archive: Archive
) -> None:
    login_as(Role.VIEWER)
    response = client.post(
        f"/archive/requests/{archive.request_id}/evidence", data={"csrf_token": _csrf(client)}
    )
    zipped = _download(client, response)
    top = f"request-{archive.request_id}-evidence/"
    sums = zipped.read(top + "SHA256SUMS").decode()
    for line in sums.splitlines():
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(zipped.read(top + path)).hexdigest() == digest
    assert "Called the clerk" in zipped.read(top + "timeline.txt").decode()
    assert f"{top}documents/2026-03-02-{archive.agreement_ids[0]}-agreement.pdf" in (
        zipped.namelist()
    )


def test_editor_regroups_as_a_job(
    app: Flask, client: FlaskClient, login_as: Callable[[Role], User], archive: Archive
) -> None:
    login_as(Role.EDITOR)
    assert "Find near-duplicates again" in client.get("/archive/groups").get_data(as_text=True)
    response = client.post("/archive/groups/regroup", data={"csrf_token": _csrf(client)})
    assert response.status_code == 302
    with app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job is not None
        assert job.status == JobStatus.DONE, job.error
        assert job.result["groups"] == 1
        assert job.result["signatures_computed"] == 0
        assert job.result["next_url"] == "/archive/groups"
        assert (
            db.session.scalar(
                select(Document.group_id).where(Document.id == archive.agreement_ids[0])
            )
            == archive.group_id
        )


def test_regroup_command(app: Flask, runner: FlaskCliRunner, archive: Archive) -> None:
    result = runner.invoke(args=["regroup", "--recompute"])
    assert result.exit_code == 0, result.output
    assert "1 groups of near-duplicates (6 documents)" in result.output
    assert f"group {archive.group_id}: 6 documents from 6 agencies" in result.output


def test_evidence_command(
    app: Flask, runner: FlaskCliRunner, archive: Archive, tmp_path: Path
) -> None:
    output = tmp_path / "bundle.zip"
    result = runner.invoke(args=["evidence", str(archive.request_id), "--output", str(output)])
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    assert f"SHA-256 {digest}" in result.output
    with zipfile.ZipFile(output) as zipped:
        assert f"request-{archive.request_id}-evidence/SHA256SUMS" in zipped.namelist()
    into_folder = runner.invoke(args=["evidence", str(archive.request_id), "-o", str(tmp_path)])
    assert into_folder.exit_code == 0, into_folder.output
    assert (tmp_path / f"request-{archive.request_id}-evidence.zip").exists()
    missing = runner.invoke(args=["evidence", "999999", "-o", str(tmp_path / "x.zip")])
    assert missing.exit_code == 1
    assert "There is no request" in missing.output
    assert not (tmp_path / "x.zip").exists()
    assert not (tmp_path / "x.zip.partial").exists()
