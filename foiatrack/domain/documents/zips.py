"""Opening ZIP files agencies send, in memory, without trusting anything in them.

`expand_zip` never writes to disk and never raises on the archive's content. What it will not
extract is listed in `skipped` as a sentence a person can read:

- more than `max_members` files (the rest are not read);
- files that would take the total past `max_total` bytes;
- a member whose compression ratio is over `max_ratio` (a ZIP bomb: 200 MB of zeros packs into
  200 KB); files under 1 MiB are exempt, since a small text file of repeated characters
  compresses that well honestly;
- encrypted members, symbolic links, and members that fail to decompress (bad CRC, unknown
  method, truncated data);
- nested ZIP files deeper than `max_depth` (they are kept as files, not opened);
- a file that is not a readable ZIP at all.

Members are read in chunks with a cap: the sizes in the headers are checked before reading,
and again while reading, so a header that lies about a member's size cannot make it
decompress more than the limits allow. Names are reduced to safe base names
(`../../etc/passwd` is stored as `passwd`); name clashes get " (2)", " (3)"...
"""

from __future__ import annotations

import contextlib
import io
import stat
import zipfile
from dataclasses import dataclass, field

from foiatrack.domain.documents.naming import safe_filename
from foiatrack.domain.documents.sniffing import ZIP, sniff_media_type

MB = 1024 * 1024
#: members smaller than this are not held to the compression-ratio limit
RATIO_EXEMPT_SIZE = 1 * MB
_CHUNK = 1 * MB
_SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class ZipMember:
    #: a safe base name (see `safe_filename`), unique within the expansion
    filename: str
    data: bytes
    #: where it was in the archive ("letters/2026/report.pdf", "inner.zip/a.pdf"): display only
    path: str = ""


@dataclass
class ZipExpansion:
    members: list[ZipMember] = field(default_factory=list)
    #: one sentence per file (or group of files) that was not extracted, and why
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Limits:
    max_members: int
    max_total: int
    max_ratio: float
    max_depth: int
    members_left: int = 0
    bytes_left: int = 0
    system_files: int = 0


class _Refused(Exception):
    """A member will not be extracted; the message says why."""


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:
        # No UTF-8 flag: zipfile decoded as CP437, but many tools write UTF-8 anyway.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    return name


def _is_system_file(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return "__MACOSX" in parts or parts[-1].lower() in _SYSTEM_FILES


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: _Limits) -> bytes:
    declared = info.file_size
    if declared > limits.bytes_left:
        raise _Refused(
            f"{declared / MB:.1f} MB would take the archive past its "
            f"{limits.max_total / MB:.0f} MB limit"
        )
    if declared > RATIO_EXEMPT_SIZE:
        ratio = declared / info.compress_size if info.compress_size else float("inf")
        if ratio > limits.max_ratio:
            raise _Refused(
                f"compression ratio {ratio:.0f}:1 is over the {limits.max_ratio:.0f}:1 limit "
                "(a ZIP bomb?)"
            )
    # Whatever the header says, never hold more than this: a lying header is caught here.
    cap = min(declared, limits.bytes_left)
    ratio_cap = max(RATIO_EXEMPT_SIZE, int(info.compress_size * limits.max_ratio))
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            out += chunk
            if len(out) > cap:
                raise _Refused("it decompresses to more than its header declares")
            if len(out) > ratio_cap:
                raise _Refused(f"it decompresses past the {limits.max_ratio:.0f}:1 ratio limit")
    return bytes(out)


def _expand(data: bytes, prefix: str, depth: int, limits: _Limits, expansion: ZipExpansion) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # BadZipFile, and worse from truly mangled central directories
        where = prefix.rstrip("/") or "the file"
        expansion.skipped.append(f"{where}: not a readable ZIP archive ({_reason(exc)})")
        return
    with archive:
        files = [info for info in infos if not info.filename.endswith("/")]
        for position, info in enumerate(files):
            if limits.members_left <= 0:
                expansion.skipped.append(
                    f"{len(files) - position} more file(s) not extracted"
                    f"{' from ' + prefix.rstrip('/') if prefix else ''}: "
                    f"the limit is {limits.max_members} files"
                )
                return
            path = prefix + _member_name(info)
            try:
                _member(archive, info, path, depth, limits, expansion)
            except _Refused as refused:
                expansion.skipped.append(f"{path}: {refused}")
            except Exception as exc:  # CRC errors, unsupported methods, truncated streams
                expansion.skipped.append(f"{path}: cannot be decompressed ({_reason(exc)})")


def _member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    path: str,
    depth: int,
    limits: _Limits,
    expansion: ZipExpansion,
) -> None:
    if _is_system_file(path):
        limits.system_files += 1
        return
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _Refused("a symbolic link, not a file")
    if info.flag_bits & 0x1:
        raise _Refused("encrypted (password-protected)")
    content = _read(archive, info, limits)
    limits.bytes_left -= len(content)
    limits.members_left -= 1
    media_type = sniff_media_type(content, path)
    if media_type == ZIP:
        if depth < limits.max_depth:
            _expand(content, path + "/", depth + 1, limits, expansion)
            return
        expansion.skipped.append(
            f"{path}: a ZIP inside the ZIP, kept as a file but not opened "
            f"(nesting limit {limits.max_depth})"
        )
    expansion.members.append(ZipMember(safe_filename(path, media_type=media_type), content, path))


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _unique_names(members: list[ZipMember]) -> list[ZipMember]:
    seen: set[str] = set()
    unique = []
    for member in members:
        name = member.filename
        stem, dot, extension = name.rpartition(".")
        if not dot:
            stem, extension = name, ""
        number = 2
        while name.lower() in seen:
            # Cut first, so a 200-character name still gains its number.
            name = safe_filename(f"{stem[:150]} ({number}){dot}{extension[:16]}")
            number += 1
        seen.add(name.lower())
        unique.append(ZipMember(name, member.data, member.path))
    return unique


def expand_zip(
    data: bytes,
    *,
    max_members: int = 500,
    max_total: int = 500 * MB,
    max_ratio: float = 100,
    max_depth: int = 1,
) -> ZipExpansion:
    """The files inside a ZIP (in memory), and why any were left out. Never raises."""
    limits = _Limits(
        max_members=max_members,
        max_total=max_total,
        max_ratio=max_ratio,
        max_depth=max_depth,
        members_left=max_members,
        bytes_left=max_total,
    )
    expansion = ZipExpansion()
    try:
        _expand(bytes(data), "", 1, limits, expansion)
    except RecursionError:
        expansion.skipped.append("ZIP files nested too deeply")
    if limits.system_files:
        expansion.skipped.append(
            f"{limits.system_files} system file(s) skipped (__MACOSX, .DS_Store, Thumbs.db)"
        )
    expansion.members = _unique_names(expansion.members)
    return expansion
