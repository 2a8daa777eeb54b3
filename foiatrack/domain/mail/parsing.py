"""Bytes of an e-mail to a ParsedMessage: headers, bodies and attachments. Pure: no I/O.

Parsing never raises on bad input: whatever the message throws at it (broken MIME, unknown
charsets, bad base64), the result carries what could be read plus the defects found.

The standard library's parser (compat32 policy, the most forgiving) only splits the message
into parts; headers, parameters, transfer encodings and charsets are decoded here, because
agency mail breaks the rules the stricter decoders enforce:

- headers in raw UTF-8 or Windows-1252 instead of RFC 2047, encoded words split in the middle
  of a multi-byte character, filenames as RFC 2047 inside quotes or only as Content-Type
  `name=` instead of RFC 2231 `filename*=`;
- labels that lie (see `charsets.decode_bytes`);
- a multipart whose boundary is missing or wrong (recovered from the `--token` lines), no
  closing boundary, base64 with junk or a cut-off end (what decodes is kept).

Every attachment name goes through `safe_filename`; nameless parts get "attachment-N.ext"
from their sniffed type. Forwarded messages (message/rfc822 parts) are parsed the same way,
to `MAX_FORWARD_DEPTH` levels, into `forwarded`.

Inline images (Content-Disposition: inline, referenced from the HTML by `cid:`, or inside a
multipart/related) and signature logos ("image001.png" under 100 KB) are marked `is_inline`:
kept, but not records. Non-image parts are never inline: Apple Mail sends PDFs with an inline
disposition, and they are records.
"""

from __future__ import annotations

import binascii
import datetime as dt
import email
import email.policy
import email.utils
import quopri
import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message

from foiatrack.domain.documents.naming import safe_filename
from foiatrack.domain.documents.sniffing import sniff_media_type
from foiatrack.domain.mail.charsets import decode_bytes, html_meta_charset, scrub

#: forwarded messages inside forwarded messages are parsed this deep; deeper ones are kept
#: as .eml attachments
MAX_FORWARD_DEPTH = 3
#: nested multiparts deeper than this are ignored (a defect is recorded)
MAX_PART_DEPTH = 30
#: leaf parts per message; the rest are ignored (a defect is recorded)
MAX_PARTS = 1000
#: an image named like an Outlook signature picture and smaller than this is a logo
LOGO_MAX_SIZE = 100 * 1024


@dataclass
class ParsedAttachment:
    #: made safe by `safe_filename`; "attachment-N.ext" when the sender gave none
    filename: str
    declared_type: str
    data: bytes
    is_inline: bool = False
    content_id: str = ""
    #: the name as the sender gave it, decoded but not made safe (never use it as a path)
    original_filename: str = ""
    #: sniffed from the bytes (`sniff_media_type`), not the sender's claim
    media_type: str = ""


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    from_name: str = ""
    from_address: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    #: Delivered-To and X-Original-To: where the mail server says it delivered the message
    delivered_to: list[str] = field(default_factory=list)
    subject: str = ""
    date: dt.datetime | None = None
    body_text: str = ""
    #: the HTML body as sent; callers must clean it (nh3) before storing or showing it
    body_html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    #: forwarded messages (message/rfc822 parts), parsed the same way
    forwarded: list[ParsedMessage] = field(default_factory=list)
    is_auto_reply: bool = False
    #: why it counts as an automatic reply ("Auto-Submitted: auto-replied", a subject...)
    auto_reply_reason: str = ""
    defects: list[str] = field(default_factory=list)

    def all_attachments(self) -> list[ParsedAttachment]:
        """This message's attachments, then those of its forwarded messages, depth first."""
        found = list(self.attachments)
        for forwarded in self.forwarded:
            found.extend(forwarded.all_attachments())
        return found


def parse_message(data: bytes) -> ParsedMessage:
    """Parse raw RFC 5322 bytes; never raises."""
    try:
        return _parse_bytes(bytes(data), forward_depth=0)
    except Exception as exc:  # the last line of defence: a result, never an exception
        return ParsedMessage(defects=[f"message could not be parsed: {type(exc).__name__}"])


def _parse_bytes(data: bytes, *, forward_depth: int) -> ParsedMessage:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    return _Parser(forward_depth).parse(message)


# --- headers -----------------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r?\n")
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,900}>")
_BARE_ADDRESS = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")


def _latin1_bytes(text: str) -> bytes:
    """Undo a decode that mapped bytes to U+0000-U+00FF (or to surrogate escapes)."""
    out = bytearray()
    for char in text:
        code = ord(char)
        if code < 256:
            out.append(code)
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)
        else:
            out += char.encode("utf-8", "replace")
    return bytes(out)


