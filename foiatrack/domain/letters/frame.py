"""The page around a letter's body: letterhead, date, addresses, subject and signature.

`frame_plain_text` is the canonical text of the whole letter. The PDF and the DOCX renderers
both lay out exactly these parts in this order, so each file parses back to it (after
`normalise_whitespace`; the PDF's "Page N of M" footer is not part of it).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field

from foiatrack.domain.letters.document import LetterDocument, clean_text, plain_text, to_html

SUBJECT_PREFIX = "Re: "


def clean_lines(lines: Iterable[str]) -> tuple[str, ...]:
    """Split multi-line values, strip each line and drop the blank ones."""
    out: list[str] = []
    for value in lines:
        for line in clean_text(str(value)).split("\n"):
            if line.strip():
                out.append(line.strip())
    return tuple(out)


@dataclass(frozen=True)
class LetterFrame:
    """Everything printed on a letter. Line tuples are cleaned: no blanks, no embedded newlines."""

    sender_lines: tuple[str, ...]
    date_line: str
    recipient_lines: tuple[str, ...]
    subject: str
    body: LetterDocument
    signature_lines: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        # Frozen, so normalise through object.__setattr__: every renderer then sees clean lines.
        object.__setattr__(self, "sender_lines", clean_lines(self.sender_lines))
        object.__setattr__(self, "recipient_lines", clean_lines(self.recipient_lines))
        object.__setattr__(self, "signature_lines", clean_lines(self.signature_lines))
        object.__setattr__(self, "date_line", " ".join(clean_lines([self.date_line])))
        object.__setattr__(self, "subject", " ".join(clean_lines([self.subject])))

    @property
    def subject_line(self) -> str:
        """The subject as printed above the body."""
        return SUBJECT_PREFIX + self.subject if self.subject else ""


def frame_plain_text(frame: LetterFrame) -> str:
    """The canonical text of the whole letter, one line per printed line or body block."""
    parts: list[str] = [*frame.sender_lines]
    if frame.date_line:
        parts.append(frame.date_line)
    parts.extend(frame.recipient_lines)
    if frame.subject_line:
        parts.append(frame.subject_line)
    body = plain_text(frame.body)
    if body:
        parts.append(body)
    parts.extend(frame.signature_lines)
    return "\n".join(parts)


def _line_block(css_class: str, lines: tuple[str, ...], tag: str = "div") -> str:
    if not lines:
        return ""
    inner = "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)
    return f'<{tag} class="{css_class}">{inner}</{tag}>\n'


def frame_to_html(frame: LetterFrame) -> str:
    """An escaped HTML fragment (`<article class="letter">`) for previews and the PDF."""
    parts = ['<article class="letter">\n']
    parts.append(_line_block("letterhead", frame.sender_lines, "header"))
    if frame.date_line:
        parts.append(f'<p class="date">{html.escape(frame.date_line, quote=False)}</p>\n')
    parts.append(_line_block("recipient", frame.recipient_lines, "address"))
    if frame.subject_line:
        subject = html.escape(frame.subject_line, quote=False)
        parts.append(f'<p class="subject"><strong>{subject}</strong></p>\n')
    parts.append(f'<section class="body">\n{to_html(frame.body)}</section>\n')
    parts.append(_line_block("signature", frame.signature_lines))
    parts.append("</article>\n")
    return "".join(parts)
