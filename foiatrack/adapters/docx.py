"""Letters to DOCX with python-docx: real Word paragraphs, styles, lists and hyperlinks.

The file is meant to be edited by a lawyer, so structure is expressed the way Word expresses
it: body headings use "Heading N", lists use "List Number"/"List Bullet" (and their " 2"/" 3"
levels) with Word's automatic numbering (each numbered list restarts at its own start),
continuation paragraphs use "List Continue", links are `w:hyperlink` elements with the
"Hyperlink" character style, and the page footer holds PAGE and NUMPAGES fields. Letter parts
use Word's own style names where Word has one ("Date", "Inside Address", "Closing",
"Signature") plus "Letterhead" and "Subject Line".
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from datetime import UTC, datetime

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from foiatrack.domain.letters.document import Heading, ListBlock, Paragraph, Span
from foiatrack.domain.letters.frame import LetterFrame

FONT = "Times New Roman"
HEADING_FONT = "Arial"
LINK_COLOR = RGBColor(0x1A, 0x4D, 0x8F)
FOOTER_SIZE_PT = 8
MAX_LIST_LEVEL = 3  # the default template defines List Number/Bullet/Continue up to 3


def _paragraph_style(document: DocxDocument, name: str, *, space_after: float = 0) -> None:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.paragraph_format.space_after = Pt(space_after)
    style.quick_style = True


def _setup(document: DocxDocument) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(8)
    for level in range(1, 7):
        heading = document.styles[f"Heading {level}"]
        heading.font.name = HEADING_FONT
        heading.font.color.rgb = RGBColor(0x11, 0x11, 0x11)
        heading.font.size = Pt({1: 13, 2: 12}.get(level, 11))
    _paragraph_style(document, "Letterhead")
    document.styles["Letterhead"].font.size = Pt(9)
    _paragraph_style(document, "Date", space_after=14)
    _paragraph_style(document, "Inside Address")
    _paragraph_style(document, "Subject Line", space_after=12)
    document.styles["Subject Line"].font.bold = True
    _paragraph_style(document, "Closing", space_after=30)
    _paragraph_style(document, "Signature")
    link = document.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = LINK_COLOR
    link.font.underline = True

    section = document.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(1)
    section.top_margin = Inches(0.9)
    section.bottom_margin = Inches(1)


def _field(paragraph: DocxParagraph, instruction: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(FOOTER_SIZE_PT * 2))
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "1"  # shown until Word updates the field
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def _footer(document: DocxDocument) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.add_run("Page ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    _field(paragraph, "NUMPAGES")
    for run in paragraph.runs:
        run.font.size = Pt(FOOTER_SIZE_PT)


@functools.cache
def _template() -> bytes:
    """python-docx's default document with the letter styles, page setup and footer, saved once.

    Every letter starts from a copy of these bytes: the styles are added once instead of per
    letter (a fifth of a letter's DOCX time), and no letter shares objects with another.
    """
    document = docx.Document()
    _setup(document)
    _footer(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@functools.cache
def _style_id(name: str) -> str | None:
    """The id of a paragraph style in the template, which every letter starts from.

    python-docx resolves a style name on every paragraph by scanning all ~160 styles twice (by
    name, then for the default style): that was almost half of a letter's DOCX time. A fresh copy of
    the template answers, so no document object is shared between threads.
    """
    document = docx.Document(io.BytesIO(_template()))
    return document.part.get_style_id(name, WD_STYLE_TYPE.PARAGRAPH)


class _Writer:
    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.numbering = document.part.numbering_part.element

    def paragraph(self, text: str = "", style: str | None = None) -> DocxParagraph:
        """`document.add_paragraph(text, style)` with the style's id looked up once per process;
        the XML written is the same."""
        paragraph = self.document.add_paragraph(text)
        if style is not None:
            paragraph._p.style = _style_id(style)
        return paragraph

    # -- inline ----------------------------------------------------------------------------

    def spans(self, paragraph: DocxParagraph, spans: Iterable[Span]) -> None:
        for span in spans:
            if span.href:
                self._hyperlink(paragraph, span)
                continue
            for index, line in enumerate(span.text.split("\n")):
                if index:
                    paragraph.add_run().add_break()
                if line:
                    run = paragraph.add_run(line)
                    if span.bold:
                        run.bold = True
                    if span.italic:
                        run.italic = True

    def _hyperlink(self, paragraph: DocxParagraph, span: Span) -> None:
        assert span.href is not None  # noqa: S101 - the caller checked
        r_id = paragraph.part.relate_to(span.href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), r_id)
        for index, line in enumerate(span.text.split("\n")):
            run = OxmlElement("w:r")
            props = OxmlElement("w:rPr")
            style = OxmlElement("w:rStyle")
            style.set(qn("w:val"), "Hyperlink")
            props.append(style)
            for flag, on in (("w:b", span.bold), ("w:i", span.italic)):
                if on:
                    props.append(OxmlElement(flag))
            run.append(props)
            if index:
                run.append(OxmlElement("w:br"))
            text = OxmlElement("w:t")
            text.set(qn("xml:space"), "preserve")
            text.text = line
            run.append(text)
            link.append(run)
        paragraph._p.append(link)

    # -- blocks ----------------------------------------------------------------------------

    def lines(self, lines: Iterable[str], style: str) -> None:
        for line in lines:
            self.paragraph(line, style)

    def blocks(self, blocks: Iterable[Heading | Paragraph | ListBlock], depth: int = 0) -> None:
        for block in blocks:
            if isinstance(block, Heading):
                paragraph = self.paragraph(style=f"Heading {min(block.level, 6)}")
                self.spans(paragraph, block.spans)
            elif isinstance(block, Paragraph):
                self.spans(self.paragraph(), block.spans)
            else:
                self.list(block, depth)

    def _restarted_num(self, style_name: str, start: int) -> int:
        """A new numbering instance of the style's list, so this list counts from `start`."""
        style = self.document.styles[style_name]
        style_num_id = style.element.pPr.numPr.numId.val
        abstract_id = self.numbering.num_having_numId(style_num_id).abstractNumId.val
        num = self.numbering.add_num(abstract_id)
        num.add_lvlOverride(ilvl=0).add_startOverride(start)
        return num.numId

    def list(self, block: ListBlock, depth: int) -> None:
        level = min(depth + 1, MAX_LIST_LEVEL)
        suffix = "" if level == 1 else f" {level}"
        style = f"List Number{suffix}" if block.ordered else f"List Bullet{suffix}"
        num_id = self._restarted_num(style, block.start) if block.ordered else None
        for item in block.items:
            for index, part in enumerate(item):
                if isinstance(part, ListBlock):
                    if index == 0:
                        self._list_paragraph(style, num_id)
                    self.list(part, depth + 1)
                    continue
                if index == 0:
                    paragraph = self._list_paragraph(style, num_id)
                else:
                    paragraph = self.paragraph(style=f"List Continue{suffix}")
                self.spans(paragraph, part.spans)

    def _list_paragraph(self, style: str, num_id: int | None) -> DocxParagraph:
        paragraph = self.paragraph(style=style)
        if num_id is not None:
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = num_id
        return paragraph


class DocxRenderer:
    """The LetterRenderer port for Word documents."""

    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    extension = "docx"

    def render(self, frame: LetterFrame) -> bytes:
        """The letter as DOCX bytes."""
        document = docx.Document(io.BytesIO(_template()))
        properties = document.core_properties
        properties.title = frame.subject[:255]
        properties.author = (frame.sender_lines[0] if frame.sender_lines else "")[:255]
        properties.comments = ""
        properties.last_modified_by = properties.author
        properties.created = properties.modified = datetime.now(UTC)
        properties.revision = 1

        writer = _Writer(document)
        for index, line in enumerate(frame.sender_lines):
            run = writer.paragraph(style="Letterhead").add_run(line)
            if index == 0:
                run.bold = True
                run.font.size = Pt(12)
        if frame.sender_lines:
            document.paragraphs[-1].paragraph_format.space_after = Pt(18)
        if frame.date_line:
            writer.paragraph(frame.date_line, "Date")
        writer.lines(frame.recipient_lines, "Inside Address")
        if frame.recipient_lines:
            document.paragraphs[-1].paragraph_format.space_after = Pt(14)
        if frame.subject_line:
            writer.paragraph(style="Subject Line").add_run(frame.subject_line).bold = True
        writer.blocks(frame.body.blocks)
        for index, line in enumerate(frame.signature_lines):
            style = "Closing" if index == 0 else "Signature"
            writer.paragraph(line, style)

        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
