"""Reading the text back out of files: letters we rendered, and whatever agencies send.

`extract` handles agency files (PDF with OCR of scanned pages, images, DOCX, XLSX, CSV and
text, HTML, e-mail); `sniff_media_type` (from the domain) says what a file really is.
The older `pdf_text` and `docx_text` check our own letters:

Both readers follow the canonical text convention of `foiatrack.domain.letters.document`:
one line per paragraph, numbered list items prefixed "N. " and bulleted ones "• " (the DOCX
reader reconstructs Word's automatic numbering, which is not part of a paragraph's text).
PDF text wraps where the layout wrapped, so compare texts after `normalise_whitespace`.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import docx
import openpyxl
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytesseract
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from PIL import Image, ImageSequence

from foiatrack.domain.documents.models import ExtractionStatus
from foiatrack.domain.documents.sniffing import (
    DOCX,
    ENCRYPTED_OOXML,
    OUTLOOK_MSG,
    XLSX,
    sniff_media_type,
)
from foiatrack.domain.errors import DomainError
from foiatrack.domain.letters.document import BULLET, clean_text, normalise_whitespace
from foiatrack.domain.mail.charsets import decode_bytes, html_meta_charset
from foiatrack.domain.mail.html import html_to_text
from foiatrack.domain.mail.parsing import parse_message


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


# --- extraction of whatever agencies send ------------------------------------------------------
#
# `extract` turns a stored file into page texts and an ExtractionStatus, and never raises on the
# file's content: a broken, encrypted or oversized file is a status and a message, not an error.

#: files above this are not opened at all
MAX_EXTRACT_SIZE = 100 * 1024 * 1024
#: spreadsheet rows read per sheet
MAX_SHEET_ROWS = 20_000
#: PDF pages read (and images frames OCRed); the rest are left out with a note
MAX_PAGES = 2_000
MAX_OCR_PAGES = 300
OCR_DPI = 200
#: pixels in one rendered page; larger pages are rendered at a lower resolution
MAX_OCR_PIXELS = 40_000_000
OCR_TIMEOUT_SECONDS = 120
OCR_LANGUAGE = "eng"
#: uncompressed size of a DOCX/XLSX package we agree to parse (they are ZIPs of XML)
MAX_PACKAGE_SIZE = 400 * 1024 * 1024


@dataclass
class Extraction:
    """What `extract` found: a status (one of ExtractionStatus), the text of each page."""

    status: ExtractionStatus
    pages: list[str] = field(default_factory=list)
    page_count: int | None = None
    #: why extraction failed or was partial ("" when everything was read)
    error: str = ""


@functools.cache
def tesseract_available() -> bool:
    """Whether the tesseract binary (with the English data) is installed."""
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        return False
    try:
        return OCR_LANGUAGE in pytesseract.get_languages(config="")
    except (pytesseract.TesseractError, OSError, RuntimeError):
        return False


class _OcrFailed(Exception):
    pass


def _ocr(image: Image.Image) -> str:
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGB")
    try:
        return str(
            pytesseract.image_to_string(image, lang=OCR_LANGUAGE, timeout=OCR_TIMEOUT_SECONDS)
        )
    except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
        raise _OcrFailed(str(exc).strip()[:200] or type(exc).__name__) from exc


def _page_text(text: str) -> str:
    return clean_text(text).strip("\n")


def _pdf_extraction(data: bytes, ocr: bool) -> Extraction:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            return Extraction(ExtractionStatus.ENCRYPTED, error="the PDF is password-protected")
        return Extraction(ExtractionStatus.CORRUPT, error=f"not a readable PDF file: {exc}")
    pages: list[str] = []
    problems: list[str] = []
    ocred = needs_ocr = 0
    try:
        count = len(document)
        for index in range(min(count, MAX_PAGES)):
            try:
                text, scanned = _pdf_page(document, index, ocr and ocred < MAX_OCR_PAGES)
            except (pdfium.PdfiumError, _OcrFailed) as exc:
                problems.append(f"page {index + 1}: {exc}")
                text, scanned = "", ""
            ocred += scanned == "ocred"
            needs_ocr += scanned == "needs_ocr"
            pages.append(text)
    finally:
        document.close()
    if count > MAX_PAGES:
        problems.append(f"only the first {MAX_PAGES} of {count} pages were read")
    if needs_ocr:
        problems.append(f"{needs_ocr} page(s) are scanned images with no text layer")
    status = (
        ExtractionStatus.NEEDS_OCR
        if needs_ocr
        else ExtractionStatus.OCRED
        if ocred
        else ExtractionStatus.OK
    )
    return Extraction(status, pages, count, "; ".join(problems))


def _pdf_page(document: pdfium.PdfDocument, index: int, ocr: bool) -> tuple[str, str]:
    """(text, how): how is "" (text layer), "ocred", "needs_ocr" or "blank"."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
        if text.strip():
            return _page_text(text.replace("\r\n", "\n").replace("\r", "\n")), ""
        if next(iter(page.get_objects(max_depth=2)), None) is None:
            return "", "blank"
        if not ocr:
            return "", "needs_ocr"
        width, height = page.get_size()
        scale = OCR_DPI / 72
        if width * height * scale * scale > MAX_OCR_PIXELS:
            scale = (MAX_OCR_PIXELS / (width * height)) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            image = bitmap.to_pil()
        finally:
            bitmap.close()
        return _page_text(_ocr(image)), "ocred"
    finally:
        page.close()