def _fix_8bit(text: str) -> str:
    """A header with raw 8-bit bytes (surrogate-escaped by the parser): UTF-8 or cp1252."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))[0]


def _decode_q(text: str) -> bytes:
    raw = _latin1_bytes(text.replace("_", " "))
    return binascii.a2b_qp(raw)


def decode_header_value(raw: str) -> str:
    """Unfold, fix raw 8-bit text and decode RFC 2047 encoded words, leniently."""
    text = _fix_8bit(_FOLD.sub("", raw))
    pieces: list[str] = []
    pending: list[tuple[str, bytes]] = []
    position = 0

    def flush() -> None:
        # Adjacent words in one charset are joined before decoding: some encoders split a
        # multi-byte character across two encoded words.
        while pending:
            charset = pending[0][0]
            chunk = b""
            while pending and pending[0][0] == charset:
                chunk += pending.pop(0)[1]
            pieces.append(decode_bytes(chunk, charset)[0])

    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        if between.strip() or not pending:
            flush()
            pieces.append(between)
        charset, encoding, payload = match.groups()
        try:
            decoded = _decode_q(payload) if encoding in "qQ" else _b64decode(payload.encode())[0]
        except (ValueError, binascii.Error):
            decoded = payload.encode("utf-8", "replace")
        pending.append((charset.split("*", 1)[0].lower(), decoded))
        position = match.end()
    flush()
    pieces.append(text[position:])
    return scrub(_CONTROLS.sub(" ", "".join(pieces)))


def _message_ids(raw: str) -> list[str]:
    found = _MESSAGE_ID.findall(raw)
    if found:
        return found
    # Some mailers drop the angle brackets; ours always has them, so add them back.
    return [f"<{token.strip('<>')}>" for token in raw.split() if "@" in token][:1]


# --- transfer encodings --------------------------------------------------------------------------


def _b64decode(raw: bytes) -> tuple[bytes, list[str]]:
    """Decode base64, keeping what decodes: junk is skipped, a cut-off end is padded."""
    # The bytes that rb"\s" matches, deleted in one pass (a regular expression is slower)
    compact = raw.translate(None, b" \t\n\r\x0b\x0c")
    try:
        return binascii.a2b_base64(compact, strict_mode=True), []
    except (binascii.Error, ValueError):
        pass
    defects = []
    cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", compact)
    if len(cleaned) != len(compact):
        defects.append("invalid characters in base64 data were skipped")
    out = bytearray()
    # "=" ends a group; base64 after it (two encodings concatenated) starts a new one.
    for segment in re.split(rb"=+", cleaned):
        whole = len(segment) - len(segment) % 4
        rest = segment[whole:]
        if whole:
            out += binascii.a2b_base64(segment[:whole])
        if len(rest) == 1:
            defects.append("base64 data ends with a stray character")
        elif rest:
            out += binascii.a2b_base64(rest + b"=" * (4 - len(rest)))
    if not defects:
        defects.append("base64 data is badly padded")
    return bytes(out), defects


# --- the parser ----------------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"\b(?:out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"vacation (?:reply|message|notice)|away from (?:the|my) office|abwesenheitsnotiz|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica)\b",
    re.IGNORECASE,
)
_LOGO_NAME = re.compile(r"^(?:image\d{3}|outlook-[\w-]+|~wrl\d+)\.(?:png|jpe?g|gif|bmp)$", re.I)
_CID = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)
_BOUNDARY_LINE = re.compile(rb"^--([0-9A-Za-z'()+_,./:=?-]{1,70}?)(?:--)?[ \t]*\r?$", re.MULTILINE)
_DEFECT_NAMES = {
    "StartBoundaryNotFoundDefect": "multipart: the declared boundary never appears",
    "CloseBoundaryNotFoundDefect": "multipart: the closing boundary is missing",
    "NoBoundaryInMultipartDefect": "multipart: no boundary declared",
    "FirstHeaderLineIsContinuationDefect": "headers: the first header line is a continuation",
    "MissingHeaderBodySeparatorDefect": "headers: no blank line between headers and body",
    "MisplacedEnvelopeHeaderDefect": "headers: a misplaced envelope (From ) line",
    "MultipartInvariantViolationDefect": "multipart: it has no parts",
    "InvalidMultipartContentTransferEncodingDefect": (
        "multipart: invalid Content-Transfer-Encoding on a multipart"
    ),
}


@dataclass
class _Pending:
    attachment: ParsedAttachment
    disposition: str
    in_related: bool


class _Parser:
    def __init__(self, forward_depth: int) -> None:
        self.forward_depth = forward_depth
        self.result = ParsedMessage()
        self.text_parts: list[str] = []
        self.html_parts: list[str] = []
        self.pending: list[_Pending] = []
        self.leaves = 0

    def defect(self, text: str) -> None:
        if text not in self.result.defects:
            self.result.defects.append(text)

    # -- headers

    def _raw_headers(self, message: Message) -> dict[str, list[str]]:
        headers: dict[str, list[str]] = {}
        try:
            items = list(message.raw_items())
        except Exception:  # a parser bug must not lose the body
            self.defect("headers could not be read")
            return headers
        for name, value in items:
            # Raw 8-bit bytes (surrogate-escaped by the parser) are decoded once, here.
            text = scrub(_fix_8bit(str(value)))
            headers.setdefault(scrub(str(name)).strip().lower(), []).append(text)
        return headers

    def _addresses(self, values: list[str]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for value in values:
            unfolded = _fix_8bit(_FOLD.sub("", value))
            try:
                pairs = email.utils.getaddresses([unfolded])
            except Exception:  # malformed address lists: fall back to anything that looks like one
                pairs = []
            good = [(name, addr) for name, addr in pairs if "@" in addr]
            if not good:
                good = [("", addr) for addr in _BARE_ADDRESS.findall(unfolded)]
            for name, address in good:
                address = scrub(decode_header_value(address)).strip().strip("<>").lower()
                if "@" in address and " " not in address:
                    found.append((decode_header_value(name).strip(), address[:320]))
        return found

    def _headers(self, message: Message) -> None:
        result = self.result
        headers = self._raw_headers(message)

        def first(name: str) -> str:
            return headers.get(name, [""])[0]

        ids = _message_ids(first("message-id"))
        result.message_id = ids[0][:998] if ids else ""
        if not result.message_id:
            self.defect("no Message-ID header")
        reply_to_ids = _message_ids(first("in-reply-to"))
        result.in_reply_to = reply_to_ids[0][:998] if reply_to_ids else ""
        result.references = [ref[:998] for ref in _message_ids(first("references"))][-100:]
        senders = self._addresses(headers.get("from", [])[:1])
        if senders:
            result.from_name, result.from_address = senders[0]
        elif "from" in headers:
            self.defect("the From header holds no address")
        result.to = [address for _, address in self._addresses(headers.get("to", []))]
        result.cc = [address for _, address in self._addresses(headers.get("cc", []))]
        result.delivered_to = [
            address
            for _, address in self._addresses(
                headers.get("delivered-to", []) + headers.get("x-original-to", [])
            )
        ]
        result.subject = " ".join(decode_header_value(first("subject")).split())
        result.date = self._date(first("date"))
        result.is_auto_reply, result.auto_reply_reason = _auto_reply(headers, result.subject)

    def _date(self, raw: str) -> dt.datetime | None:
        if not raw.strip():
            return None
        try:
            date = email.utils.parsedate_to_datetime(_fix_8bit(raw).strip())
            if date.tzinfo is None:
                date = date.replace(tzinfo=dt.UTC)
            date.astimezone(dt.UTC)  # an offset that overflows the calendar fails here
        except Exception:  # any malformed date is simply unknown
            self.defect("the Date header could not be read")
            return None
        if not 1970 <= date.year <= 2200:
            self.defect("the Date header is out of range")
            return None
        return date

    # -- body

    def parse(self, message: Message) -> ParsedMessage:
        for step in (self._headers, lambda m: self._visit(m, depth=0, in_related=False)):
            try:
                step(message)
            except RecursionError:
                self.defect("the message is nested too deeply")
            except Exception as exc:  # keep whatever the other step found
                self.defect(f"part of the message could not be read: {type(exc).__name__}")
        self._collect_defects(message)
        self.result.body_text = "\n\n".join(self.text_parts).strip("\n")
        self.result.body_html = "\n".join(self.html_parts)
        self._finish_attachments()
        return self.result

    def _collect_defects(self, message: Message) -> None:
        try:
            parts = list(message.walk())
        except Exception:  # walking a damaged tree may fail; its defects are then unknown
            parts = [message]
        for part in parts[: MAX_PARTS * 2]:
            for defect in getattr(part, "defects", []) or []:
                name = type(defect).__name__
                self.defect(_DEFECT_NAMES.get(name, name))

    def _content_type(self, part: Message) -> str:
        try:
            return part.get_content_type().lower()
        except Exception:  # an unreadable Content-Type means text/plain (RFC 2045)
            return "text/plain"

    def _visit(self, part: Message, *, depth: int, in_related: bool) -> None:
        if depth > MAX_PART_DEPTH:
            self.defect("MIME parts nested too deeply; the deepest were ignored")
            return
        content_type = self._content_type(part)
        if content_type in ("message/rfc822", "message/global"):
            self._forwarded(part)
            return
        payload = _raw_payload(part)
        if isinstance(payload, list):
            if content_type.startswith("message/"):
                self._leaf(part, in_related=in_related)
                return
            related = content_type == "multipart/related"
            for child in payload:
                if isinstance(child, Message):
                    self._visit(child, depth=depth + 1, in_related=related or in_related)
            return
        if content_type.startswith("multipart/"):
            self._recover_multipart(part, payload, depth=depth)
            return
        self._leaf(part, in_related=in_related)

    def _recover_multipart(self, part: Message, payload: object, *, depth: int) -> None:
        """A multipart whose boundary is missing or wrong: find the real one in the body."""
        raw = str(payload or "").encode("utf-8", "surrogateescape")
        tokens = Counter(match.group(1) for match in _BOUNDARY_LINE.finditer(raw))
        if tokens:
            boundary = tokens.most_common(1)[0][0]
            head = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
            recovered = email.message_from_bytes(head + raw, policy=email.policy.compat32)
            children = recovered.get_payload()
            if isinstance(children, list) and children:
                self.defect(
                    "multipart boundary missing or wrong; parts recovered using the boundary "
                    f"found in the body ({boundary.decode('ascii', 'replace')})"
                )
                for child in children:
                    if isinstance(child, Message):
                        self._visit(child, depth=depth + 1, in_related=False)
                return
        if raw.strip():
            self.defect("multipart without a usable boundary; its body was kept as text")
            self.text_parts.append(self._text(raw, part, html=False).strip())

    def _forwarded(self, part: Message) -> None:
        data = self._forwarded_bytes(part)
        if data is None:
            self.defect("an empty forwarded message was ignored")
            return
        if self.forward_depth >= MAX_FORWARD_DEPTH:
            self.defect(f"forwarded messages nested deeper than {MAX_FORWARD_DEPTH} kept as files")
            self._add_attachment(part, data, content_type="message/rfc822", in_related=False)
            return
        self.result.forwarded.append(_parse_bytes(data, forward_depth=self.forward_depth + 1))

    def _forwarded_bytes(self, part: Message) -> bytes | None:
        payload = _raw_payload(part)
        encoding = self._transfer_encoding(part)
        if isinstance(payload, list):
            if not payload or not isinstance(payload[0], Message):
                return None
            try:
                data = payload[0].as_bytes(policy=email.policy.compat32)
            except Exception:  # the generator refuses some damaged trees: use the text
                data = str(payload[0]).encode("utf-8", "surrogateescape")
        else:
            data = str(payload or "").encode("utf-8", "surrogateescape")
        if encoding in ("base64", "quoted-printable"):
            # Not allowed for message/rfc822, but sent anyway: the parser read encoded text
            # as headers, so decode what it saw and parse again.
            data = self._decode_transfer(data, encoding)
        return data if data.strip() else None

    def _transfer_encoding(self, part: Message) -> str:
        values = self._raw_headers(part).get("content-transfer-encoding", [""])
        return values[0].strip().lower()

    def _decode_transfer(self, raw: bytes, encoding: str) -> bytes:
        if encoding == "base64":
            data, defects = _b64decode(raw)
            for defect in defects:
                self.defect(defect)
            return data
        if encoding == "quoted-printable":
            return quopri.decodestring(raw)
        if encoding not in ("", "7bit", "8bit", "binary"):
            self.defect(f"unknown Content-Transfer-Encoding {encoding[:40]!r}; kept as is")
        return raw

    def _payload(self, part: Message) -> bytes:
        payload = _raw_payload(part)
        if isinstance(payload, list):
            chunks = []
            for child in payload:
                try:
                    chunks.append(child.as_bytes(policy=email.policy.compat32))
                except Exception:  # keep the rest of the parts
                    chunks.append(str(child).encode("utf-8", "surrogateescape"))
            return b"\n".join(chunks)
        raw = str(payload or "").encode("utf-8", "surrogateescape")
        return self._decode_transfer(raw, self._transfer_encoding(part))

    def _param(self, part: Message, name: str, header: str) -> str | None:
        raw = self._raw_headers(part).get(header)
        if not raw:
            return None
        # The stdlib reads parameters through a header object that turns raw 8-bit bytes
        # into U+FFFD; give it the header already decoded instead.
        holder = Message(policy=email.policy.compat32)
        holder[header] = _fix_8bit(_FOLD.sub("", raw[0]))
        try:
            value = holder.get_param(name, None, header)
        except Exception:  # malformed parameters are treated as absent
            return None
        if value is None:
            return None
        if isinstance(value, tuple):
            charset, _language, text = value
            return decode_bytes(_latin1_bytes(str(text)), str(charset or "") or None)[0]
        return decode_header_value(str(value).strip().strip('"'))

    def _filename(self, part: Message) -> str:
        for name, header in (("filename", "content-disposition"), ("name", "content-type")):
            value = self._param(part, name, header)
            if value:
                # Some clients percent-encode without declaring RFC 2231.
                if re.search(r"%[0-9A-Fa-f]{2}", value) and " " not in value:
                    decoded = urllib.parse.unquote(value, errors="replace")
                    value = decoded if "\ufffd" not in decoded else value
                return value
        return ""

    def _disposition(self, part: Message) -> str:
        values = self._raw_headers(part).get("content-disposition", [""])
        return values[0].split(";", 1)[0].strip().lower()

    def _text(self, data: bytes, part: Message, *, html: bool) -> str:
        charset = self._param(part, "charset", "content-type")
        if not charset and html:
            charset = html_meta_charset(data)
        text, defect = decode_bytes(data, charset)
        if defect:
            self.defect(defect)
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def _leaf(self, part: Message, *, in_related: bool) -> None:
        self.leaves += 1
        if self.leaves > MAX_PARTS:
            self.defect(f"more than {MAX_PARTS} MIME parts; the rest were ignored")
            return
        content_type = self._content_type(part)
        disposition = self._disposition(part)
        name = self._filename(part)
        data = self._payload(part)
        if content_type in ("text/plain", "text/html") and disposition != "attachment" and not name:
            if data.strip():
                is_html = content_type == "text/html"
                target = self.html_parts if is_html else self.text_parts
                target.append(self._text(data, part, html=is_html))
            return
        self._add_attachment(
            part, data, content_type=content_type, in_related=in_related, name=name
        )

    def _add_attachment(
        self,
        part: Message,
        data: bytes,
        *,
        content_type: str,
        in_related: bool,
        name: str | None = None,
    ) -> None:
        original = self._filename(part) if name is None else name
        media_type = sniff_media_type(data, original)
        index = len(self.pending) + 1
        content_ids = self._raw_headers(part).get("content-id", [""])
        attachment = ParsedAttachment(
            filename=safe_filename(original, media_type=media_type, index=index),
            declared_type=content_type[:120],
            data=data,
            content_id=scrub(content_ids[0]).strip().strip("<>").strip()[:300],
            original_filename=scrub(original)[:1000],
            media_type=media_type,
        )
        self.pending.append(_Pending(attachment, self._disposition(part), in_related))

    def _finish_attachments(self) -> None:
        referenced = {
            urllib.parse.unquote(cid).lower()
            for html in self.html_parts
            for cid in _CID.findall(html)
        }
        for item in self.pending:
            attachment = item.attachment
            is_image = attachment.media_type.startswith("image/") or (
                attachment.declared_type.startswith("image/")
                and attachment.media_type == "application/octet-stream"
            )
            cid = attachment.content_id.lower()
            is_logo = bool(_LOGO_NAME.match(attachment.filename)) and (
                len(attachment.data) <= LOGO_MAX_SIZE
            )
            attachment.is_inline = is_image and (
                item.disposition == "inline"
                or (bool(cid) and cid in referenced)
                or (item.in_related and bool(cid) and item.disposition != "attachment")
                or is_logo
            )
            self.result.attachments.append(attachment)


def _raw_payload(part: Message) -> object:
    """The payload as parsed: `get_payload()` would decode 8-bit text with the declared
    charset (replacing what does not fit) before this module could choose a better one."""
    return getattr(part, "_payload", None)


def _auto_reply(headers: dict[str, list[str]], subject: str) -> tuple[bool, str]:
    """RFC 3834 and the headers vendors use instead, then the subjects people use."""
    auto_submitted = headers.get("auto-submitted", [""])[0].strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True, f"Auto-Submitted: {auto_submitted[:40]}"
    for name in ("x-autoreply", "x-autorespond", "x-autogenerated"):
        value = headers.get(name, [None])[0]
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            return True, f"{name}: {value.strip()[:40]}"
    precedence = headers.get("precedence", [""])[0].strip().lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        return True, f"Precedence: {precedence}"
    match = _AUTO_SUBJECT.search(subject)
    if match:
        return True, f"subject: {match.group(0)}"
    return False, ""
