"""Outlook .msg files (what "Save as" or drag-and-drop from Outlook gives) to RFC 5322 bytes,
so a .msg uploaded or attached enters the same mail pipeline as any other message.

Best effort: the original Internet headers are kept when Outlook stored them (received mail),
otherwise headers are rebuilt from the MAPI properties; bodies (plain and HTML) and attachments
follow, and an attached .msg becomes a forwarded message/rfc822 part.
"""

from __future__ import annotations

import contextlib
import email.policy
import email.utils
import logging
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from typing import Any

import extract_msg

from foiatrack.adapters.text_extraction import ExtractionError

#: attached .msg files inside attached .msg files are converted this deep
MAX_DEPTH = 5
# Headers rebuilt by the MIME structure below; copying them would contradict it.
_STRUCTURAL = {
    "content-type",
    "content-transfer-encoding",
    "mime-version",
    "content-disposition",
    "content-id",
    "content-length",
}


def msg_to_eml_bytes(data: bytes) -> bytes:
    """An Outlook .msg as e-mail bytes; raise ExtractionError if it is not a readable .msg."""
    # extract-msg logs every property it cannot read at WARNING; none of it is actionable.
    logging.getLogger("extract_msg").setLevel(logging.ERROR)
    try:
        msg = extract_msg.openMsg(bytes(data), delayAttachments=False)
    except Exception as exc:  # olefile and extract-msg raise many types for bad input
        raise ExtractionError(f"not a readable Outlook message: {type(exc).__name__}") from exc
    try:
        message = _to_email(msg, depth=0)
        return message.as_bytes(policy=email.policy.SMTP)
    except ExtractionError:
        raise
    except Exception as exc:  # a message we cannot rebuild is reported, not raised as a bug
        raise ExtractionError(f"cannot convert the Outlook message: {type(exc).__name__}") from exc
    finally:
        msg.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value).replace("\x00", "")


def _set(message: EmailMessage, name: str, value: str) -> None:
    value = " ".join(value.split())
    if not value:
        return
    # A header the strict policy refuses is left out rather than losing the message.
    with contextlib.suppress(ValueError, TypeError, IndexError):
        message[name] = value


def _headers(msg: Any, out: EmailMessage) -> None:
    raw = _text(getattr(msg, "headerText", None))
    if raw.startswith("Microsoft Mail Internet Headers Version 2.0"):
        raw = raw[len("Microsoft Mail Internet Headers Version 2.0") :].lstrip()
    copied = set()
    if raw.strip():
        parsed: Message = HeaderParser(policy=email.policy.compat32).parsestr(raw)
        for name, value in parsed.items():
            if name.lower() in _STRUCTURAL:
                continue
            _set(out, name, str(value))
            copied.add(name.lower())
    fallbacks = {
        "from": _text(getattr(msg, "sender", None)),
        "to": _text(getattr(msg, "to", None)),
        "cc": _text(getattr(msg, "cc", None)),
        "subject": _text(getattr(msg, "subject", None)),
        "message-id": _text(getattr(msg, "messageId", None)),
        "in-reply-to": _text(getattr(msg, "inReplyTo", None)),
    }
    date = getattr(msg, "date", None)
    if date is not None and hasattr(date, "tzinfo"):
        with contextlib.suppress(ValueError, TypeError, OverflowError):
            fallbacks["date"] = email.utils.format_datetime(date)
    for name, value in fallbacks.items():
        if name not in copied:
            _set(out, name.title() if name != "message-id" else "Message-ID", value)


def _to_email(msg: Any, depth: int) -> EmailMessage:
    out = EmailMessage(policy=email.policy.default)
    _headers(msg, out)
    body = _text(getattr(msg, "body", None))
    out.set_content(body.replace("\r\n", "\n"))
    html = getattr(msg, "htmlBody", None)
    if html:
        out.add_alternative(_text(html), subtype="html")
    for attachment in getattr(msg, "attachments", []) or []:
        _attach(out, attachment, depth)
    return out


def _attach(out: EmailMessage, attachment: Any, depth: int) -> None:
    data = getattr(attachment, "data", None)
    if data is None:
        return
    name = _text(
        getattr(attachment, "longFilename", None)
        or getattr(attachment, "shortFilename", None)
        or getattr(attachment, "displayName", None)
    )
    if hasattr(data, "attachments") and hasattr(data, "body"):
        if depth >= MAX_DEPTH:
            return
        out.add_attachment(_to_email(data, depth + 1))
        return
    if not isinstance(data, bytes):
        return
    mime = _text(getattr(attachment, "mimetype", None)) or "application/octet-stream"
    maintype, _, subtype = mime.partition("/")
    if not subtype or maintype == "text" or maintype == "multipart":
        # Text attachments are kept byte for byte; a multipart "attachment" is not one.
        maintype, subtype = "application", "octet-stream"
    cid = _text(getattr(attachment, "contentId", None)).strip("<>")
    out.add_attachment(
        data,
        maintype=maintype,
        subtype=subtype,
        filename=name or None,
        cid=f"<{cid}>" if cid else None,
    )
