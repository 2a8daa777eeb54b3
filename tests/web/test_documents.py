"""Uploading, tagging and viewing documents in the browser, and the bad files."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from foiatrack.domain.accounts.models import Role, User
from foiatrack.domain.documents.models import Document
from foiatrack.extensions import db
from tests.conftest import csrf_token
from tests.factories import make_agency, make_request

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def request_id(app: Flask) -> int:
    app.config["JOB_RUNNER"] = "inline"
    with app.app_context():
        request = make_request(db.session, make_agency(db.session, name="Troy PD", state="MI"))
        db.session.commit()
        return request.id


def _upload(client: FlaskClient, request_id: int, *files: tuple[bytes, str]):
    data = {
        "csrf_token": csrf_token(client, f"/requests/{request_id}"),
        "files": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post(
        f"/documents/request/{request_id}",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _documents(app: Flask) -> list[Document]:
    with app.app_context():
        documents = list(db.session.scalars(select(Document).order_by(Document.id)))
        for document in documents:
            db.session.expunge(document)
        return documents


def test_upload_several_files_and_recognise_duplicates(
    app: Flask, client: FlaskClient, request_id: int, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    page = _upload(client, request_id, (b"first file", "notes.txt"), (PDF, "MOU.pdf"))
    assert "Added 2 files." in page.get_data(as_text=True)
    page = _upload(client, request_id, (b"first file", "same content, other name.txt"))
    assert "Already on this request (same content): notes.txt" in page.get_data(as_text=True)
    documents = _documents(app)
    assert [d.filename for d in documents] == ["notes.txt", "MOU.pdf"]
    assert documents[1].media_type == "application/pdf"
    assert documents[0].extraction_status == "ok"  # the inline job ran


def test_bad_uploads(
    app: Flask, client: FlaskClient, request_id: int, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    app.config["MAX_UPLOAD_SIZE"] = 1000
    page = _upload(
        client,
        request_id,
        (b"", "empty.pdf"),
        (b"x" * 1001, "big.txt"),
        (b"<html><script>alert(1)</script></html>", "../../etc/passwd.pdf"),
    )
    html = page.get_data(as_text=True)
    assert "is empty" in html and "the limit is" in html
    (document,) = _documents(app)
    assert document.filename == "passwd.pdf"  # no path survives
    assert document.media_type == "text/html"  # the content, not the lying extension
    download = client.get(f"/documents/{document.id}/download")
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    shown = client.get(f"/documents/{document.id}/file")
    assert "attachment" in shown.headers["Content-Disposition"]  # HTML is never shown inline
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    shown.close()


def test_over_the_request_size_limit(
    app: Flask, client: FlaskClient, request_id: int, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = client.post(
        f"/documents/request/{request_id}",
        data={
            "csrf_token": csrf_token(client, f"/requests/{request_id}"),
            "files": [(io.BytesIO(b"y" * 5000), "huge.txt")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert _documents(app) == []


def test_view_tag_and_notes(
    app: Flask, client: FlaskClient, request_id: int, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    _upload(
        client,
        request_id,
        (b"The agreement covers footage retention.", "mou.txt"),
        (PDF, "scan.pdf"),
    )
    text_doc, pdf_doc = _documents(app)
    page = client.get(f"/documents/{text_doc.id}?q=footage&page=1").get_data(as_text=True)
    assert "<mark>footage</mark>" in page and 'id="page-1"' in page
    page = client.get(f"/documents/{pdf_doc.id}").get_data(as_text=True)
    assert f'src="/documents/{pdf_doc.id}/file#page=1"' in page
    shown = client.get(f"/documents/{pdf_doc.id}/file")
    assert shown.mimetype == "application/pdf" and "inline" in shown.headers.get(
        "Content-Disposition", "inline"
    )
    shown.close()
    token = csrf_token(client, f"/documents/{text_doc.id}")
    client.post(f"/documents/{text_doc.id}/tags", data={"tag": "Retention", "csrf_token": token})
    client.post(
        f"/documents/{text_doc.id}/notes", data={"notes": "check p. 2", "csrf_token": token}
    )
    client.post(
        "/documents/bulk-tag",
        data={"ids": [str(text_doc.id), str(pdf_doc.id)], "tag": "story", "csrf_token": token},
    )
    listing = client.get("/documents/?tag=story").get_data(as_text=True)
    assert "mou.txt" in listing and "scan.pdf" in listing
    assert "check p. 2" in client.get(f"/documents/{text_doc.id}").get_data(as_text=True)
    tags = client.get("/documents/tags").get_data(as_text=True)
    retention_id = re.search(r'/documents/tags/(\d+)"', tags).group(1)
    client.post(
        f"/documents/tags/{retention_id}",
        data={"name": "Footage retention", "colour": "red", "csrf_token": token},
    )
    ids = dict(re.findall(r'<option value="(\d+)">([^<]+)</option>', tags))
    story_id = next(i for i, name in ids.items() if name == "story")
    client.post(
        f"/documents/tags/{retention_id}/merge", data={"target": story_id, "csrf_token": token}
    )
    tags = client.get("/documents/tags").get_data(as_text=True)
    assert "Footage retention" not in tags and ">story<" in tags


def test_viewer_cannot_upload_or_tag(
    app: Flask, client: FlaskClient, request_id: int, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.VIEWER)
    response = client.post(
        f"/documents/request/{request_id}",
        data={"csrf_token": csrf_token(client, "/"), "files": [(io.BytesIO(b"x"), "a.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert (
        client.post(
            "/documents/bulk-tag",
            data={"ids": ["1"], "tag": "x", "csrf_token": csrf_token(client, "/")},
        ).status_code
        == 403
    )
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "data-dropzone" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def _zip(members: dict[str, bytes]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_bulk_upload_zip_with_mapping(
    app: Flask, client: FlaskClient, request_id: int, login_as: Callable[[Role], User]
) -> None:
    login_as(Role.EDITOR)
    with app.app_context():
        other = make_request(db.session, make_agency(db.session, name="Novi PD", state="MI"))
        db.session.commit()
        other_id = other.id
    archive = _zip({"troy/mou.txt": b"Troy MOU text", "novi/mou.txt": b"Novi MOU"})
    token = csrf_token(client, "/documents/bulk")

    def post(mapping: bytes):
        return client.post(
            "/documents/bulk",
            data={
                "csrf_token": token,
                "files": [(io.BytesIO(archive), "records.zip")],
                "mapping": (io.BytesIO(mapping), "map.csv"),
            },
            content_type="multipart/form-data",
        )

    bad = post(
        f"file,request_id\ntroy/mou.txt,{request_id}\nmissing.pdf,{other_id}\n"
        f"novi/mou.txt,999999\n".encode()
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Nothing was uploaded" in html
    assert "line 3: no file called &#39;missing.pdf&#39;" in html
    assert "line 4: there is no request &#39;999999&#39;" in html
    assert _documents(app) == []
    good = post(f"file,request_id\ntroy/mou.txt,{request_id}\nnovi/mou.txt,#{other_id}\n".encode())
    assert good.status_code == 200 and "2 files added." in good.get_data(as_text=True)
    documents = _documents(app)
    assert {(d.request_id, d.size) for d in documents} == {(request_id, 13), (other_id, 8)}
