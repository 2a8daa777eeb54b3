"""Adapters: the third-party I/O behind the Protocols in foiatrack.domain.ports."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.domain.letters.services import Renderers


def blob_store(config: Mapping[str, Any]) -> FileSystemBlobStore:
    """The file store configured by STORAGE_DIR (instance/files by default)."""
    return FileSystemBlobStore(config["STORAGE_DIR"])


@functools.cache
def letter_renderers() -> Renderers:
    """PDF and DOCX renderers, built once: WeasyPrint parses the print CSS only once."""
    from foiatrack.adapters.docx import DocxRenderer
    from foiatrack.adapters.pdf import WeasyPrintRenderer

    return Renderers(pdf=WeasyPrintRenderer(), docx=DocxRenderer())
