"""Reading the text back out of PDF and DOCX files.

Both readers follow the canonical text convention of `foiatrack.domain.letters.document`:
one line per paragraph, numbered list items prefixed "N. " and bulleted ones "• " (the DOCX
reader reconstructs Word's automatic numbering, which is not part of a paragraph's text).
PDF text wraps where the layout wrapped, so compare texts after `normalise_whitespace`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
import pypdfium2 as pdfium
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from foiatrack.domain.errors import DomainError
from foiatrack.domain.letters.document import BULLET, normalise_whitespace


class ExtractionError(DomainError):
    """A file could not be read as the document type it claims to be."""

    status_code = 422


def text_matches(extracted: str, canonical: str, *, allow_wraps: bool = False) -> bool:
    """Whether extracted text is the canonical text, whitespace normalised.

    With `allow_wraps`, a break inside a word is tolerated: a PDF line may wrap after "/" or
    "-" (as in a URL) or anywhere in a very long word, and the extracted text then shows a
    space the letter does not have. Every other difference (a missing, extra or changed
    character, or two words run together) still fails.
    """
    got = normalise_whitespace(extracted)
    want = normalise_whitespace(canonical)
    if got == want or not allow_wraps:
        return got == want
    pieces = iter(got.split(" "))
    for word in want.split(" "):
        joined = ""
        while len(joined) < len(word):
            piece = next(pieces, None)
            if piece is None:
                return False
            joined += piece
        if joined != word:
            return False
    return next(pieces, None) is None


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, page after page; raise ExtractionError if it is not a PDF."""
    if not data:
        raise ExtractionError("the PDF file is empty")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"not a readable PDF file: {exc}") from exc
    pages: list[str] = []
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                pages.append(textpage.get_text_bounded())
            finally:
                textpage.close()
                page.close()
    except pdfium.PdfiumError as exc:
        raise ExtractionError(f"cannot read the PDF's text: {exc}") from exc
    finally:
        document.close()
    text = "\n".join(pages)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def docx_text(data: bytes) -> str:
    """The body text of a DOCX (paragraphs and tables in order, list markers restored)."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractionError(f"not a readable DOCX file: {exc}") from exc
    except Exception as exc:  # python-docx raises several unrelated types for broken packages
        raise ExtractionError(f"not a readable DOCX file: {type(exc).__name__}: {exc}") from exc
    numbering = _Numbering(document)
    return "\n".join(
        numbering.marker(paragraph) + paragraph.text for paragraph in _paragraphs(document)
    )


def _paragraphs(document: DocxDocument) -> Iterator[Paragraph]:
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    yield from cell.paragraphs
        else:
            yield block


_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def _roman(number: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while number >= value:
            out += letters
            number -= value
    return out


def _letter(number: int) -> str:
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)


class _Numbering:
    """Enough of Word's list numbering to print the markers Word would show."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        try:
            self.numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            self.numbering = None
        self.counters: dict[tuple[str, str], int] = {}

    def _num_pr(self, paragraph: Paragraph) -> tuple[str, str] | None:
        elements = [paragraph._p.pPr]
        style = paragraph.style
        while style is not None:
            elements.append(style.element.pPr)
            style = style.base_style
        num_id = ilvl = None
        for ppr in elements:
            num_pr = None if ppr is None else ppr.find(qn("w:numPr"))
            if num_pr is None:
                continue
            if num_id is None and num_pr.find(qn("w:numId")) is not None:
                num_id = num_pr.find(qn("w:numId")).get(qn("w:val"))
            if ilvl is None and num_pr.find(qn("w:ilvl")) is not None:
                ilvl = num_pr.find(qn("w:ilvl")).get(qn("w:val"))
        if num_id is None or num_id == "0":
            return None
        return num_id, ilvl or "0"

    def _level(self, num_id: str, ilvl: str) -> tuple[str, str, int]:
        """(numFmt, lvlText, start) of one list level."""
        assert self.numbering is not None  # noqa: S101 - checked by the caller
        num = self.numbering.find(f"{qn('w:num')}[@{qn('w:numId')}='{num_id}']")
        if num is None:
            return "none", "", 1
        start_override = None
        for override in num.findall(qn("w:lvlOverride")):
            if (
                override.get(qn("w:ilvl")) == ilvl
                and override.find(qn("w:startOverride")) is not None
            ):
                start_override = int(override.find(qn("w:startOverride")).get(qn("w:val")))
        abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
        abstract = self.numbering.find(
            f"{qn('w:abstractNum')}[@{qn('w:abstractNumId')}='{abstract_id}']"
        )
        level = (
            None if abstract is None else abstract.find(f"{qn('w:lvl')}[@{qn('w:ilvl')}='{ilvl}']")
        )
        if level is None:
            return "none", "", 1
        fmt = level.find(qn("w:numFmt"))
        text = level.find(qn("w:lvlText"))
        start = level.find(qn("w:start"))
        return (
            "decimal" if fmt is None else fmt.get(qn("w:val")),
            "" if text is None else text.get(qn("w:val")) or "",
            start_override or (1 if start is None else int(start.get(qn("w:val")))),
        )

    def marker(self, paragraph: Paragraph) -> str:
        """The list marker Word shows before `paragraph`, or ""."""
        if self.numbering is None:
            return ""
        found = self._num_pr(paragraph)
        if found is None:
            return ""
        fmt, text, start = self._level(*found)
        if fmt == "bullet":
            return f"{BULLET} "
        if fmt == "none":
            return ""
        number = self.counters.get(found, start - 1) + 1
        self.counters[found] = number
        label = {
            "lowerLetter": _letter(number),
            "upperLetter": _letter(number).upper(),
            "lowerRoman": _roman(number),
            "upperRoman": _roman(number).upper(),
        }.get(fmt, str(number))
        shown = re.sub(r"%\d", label, text) if "%" in text else f"{label}."
        return f"{shown} "
