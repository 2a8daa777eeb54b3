"""Letters to PDF with WeasyPrint: the frame's HTML, the print stylesheet, and no fetching.

WeasyPrint would otherwise follow any URL in the document (images, stylesheets, attachments,
`file://` paths). Letters carry values typed by users and imported from lists of agencies, so
the renderer hands WeasyPrint a fetcher that refuses every URL: nothing is read from the
network or the local disk while rendering. Fonts come from fontconfig by family name and are
embedded by WeasyPrint; the stylesheet is read from disk by this module, once.
"""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from foiatrack.domain.letters.frame import LetterFrame, frame_to_html
from foiatrack.domain.letters.templates import TEMPLATE_DIR

DEFAULT_CSS = TEMPLATE_DIR / "_print" / "letter.css"
#: The footer the print stylesheet adds to every page; not part of a letter's canonical text.
PAGE_FOOTER = re.compile(r"^[ \t]*Page \d+ of \d+[ \t]*$", re.MULTILINE)


class FetchRefused(ValueError):
    """Raised for every URL WeasyPrint asks for; WeasyPrint logs it and leaves the resource out."""


class RefusingFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that fetches nothing and remembers what it was asked for."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        """Refuse `url`."""
        self.refused.append(url)
        raise FetchRefused(f"letters never fetch resources: {url[:200]}")


_stylesheets: dict[tuple[str, int], CSS] = {}
_stylesheets_lock = threading.Lock()


def _stylesheet(css_path: Path) -> CSS:
    """The parsed stylesheet, parsed once per file version (bulk rendering reuses it)."""
    path = css_path.resolve()
    key = (str(path), path.stat().st_mtime_ns)
    with _stylesheets_lock:
        sheet = _stylesheets.get(key)
        if sheet is None:
            # Parsed from a string with no base URL, so a url() in it could not even resolve.
            sheet = CSS(
                string=path.read_text("utf-8"), base_url=None, url_fetcher=RefusingFetcher()
            )
            _stylesheets[key] = sheet
        return sheet


def remove_page_footers(text: str) -> str:
    """Drop the "Page N of M" lines the stylesheet prints, e.g. from extracted PDF text."""
    return PAGE_FOOTER.sub("", text)


def html_document(body_html: str, *, title: str, author: str = "") -> str:
    """Wrap an HTML fragment into the document WeasyPrint renders (title and author metadata)."""
    meta_author = f'<meta name="author" content="{html.escape(author)}">' if author else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title, quote=False)}</title>{meta_author}</head>"
        f"<body>{body_html}</body></html>"
    )


class WeasyPrintRenderer:
    """The LetterRenderer port for PDF."""

    media_type = "application/pdf"
    extension = "pdf"

    def __init__(self, css_path: Path = DEFAULT_CSS) -> None:
        self.css_path = Path(css_path)
        _stylesheet(self.css_path)  # fail now, not at the first letter, if the file is missing

    def render(self, frame: LetterFrame) -> bytes:
        """The letter as PDF bytes."""
        author = frame.sender_lines[0] if frame.sender_lines else ""
        return self.render_html(
            html_document(frame_to_html(frame), title=frame.subject, author=author)
        )

    def render_html(self, document: str, fetcher: RefusingFetcher | None = None) -> bytes:
        """Render a whole HTML document with the letter stylesheet; every URL in it is refused."""
        page = HTML(string=document, base_url=None, url_fetcher=fetcher or RefusingFetcher())
        # Presentational hints carry <ol start="3"> into the list counter.
        pdf = page.write_pdf(stylesheets=[_stylesheet(self.css_path)], presentational_hints=True)
        assert pdf is not None  # noqa: S101 - write_pdf returns bytes when given no target
        return pdf
