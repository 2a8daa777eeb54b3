"""expand_zip: in memory, within limits, with reasons instead of exceptions."""

from __future__ import annotations

import io
import stat
import struct
import time
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from foiatrack.domain.documents.zips import MB, expand_zip
from foiatrack.domain.mail.parsing import parse_message
from tests.mail_samples import sample


def make_zip(members: list[tuple[str, bytes]], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def patch_headers(data: bytes, **fields: int) -> bytes:
    """Overwrite fields in every local and central header (what a hostile tool would do)."""
    local = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<I"), "size": (22, "<I")}
    central = {"flags": (8, "<H"), "method": (10, "<H"), "crc": (16, "<I"), "size": (24, "<I")}
    out = bytearray(data)
    for signature, layout in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        position = out.find(signature)
        while position != -1:
            for name, value in fields.items():
                offset, fmt = layout[name]
                struct.pack_into(fmt, out, position + offset, value)
            position = out.find(signature, position + 4)
    return bytes(out)


def test_members_are_read_with_safe_names() -> None:
    archive = make_zip(
        [
            ("letters/2026/Ring MOU.pdf", b"%PDF-1.4 mou"),
            ("../../etc/passwd", b"root"),
            ("/etc/shadow", b"shadow"),
            ("C:\\Windows\\system.ini", b"ini"),
            ("..\\..\\boot.ini", b"boot"),
            ("a/../../b.txt", b"b"),
            ("empty-dir/", b""),
        ]
    )
    expansion = expand_zip(archive)
    assert [(m.filename, m.data) for m in expansion.members] == [
        ("Ring MOU.pdf", b"%PDF-1.4 mou"),
        ("passwd", b"root"),
        ("shadow", b"shadow"),
        ("system.ini", b"ini"),
        ("boot.ini", b"boot"),
        ("b.txt", b"b"),
    ]
    assert expansion.members[0].path == "letters/2026/Ring MOU.pdf"
    assert expansion.skipped == []


def test_the_sample_zip() -> None:
    (archive,) = [
        a
        for a in parse_message(sample("records_multipart.eml")).attachments
        if a.filename == "Emails.zip"
    ]
    expansion = expand_zip(archive.data)
    assert [m.filename for m in expansion.members] == [
        "2019-08-14 Ring kickoff.txt",
        "passwd",
        "inner.zip",
    ]
    assert expansion.skipped == [
        "inner.zip: a ZIP inside the ZIP, kept as a file but not opened (nesting limit 1)"
    ]
    deeper = expand_zip(archive.data, max_depth=2)
    assert [(m.filename, m.path) for m in deeper.members][-1] == (
        "deeper.txt",
        "inner.zip/deeper.txt",
    )
    assert deeper.skipped == []


def test_zip_bomb_is_refused_by_its_ratio() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.bin", "w") as member:
            chunk = bytes(MB)
            for _ in range(200):
                member.write(chunk)
        archive.writestr("note.txt", b"a real file next to the bomb")
    bomb = out.getvalue()
    assert len(bomb) < 1 * MB
    started = time.perf_counter()
    expansion = expand_zip(bomb)
    assert time.perf_counter() - started < 2
    assert [m.filename for m in expansion.members] == ["note.txt"]
    (reason,) = expansion.skipped
    assert reason.startswith("zeros.bin: compression ratio ") and "ZIP bomb" in reason


def test_a_lying_header_cannot_inflate_more_than_it_declares() -> None:
    honest = make_zip([("big.bin", bytes(10 * MB))])
    lying = patch_headers(honest, size=1000)  # "1000 bytes": under every limit
    expansion = expand_zip(lying)
    assert expansion.members == []
    (reason,) = expansion.skipped
    assert reason.startswith("big.bin: ")
    # A lie within the ratio limit is caught while reading, before the memory is spent.
    stored = make_zip([("small.bin", b"x" * 2 * MB)])
    inflated = patch_headers(stored, size=1 * MB + 10)
    assert expand_zip(inflated, max_ratio=10**9).members == []


def test_limits_on_count_and_total_size() -> None:
    many = make_zip([(f"file-{n:03}.txt", b"x") for n in range(12)])
    expansion = expand_zip(many, max_members=10)
    assert len(expansion.members) == 10
    assert expansion.skipped == ["2 more file(s) not extracted: the limit is 10 files"]
    sized = make_zip([("a.bin", b"a" * 600), ("b.bin", b"b" * 600), ("c.bin", b"c" * 300)])
    expansion = expand_zip(sized, max_total=1000)
    assert [m.filename for m in expansion.members] == ["a.bin", "c.bin"]
    assert len(expansion.skipped) == 1 and expansion.skipped[0].startswith("b.bin: ")
    assert "limit" in expansion.skipped[0]


def test_encrypted_and_unsupported_members() -> None:
    archive = make_zip([("secret.pdf", b"%PDF-1.4 secret")])
    assert expand_zip(patch_headers(archive, flags=0x1)).skipped == [
        "secret.pdf: encrypted (password-protected)"
    ]
    deflate64 = expand_zip(patch_headers(archive, method=9))
    assert deflate64.members == []
    assert deflate64.skipped[0].startswith("secret.pdf: cannot be decompressed")


def test_bad_crc_is_a_reason() -> None:
    archive = patch_headers(make_zip([("a.txt", b"hello")]), crc=0)
    expansion = expand_zip(archive)
    assert expansion.members == []
    assert "Bad CRC-32" in expansion.skipped[0]


def test_corrupt_zip_is_a_reason_not_an_exception() -> None:
    for data in (
        b"",
        b"PK\x03\x04 truncated",
        b"%PDF-1.4 not a zip",
        make_zip([("a", b"a")])[:-30],
    ):
        expansion = expand_zip(data)
        assert expansion.members == []
        assert expansion.skipped[0].startswith("the file: not a readable ZIP archive (BadZipFile")


def test_nested_zips_follow_the_depth_limit() -> None:
    archive = make_zip([("deepest.txt", b"bottom")])
    for level in range(5):
        archive = make_zip([(f"level-{level}.zip", archive)])
    shallow = expand_zip(archive)
    assert [m.filename for m in shallow.members] == ["level-4.zip"]
    deep = expand_zip(archive, max_depth=3)
    assert [m.path for m in deep.members] == ["level-4.zip/level-3.zip/level-2.zip"]
    assert "nesting limit 3" in deep.skipped[0]
    full = expand_zip(archive, max_depth=10)
    assert [m.filename for m in full.members] == ["deepest.txt"]


def test_office_files_are_not_opened_as_nested_zips() -> None:
    docx_like = make_zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")])
    expansion = expand_zip(make_zip([("letter.docx", docx_like)]), max_depth=3)
    assert [(m.filename, m.data) for m in expansion.members] == [("letter.docx", docx_like)]


def test_duplicate_names_system_files_links_and_encodings() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in ("a/report.pdf", "b/report.pdf", "report.pdf", "__MACOSX/._report.pdf"):
            archive.writestr(name, b"%PDF-1.4")
        archive.writestr(".DS_Store", b"junk")
        link = zipfile.ZipInfo("shortcut.pdf")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, b"/etc/passwd")
        archive.writestr("Política.pdf", b"%PDF-1.4")
    # Many tools write UTF-8 names without setting the UTF-8 flag.
    unflagged = patch_headers(out.getvalue(), flags=0)
    expansion = expand_zip(unflagged)
    assert [m.filename for m in expansion.members] == [
        "report.pdf",
        "report (2).pdf",
        "report (3).pdf",
        "Política.pdf",
    ]
    assert expansion.skipped == [
        "shortcut.pdf: a symbolic link, not a file",
        "2 system file(s) skipped (__MACOSX, .DS_Store, Thumbs.db)",
    ]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_zips_never_raise(data: st.DataObject) -> None:
    archive = bytearray(
        make_zip(
            [
                ("a.txt", b"hello " * 50),
                ("dir/b.pdf", b"%PDF-1.4" * 20),
                ("c.zip", make_zip([("d", b"d")])),
            ]
        )
    )
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(archive) - 1))
        archive[position] = data.draw(st.integers(0, 255))
    expansion = expand_zip(bytes(archive), max_depth=2)
    for member in expansion.members:
        assert member.filename and "/" not in member.filename
    assert all(isinstance(reason, str) for reason in expansion.skipped)
