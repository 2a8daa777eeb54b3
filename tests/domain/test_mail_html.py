"""clean_html keeps structure and nothing active; html_to_text keeps what a reader sees."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foiatrack.domain.mail.html import clean_html, html_to_text
from foiatrack.domain.mail.parsing import parse_message
from tests.mail_samples import generator, sample

# Anything that can run code, load something, or restyle the page around the message.
DANGEROUS = re.compile(
    r"<\s*(?:script|style|iframe|object|embed|svg|math|form|input|button|base|meta|link|img|"
    r"frame|textarea|select)\b|\bon[a-z]+\s*=|\bstyle\s*=|javascript:|data:|\bsrc\s*=|"
    r"http-equiv|tracker\.example|evil\.example",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    ("hostile", "kept"),
    [
        ("<script>alert(1)</script><p>Records</p>", "<p>Records</p>"),
        ('<p onclick="steal()" onmouseover=x>Records</p>', "<p>Records</p>"),
        ('<img src="http://tracker.example/p.gif" width=1 height=1>Hello', "Hello"),
        ('<img src=x onerror="alert(1)" alt="City seal">', "[image: City seal]"),
        (
            '<div style="position:fixed;top:0;left:0;width:100%;height:100%">Log in</div>',
            "<div>Log in</div>",
        ),
        ("<style>p{position:fixed}</style><p>x</p>", "<p>x</p>"),
        ('<a href="javascript:alert(1)">Open</a>', '<a rel="noopener noreferrer">Open</a>'),
        ('<a href="JaVaScRiPt:alert(1)">Open</a>', '<a rel="noopener noreferrer">Open</a>'),
        (
            '<a href="data:text/html;base64,PHNjcmlwdD4=">Open</a>',
            '<a rel="noopener noreferrer">Open</a>',
        ),
        ('<a href="/admin/users">relative</a>', '<a rel="noopener noreferrer">relative</a>'),
        ('<a href="//evil.example/x">scheme-relative</a>', '<a rel="noopener noreferrer">'),
        ('<svg onload="alert(2)"><circle r="10"/></svg>after', "after"),
        ('<base href="http://evil.example/">text', "text"),
        ('<meta http-equiv="refresh" content="0;url=http://evil.example">text', "text"),
        ('<form action="http://evil.example"><input name=p><button>Go</button></form>ok', "ok"),
        ('<iframe src="http://evil.example/frame">framed</iframe>ok', "ok"),
        ('<object data="http://evil.example/x.swf"></object>ok', "ok"),
        ("<!-- <script>alert(1)</script> -->ok", "ok"),
        ("<p>unclosed <b>bold <i>italic", "<p>unclosed <b>bold <i>italic</i></b></p>"),
        ('<img alt="&quot;><script>alert(1)</script>">', '[image: "&gt;&lt;script&gt;'),
        ('<td style="x" colspan="2" onclick="x">cell</td>', "cell"),
    ],
)
def test_hostile_html(hostile: str, kept: str) -> None:
    cleaned = clean_html(hostile)
    assert kept in cleaned
    assert not DANGEROUS.search(cleaned), cleaned


def test_safe_structure_and_links_survive() -> None:
    source = (
        "<h2>Response</h2><p>See <a href='https://troymi.example.gov/records?a=1&b=2' "
        "target=_blank class=btn>the records</a> or <a href='mailto:clerk@troymi.example.gov'>"
        "write</a>.</p><table><tr><th colspan=2>Fees</th></tr><tr><td>Copies</td><td>$12"
        "</td></tr></table><blockquote>quoted</blockquote><ul><li>one</li></ul><hr><pre>x</pre>"
    )
    cleaned = clean_html(source)
    assert (
        '<a href="https://troymi.example.gov/records?a=1&amp;b=2" rel="noopener noreferrer">'
        "the records</a>"
    ) in cleaned
    assert '<a href="mailto:clerk@troymi.example.gov" rel="noopener noreferrer">' in cleaned
    assert '<th colspan="2">Fees</th>' in cleaned
    for tag in ("<h2>", "<table>", "<td>", "<blockquote>", "<ul>", "<li>", "<hr>", "<pre>"):
        assert tag in cleaned
    assert "class=" not in cleaned and "target=" not in cleaned


def test_the_hostile_sample_is_cleaned() -> None:
    parsed = parse_message(sample("hostile_html.eml"))
    cleaned = clean_html(parsed.body_html)
    assert not DANGEROUS.search(cleaned), cleaned
    assert "Dear requester, your <b>records</b> are attached." in cleaned
    assert '<a href="https://troymi.example.gov/records" rel="noopener noreferrer">' in cleaned
    assert "[image: City seal]" in cleaned
    text = html_to_text(parsed.body_html)
    assert "Dear requester, your records are attached." in text
    assert "document.cookie" not in text and "position:fixed" not in text
    assert "City records page <https://troymi.example.gov/records>" in text
    assert generator().HOSTILE_HTML.count("<script") == 1


def test_html_to_text_layout() -> None:
    source = (
        "<html><head><title>Notice</title><style>p{}</style></head><body>"
        "<p>Dear Requester,</p><p>Your request <b>W000123-030326</b><br>is complete.</p>"
        "<table><tr><th>Item</th><th>Cost</th></tr><tr><td>Copies</td><td>$12.00</td></tr>"
        "</table><ul><li>one</li><li>two</li></ul>"
        '<p><a href="https://portal.example.gov/dl?id=1&amp;x=2">Download your records</a></p>'
        "<pre>line 1\n  line 2</pre><p>&copy; City&nbsp;of&nbsp;Troy</p></body></html>"
    )
    assert html_to_text(source) == (
        "Dear Requester,\n\nYour request W000123-030326\nis complete.\n\n"
        "Item\tCost\nCopies\t$12.00\n\n• one\n• two\n\n"
        "Download your records <https://portal.example.gov/dl?id=1&x=2>\n\n"
        "line 1\n  line 2\n\n© City of Troy"
    )


def test_unclosed_head_does_not_swallow_the_body() -> None:
    assert html_to_text("<html><head><title>x</title><body><p>Visible</p>") == "Visible"


def test_empty_input() -> None:
    assert clean_html("") == "" and html_to_text("") == ""
    assert clean_html("   ") == "" and html_to_text("<p> </p>") == ""


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(
                [
                    "<script>",
                    "</script>",
                    "<img src=http://x onerror=alert(1)>",
                    "<a href='javascript:x'>",
                    "<style>",
                    "<svg onload=x>",
                    "<p style='position:fixed'>",
                    "<!--",
                    "-->",
                    "<![CDATA[",
                    "<table><tr><td>",
                    "\x00",
                    "\ud800",
                    "&#0;",
                    "&#x110000;",
                ]
            ),
        ),
        max_size=30,
    )
)
def test_never_raises_and_never_lets_script_through(pieces: list[str]) -> None:
    source = "".join(pieces)
    cleaned = clean_html(source)
    assert not re.search(r"<\s*(script|style|img|svg|iframe)\b|\bon\w+\s*=|javascript:", cleaned)
    text = html_to_text(source)
    for value in (cleaned, text):
        assert "\x00" not in value
        value.encode("utf-8")