def _image_extraction(data: bytes, ocr: bool) -> Extraction:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
            frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
            if not ocr:
                return Extraction(
                    ExtractionStatus.NEEDS_OCR,
                    page_count=frames,
                    error="an image: its text needs OCR (tesseract is not installed)",
                )
            pages, problems = [], []
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= min(frames, MAX_OCR_PAGES):
                    break
                try:
                    pages.append(_page_text(_ocr(frame.copy())))
                except _OcrFailed as exc:
                    problems.append(f"page {index + 1}: {exc}")
                    pages.append("")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Extraction(ExtractionStatus.TOO_LARGE, error="the image has too many pixels")
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        return Extraction(ExtractionStatus.CORRUPT, error=f"not a readable image: {exc}"[:300])
    return Extraction(ExtractionStatus.OCRED, pages, frames, "; ".join(problems))


def _package_problem(data: bytes) -> Extraction | None:
    """DOCX and XLSX are ZIPs of XML: refuse a package that would inflate past the limit."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        if sniff_media_type(data) == ENCRYPTED_OOXML:
            return Extraction(ExtractionStatus.ENCRYPTED, error="the file is password-protected")
        return Extraction(
            ExtractionStatus.UNSUPPORTED, error="a legacy Office file (.doc/.xls), not OOXML"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            total = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        return Extraction(ExtractionStatus.CORRUPT, error=f"not a readable package: {exc}")
    if total > MAX_PACKAGE_SIZE:
        return Extraction(
            ExtractionStatus.TOO_LARGE,
            error=f"the package unpacks to {total / 1e6:.0f} MB of XML",
        )
    return None


def _docx_extraction(data: bytes) -> Extraction:
    problem = _package_problem(data)
    if problem is not None:
        return problem
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_rows(block))
            elif block.text.strip():
                lines.append(block.text)
    except Exception as exc:  # python-docx raises many unrelated types for broken packages
        return Extraction(
            ExtractionStatus.CORRUPT, error=f"not a readable DOCX file: {type(exc).__name__}"
        )
    return Extraction(ExtractionStatus.OK, [_page_text("\n".join(lines))], None)


def _table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # Merged cells come back once per grid column they span.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append("\t".join(cells))
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _xlsx_extraction(data: bytes, max_rows: int) -> Extraction:
    problem = _package_problem(data)
    if problem is not None:
        return problem
    pages: list[str] = []
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; none of it is text.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    if not hasattr(sheet, "iter_rows"):
                        continue
                    lines = [str(sheet.title)]
                    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                        if number > max_rows:
                            notes.append(f"sheet {sheet.title!r}: only {max_rows} rows read")
                            break
                        line = "\t".join(_cell(value) for value in row).rstrip("\t")
                        if line.strip():
                            lines.append(line)
                    pages.append(_page_text("\n".join(lines)))
            finally:
                workbook.close()
    except Exception as exc:  # openpyxl, like python-docx, fails in many ways on bad input
        return Extraction(
            ExtractionStatus.CORRUPT, error=f"not a readable XLSX file: {type(exc).__name__}"
        )
    return Extraction(ExtractionStatus.OK, pages, len(pages), "; ".join(notes))


def _text_extraction(data: bytes, *, html: bool) -> Extraction:
    declared = html_meta_charset(data) if html else None
    text, _defect = decode_bytes(data, declared)
    if html:
        text = html_to_text(text)
    return Extraction(ExtractionStatus.OK, [_page_text(text)], None)


def _message_extraction(data: bytes) -> Extraction:
    parsed = parse_message(data)
    header = "\n".join(
        line
        for line in (
            f"From: {parsed.from_name} <{parsed.from_address}>" if parsed.from_address else "",
            f"Subject: {parsed.subject}" if parsed.subject else "",
            f"Date: {parsed.date.isoformat()}" if parsed.date else "",
        )
        if line
    )
    body = parsed.body_text or html_to_text(parsed.body_html)
    return Extraction(ExtractionStatus.OK, [_page_text(f"{header}\n\n{body}".strip())], None)


_TEXT_TYPES = {
    "application/json",
    "application/xml",
    "application/csv",
    "application/x-csv",
}


def extract(
    data: bytes,
    media_type: str,
    *,
    max_size: int = MAX_EXTRACT_SIZE,
    ocr: bool | None = None,
    max_rows: int = MAX_SHEET_ROWS,
) -> Extraction:
    """The text of a file, page by page. `ocr` None means "if tesseract is installed"."""
    if len(data) > max_size:
        return Extraction(
            ExtractionStatus.TOO_LARGE,
            error=f"{len(data) / 1e6:.1f} MB is over the {max_size / 1e6:.0f} MB extraction limit",
        )
    if not data:
        return Extraction(ExtractionStatus.CORRUPT, error="the file is empty")
    kind = (media_type or "").split(";")[0].strip().lower()
    if kind in ("", "application/octet-stream"):
        kind = sniff_media_type(data)
    use_ocr = tesseract_available() if ocr is None else ocr
    try:
        if kind == "application/pdf":
            return _pdf_extraction(data, use_ocr)
        if kind in (
            "image/png",
            "image/jpeg",
            "image/tiff",
            "image/gif",
            "image/bmp",
            "image/webp",
        ):
            return _image_extraction(data, use_ocr)
        if kind == DOCX:
            return _docx_extraction(data)
        if kind == XLSX:
            return _xlsx_extraction(data, max_rows)
        if kind == ENCRYPTED_OOXML:
            return Extraction(ExtractionStatus.ENCRYPTED, error="the file is password-protected")
        if kind == "text/html":
            return _text_extraction(data, html=True)
        if kind == "message/rfc822":
            return _message_extraction(data)
        if kind == OUTLOOK_MSG:
            from foiatrack.adapters.outlook import msg_to_eml_bytes  # it imports this module

            return _message_extraction(msg_to_eml_bytes(data))
        if (kind.startswith("text/") and kind != "text/rtf") or kind in _TEXT_TYPES:
            return _text_extraction(data, html=False)
    except ExtractionError as exc:
        return Extraction(ExtractionStatus.CORRUPT, error=str(exc))
    except Exception as exc:  # the promise is a status, never an exception, for any file
        return Extraction(
            ExtractionStatus.CORRUPT, error=f"extraction failed: {type(exc).__name__}: {exc}"[:300]
        )
    return Extraction(ExtractionStatus.UNSUPPORTED, error=f"no text extraction for {kind}")
