"""File names that are safe to store, show and offer for download, whatever the sender wrote.

A name from an e-mail or a ZIP is attacker-controlled: it may carry directories ("../../x"),
an absolute or drive path, control characters, a leading dot (a hidden file), a Windows
device name, or be thousands of characters long. `safe_filename` keeps only a readable base
name and falls back to a neutral name built from the sniffed type when nothing is left.
"""

from __future__ import annotations

import re
import unicodedata

MAX_FILENAME_LENGTH = 200
#: an extension longer than this is treated as part of the name when truncating
MAX_EXTENSION_LENGTH = 16

#: media type -> the extension used for fallback names
EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.ms-outlook": ".msg",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
    "application/gzip": ".gz",
    "application/x-7z-compressed": ".7z",
    "application/x-rar-compressed": ".rar",
    "application/rtf": ".rtf",
    "application/json": ".json",
    "application/xml": ".xml",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "image/bmp": ".bmp",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/svg+xml": ".svg",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "text/html": ".html",
    "text/calendar": ".ics",
    "message/rfc822": ".eml",
    "audio/mpeg": ".mp3",
    "audio/x-wav": ".wav",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
}

# C0 and C1 controls, DEL, lone surrogates and the Unicode direction overrides that can make
# "invoice_fdp.exe" display as "invoice_exe.pdf".
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufeff]")
# Reserved on Windows or special to shells and URLs; replaced so a download always works.
_RESERVED = re.compile(r'[<>:"|?*]')
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
_DRIVE = re.compile(r"^[a-zA-Z]:")
_SPACES = re.compile(r"\s+")


def extension_for(media_type: str) -> str:
    """The usual extension (with its dot) for a media type, ".bin" when unknown."""
    return EXTENSIONS.get(media_type.split(";")[0].strip().lower(), ".bin")


def fallback_filename(media_type: str = "", index: int | None = None) -> str:
    """A neutral name for a nameless file: "attachment-3.pdf", or "attachment.pdf"."""
    stem = "attachment" if index is None else f"attachment-{index}"
    return stem + extension_for(media_type)


def _truncate(name: str, limit: int) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) + 1 > MAX_EXTENSION_LENGTH:
        return name[:limit].rstrip(" .")
    return stem[: limit - len(extension) - 1].rstrip(" .") + "." + extension


def safe_filename(
    name: str | None, fallback: str = "", *, media_type: str = "", index: int | None = None
) -> str:
    """A base name with no directories, controls or leading dots, at most 200 characters.

    When nothing usable is left, `fallback` is used, or else a name like "attachment-3.pdf"
    built from `media_type` (the sniffed type) and `index`. Applying it twice changes nothing.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = _UNSAFE.sub("", text)
    # Both separators count: a name made on Windows arrives with backslashes.
    text = re.split(r"[/\\]", text)[-1]
    text = _DRIVE.sub("", text)
    text = _RESERVED.sub("_", text)
    text = _SPACES.sub(" ", text).strip()
    text = text.lstrip(". ").rstrip(" .")
    if _WINDOWS_DEVICES.match(text):
        text = "_" + text
    if len(text) > MAX_FILENAME_LENGTH:
        text = _truncate(text, MAX_FILENAME_LENGTH)
    if not text or not text.strip("._- "):
        if fallback and fallback != name:
            return safe_filename(fallback, media_type=media_type, index=index)
        return fallback_filename(media_type, index)
    return text
