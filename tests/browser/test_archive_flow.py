"""Archive flow: an agency's reply with a PDF arrives in the mailbox, `fetch-mail` brings it onto
its request, the editor adds two files by drag and drop, tags three documents, finds a phrase
inside the PDF, opens the document at the hit, and exports the tag as a ZIP."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import zipfile
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.letters.services import SUBJECT_TAG_FORMAT
from foiatrack.domain.requests import lifecycle
from foiatrack.domain.requests.lifecycle import Clock
from foiatrack.domain.requests.models import FilingMethod
from foiatrack.domain.requests.services import create_campaign, create_request
from foiatrack.extensions import db
from tests.browser.conftest import EDITOR_EMAIL, UI, LiveServer
from tests.servers import ImapServer, make_mail

pytestmark = pytest.mark.browser

AGENCY = "Troy Police Department"
PHRASE = "supervisor approval"
PAGE_TWO = (
    "Video requests sent through the Neighbors Portal require supervisor approval and a case "
    "number before they are posted."
)
UPLOADS = {
    "council-minutes.txt": ("text/plain", "Council minutes approving the Ring agreement.\n"),
    "portal-requests.csv": ("text/csv", "date,area,case\n2025-04-02,Big Beaver Rd,25-1187\n"),
}
TAG = "ring-agreement"


def _reply_pdf() -> bytes:
    """A two-page PDF like an agency's scanned-and-OCRed policy, the phrase on page two."""
    from weasyprint import HTML

    return HTML(
        string=(
            "<html><body><h1>Neighbors Portal standard operating procedure</h1>"
            "<p>Troy Police Department, General Order 2019-14.</p>"
            f'<p style="break-before: page">{PAGE_TWO}</p></body></html>'
        )
    ).write_pdf()


@dataclass(frozen=True)
class Filed:
    request_id: int


@pytest.fixture
def server_settings(imap_server: ImapServer) -> dict[str, object]:
    return imap_server.config()


@pytest.fixture
def filed_request(seeded: Flask) -> Filed:
    today = dt.date.today()
    with seeded.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.name == AGENCY))
        campaign = create_campaign(db.session, "Ring partnerships, Michigan", actor=None)
        req = create_request(
            db.session, agency, title="Ring partnership records", campaign=campaign, actor=None
        )
        lifecycle.file_request(
            db.session,
            req,
            actor=None,
            clock=Clock(today, today - dt.timedelta(days=9)),
            method=FilingMethod.EMAIL,
        )
        db.session.commit()
        filed = Filed(req.id)
        db.session.remove()
    return filed


