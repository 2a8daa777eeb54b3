"""Adapters: the third-party I/O behind the Protocols in foiatrack.domain.ports."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from foiatrack.adapters.storage import FileSystemBlobStore
from foiatrack.domain.letters.frame import LetterFrame
from foiatrack.domain.letters.services import Renderers

#: what a process that renders letters imports: the renderers and their libraries
RENDERER_MODULES = ("foiatrack.adapters.pdf", "foiatrack.adapters.docx")


def blob_store(config: Mapping[str, Any]) -> FileSystemBlobStore:
    """The file store configured by STORAGE_DIR (instance/files by default)."""
    return FileSystemBlobStore(config["STORAGE_DIR"])


@functools.cache
def letter_renderers() -> Renderers:
    """PDF and DOCX renderers, built once: WeasyPrint parses the print CSS only once."""
    from foiatrack.adapters.docx import DocxRenderer
    from foiatrack.adapters.pdf import WeasyPrintRenderer

    return Renderers(pdf=WeasyPrintRenderer(), docx=DocxRenderer())


def render_frame(frame: LetterFrame) -> tuple[bytes, bytes]:
    """PDF and DOCX of one letter.

    A top-level function so worker processes can run it, and here rather than in
    foiatrack.tasks so that a worker imports only the renderers, not every job's dependencies
    (SciPy for document similarity, Alembic, the mail adapters: 0.6 s more per worker).
    """
    renderers = letter_renderers()
    return renderers.pdf.render(frame), renderers.docx.render(frame)
