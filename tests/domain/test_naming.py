"""safe_filename: whatever a sender wrote becomes a name that is safe to store and serve."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foiatrack.domain.documents.naming import (
    MAX_FILENAME_LENGTH,
    extension_for,
    fallback_filename,
    safe_filename,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ring MOU 2019.pdf", "Ring MOU 2019.pdf"),
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\Windows\\system.ini", "system.ini"),
        ("C:evil.exe", "evil.exe"),
        ("..", "attachment.bin"),
        (".htaccess", "htaccess"),
        ("...hidden.pdf", "hidden.pdf"),
        ("re\x00port\x1f.pdf", "report.pdf"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ('what?<>:"|*.pdf', "what_______.pdf"),
        ("  spaced   out  .pdf  ", "spaced out .pdf"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("Cafe\u0301.pdf", "Café.pdf"),
        ("", "attachment.bin"),
        (None, "attachment.bin"),
    ],
)
def test_safe_filename(name: str | None, expected: str) -> None:
    assert safe_filename(name) == expected


def test_fallbacks_use_the_sniffed_type_and_position() -> None:
    assert safe_filename("", media_type="application/pdf", index=3) == "attachment-3.pdf"
    assert safe_filename("../", "letter.docx") == "letter.docx"
    assert safe_filename("", "../../x.pdf") == "x.pdf"
    assert fallback_filename("image/jpeg") == "attachment.jpg"
    assert extension_for("text/html; charset=utf-8") == ".html"
    assert extension_for("application/x-unknown") == ".bin"


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("a" * 500 + ".pdf")
    assert len(name) == MAX_FILENAME_LENGTH and name.endswith(".pdf")
    odd = safe_filename("b" * 300 + "." + "c" * 40)
    assert len(odd) == MAX_FILENAME_LENGTH


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["", "application/pdf", "image/png"]))
def test_always_safe_and_idempotent(name: str, media_type: str) -> None:
    safe = safe_filename(name, media_type=media_type, index=2)
    assert safe and len(safe) <= MAX_FILENAME_LENGTH
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith((".", " ")) and safe not in (".", "..")
    assert not any(ord(char) < 32 or 0x7F <= ord(char) <= 0x9F for char in safe)
    assert unicodedata.normalize("NFC", safe) == safe
    safe.encode("utf-8")
    assert safe_filename(safe) == safe
