"""Letters to PDF (WeasyPrint) and DOCX (python-docx), read back to the same canonical text."""

from __future__ import annotations

import io
import re
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import docx
import pypdfium2 as pdfium
import pytest
from docx.oxml.ns import qn

from foiatrack.adapters.docx import DocxRenderer
from foiatrack.adapters.pdf import (
    RefusingFetcher,
    WeasyPrintRenderer,
    html_document,
    remove_page_footers,
)
from foiatrack.adapters.text_extraction import (
    ExtractionError,
    docx_text,
    pdf_text,
    text_matches,
)
from foiatrack.domain.letters.context import sample_context
from foiatrack.domain.letters.document import normalise_whitespace, parse_markdown
from foiatrack.domain.letters.frame import LetterFrame, frame_plain_text
from foiatrack.domain.letters.templates import (
    LetterTemplateSpec,
    check_template,
    compose_letter,
    load_template_dir,
)
from foiatrack.domain.ports import LetterRenderer

SLUGS = ("appeal", "fee_waiver", "follow_up", "ring_request")
LONG_NAME = " ".join(["Consolidated Metropolitan Police Department"] * 46)[:2000]
NAMES = {
    "html": '<script>alert("x")</script> <img src="file:///etc/passwd"> *Bad* [x](javascript:1)',
    "long": LONG_NAME,
    "scripts": "Полиция Санкт-Петербурга · Αστυνομία Αθηνών · Policía de Ñuñoa · Łódź Straż",
    "cjk": "東京都警察 · 北京市公安局",
}


@pytest.fixture(scope="module")
def specs() -> dict[str, LetterTemplateSpec]:
    return {spec.slug: spec for spec in load_template_dir()}


@pytest.fixture(scope="module")
def pdf() -> WeasyPrintRenderer:
    return WeasyPrintRenderer()


@pytest.fixture(scope="module")
def word() -> DocxRenderer:
    return DocxRenderer()


def _pdf_body_text(data: bytes) -> str:
    return remove_page_footers(pdf_text(data))


