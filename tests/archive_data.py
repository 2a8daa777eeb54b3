"""Test data for the archive: one agreement returned by several agencies, with small edits.

Documents are built through the models (Document and DocumentPage rows, bytes in the file
store), so these tests do not depend on upload or text extraction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.documents.models import (
    Document,
    DocumentPage,
    DocumentSource,
    ExtractionStatus,
)
from foiatrack.domain.requests.models import Campaign, RecordsRequest
from tests.factories import make_agency, make_campaign, make_request

AGREEMENT = """
LAW ENFORCEMENT NEIGHBORS PORTAL AGREEMENT

This agreement is made between Ring LLC, a Delaware limited liability company, and the
participating law enforcement agency named on the signature page below. The parties wish to
set out the terms under which the agency may use the Neighbors Portal to communicate with
members of the public who have installed the Neighbors application in its jurisdiction.

1. Access. Ring grants the agency a limited, revocable and non-exclusive right to use the
portal during the term of this agreement. The agency shall designate one administrator who
is responsible for creating and removing user accounts for its personnel.

2. Video requests. The agency may post requests asking residents to share video recordings
from a defined area and time period that relate to an active investigation. Residents decide
whether to share any recording, and Ring does not disclose their identity unless they agree.

3. Public posts. The agency may publish safety alerts, crime reports and community news. The
agency is solely responsible for the content of its posts and shall not post personal
information about any person who has not been charged with a crime.

4. Promotion. The agency shall not endorse any product. Joint announcements about the portal
require the written approval of both parties before they are released to the press.

5. Term. This agreement begins on the date of the last signature and continues for one year.
It renews automatically for additional one year terms unless either party gives thirty (30)
days written notice of termination to the other party.

6. Records. Nothing in this agreement limits the obligations of the agency under the public
records laws of its state, and the agency may disclose this agreement when the law requires.
""".strip()

POLICY = """
General Order 41.2: Use of Body Worn Cameras. Officers assigned a body worn camera shall wear
it on the outermost garment at chest level throughout their shift and activate it before any
enforcement contact, traffic stop, search or arrest. Recordings are retained for at least one
hundred eighty days, and for the duration of any criminal case or internal investigation to
which they relate. Supervisors review a random sample of recordings each month and document
the review in the camera management system. Officers may not edit, copy or delete recordings.
Requests for recordings from the public are handled by the records unit under state law.
""".strip()

FEE_LETTER = """
Dear requester, we have located approximately four hundred pages of records that may respond
to your request for communications with Amazon and its subsidiaries. Before we begin review
and redaction we require a deposit of fifty dollars, payable by check to the City Treasurer.
Staff time for review is billed at the lowest hourly wage of an employee able to perform the
task, as allowed by section nine of the statute. If we do not receive the deposit within
forty five days we will consider the request withdrawn and close our file without further
notice to you. Please contact the clerk's office with any questions about this estimate.
""".strip()


def edited(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


#: (agency, state, text): three verbatim copies, three with small edits
AGREEMENT_COPIES = [
    ("Troy Police Department", "MI", AGREEMENT),
    ("Dearborn Police Department", "MI", AGREEMENT),
    ("Akron Police Department", "OH", AGREEMENT),
    (
        "Toledo Police Department",
        "OH",
        edited(AGREEMENT, "thirty (30)", "sixty (60)"),
    ),
    (
        "Gary Police Department",
        "IN",
        edited(
            AGREEMENT,
            "the written approval of both parties",
            "the prior written approval of the Chief of Police and of Ring",
        ),
    ),
    (
        "Fort Wayne Police Department",
        "IN",
        edited(
            AGREEMENT,
            "The agency shall not endorse any product.",
            "The agency shall not endorse any product or service <script>alert(1)</script>.",
        ),
    ),
]


def add_document(
    session: Session,
    request: RecordsRequest | None,
    text: str,
    *,
    blobs: FileSystemBlobStore | None = None,
    title: str = "Neighbors Portal agreement",
    filename: str = "agreement.pdf",
    data: bytes | None = None,
    source: DocumentSource = DocumentSource.EMAIL,
    received_on: dt.date = dt.date(2026, 3, 2),
    media_type: str = "application/pdf",
) -> Document:
    """A document with one page of text; its bytes (default: the text) in the store."""
    data = data if data is not None else text.encode("utf-8")
    sha = blobs.put(data) if blobs is not None else _sha(data)
    document = Document(
        request_id=request.id if request else None,
        sha256=sha,
        title=title,
        filename=filename,
        media_type=media_type,
        size=len(data),
        received_on=received_on,
        source=source,
        extraction_status=ExtractionStatus.OK,
    )
    session.add(document)
    session.flush()
    session.add(DocumentPage(document_id=document.id, number=1, text=text))
    session.flush()
    return document


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


@dataclass
class Corpus:
    campaign: Campaign
    agreements: list[Document]
    unrelated: list[Document]
    requests: dict[str, RecordsRequest]
    #: agencies with a request in the campaign and no document at all
    silent: list[Agency]


def build_corpus(session: Session, blobs: FileSystemBlobStore | None = None) -> Corpus:
    """Six agencies return the agreement, two return unrelated documents, one returns nothing."""
    campaign = make_campaign(session, "Ring partnerships 2026")
    requests: dict[str, RecordsRequest] = {}
    agreements = []
    for name, state, text in AGREEMENT_COPIES:
        request = make_request(session, make_agency(session, name, state), campaign)
        requests[name] = request
        agreements.append(add_document(session, request, text, blobs=blobs))
    unrelated = []
    for name, state, text, title in (
        ("Flint Police Department", "MI", POLICY, "Body camera policy"),
        ("Lansing Police Department", "MI", FEE_LETTER, "Fee estimate"),
    ):
        request = make_request(session, make_agency(session, name, state), campaign)
        requests[name] = request
        unrelated.append(
            add_document(session, request, text, blobs=blobs, title=title, filename="reply.pdf")
        )
    quiet = make_agency(session, "Kalamazoo Police Department", "MI")
    requests[quiet.name] = make_request(session, quiet, campaign)
    session.flush()
    return Corpus(campaign, agreements, unrelated, requests, [quiet])
