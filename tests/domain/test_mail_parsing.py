"""parse_message on the sample corpus, on broken MIME, and on anything at all (never raises)."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foiatrack.domain.mail.parsing import (
    MAX_FORWARD_DEPTH,
    ParsedMessage,
    decode_header_value,
    parse_message,
)
from tests.mail_samples import SAMPLES_DIR, generator, sample


def _strings(parsed: ParsedMessage) -> list[str]:
    values = [
        parsed.message_id,
        parsed.in_reply_to,
        parsed.from_name,
        parsed.from_address,
        parsed.subject,
        parsed.body_text,
        parsed.body_html,
        parsed.auto_reply_reason,
        *parsed.references,
        *parsed.to,
        *parsed.cc,
        *parsed.delivered_to,
        *parsed.defects,
    ]
    for attachment in parsed.attachments:
        values += [attachment.filename, attachment.original_filename, attachment.content_id]
    for forwarded in parsed.forwarded:
        values += _strings(forwarded)
    return values


def assert_storable(parsed: ParsedMessage) -> None:
    """Every string can go into PostgreSQL (no NUL) and be encoded as UTF-8."""
    for value in _strings(parsed):
        assert isinstance(value, str)
        assert "\x00" not in value
        value.encode("utf-8")
    for attachment in parsed.all_attachments():
        assert attachment.filename
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert not attachment.filename.startswith(".")
        assert isinstance(attachment.data, bytes)


# --- the corpus -----------------------------------------------------------------------------------


def test_samples_are_current_and_deterministic() -> None:
    module = generator()
    built = module.build_samples()
    assert built == module.build_samples()
    names = {path.name for path in SAMPLES_DIR.iterdir() if path.suffix in (".eml", ".msg")}
    assert names == set(built)
    stale = [name for name, data in built.items() if sample(name) != data]
    assert stale == [], "run python tests/data/mail/make_samples.py"
    assert module.main(["--check"]) == 0


@pytest.mark.parametrize("name", sorted(generator().SAMPLES))
def test_every_sample_parses_to_storable_values(name: str) -> None:
    parsed = parse_message(sample(name))
    assert_storable(parsed)
    if name.endswith(".eml"):
        assert parsed.subject and parsed.from_address.endswith(
            ("example.gov", "example.jp", "example.net")
        )


def test_records_reply_headers_and_attachments() -> None:
    parsed = parse_message(sample("records_multipart.eml"))
    assert parsed.message_id == "<records-multipart@troymi.example.gov>"
    assert parsed.in_reply_to == generator().OUR_MESSAGE_ID
    assert parsed.references == [generator().OUR_MESSAGE_ID]
    assert (parsed.from_name, parsed.from_address) == (
        "Troy Police Records Unit",
        "records@troymi.example.gov",
    )
    assert parsed.to == ["records+k7p2m9q4@newsroom.example.org"]
    assert parsed.delivered_to == ["records+k7p2m9q4@newsroom.example.org"]
    assert parsed.date == dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)
    assert "Request #P012345-010126" in parsed.body_text
    assert "<b>Request #P012345-010126</b>" in parsed.body_html
    found = {a.filename: (a.media_type, a.is_inline) for a in parsed.attachments}
    assert found == {
        "image001.png": ("image/png", True),
        "Ring MOU 2019.pdf": ("application/pdf", False),
        "Ring agreement.docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
        ),
        "Request log.xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            False,
        ),
        "Emails.zip": ("application/zip", False),
        "scan 001.jpg": ("image/jpeg", False),
        "winmail.dat": ("application/ms-tnef", False),
    }
    logo = parsed.attachments[0]
    assert logo.content_id == "logo001@troymi" and logo.data.startswith(b"\x89PNG")
    assert parsed.attachments[1].data == generator().PDF_RECORD
    assert parsed.defects == [] and not parsed.is_auto_reply


@pytest.mark.parametrize(
    ("name", "subject", "body"),
    [
        (
            "latin1.eml",
            "Re: Solicitud de información pública",
            "Estimado señor:\n\nHemos recibido su solicitud.",
        ),
        (
            "windows1252.eml",
            None,
            "request \u201cRing partnership records\u201d \u2014 "
            "the fee is \u20ac0 because it\u2019s",
        ),
        ("shift_jis.eml", "情報公開請求の受付", "請求を受け付けました。受付番号: 2026-0417"),
    ],
)
def test_legacy_charsets_decode(name: str, subject: str | None, body: str) -> None:
    parsed = parse_message(sample(name))
    if subject is not None:
        assert parsed.subject == subject
    assert body in parsed.body_text
    assert parsed.defects == []


def test_shift_jis_sender_name() -> None:
    parsed = parse_message(sample("shift_jis.eml"))
    assert (parsed.from_name, parsed.from_address) == ("総務課", "soumu@city.example.jp")


def test_unknown_and_lying_charsets_fall_back_and_say_so() -> None:
    parsed = parse_message(sample("broken_charset.eml"))
    assert parsed.body_text == "Your request was received. Fee: 12 € (naïve estimate)."
    assert "received “today”" in parsed.body_html
    assert "unknown charset 'x-no-such-charset'; decoded as UTF-8" in parsed.defects
    assert any("windows-1252" in defect for defect in parsed.defects)


def test_encoded_headers_and_filenames() -> None:
    parsed = parse_message(sample("encoded_headers.eml"))
    # Two encoded words split inside "ó" decode as one.
    assert parsed.subject == "Solicitud de información pública \u2013 número 2026-0417"
    assert (parsed.from_name, parsed.from_address) == (
        "García, María",
        "mgarcia@troymi.example.gov",
    )
    assert [a.filename for a in parsed.attachments] == [
        "Informe público 2026.pdf",  # RFC 2231
        "Registro de llamadas \u2013 marzo.xlsx",  # RFC 2231 continuations
        "Política de vídeo.pdf",  # RFC 2047 inside quotes
        "Résumé de la politique.docx",  # raw UTF-8
        "Only a name.pdf",  # Content-Type name= only
        "evil .txt",  # "../../../etc/cron.d/\x01evil .txt"
        "attachment-7.pdf",  # no name at all: numbered, typed by content
    ]
    assert parsed.attachments[5].original_filename == "../../../etc/cron.d/ evil .txt"


def test_missing_message_id_is_empty_and_a_defect() -> None:
    parsed = parse_message(sample("no_message_id.eml"))
    assert parsed.message_id == ""
    assert "no Message-ID header" in parsed.defects
    assert parsed.body_text == "We acknowledge receipt of your request."


def test_message_without_body() -> None:
    parsed = parse_message(sample("no_body.eml"))
    assert (parsed.body_text, parsed.body_html, parsed.attachments) == ("", "", [])
    assert parsed.subject == "RE: Public Records Request"
    assert parsed.message_id == "<no-body@troymi.example.gov>"


@pytest.mark.parametrize("name", ["missing_boundary.eml", "wrong_boundary.eml"])
def test_broken_boundaries_keep_the_parts(name: str) -> None:
    parsed = parse_message(sample(name))
    assert parsed.body_text == "The records are attached."
    assert [(a.filename, a.data) for a in parsed.attachments] == [
        ("MOU.pdf", generator().PDF_RECORD)
    ]
    assert any(defect.startswith("multipart") for defect in parsed.defects)


def test_bad_base64_keeps_what_decodes() -> None:
    parsed = parse_message(sample("bad_base64.eml"))
    (attachment,) = parsed.attachments
    original = generator().PDF_RECORD
    assert len(original) - 3 <= len(attachment.data) < len(original)
    assert original.startswith(attachment.data)
    assert "invalid characters in base64 data were skipped" in parsed.defects


def test_hostile_html_is_passed_on_raw_for_the_caller_to_clean() -> None:
    parsed = parse_message(sample("hostile_html.eml"))
    assert parsed.body_text == ""
    assert "<script>" in parsed.body_html  # clean_html's job; see test_mail_html


def test_encrypted_and_corrupt_pdfs_are_kept_as_attachments() -> None:
    encrypted = parse_message(sample("encrypted_pdf.eml")).attachments
    assert [(a.filename, a.media_type) for a in encrypted] == [
        ("Ring agreement (protected).pdf", "application/pdf")
    ]
    assert b"/Encrypt" in encrypted[0].data
    corrupt = parse_message(sample("corrupt_pdf.eml")).attachments
    assert [(a.filename, a.declared_type, a.media_type) for a in corrupt] == [
        ("records.pdf", "application/pdf", "application/pdf"),
        ("letter.pdf", "application/pdf", "text/html"),  # the content wins over the claim
    ]


def test_forwarded_messages_are_parsed_recursively() -> None:
    parsed = parse_message(sample("forwarded.eml"))
    assert parsed.attachments == []
    (clerk,) = parsed.forwarded
    assert clerk.from_address == "clerk@troymi.example.gov"
    assert clerk.subject == "Records for the Ring request"
    assert [a.filename for a in clerk.attachments] == ["Ring MOU 2019.pdf"]
    (acknowledgement,) = clerk.forwarded
    assert acknowledgement.message_id == "<ack-0417@troymi.example.gov>"
    assert "reference number: 2026-0417" in acknowledgement.body_text
    assert [a.filename for a in parsed.all_attachments()] == ["Ring MOU 2019.pdf"]


def _nested(depth: int) -> bytes:
    message = (
        b"From: a@example.gov\r\nSubject: level 0\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="deep.pdf"\r\n\r\n%PDF-1.4 deep\r\n'
    )
    for level in range(1, depth + 1):
        message = (
            f"From: a@example.gov\r\nSubject: level {level}\r\n".encode()
            + b"Content-Type: message/rfc822\r\n\r\n"
            + message
        )
    return message


def test_forwarding_depth_is_limited_and_the_rest_kept_as_a_file() -> None:
    parsed = parse_message(_nested(MAX_FORWARD_DEPTH + 2))
    depth, current = 0, parsed
    while current.forwarded:
        (current,) = current.forwarded
        depth += 1
    assert depth == MAX_FORWARD_DEPTH
    (kept,) = current.attachments
    assert kept.declared_type == "message/rfc822" and kept.filename.endswith(".eml")
    assert b"deep.pdf" in kept.data
    assert any("nested deeper" in defect for defect in current.defects)
    shallow = parse_message(_nested(2))
    assert [a.filename for a in shallow.all_attachments()] == ["deep.pdf"]


def test_govqa_notice_and_auto_reply_are_automatic() -> None:
    govqa = parse_message(sample("govqa_portal.eml"))
    assert govqa.is_auto_reply and govqa.auto_reply_reason == "Auto-Submitted: auto-generated"
    assert "W000123-030326" in govqa.subject
    auto = parse_message(sample("auto_reply.eml"))
    assert auto.is_auto_reply and auto.auto_reply_reason == "Auto-Submitted: auto-replied"


@pytest.mark.parametrize(
    ("header", "subject", "expected"),
    [
        ("Auto-Submitted: auto-replied", "Re: records", "Auto-Submitted: auto-replied"),
        ("X-Autoreply: yes", "Re: records", "x-autoreply: yes"),
        ("X-Autorespond: Out of office", "Re: records", "x-autorespond: Out of office"),
        ("Precedence: auto_reply", "Re: records", "Precedence: auto_reply"),
        ("Precedence: bulk", "Re: records", "Precedence: bulk"),
        ("Precedence: junk", "Re: records", "Precedence: junk"),
        ("X-Mailer: Outlook", "Out of Office: Records request", "subject: Out of Office"),
        ("X-Mailer: Outlook", "Automatic reply: Records request", "subject: Automatic reply"),
        ("X-Mailer: Outlook", "AutoReply: records", "subject: AutoReply"),
        ("Auto-Submitted: no", "Re: records", ""),
        ("Precedence: list", "Re: records", ""),
        ("X-Autoreply: no", "Re: Office hours for records pickup", ""),
    ],
)
def test_auto_reply_detection(header: str, subject: str, expected: str) -> None:
    data = f"From: clerk@city.example.gov\r\n{header}\r\nSubject: {subject}\r\n\r\nbody\r\n"
    parsed = parse_message(data.encode())
    assert (parsed.is_auto_reply, parsed.auto_reply_reason) == (bool(expected), expected)


# --- inline images --------------------------------------------------------------------------------


def _with_parts(*parts: bytes) -> bytes:
    out = b'From: a@example.gov\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    for part in parts:
        out += b"--b\r\n" + part + b"\r\n"
    return out + b"--b--\r\n"


PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)


def test_inline_images_logos_and_apple_mail_pdfs() -> None:
    html = b'Content-Type: text/html\r\n\r\n<p>Hi <img src="cid:sig%40city"></p>'
    referenced = (
        b"Content-Type: image/png\r\nContent-ID: <sig@city>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + PNG
    )
    logo = (
        b'Content-Type: image/png\r\nContent-Disposition: attachment; filename="image002.png"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + PNG
    )
    photo = (
        b'Content-Type: image/png\r\nContent-Disposition: attachment; filename="evidence.png"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + PNG
    )
    apple_pdf = (
        b'Content-Type: application/pdf\r\nContent-Disposition: inline; filename="records.pdf"'
        b"\r\n\r\n%PDF-1.4 records"
    )
    parsed = parse_message(_with_parts(html, referenced, logo, photo, apple_pdf))
    assert [(a.filename, a.is_inline) for a in parsed.attachments] == [
        ("attachment-1.png", True),
        ("image002.png", True),
        ("evidence.png", False),
        ("records.pdf", False),
    ]


# --- size and robustness --------------------------------------------------------------------------


def test_a_25_mb_attachment_round_trips_quickly() -> None:
    payload = b"%PDF-1.4\n" + bytes(range(256)) * (25 * 1024 * 1024 // 256)
    data = (
        b'From: a@example.gov\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary="b"\r\n'
        b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nbig file\r\n--b\r\n"
        b'Content-Type: application/pdf; name="big.pdf"\r\nContent-Transfer-Encoding: base64'
        b"\r\n\r\n" + base64.encodebytes(payload) + b"--b--\r\n"
    )
    started = time.perf_counter()
    parsed = parse_message(data)
    assert time.perf_counter() - started < 10
    assert parsed.attachments[0].data == payload
    assert parsed.attachments[0].filename == "big.pdf"


def test_deeply_nested_multiparts_do_not_raise() -> None:
    depth = 300
    data = b"From: a@example.gov\r\n"
    for level in range(depth):
        data += f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
    data += b"Content-Type: text/plain\r\n\r\ndeep text\r\n"
    parsed = parse_message(data)
    assert_storable(parsed)
    assert parsed.defects


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 100,
        b"\r\n\r\n",
        b"Subject: =?utf-8?b?////?= =?x-unknown?q?=FF?=\r\n\r\n",
        b"From: <<<@@>>>\r\nTo: ,,,,\r\nDate: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\nx",
        b"Date: Fri, 31 Dec 9999 23:59:59 -2359\r\n\r\n",
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n--\r\n",
        b"Content-Type: text/plain; charset=utf-16\r\n\r\n\xff\xfe\x00\xd8",
        b"Content-Type: text/plain; charset=base64_codec\r\n\r\naGVsbG8=",
        b"Content-Type: text/plain; charset=unicode_escape\r\n\r\n\\x00\\ud800",
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!",
        b"Content-Type: application/pdf; filename*=bogus''%ZZ%\r\n\r\n%PDF",
    ],
)
def test_pathological_inputs_do_not_raise(data: bytes) -> None:
    assert_storable(parse_message(data))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert_storable(parse_message(data))


_CORPUS = sorted(generator().SAMPLES)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(sample(draw(st.sampled_from(_CORPUS))))
    for _ in range(draw(st.integers(1, 20))):
        position = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice"]))
        if action == "flip" and data:
            data[position] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data[position:position] = draw(
                st.sampled_from([b"\r\n", b"--", b"=?", b"?=", b";", b'"', b"\x00", b"\xff"])
            )
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 50))]
        elif action == "truncate":
            del data[position:]
        else:
            data[position:position] = data[: draw(st.integers(0, 200))]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_real_messages_never_raise(data: bytes) -> None:
    assert_storable(parse_message(data))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_header_decoding_never_raises(raw: str) -> None:
    decoded = decode_header_value(raw)
    assert "\x00" not in decoded
    decoded.encode("utf-8")


def test_header_decoding_examples() -> None:
    assert decode_header_value("=?utf-8?q?caf=C3=A9?= =?utf-8?q?_au_lait?=") == "café au lait"
    assert decode_header_value("=?iso-8859-1?b?Y2Fm6Q==?= ok") == "café ok"
    assert decode_header_value("plain =?bogus-cs?q?caf=C3=A9?=") == "plain café"
    assert decode_header_value("caf\udcc3\udca9") == "café"  # raw UTF-8 in a header
    assert decode_header_value("Line\r\n folded") == "Line folded"
