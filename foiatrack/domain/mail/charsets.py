"""Bytes of unknown or mislabelled encoding to text, never raising.

Agency mail systems label text wrongly all the time: "iso-8859-1" that holds Windows-1252 curly
quotes, "us-ascii" that holds UTF-8, charsets Python has never heard of ("x-user-defined",
"unicode-1-1-utf-8"). The rules, in order:

1. a byte-order mark wins over any label;
2. the declared charset (after the WHATWG-style aliases below), if it decodes cleanly;
3. UTF-8, if it decodes cleanly (the most common mislabelling);
4. the declared charset with bad bytes replaced (keeps a Shift-JIS text with one bad byte
   readable), or Windows-1252 when nothing usable was declared.

Every step past 2 is reported as a defect so the caller can record it.
"""

from __future__ import annotations

import codecs
import re

# Labels whose real-world content is a superset encoding: Latin-1 labels carry Windows-1252
# punctuation, Shift-JIS labels carry Microsoft's extensions, GB2312 labels carry GBK.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "unicode-1-1-utf-8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}
_ASCII_LABELS = {"us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us", "646"}
# Text codecs that are not charsets: they would interpret the bytes as escapes or code.
_NOT_CHARSETS = {
    "unicode_escape",
    "raw_unicode_escape",
    "idna",
    "punycode",
    "undefined",
    "mbcs",
    "oem",
    "charmap",
    "unicode_internal",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# PostgreSQL text cannot hold NUL, and UTF-8 cannot encode lone surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


def scrub(text: str) -> str:
    """Remove the characters no database or UTF-8 file can store (NUL, lone surrogates)."""
    return _UNSTORABLE.sub("", text)


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or not a charset."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    # RFC 2231 allows a language suffix: "utf-8*en".
    name = name.split("*", 1)[0]
    name = _ALIASES.get(name, name)
    if not name or len(name) > 40:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def html_meta_charset(data: bytes) -> str | None:
    """The charset an HTML document declares for itself in a <meta> tag, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, defect): decode by the rules above; defect is "" when the label was right.

    The text never holds NUL or lone surrogates (see `scrub`)."""
    text, defect = _decode(data, declared)
    return scrub(text), defect


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), ""
            except UnicodeDecodeError:
                break
    label = (declared or "").strip().strip("\"'").lower()
    if label in _ASCII_LABELS:
        label = ""
    codec = codec_for(label)
    if codec is not None:
        try:
            return data.decode(codec), ""
        except UnicodeDecodeError:
            pass
    if data.isascii():
        if label and codec is None:
            return data.decode("ascii"), f"unknown charset {label!r}; the text is plain ASCII"
        return data.decode("ascii"), ""
    if codec != "utf-8":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, _defect(label, codec, "UTF-8")
    if codec is not None:
        text = data.decode(codec, errors="replace")
        return text, f"text is not valid {label}: undecodable bytes replaced"
    try:
        return data.decode("cp1252"), _defect(label, codec, "windows-1252")
    except UnicodeDecodeError:
        return data.decode("latin-1"), _defect(label, codec, "latin-1")


def _defect(label: str, codec: str | None, used: str) -> str:
    if not label:
        return f"no charset declared for 8-bit text; decoded as {used}"
    if codec is None:
        return f"unknown charset {label!r}; decoded as {used}"
    return f"text labelled {label} is not valid {label}; decoded as {used}"
