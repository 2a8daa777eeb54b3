"""What a file really is, from its bytes: the sender's Content-Type and extension are claims.

Binary formats are recognised by their signatures (`filetype`), ZIP packages by their members
(a DOCX is a ZIP with word/, an XLSX one with xl/), OLE compound files by their stream names
(Outlook .msg, legacy Office, password-protected OOXML), and text formats by their first
characters. The file name is used only to choose between equally plausible text formats
(CSV or plain text) and between OLE documents whose streams were not recognised.
"""

from __future__ import annotations

import io
import re
import zipfile

import filetype

OCTET_STREAM = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
#: a password-protected DOCX/XLSX/PPTX: an OLE file holding an "EncryptedPackage" stream
ENCRYPTED_OOXML = "application/x-ooxml-encrypted"
OUTLOOK_MSG = "application/vnd.ms-outlook"
TNEF = "application/ms-tnef"
ZIP = "application/zip"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TNEF_MAGIC = b"\x78\x9f\x3e\x22"
_OLE_STREAMS = (
    ("__substg1.0_", OUTLOOK_MSG),
    ("EncryptedPackage", ENCRYPTED_OOXML),
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
)
_OLE_EXTENSIONS = {
    ".msg": OUTLOOK_MSG,
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
_ODF = {
    b"application/vnd.oasis.opendocument.text": "application/vnd.oasis.opendocument.text",
    b"application/vnd.oasis.opendocument.spreadsheet": (
        "application/vnd.oasis.opendocument.spreadsheet"
    ),
    b"application/vnd.oasis.opendocument.presentation": (
        "application/vnd.oasis.opendocument.presentation"
    ),
    b"application/epub+zip": "application/epub+zip",
}
_HTML_START = re.compile(
    rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|table|div|p|br|span|"
    rb"font|center|style|script|h[1-6]|a\s|b>|i>|strong|em>|ul|ol|li|img)\b",
    re.I | re.S,
)
_MAIL_HEADER = re.compile(
    rb"^(?:return-path|received|from|to|subject|date|message-id|mime-version|delivered-to|"
    rb"x-[a-z0-9-]+|dkim-signature|arc-[a-z-]+|authentication-results|reply-to|sender|cc|"
    rb"in-reply-to|references|thread-topic|thread-index)"
    rb"[ \t]*:",
    re.I,
)
_ANY_HEADER = re.compile(rb"^[A-Za-z0-9-]{1,76}[ \t]*:")
_CSV_LINE = re.compile(rb"^[^,\n]*(,[^,\n]*)+$")
_HEAD = 8192


def _zip_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 200:
                    declared = archive.read(info).strip()
                    if declared in _ODF:
                        return _ODF[declared]
    except Exception:  # a broken ZIP is still a ZIP; never fail on content
        return ZIP
    if "[Content_Types].xml" in names:
        if any(name.startswith("word/") for name in names):
            return DOCX
        if any(name.startswith("xl/") for name in names):
            return XLSX
        if any(name.startswith("ppt/") for name in names):
            return PPTX
    return ZIP


def _ole_type(data: bytes, extension: str) -> str:
    # Stream names are stored as UTF-16LE in the directory sectors; finding them is enough.
    for stream, media_type in _OLE_STREAMS:
        if stream.encode("utf-16-le") in data:
            return media_type
    return _OLE_EXTENSIONS.get(extension, "application/x-ole-storage")


def _looks_like_text(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls <= len(head) // 100


def _text_type(head: bytes, extension: str) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _HTML_START.match(stripped):
        return "text/html"
    lowered = stripped[:1024].lower()
    if stripped.startswith(b"{\\rtf"):
        return "application/rtf"
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<svg"):
        if b"<svg" in lowered:
            return "image/svg+xml"
        if b"<html" in lowered:
            return "text/html"
        return "application/xml"
    if b"<html" in lowered or b"<!doctype html" in lowered:
        return "text/html"
    if stripped.startswith(b"BEGIN:VCALENDAR"):
        return "text/calendar"
    first_lines = stripped.split(b"\n", 3)[:3]
    if _MAIL_HEADER.match(first_lines[0]) and all(
        _ANY_HEADER.match(line) or line[:1] in (b" ", b"\t") for line in first_lines
    ):
        return "message/rfc822"
    if extension in (".csv", ".tsv"):
        return "text/csv" if extension == ".csv" else "text/tab-separated-values"
    lines = [line for line in stripped.split(b"\n")[:5] if line.strip()]
    if len(lines) >= 2 and all(_CSV_LINE.match(line.rstrip(b"\r")) for line in lines):
        counts = {line.count(b",") for line in lines[:-1]}
        if len(counts) == 1:
            return "text/csv"
    return "text/plain"


def sniff_media_type(data: bytes, filename: str = "") -> str:
    """The media type of `data`, judged from its content; the name only breaks ties."""
    if not data:
        return OCTET_STREAM
    extension = ""
    if "." in filename:
        extension = "." + filename.rsplit(".", 1)[-1].lower()
    head = data[:_HEAD]
    # PDF readers accept junk before the signature; a message quoting a PDF is not a PDF.
    pdf_at = head.find(b"%PDF-", 0, 1024)
    if pdf_at == 0 or (pdf_at > 0 and not _MAIL_HEADER.match(head.lstrip())):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_type(data)
    if head.startswith(_OLE_MAGIC):
        return _ole_type(data, extension)
    if head.startswith(_TNEF_MAGIC):
        return TNEF
    try:
        guessed = filetype.guess_mime(head)
    except Exception:  # a matcher choking on odd bytes means "unknown"
        guessed = None
    if guessed and guessed != OCTET_STREAM:
        return str(guessed)
    if _looks_like_text(head):
        return _text_type(head, extension)
    return OCTET_STREAM
