"""The structured body of a letter: one tree, rendered to HTML, PDF and DOCX alike.

A letter's Markdown source is parsed once (CommonMark, raw HTML off) into frozen blocks of
styled spans. Every output format walks the same tree, so the PDF and the DOCX cannot drift
apart, and `plain_text` gives the canonical text both must parse back to.

Canonical text convention (what `plain_text` returns and the extractors reproduce):

- one line per heading, paragraph and list item; a hard line break inside a paragraph is a
  newline, a soft break is a space;
- a list item's first line is prefixed with its marker: "1. " (numbered from the list's start)
  or "• " (every bullet level), indented two spaces per nesting level; further paragraphs of the
  same item follow on their own lines without a marker;
- links contribute their text only, never their address.

Comparisons between formats are made after `normalise_whitespace`, because PDF extraction
wraps lines where the layout did.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from markdown_it import MarkdownIt
from markdown_it.token import Token

BULLET = "•"
SAFE_LINK_SCHEMES = ("http", "https", "mailto")

# XML 1.0 (and so DOCX) cannot hold C0 controls other than tab/newline, nor lone surrogates;
# PDF text layers do not carry them either. Removing them everywhere keeps the formats equal.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def clean_text(text: str) -> str:
    """Drop characters no output format can carry; NFC-normalise the rest."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _UNSAFE_CHARS.sub("", text))


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace, line breaks included, into one space."""
    return _WHITESPACE.sub(" ", text).strip()


def safe_href(href: str | None) -> str | None:
    """Return `href` if it is an absolute http, https or mailto URL, else None."""
    if not href:
        return None
    match = _SCHEME.match(href.strip())
    if not match or match.group(1).lower() not in SAFE_LINK_SCHEMES:
        return None
    return href.strip()


@dataclass(frozen=True)
class Span:
    """A run of text with one style; "\\n" inside `text` is a hard line break."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None


@dataclass(frozen=True)
class Heading:
    level: int
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class ListBlock:
    """A numbered or bulleted list; each item is a sequence of paragraphs and nested lists."""

    ordered: bool
    items: tuple[tuple[Block, ...], ...]
    start: int = 1


Block: TypeAlias = Heading | Paragraph | ListBlock


@dataclass(frozen=True)
class LetterDocument:
    blocks: tuple[Block, ...]


def spans_text(spans: Iterable[Span]) -> str:
    """The text of some spans, formatting dropped."""
    return "".join(span.text for span in spans)


# ---------------------------------------------------------------------------------------------
# Markdown -> LetterDocument

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def parse_markdown(text: str) -> LetterDocument:
    """Parse CommonMark into a LetterDocument; raw HTML stays literal text, unsafe links plain."""
    tokens = _MARKDOWN.parse(clean_text(text))
    blocks, _ = _parse_blocks(tokens, 0, closing=None)
    return LetterDocument(tuple(blocks))


def _parse_blocks(
    tokens: Sequence[Token], index: int, closing: str | None
) -> tuple[list[Block], int]:
    """Read blocks from `index` up to the token type `closing`; return them and the next index."""
    blocks: list[Block] = []
    while index < len(tokens):
        token = tokens[index]
        if closing is not None and token.type == closing:
            return blocks, index + 1
        if token.type == "heading_open":
            spans = _parse_inline(tokens[index + 1])
            if spans:
                blocks.append(Heading(int(token.tag[1]), spans))
            index += 3
        elif token.type == "paragraph_open":
            spans = _parse_inline(tokens[index + 1])
            if spans:
                blocks.append(Paragraph(spans))
            index += 3
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            ordered = token.type == "ordered_list_open"
            start = int(token.attrs.get("start", 1)) if ordered else 1
            list_closing = "ordered_list_close" if ordered else "bullet_list_close"
            items: list[tuple[Block, ...]] = []
            index += 1
            while tokens[index].type != list_closing:
                # list_item_open: an item's content runs to its list_item_close.
                content, index = _parse_blocks(tokens, index + 1, "list_item_close")
                items.append(tuple(content) or (Paragraph(()),))
            blocks.append(ListBlock(ordered, tuple(items), start))
            index += 1
        elif token.type == "blockquote_open":
            inner, index = _parse_blocks(tokens, index + 1, "blockquote_close")
            blocks.extend(inner)
        elif token.type in ("code_block", "fence"):
            code = token.content.rstrip("\n")
            if code.strip():
                blocks.append(Paragraph((Span(code),)))
            index += 1
        else:
            # hr and anything else without text of its own
            index += 1
    return blocks, index


