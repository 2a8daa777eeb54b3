"""extract() on every kind of file agencies send, sniff_media_type, and Outlook .msg files."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from foiatrack.adapters import text_extraction
from foiatrack.adapters.outlook import msg_to_eml_bytes
from foiatrack.adapters.text_extraction import (
    ExtractionError,
    extract,
    sniff_media_type,
    tesseract_available,
)
from foiatrack.domain.documents.models import ExtractionStatus
from foiatrack.domain.documents.sniffing import DOCX, ENCRYPTED_OOXML, OUTLOOK_MSG, XLSX
from foiatrack.domain.mail.parsing import parse_message
from tests.conftest import needs_service
from tests.mail_samples import generator, sample

PDF = "application/pdf"


def _attachment(name: str, filename: str) -> bytes:
    parsed = parse_message(sample(name))
    return next(a.data for a in parsed.all_attachments() if a.filename == filename)


def _picture(text: str, size: tuple[int, int] = (1000, 260)) -> Image.Image:
    image = Image.new("L", size, 255)
    font = ImageFont.load_default(size=64)
    ImageDraw.Draw(image).text((40, 90), text, fill=0, font=font)
    return image


def scanned_pdf(*texts: str) -> bytes:
    """An image-only PDF, as a scanner makes: no text layer at all."""
    pages = [_picture(text) for text in texts]
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=200, save_all=True, append_images=pages[1:])
    return out.getvalue()


@pytest.fixture
def ocr() -> None:
    if not tesseract_available():
        needs_service(
            "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)"
        )


# --- sniffing -------------------------------------------------------------------------------------


def test_sniffing_trusts_content_over_names() -> None:
    module = generator()
    html = b"<!DOCTYPE html><html><body>hi</body></html>"
    cases = {
        ("a.bin", module.PDF_RECORD): PDF,
        ("records.pdf", html): "text/html",
        ("notes.pdf", b"Plain notes\nline two\n"): "text/plain",
        ("x.docx", module.make_docx()): DOCX,
        ("x.zip", module.make_xlsx()): XLSX,
        ("x.pdf", module.make_zip([("a.txt", b"a")])): "application/zip",
        ("x.txt", module.make_image("A", (40, 20), "PNG")): "image/png",
        ("x.png", module.make_image("A", (40, 20), "JPEG")): "image/jpeg",
        ("x.dat", module.outlook_msg()): OUTLOOK_MSG,
        ("winmail.dat", module.TNEF): "application/ms-tnef",
        ("x.txt", sample("no_body.eml")): "message/rfc822",
        ("log.csv", b"date,case\n2026-01-01,1\n"): "text/csv",
        ("log.txt", b"date,case,cost\n2026-01-01,1,3\n2026-01-02,2,4\n"): "text/csv",
        ("x", b"\x00\x01\x02\x03binary\xff"): "application/octet-stream",
        ("x.pdf", b""): "application/octet-stream",
        ("x", b"\xef\xbb\xbfBOM text"): "text/plain",
        ("x", b"{\\rtf1\\ansi hello}"): "application/rtf",
        ("x", b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>"): "image/svg+xml",
        ("x", b"Junk before\n%PDF-1.4 rest"): PDF,
    }
    for (filename, data), expected in cases.items():
        assert sniff_media_type(data, filename) == expected, filename


def test_password_protected_office_files_are_recognised() -> None:
    ole = generator().make_cfb(
        {"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"x" * 64}
    )
    assert sniff_media_type(ole, "protected.docx") == ENCRYPTED_OOXML
    for media_type in (DOCX, XLSX, ENCRYPTED_OOXML):
        assert extract(ole, media_type).status == ExtractionStatus.ENCRYPTED


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_text_page_by_page() -> None:
    result = extract(generator().PDF_RECORD, PDF)
    assert result.status == ExtractionStatus.OK and result.page_count == 2
    assert result.pages == [
        "Memorandum of Understanding\nCity of Troy Police Department and Ring LLC",
        "Page two: Neighbors Public Safety Service terms.",
    ]
    assert result.error == ""


def test_scanned_pdf_is_ocred(ocr: None) -> None:
    result = extract(scanned_pdf("RING AGREEMENT", "BODY CAMERA POLICY"), PDF)
    assert result.status == ExtractionStatus.OCRED and result.page_count == 2
    assert "RING AGREEMENT" in result.pages[0].upper()
    assert "BODY CAMERA" in result.pages[1].upper()


def test_mixed_pdf_ocrs_only_the_scanned_pages(ocr: None) -> None:
    writer = PdfWriter()
    for data in (generator().PDF_RECORD, scanned_pdf("DISPATCH LOG")):
        writer.append(PdfReader(io.BytesIO(data)))
    writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    result = extract(out.getvalue(), PDF)
    assert result.status == ExtractionStatus.OCRED and result.page_count == 4
    assert result.pages[0].startswith("Memorandum of Understanding")
    assert "DISPATCH LOG" in result.pages[2].upper()
    assert result.pages[3] == ""  # blank: nothing to OCR


def test_scanned_pdf_without_ocr_needs_ocr() -> None:
    result = extract(scanned_pdf("RING"), PDF, ocr=False)
    assert result.status == ExtractionStatus.NEEDS_OCR
    assert result.pages == [""] and result.page_count == 1
    assert "1 page(s) are scanned images" in result.error


def test_encrypted_corrupt_and_oversized_pdfs() -> None:
    encrypted = _attachment("encrypted_pdf.eml", "Ring agreement (protected).pdf")
    assert extract(encrypted, PDF).status == ExtractionStatus.ENCRYPTED
    corrupt = extract(_attachment("corrupt_pdf.eml", "records.pdf"), PDF)
    assert corrupt.status == ExtractionStatus.CORRUPT and "not a readable PDF" in corrupt.error
    assert extract(b"%PDF-1.4", PDF).status == ExtractionStatus.CORRUPT
    big = extract(generator().PDF_RECORD, PDF, max_size=100)
    assert big.status == ExtractionStatus.TOO_LARGE and big.pages == []
    huge = bytes(text_extraction.MAX_EXTRACT_SIZE + 1)
    assert extract(huge, PDF).status == ExtractionStatus.TOO_LARGE


def test_pdf_with_only_an_owner_password_is_read() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(generator().PDF_RECORD)))
    writer.encrypt("", "owner-only", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    result = extract(out.getvalue(), PDF)
    assert result.status == ExtractionStatus.OK
    assert result.pages[1] == "Page two: Neighbors Public Safety Service terms."


def test_a_pdf_that_is_really_html_is_read_as_html() -> None:
    data = _attachment("corrupt_pdf.eml", "letter.pdf")
    media_type = sniff_media_type(data, "letter.pdf")
    assert media_type == "text/html"
    assert extract(data, media_type).pages == ["Your letter is ready."]


# --- images ---------------------------------------------------------------------------------------


def _image_bytes(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def test_images_are_ocred(ocr: None) -> None:
    png = extract(_image_bytes(_picture("FEE ESTIMATE"), "PNG"), "image/png")
    assert png.status == ExtractionStatus.OCRED and "FEE ESTIMATE" in png.pages[0].upper()
    pages = [_picture("FIRST PAGE"), _picture("SECOND PAGE")]
    tiff = _image_bytes(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    result = extract(tiff, "image/tiff")
    assert result.page_count == 2 and "SECOND" in result.pages[1].upper()
    jpeg = _image_bytes(_picture("DENIED").convert("CMYK"), "JPEG")
    assert "DENIED" in extract(jpeg, "image/jpeg").pages[0].upper()


def test_images_without_ocr_or_broken() -> None:
    png = _image_bytes(_picture("X"), "PNG")
    result = extract(png, "image/png", ocr=False)
    assert (result.status, result.page_count) == (ExtractionStatus.NEEDS_OCR, 1)
    assert extract(png[:40], "image/png").status == ExtractionStatus.CORRUPT


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_decompression_bomb_image_is_too_large() -> None:
    header = struct.pack(">IIBBBBB", 40_000, 40_000, 1, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IEND", b"")
    result = extract(bomb, "image/png")
    assert result.status == ExtractionStatus.TOO_LARGE


# --- office files ---------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables() -> None:
    result = extract(generator().make_docx(), DOCX)
    assert result.status == ExtractionStatus.OK and result.page_count is None
    assert result.pages == [
        "Ring Neighbors Portal Agreement\n"
        "This agreement is between the City of Troy and Ring LLC.\n"
        "Signed\t2019-08-14\nTerm\tTwo years\n"
        "Résumé: video requests go through the Neighbors app."
    ]


def test_xlsx_one_page_per_sheet_with_a_row_cap() -> None:
    data = generator().make_xlsx()
    result = extract(data, XLSX)
    assert result.status == ExtractionStatus.OK and result.page_count == 2
    assert result.pages == [
        "Requests\nDate\tCase\tRequested via Ring\tCost\n2025-11-03\t25-0412\tyes\t12.5\n"
        "2025-12-19\t25-0577\tno\t0",
        "Summary\nTotal requests\t2",
    ]
    capped = extract(data, XLSX, max_rows=2)
    assert capped.pages[0].count("\n") == 2
    assert "sheet 'Requests': only 2 rows read" in capped.error


def test_broken_and_oversized_office_files(monkeypatch: pytest.MonkeyPatch) -> None:
    assert extract(b"PK\x03\x04 not really", DOCX).status == ExtractionStatus.CORRUPT
    assert extract(b"garbage", XLSX).status == ExtractionStatus.CORRUPT
    not_word = zipfile.ZipFile  # a valid ZIP that is not a DOCX
    out = io.BytesIO()
    with not_word(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert extract(out.getvalue(), DOCX).status == ExtractionStatus.CORRUPT
    monkeypatch.setattr(text_extraction, "MAX_PACKAGE_SIZE", 1000)
    result = extract(generator().make_docx(), DOCX)
    assert result.status == ExtractionStatus.TOO_LARGE and "unpacks to" in result.error


# --- text, HTML, mail -----------------------------------------------------------------------------


def test_csv_and_text_in_legacy_encodings() -> None:
    latin1 = "Fecha,Cargo\n2026-03-01,Café\n".encode("latin-1")
    assert extract(latin1, "text/csv").pages == ["Fecha,Cargo\n2026-03-01,Café"]
    bom = "\ufeffname,value\nJosé,1\n".encode()
    assert extract(bom, "text/csv").pages == ["name,value\nJosé,1"]
    utf16 = "Log entry — ok".encode("utf-16")
    assert extract(utf16, "text/plain").pages == ["Log entry — ok"]


def test_html_uses_its_meta_charset() -> None:
    data = '<html><head><meta charset="windows-1252"></head><p>“Fees” waived</p>'.encode("cp1252")
    assert extract(data, "text/html").pages == ["“Fees” waived"]


def test_eml_files_are_read_as_messages() -> None:
    result = extract(sample("forwarded.eml"), "message/rfc822")
    assert result.status == ExtractionStatus.OK
    assert "Subject: Fwd: Records for the Ring request" in result.pages[0]
    assert "Forwarding the Clerk's response" in result.pages[0]


def test_outlook_msg_becomes_a_message() -> None:
    data = sample("outlook.msg")
    parsed = parse_message(msg_to_eml_bytes(data))
    assert parsed.subject == "RE: Ring records (saved from Outlook)"
    assert parsed.from_address == "records@troymi.example.gov"
    assert parsed.message_id == "<outlook-0417@troymi.example.gov>"
    assert parsed.in_reply_to == generator().OUR_MESSAGE_ID
    assert "Request #P012345-010126" in parsed.body_text
    assert "<b>attached</b>" in parsed.body_html
    assert [(a.filename, a.media_type, a.data) for a in parsed.attachments] == [
        ("Ring MOU 2019.pdf", PDF, generator().PDF_RECORD)
    ]
    result = extract(data, OUTLOOK_MSG)
    assert result.status == ExtractionStatus.OK and "saved from Outlook" in result.pages[0]


def test_unreadable_msg() -> None:
    with pytest.raises(ExtractionError):
        msg_to_eml_bytes(b"not an outlook file")
    assert extract(b"\xd0\xcf\x11\xe0 broken", OUTLOOK_MSG).status == ExtractionStatus.CORRUPT


def test_unsupported_and_unknown_types() -> None:
    zipped = generator().make_zip([("a.txt", b"a")])
    assert extract(zipped, "application/zip").status == ExtractionStatus.UNSUPPORTED
    assert extract(generator().TNEF, "application/ms-tnef").status == ExtractionStatus.UNSUPPORTED
    # An unknown declared type is sniffed from the content.
    assert extract(generator().PDF_RECORD, "application/octet-stream").page_count == 2
    assert extract(b"", PDF).status == ExtractionStatus.CORRUPT


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=3000),
    st.sampled_from([PDF, DOCX, XLSX, "image/png", "text/csv", "text/html", OUTLOOK_MSG, ""]),
)
def test_extract_never_raises(data: bytes, media_type: str) -> None:
    result = extract(data, media_type, ocr=False)
    assert result.status in set(ExtractionStatus)
    assert all("\x00" not in page for page in result.pages)