def _inflated(data: bytes) -> bytes:
    """Every Flate stream of a PDF decompressed: fonts live in compressed object streams."""
    out = []
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            out.append(zlib.decompressobj().decompress(data[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(out)


def _page_count(data: bytes) -> int:
    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def test_both_renderers_satisfy_the_port(pdf: WeasyPrintRenderer, word: DocxRenderer) -> None:
    renderers: list[LetterRenderer] = [pdf, word]
    frame = LetterFrame(("Me",), "Today", ("Agency",), "s", parse_markdown("Hello."))
    outputs = [renderer.render(frame) for renderer in renderers]
    assert [output[:4] for output in outputs] == [b"%PDF", b"PK\x03\x04"]
    assert [(pdf.extension, word.extension)] == [("pdf", "docx")]


@pytest.mark.parametrize("slug", SLUGS)
def test_pdf_and_docx_parse_back_to_the_canonical_text(
    specs: dict[str, LetterTemplateSpec],
    pdf: WeasyPrintRenderer,
    word: DocxRenderer,
    slug: str,
) -> None:
    frame = compose_letter(specs[slug], sample_context())
    canonical = frame_plain_text(frame)
    pdf_bytes, docx_bytes = pdf.render(frame), word.render(frame)
    assert pdf_bytes.startswith(b"%PDF-") and docx_bytes.startswith(b"PK")
    # Word paragraphs do not wrap: the DOCX text is the canonical text exactly.
    assert normalise_whitespace(docx_text(docx_bytes)) == normalise_whitespace(canonical)
    # PDF lines wrap; a wrap may fall inside a word (after "/" in a URL), nowhere else.
    extracted = _pdf_body_text(pdf_bytes)
    assert text_matches(extracted, canonical, allow_wraps=True), extracted
    # Same lines, same order, line by line, where the PDF did not wrap.
    pdf_lines = [line.strip() for line in extracted.split("\n") if line.strip()]
    assert pdf_lines[:6] == list(frame.sender_lines)
    assert pdf_lines[-3:] == list(frame.signature_lines)


def test_text_matches_tolerates_only_wraps_inside_words() -> None:
    canonical = "see (https://x.example/a-b) now"
    assert text_matches("see (https://\nx.example/a-\nb) now", canonical, allow_wraps=True)
    assert not text_matches("see (https://\nx.example/a-\nb) now", canonical)
    assert not text_matches("see(https://x.example/a-b) now", canonical, allow_wraps=True)
    assert not text_matches("see (https://x.example/a-b) no", canonical, allow_wraps=True)
    assert not text_matches("see (https://x.example/a-b) now too", canonical, allow_wraps=True)


def test_pdf_has_print_layout_metadata_and_embedded_fonts(
    specs: dict[str, LetterTemplateSpec], pdf: WeasyPrintRenderer
) -> None:
    frame = compose_letter(specs["ring_request"], sample_context())
    data = pdf.render(frame)
    document = pdfium.PdfDocument(data)
    try:
        metadata = document.get_metadata_dict()
        width, height = document[0].get_size()
    finally:
        document.close()
    assert metadata["Title"] == frame.subject
    assert metadata["Author"] == "Jordan Reyes"
    assert (round(width), round(height)) == (612, 792)  # US Letter in points
    objects = _inflated(data)
    assert b"/FontFile2" in objects  # TrueType font programs embedded, as subsets:
    fonts = set(re.findall(rb"/BaseFont ?/[A-Z]{6}\+([\w-]+)", objects))
    assert fonts == {b"DejaVu-Serif", b"DejaVu-Serif-Bold", b"DejaVu-Sans", b"DejaVu-Sans-Bold"}
    assert b"https://police.springfield.example/foia" in objects  # a live link annotation


def test_multi_page_letters_number_their_pages(pdf: WeasyPrintRenderer) -> None:
    body = parse_markdown("\n\n".join(f"Paragraph {n}. " + "Records law. " * 60 for n in range(12)))
    frame = LetterFrame(("Me",), "May 1, 2026", ("Agency",), "Long letter", body, ("Me",))
    data = pdf.render(frame)
    pages = _page_count(data)
    assert pages >= 3
    text = pdf_text(data)
    assert re.findall(r"Page (\d+) of (\d+)", text) == [
        (str(n), str(pages)) for n in range(1, pages + 1)
    ]
    assert "Page" not in remove_page_footers(text).replace("Paragraph", "")
    assert text_matches(remove_page_footers(text), frame_plain_text(frame), allow_wraps=True)


def test_docx_uses_real_word_structure(
    specs: dict[str, LetterTemplateSpec], word: DocxRenderer
) -> None:
    body = parse_markdown(
        "## Section\n\nSee [the portal](https://portal.example/x) *now* and **soon**.\n\n"
        "1. first\n2. second\n   - sub bullet\n\n- bullet\n\n4. restart at four\n"
    )
    frame = compose_letter(specs["ring_request"], sample_context())
    frame = LetterFrame(
        frame.sender_lines,
        frame.date_line,
        frame.recipient_lines,
        frame.subject,
        body,
        frame.signature_lines,
    )
    document = docx.Document(io.BytesIO(word.render(frame)))
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles["Section"] == "Heading 2"
    assert styles["first"] == styles["second"] == "List Number"
    assert styles["sub bullet"] == "List Bullet 2"
    assert styles["bullet"] == "List Bullet"
    assert styles["Jordan Reyes"] == "Letterhead"
    assert styles["Springfield Police Department"] == "Inside Address"
    assert styles[f"Re: {frame.subject}"] == "Subject Line"
    assert styles["Sincerely,"] == "Closing"

    linked = next(p for p in document.paragraphs if p.hyperlinks)
    [link] = linked.hyperlinks
    assert (link.text, link.address) == ("the portal", "https://portal.example/x")
    runs = {run.text: (run.bold, run.italic) for run in linked.runs}
    assert runs["now"] == (None, True) and runs["soon"] == (True, None)

    # Each numbered list is its own Word list, so the second one starts at 4, not 3.
    lines = docx_text(word.render(frame)).split("\n")
    assert [line for line in lines if line.endswith(("first", "second", "bullet", "four"))] == [
        "1. first",
        "2. second",
        "• sub bullet",
        "• bullet",
        "4. restart at four",
    ]
    footer = document.sections[0].footer.paragraphs[0]._p
    assert [f.get(qn("w:instr")) for f in footer.iter(qn("w:fldSimple"))] == ["PAGE", "NUMPAGES"]
    assert document.core_properties.title == frame.subject
    assert document.core_properties.author == "Jordan Reyes"
    section = document.sections[0]
    assert (section.page_width.inches, section.page_height.inches) == (8.5, 11)


def test_docx_letters_share_nothing(
    specs: dict[str, LetterTemplateSpec], word: DocxRenderer
) -> None:
    # Every letter starts from the same prepared template: what one letter adds (paragraphs,
    # restarted numbering, links) must not show up in the next.
    first = LetterFrame(
        ("Me",), "Today", ("Agency",), "s", parse_markdown("1. only in the first\n2. two")
    )
    second = compose_letter(specs["ring_request"], sample_context())
    word.render(first)
    again = docx.Document(io.BytesIO(word.render(second)))
    fresh = docx.Document(io.BytesIO(DocxRenderer().render(second)))
    assert "only in the first" not in docx_text(word.render(second))
    assert [(p.text, p.style.name) for p in again.paragraphs] == [
        (p.text, p.style.name) for p in fresh.paragraphs
    ]
    numbering = again.part.numbering_part.element
    assert len(numbering.num_lst) == len(fresh.part.numbering_part.element.num_lst)


@pytest.mark.parametrize("kind", sorted(NAMES))
def test_hostile_agency_names_print_literally(
    specs: dict[str, LetterTemplateSpec],
    pdf: WeasyPrintRenderer,
    word: DocxRenderer,
    kind: str,
) -> None:
    name = NAMES[kind]
    context = sample_context()
    context["agency"]["name"] = name
    frame = compose_letter(specs["follow_up"], context)
    canonical = frame_plain_text(frame)
    assert f"asked the {name} under" in canonical
    pdf_bytes, docx_bytes = pdf.render(frame), word.render(frame)
    assert normalise_whitespace(docx_text(docx_bytes)) == normalise_whitespace(canonical)
    assert text_matches(_pdf_body_text(pdf_bytes), canonical, allow_wraps=True)
    document = docx.Document(io.BytesIO(docx_bytes))
    assert document.paragraphs[7].text == name  # the inside address, after letterhead and date
    if kind == "html":
        assert all(not p.hyperlinks for p in document.paragraphs)
        assert len(document.inline_shapes) == 0
        assert not [r for r in document.part.rels.values() if r.is_external]
    if kind == "cjk":
        # DejaVu has no CJK glyphs: without a CJK font package the PDF shows boxes, but the
        # text layer still carries the characters (fontconfig falls back when one is installed).
        assert "東京都警察" in pdf_text(pdf_bytes)


def test_an_unbreakable_2000_character_name_wraps_inside_the_page(
    specs: dict[str, LetterTemplateSpec], pdf: WeasyPrintRenderer
) -> None:
    context = sample_context()
    context["agency"]["name"] = "Δ" + "x" * 1998 + "Ω"
    frame = compose_letter(specs["fee_waiver"], context)
    data = pdf.render(frame)
    assert text_matches(_pdf_body_text(data), frame_plain_text(frame), allow_wraps=True)
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        width = page.get_width()
        textpage = page.get_textpage()
        boxes = [
            textpage.get_charbox(i)
            for i in range(textpage.count_chars())
            if textpage.get_text_range(i, 1).strip()  # not pdfium's synthetic line breaks
        ]
        textpage.close()
    finally:
        document.close()
    assert max(right for _, _, right, _ in boxes) <= width - 71  # inside the 1-inch margin


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    _Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_pdf_renderer_fetches_nothing(
    pdf: WeasyPrintRenderer, http_server: tuple[str, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    base, hits = http_server
    urls = [
        "file:///etc/passwd",
        f"{base}/image.png",
        f"{base}/style.css",
        f"{base}/imported.css",
        f"{base}/background.png",
        f"{base}/attachment.txt",
        "data:image/png;base64,iVBORw0KGgo=",
    ]
    document = html_document(
        f'<link rel="stylesheet" href="{urls[2]}">'
        f"<style>@import url({urls[3]});</style>"
        f'<img src="{urls[0]}"><img src="{urls[1]}"><img src="{urls[6]}">'
        f'<div style="background: url({urls[4]})">text</div>'
        f'<link rel="attachment" href="{urls[5]}"><p>root:x:0:0 is not here</p>',
        title="fetch test",
    )
    fetcher = RefusingFetcher()
    data = pdf.render_html(document, fetcher)
    assert sorted(fetcher.refused) == sorted(urls)
    assert hits == []
    assert "root:x:0:0 is not here" in pdf_text(data)
    assert "root:x:0:0:" not in pdf_text(data)


def test_letters_never_ask_for_a_url(
    pdf: WeasyPrintRenderer,
    http_server: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Images and raw HTML in a template body or a value are text, never something to load."""
    base, hits = http_server
    asked: list[str] = []
    refuse = RefusingFetcher.fetch

    def spy(self: RefusingFetcher, url: str, headers: Any = None) -> Any:
        asked.append(url)
        return refuse(self, url, headers)

    monkeypatch.setattr(RefusingFetcher, "fetch", spy)
    body = (
        "Dear {{ agency.name }},\n\n"
        f"![logo]({base}/logo.png) <img src='{base}/raw.png'> "
        "<img src='file:///etc/passwd'> [a link](file:///etc/passwd)\n"
    )
    context = sample_context()
    context["agency"]["name"] = f'<img src="{base}/value.png"> ![v]({base}/v.png)'
    frame = check_template(body, "{{ agency.name }}", context)
    data = pdf.render(frame)
    assert asked == [] and hits == []
    canonical = frame_plain_text(frame)
    assert "<img src='file:///etc/passwd'> [a link](file:///etc/passwd)" in canonical
    assert f'Dear <img src="{base}/value.png"> ![v]({base}/v.png),' in canonical
    assert text_matches(_pdf_body_text(data), canonical, allow_wraps=True)
    # The spy does see what a raw document asks for, so the empty list above means something.
    pdf.render_html(html_document(f'<img src="{base}/x.png">', title="x"))
    assert asked == [f"{base}/x.png"] and hits == []


@pytest.mark.parametrize(
    "data", [b"", b"not a pdf at all", b"%PDF-1.7\n garbage", b"PK\x03\x04broken zip"]
)
def test_corrupt_files_raise_extraction_errors(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        pdf_text(data)
    with pytest.raises(ExtractionError):
        docx_text(data)


def test_a_pdf_is_not_a_docx(pdf: WeasyPrintRenderer, word: DocxRenderer) -> None:
    frame = LetterFrame(("Me",), "Today", ("Agency",), "s", parse_markdown("Hello."))
    with pytest.raises(ExtractionError, match="not a readable DOCX"):
        docx_text(pdf.render(frame))
    with pytest.raises(ExtractionError, match="not a readable PDF"):
        pdf_text(word.render(frame))