def _parse_inline(token: Token) -> tuple[Span, ...]:
    spans: list[Span] = []
    bold = italic = 0
    href: str | None = None
    link_depth = 0
    for child in token.children or []:
        kind = child.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "link_open":
            link_depth += 1
            href = safe_href(str(child.attrs.get("href", "")))
        elif kind == "link_close":
            link_depth -= 1
            if link_depth == 0:
                href = None
        elif kind in ("text", "code_inline", "html_inline"):
            spans.append(Span(child.content, bool(bold), bool(italic), href))
        elif kind == "image":
            # Images are never fetched or embedded; their description stands in for them.
            spans.append(Span(child.content, bool(bold), bool(italic), href))
        elif kind == "softbreak":
            spans.append(Span(" ", bool(bold), bool(italic), href))
        elif kind == "hardbreak":
            spans.append(Span("\n", bool(bold), bool(italic), href))
    return _merge(spans)


def _merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if merged and _same_style(merged[-1], span):
            last = merged.pop()
            span = Span(last.text + span.text, span.bold, span.italic, span.href)
        merged.append(span)
    # A paragraph that is only whitespace (e.g. an image without a description) is no paragraph.
    if not spans_text(merged).strip():
        return ()
    return tuple(merged)


def _same_style(a: Span, b: Span) -> bool:
    return (a.bold, a.italic, a.href) == (b.bold, b.italic, b.href)


# ---------------------------------------------------------------------------------------------
# LetterDocument -> canonical text


def list_marker(block: ListBlock, position: int) -> str:
    """The marker of item `position` (0-based): "3. " or "• ", as every format shows it."""
    return f"{block.start + position}. " if block.ordered else f"{BULLET} "


def plain_text(doc: LetterDocument) -> str:
    """The canonical text of a body: one line per heading, paragraph and list item."""
    lines: list[str] = []
    _plain_blocks(doc.blocks, lines, depth=0)
    return "\n".join(lines)


def _plain_blocks(blocks: Iterable[Block], lines: list[str], depth: int) -> None:
    indent = "  " * depth
    for block in blocks:
        if isinstance(block, ListBlock):
            for position, item in enumerate(block.items):
                marker = list_marker(block, position)
                first = True
                for part in item:
                    if isinstance(part, ListBlock):
                        if first:
                            lines.append(indent + marker.rstrip())
                        _plain_blocks((part,), lines, depth + 1)
                    else:
                        prefix = marker if first else "  "
                        lines.append(indent + prefix + spans_text(part.spans))
                    first = False
        else:
            lines.append(indent + spans_text(block.spans))


# ---------------------------------------------------------------------------------------------
# LetterDocument -> HTML


def to_html(doc: LetterDocument) -> str:
    """Escaped HTML for previews: headings, paragraphs, lists, strong/em and safe links."""
    parts: list[str] = []
    _html_blocks(doc.blocks, parts)
    return "".join(parts)


def spans_to_html(spans: Iterable[Span]) -> str:
    """Escaped inline HTML for some spans."""
    out: list[str] = []
    for span in spans:
        text = "<br>\n".join(html.escape(line, quote=False) for line in span.text.split("\n"))
        if span.italic:
            text = f"<em>{text}</em>"
        if span.bold:
            text = f"<strong>{text}</strong>"
        if span.href:
            text = f'<a href="{html.escape(span.href)}" rel="noopener noreferrer">{text}</a>'
        out.append(text)
    return "".join(out)


def _html_blocks(blocks: Iterable[Block], parts: list[str]) -> None:
    for block in blocks:
        if isinstance(block, Heading):
            level = min(max(block.level, 1), 6)
            parts.append(f"<h{level}>{spans_to_html(block.spans)}</h{level}>\n")
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{spans_to_html(block.spans)}</p>\n")
        else:
            if block.ordered:
                start = f' start="{block.start}"' if block.start != 1 else ""
                parts.append(f"<ol{start}>\n")
            else:
                parts.append("<ul>\n")
            for item in block.items:
                # The first paragraph goes straight into the <li>, so that a marker placed
                # inside the line box (as the print stylesheet does) shares its line.
                first, *rest = item
                if isinstance(first, Paragraph):
                    parts.append(f"<li>{spans_to_html(first.spans)}\n")
                else:
                    parts.append("<li>")
                    rest = list(item)
                _html_blocks(rest, parts)
                parts.append("</li>\n")
            parts.append("</ol>\n" if block.ordered else "</ul>\n")