def _drop_files(ui: UI, selector: str, files: dict[str, tuple[str, str]]) -> None:
    """Drag files from the desktop onto an element, as a person does."""
    transfer = ui.page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, type, text] of files) {
                transfer.items.add(new File([text], name, {type}));
            }
            return transfer;
        }""",
        [[name, kind, text] for name, (kind, text) in files.items()],
    )
    zone = ui.page.locator(selector)
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    assert "over" in zone.get_attribute("class")
    ui.shot("dragging-files-over-the-drop-zone")
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def _wait_until_text_extracted(ui: UI, request_id: int, seconds: float = 20) -> None:
    """Text extraction runs in the background after mail is fetched and files are uploaded:
    reload the request until none of its documents is marked pending any more."""
    deadline = time.monotonic() + seconds
    while True:
        ui.goto(f"/requests/{request_id}")
        pending = (
            ui.page.locator("#documents li")
            .filter(has=ui.page.locator(".badge", has_text="pending"))
            .all_inner_texts()
        )
        if not pending:
            return
        if time.monotonic() > deadline:
            ui.shot("documents-still-pending")
            pytest.fail(
                f"text extraction never ran for {pending} within {seconds:.0f} s, so the PDF "
                "cannot be searched"
            )
        ui.page.wait_for_timeout(500)


def test_reply_fetched_uploaded_tagged_found_and_exported(
    live_server: LiveServer, imap_server: ImapServer, filed_request: Filed, ui: UI
) -> None:
    page = ui.page
    request_id = filed_request.request_id
    subject = f"RE: Ring partnership records {SUBJECT_TAG_FORMAT.format(id=request_id)}"
    imap_server.append(
        "INBOX",
        make_mail(
            1,
            subject=subject,
            body="Please find the department's standard operating procedure attached.\r\n",
            attachment=_reply_pdf(),
        ),
    )

    # The mail fetcher, as cron runs it.
    output = live_server.cli("fetch-mail")
    assert "fetched 1, routed 1, to the inbox 0" in output, output

    ui.login(EDITOR_EMAIL)
    ui.goto(f"/requests/{request_id}")
    thread = page.get_by_role("region", name="Correspondence")
    assert subject in thread.inner_text()
    documents = page.locator("#documents")
    assert documents.get_by_role("link", name="records.pdf").count() == 1
    ui.shot("reply-and-pdf-on-the-request")

    # Two more files, dragged onto the request's drop zone.
    _drop_files(ui, "#documents [data-dropzone]", UPLOADS)
    page.wait_for_url(re.compile(rf"/requests/{request_id}#documents$"))
    assert "Added 2 files." in page.locator(".flashes").inner_text()
    for name in ["records.pdf", *UPLOADS]:
        assert documents.get_by_role("link", name=name).count() == 1, name
    ui.check_page("request with documents")
    ui.shot("three-documents-on-the-request")
    _wait_until_text_extracted(ui, request_id)

    # Tag all three from the document list.
    ui.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Documents"))
    rows = page.locator("table tbody tr")
    assert rows.count() == 3
    for checkbox in page.get_by_role("checkbox").all():
        checkbox.check()
    page.get_by_label("Tag", exact=True).fill(TAG)
    ui.follow(page.get_by_role("button", name="Apply"))
    assert "3 documents changed." in page.locator(".flashes").inner_text()
    ui.follow(page.get_by_role("link", name=f"{TAG} (3)"))
    assert page.locator("table tbody tr").count() == 3
    ui.check_page("documents tagged")
    ui.shot("documents-tagged")

    # Search for a phrase inside the PDF: one hit, on page 2, with the words marked.
    ui.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Search"))
    page.get_by_label("Search documents, messages and filed letters").fill(f'"{PHRASE}"')
    ui.follow(page.get_by_role("button", name="Search", exact=True))
    assert page.get_by_role("heading", name="1 result").is_visible()
    hit = page.locator(".hit")
    assert "page 2" in hit.inner_text()
    marked = " ".join(hit.locator(".snippet mark").all_inner_texts()).lower().split()
    assert set(marked) == set(PHRASE.split()), marked
    ui.check_page("search results")
    ui.shot("search-hit-with-snippet")

    # The hit opens the document at that page, with the phrase marked in its text.
    ui.follow(hit.get_by_role("link", name="records.pdf"))
    assert re.search(r"/documents/\d+\?page=2&q=.*#page-2$", page.url), page.url
    current = page.locator("article.page.current")
    assert current.get_attribute("id") == "page-2"
    assert {m.lower() for m in current.locator("mark").all_inner_texts()} == set(PHRASE.split())
    assert "#page=2" in page.locator("iframe").get_attribute("src")
    ui.check_page("document at the hit")
    ui.shot("document-open-at-the-hit")

    # Export the tag as a ZIP of the originals with a manifest.
    ui.follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Archive"))
    row = page.get_by_role("row", name=re.compile(TAG))
    assert row.locator("td").nth(1).inner_text() == "3"
    ui.check_page("archive")
    ui.follow(row.get_by_role("button", name="ZIP with manifest"))
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    ui.wait_for_job()
    ui.shot("export-job-done")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Continue").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as archive:
        names = archive.namelist()
        manifest = next(n for n in names if n.endswith("manifest.csv"))
        rows_in_manifest = list(csv.DictReader(io.StringIO(archive.read(manifest).decode())))
    files = sorted(n.rsplit("/", 1)[-1] for n in names if n != manifest)
    assert files == sorted(["records.pdf", *UPLOADS]), names
    assert len(rows_in_manifest) == 3
    assert all(AGENCY in ",".join(row.values()) for row in rows_in_manifest), rows_in_manifest
