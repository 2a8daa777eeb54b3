"""Agency HTML made safe to show (`clean_html`) and turned into plain text (`html_to_text`).

The sanitiser (nh3, the Ammonia library) keeps structure and nothing active:

- tags: p, br, div, span, b, strong, i, em, u, ul, ol, li, table parts, a, blockquote, pre,
  code, h1-h6, hr; everything else is unwrapped (its text kept), and script, style, head,
  title, template, iframe, object, embed, svg, math, noscript, select and textarea are
  dropped with their content;
- attributes: `href` on links, only absolute http, https or mailto (relative links would
  point into foiatrack itself), with rel="noopener noreferrer" added; `colspan`/`rowspan` on
  cells. No `style` (position:fixed overlays, hidden text), no `class` or `id`, no event
  handlers;
- images: never loaded. A remote image in mail is a tracking pixel, and a `data:` image can
  hide anything; an image becomes its alt text, "[image: ...]", so the reader knows it was
  there. Inline (cid:) images are attachments and shown as such.

Comments, <base>, <meta http-equiv=refresh>, forms and their fields all disappear.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

from foiatrack.domain.letters.document import safe_href
from foiatrack.domain.mail.charsets import scrub

ALLOWED_TAGS = {
    "p",
    "br",
    "div",
    "span",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ul",
    "ol",
    "li",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "a",
    "blockquote",
    "pre",
    "code",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}
DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "head",
    "title",
    "template",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "noscript",
    "noembed",
    "noframes",
    "select",
    "textarea",
    "button",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}
# A sanitised <img> carries at most its alt text (see _IMG_CLEANER); the serialiser escapes
# '"' inside attribute values, so this pattern cannot end early.
_CLEAN_IMG = re.compile(r'<img(?: alt="([^"]*)")?\s*/?>')
#: longer bodies are cut before conversion to text: nobody reads past this
_MAX_HTML = 20_000_000


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return safe_href(value)
    if attribute in ("colspan", "rowspan"):
        return value if value.isdigit() and 0 < int(value) <= 100 else None
    return value


_IMG_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS | {"img"},
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes={**ALLOWED_ATTRIBUTES, "img": {"alt"}},
    attribute_filter=_attribute_filter,
    url_schemes=URL_SCHEMES,
    url_relative="deny",
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes=URL_SCHEMES,
    url_relative="deny",
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def _alt_text(match: re.Match[str]) -> str:
    alt = " ".join(html_lib.unescape(match.group(1) or "").split())
    return f"[image: {html_lib.escape(alt[:200])}]" if alt else ""


def clean_html(html: str) -> str:
    """Sanitised HTML, safe to render inside foiatrack's pages (still escape nothing more)."""
    text = scrub(html or "")
    if not text.strip():
        return ""
    with_alt = _CLEAN_IMG.sub(_alt_text, _IMG_CLEANER.clean(text))
    # A second pass with no <img> allowed at all: the alt-text rewrite must not be able to
    # introduce markup, and this proves it.
    return _CLEANER.clean(with_alt).strip()


# --- plain text ----------------------------------------------------------------------------------

_BLOCKS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
}
# Unlike the sanitiser, the text parser keeps <head>'s text-free children out by name: an
# unclosed <head> must not swallow the body.
_SKIPPED = DROPPED_WITH_CONTENT - {"head"}
# Blocks followed by a blank line, as a reader would see them.
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "ul", "ol", "pre"}
_SPACES = re.compile(r"[ \f\v\u00a0\u200b]+")


class _TextParser(HTMLParser):
    """Collects visible text: blocks on their own lines, cells tab-separated, links with
    their address (a "download your records" link is what the classifier looks for)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0
        self.links: list[str | None] = []
        self.link_text: list[str] = []

    def _break(self) -> None:
        line = "".join(self.current)
        self.current = []
        if self.pre_depth:
            self.lines.extend(line.split("\n"))
        elif line := _SPACES.sub(" ", line).strip(" \t"):
            self.lines.append(line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "br":
            self._break()
        elif tag in _BLOCKS:
            self._break()
            if tag == "li":
                self.current.append("• ")
        elif tag in ("td", "th") and self.current and "".join(self.current).strip():
            self.current.append("\t")
        elif tag == "img":
            alt = " ".join((dict(attrs).get("alt") or "").split())
            if alt:
                self.current.append(f"[image: {alt[:200]}]")
        elif tag == "a":
            self.links.append(safe_href(dict(attrs).get("href")))
            self.link_text.append("")
        if tag == "pre":
            self.pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "a" and self.links:
            href, text = self.links.pop(), self.link_text.pop()
            if href and href.removeprefix("mailto:") not in text:
                self.current.append(f" <{href}>")
        elif tag in _BLOCKS:
            self._break()
            if tag in _PARAGRAPHS:
                self.lines.append("")
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if not self.pre_depth:
            data = data.replace("\r", " ").replace("\n", " ").replace("\t", " ")
        self.current.append(data)
        if self.link_text:
            self.link_text[-1] += data

    def text(self) -> str:
        self._break()
        out: list[str] = []
        for line in self.lines:
            if line.strip() or (out and out[-1].strip()):
                out.append(line.rstrip())
        return "\n".join(out).strip("\n")


def html_to_text(html: str) -> str:
    """The readable text of an HTML body, for search, classification and plain display."""
    text = scrub(html or "")
    if not text.strip():
        return ""
    parser = _TextParser()
    try:
        parser.feed(text[:_MAX_HTML])
        parser.close()
    except Exception:  # HTMLParser is lenient, but never let one body stop an import
        return " ".join(re.sub(r"<[^>]*>", " ", text).split())
    return parser.text()
