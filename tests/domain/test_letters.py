"""Letter templates and the structured body: sandboxed rendering, escaping, metadata."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from foiatrack.domain.errors import DomainError, LetterTemplateError
from foiatrack.domain.letters.context import KNOWN_VARIABLES, rule_label, sample_context
from foiatrack.domain.letters.document import (
    Heading,
    LetterDocument,
    ListBlock,
    Paragraph,
    Span,
    normalise_whitespace,
    parse_markdown,
    plain_text,
    to_html,
)
from foiatrack.domain.letters.frame import LetterFrame, frame_plain_text, frame_to_html
from foiatrack.domain.letters.templates import (
    TEMPLATE_DIR,
    LetterTemplateSpec,
    check_template,
    compose_letter,
    escape_markdown,
    load_template_dir,
    render_letter_source,
)

SHIPPED = {
    "ring_request": "request",
    "follow_up": "follow_up",
    "appeal": "appeal",
    "fee_waiver": "fee_waiver",
}
HOSTILE_NAME = '*Bad* [x](javascript:alert(1)) <script>alert("x")</script> & __Co__'


@pytest.fixture(scope="module")
def specs() -> dict[str, LetterTemplateSpec]:
    return {spec.slug: spec for spec in load_template_dir()}


def _letter_text(spec: LetterTemplateSpec, context: dict[str, Any] | None = None) -> str:
    return normalise_whitespace(frame_plain_text(compose_letter(spec, context or sample_context())))


def _without(context: dict[str, Any], dotted: str) -> dict[str, Any]:
    context = copy.deepcopy(context)
    *parents, last = dotted.split(".")
    target = context
    for part in parents:
        target = target[part]
    del target[last]
    return context


def _declared_only(spec: LetterTemplateSpec) -> dict[str, Any]:
    full = sample_context()
    context: dict[str, Any] = {}
    for dotted in spec.variables:
        root, _, key = dotted.partition(".")
        if key:
            context.setdefault(root, {})[key] = full[root][key]  # type: ignore[literal-required]
        else:
            context[root] = full[root]  # type: ignore[literal-required]
    return context


# ---------------------------------------------------------------------------------------------
# Shipped templates


def test_the_four_templates_ship_with_valid_metadata(
    specs: dict[str, LetterTemplateSpec],
) -> None:
    assert {slug: spec.kind for slug, spec in specs.items()} == SHIPPED
    for spec in specs.values():
        assert spec.title and spec.description and spec.subject
        assert set(spec.variables) <= KNOWN_VARIABLES
        assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256)
        assert spec.sources, f"{spec.slug} cites no sources"
        assert all(set(source) == {"fact", "source"} for source in spec.sources)
    assert len({spec.sha256 for spec in specs.values()}) == 4


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_every_template_renders_from_the_sample_context(
    specs: dict[str, LetterTemplateSpec], slug: str
) -> None:
    frame = compose_letter(specs[slug], sample_context())
    text = frame_plain_text(frame)
    assert frame.subject.startswith("[FOIA #123] ")
    assert frame.recipient_lines[0] == "Springfield Police Department"
    assert frame.sender_lines[0] == "Jordan Reyes"
    assert "Springfield Police Department" in text
    assert "Illinois Freedom of Information Act" in text
    assert frame.signature_lines[0] == "Sincerely,"
    # Nothing from the template syntax or the escaping leaks into the letter.
    assert not re.search(r"\{\{|\{%|\\|None|Undefined", text)


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_each_declared_variable_is_required(
    specs: dict[str, LetterTemplateSpec], slug: str
) -> None:
    """A value missing from the context is an error naming it, never a blank in the letter."""
    spec = specs[slug]
    for dotted in spec.variables:
        with pytest.raises(LetterTemplateError, match=re.escape(f"'{dotted}' is undefined")):
            compose_letter(spec, _without(sample_context(), dotted))


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_templates_need_nothing_they_do_not_declare(
    specs: dict[str, LetterTemplateSpec], slug: str
) -> None:
    spec = specs[slug]
    body, subject = render_letter_source(spec.body_source, spec.subject, _declared_only(spec))
    assert body.strip() and subject.strip()


def test_ring_request_asks_for_every_record_category(
    specs: dict[str, LetterTemplateSpec],
) -> None:
    text = _letter_text(specs["ring_request"])
    for phrase in (
        "Under the Illinois Freedom of Information Act (5 ILCS 140/1 et seq.)",
        "memorandum of understanding (MOU)",
        "amendments",
        "employees or representatives of Ring or Neighbors",
        "Neighbors Portal",
        "whether footage was received and whether it was used",
        "Training and talking points",
        "promo codes",
        "Press releases and posts reviewed by Ring",
        "from January 1, 2018 through January 12, 2026",
        "in electronic form, by email to jordan.reyes@openrecords.example",
        "https://police.springfield.example/foia",
        "Fee waiver. I ask you to waive all fees",
        "public interest",
        "requires a response within 5 business days, that is by January 20, 2026",
    ):
        assert phrase in text, phrase
    items = next(
        b
        for b in compose_letter(specs["ring_request"], sample_context()).body.blocks
        if isinstance(b, ListBlock)
    )
    assert items.ordered and len(items.items) == 7


def test_ring_request_handles_a_law_without_a_fixed_deadline(
    specs: dict[str, LetterTemplateSpec],
) -> None:
    context = sample_context()
    context["jurisdiction"].update(
        code="FL",
        law_name="Florida Public Records Act",
        citation="Fla. Stat. ch. 119",
        response_days=0,
        day_type="",
        rule_label=rule_label(0, ""),
        extension_days=0,
    )
    text = _letter_text(specs["ring_request"], context)
    assert "Florida Public Records Act sets no fixed deadline" in text
    assert "requires a response within" not in text
    follow_up = _letter_text(specs["follow_up"], context)
    assert "sets no fixed deadline but requires a prompt response" in follow_up
    assert "January 20, 2026, 41 days ago" in follow_up


def test_follow_up_states_how_late_the_request_is(specs: dict[str, LetterTemplateSpec]) -> None:
    text = _letter_text(specs["follow_up"])
    assert "On January 12, 2026" in text
    assert "your reference 2026-0417" in text
    assert "due on January 20, 2026 and is now 41 days overdue" in text
    assert "1. confirm that you received the request" in text
    context = sample_context()
    context["request"]["days_late"] = 1
    assert "is now 1 day overdue" in _letter_text(specs["follow_up"], context)


def test_appeal_lists_the_exemptions_or_notes_there_were_none(
    specs: dict[str, LetterTemplateSpec],
) -> None:
    text = _letter_text(specs["appeal"])
    assert (
        "I appeal the decision of the Springfield Police Department, dated February 3, 2026" in text
    )
    assert "• 5 ILCS 140/7(1)(d)(i) (law enforcement proceedings)" in text
    assert "Segregable parts must be released" in text
    context = sample_context()
    context["request"]["exemptions"] = []
    assert "did not cite a specific exemption" in _letter_text(specs["appeal"], context)


def test_fee_waiver_argues_public_interest(specs: dict[str, LetterTemplateSpec]) -> None:
    text = _letter_text(specs["fee_waiver"])
    assert "I ask you to waive all fees" in text
    assert "contribute significantly to public understanding" in text
    assert "not commercial" in text
    assert "• send me an itemised estimate before incurring any cost;" in text


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_empty_optional_values_leave_no_gaps(
    specs: dict[str, LetterTemplateSpec], slug: str
) -> None:
    context = sample_context()
    context["request"].update(reference="", subject_tag="")
    context["requester"].update(phone="", organisation="")
    context["agency"].update(portal_url="")
    frame = compose_letter(specs[slug], context)
    text = frame_plain_text(frame)
    assert not re.search(r"  |\( ?\)| [.,;:]|Please include in", text), text
    assert not frame.subject.startswith(" ")


# ---------------------------------------------------------------------------------------------
# The sandbox and its errors


def test_a_syntax_error_names_the_line() -> None:
    body = "Dear {{ agency.name }},\n\nline three\n{{ agency.name }\n"
    with pytest.raises(LetterTemplateError) as caught:
        render_letter_source(body, "s", sample_context())
    assert str(caught.value) == "body line 4: unexpected '}'"
    assert (caught.value.part, caught.value.lineno) == ("body", 4)
    assert isinstance(caught.value, DomainError)


def test_an_undefined_variable_is_named_with_its_path_and_line() -> None:
    body = "Dear {{ agency.name }},\n\nWrite to {{ agency.mail }}.\n"
    with pytest.raises(LetterTemplateError, match=r"^body line 3: 'agency.mail' is undefined$"):
        render_letter_source(body, "s", sample_context())
    with pytest.raises(LetterTemplateError, match=r"^subject line 1: 'requester' is undefined$"):
        render_letter_source("ok", "{{ requester.name }}", {"agency": {"name": "x"}})
    with pytest.raises(LetterTemplateError, match=r"'request\.nothing' is undefined"):
        render_letter_source("{% if request.nothing %}x{% endif %}", "s", sample_context())


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{{ ''.__class__.__mro__[1].__subclasses__() }}",
            "access to attribute '__class__' of 'str' object is unsafe",
        ),
        (
            "{{ cycler.__init__.__globals__ }}",
            "access to attribute '__init__' of 'type' object is unsafe",
        ),
        ("{{ request.exemptions.__class__ }}", "is unsafe"),
        ("{{ '{0.__class__}'.format(agency) }}", "'agency.__class__' is undefined"),
        ("{{ agency.update({'name': 'x'}) }}", "'agency.update' is undefined"),
        ("{{ request.exemptions.append('x') }}", "has no attribute 'append'"),
        ("{{ range(10**9) | list }}", "MAX_RANGE"),
    ],
)
def test_sandbox_escapes_are_refused(source: str, message: str) -> None:
    context = sample_context()
    with pytest.raises(LetterTemplateError, match=re.escape(message)) as caught:
        render_letter_source(f"Dear Officer,\n\n{source}\n", "s", context)
    assert caught.value.lineno == 3
    assert context == sample_context()  # nothing mutated


def test_values_that_are_not_text_are_errors() -> None:
    context = sample_context()
    context["agency"]["email"] = None  # type: ignore[typeddict-item]
    with pytest.raises(LetterTemplateError, match="a value is None"):
        render_letter_source("{{ agency.email }}", "s", context)
    with pytest.raises(LetterTemplateError, match="cannot print a tuple"):
        render_letter_source("{{ request.exemptions }}", "s", sample_context())


def test_hostile_values_stay_literal_text() -> None:
    context = sample_context()
    context["agency"]["name"] = HOSTILE_NAME
    context["requester"]["name"] = "x\n\n# Heading\n- item\n1. one\n    indented code\n---\n"
    body, _ = render_letter_source(
        "Dear {{ agency.name }}:\n\n{{ requester.name }}\n", "s", context
    )
    doc = parse_markdown(body)
    assert [type(block) for block in doc.blocks] == [Paragraph, Paragraph]
    assert all(
        not span.bold and not span.italic and span.href is None
        for block in doc.blocks
        for span in block.spans
    )
    assert plain_text(doc).split("\n")[0] == f"Dear {HOSTILE_NAME}:"
    # The multi-line value keeps its lines as hard breaks inside one paragraph.
    assert plain_text(doc).split("\n")[1:] == [
        "x",
        "# Heading",
        "- item",
        "1. one",
        "indented code",
        "---",
    ]
    html = to_html(doc)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript" not in re.sub(r">[^<]*<", "><", html)  # only as text, never an attribute


def test_escape_markdown_round_trips_every_ascii_character() -> None:
    value = "".join(chr(code) for code in range(33, 127)) + " and spaces"
    assert plain_text(parse_markdown(escape_markdown(value))) == value


def test_subject_is_one_plain_line() -> None:
    context = sample_context()
    context["agency"]["name"] = "*A*\r\nBcc: evil@example.org"
    _, subject = render_letter_source("x", "Re {{ agency.name }} ", context)
    assert subject == "Re *A* Bcc: evil@example.org"


def test_check_template_returns_the_laid_out_letter() -> None:
    frame = check_template(
        "Hello **{{ agency.name }}**.\n", "{{ request.subject_tag }} Hi", sample_context()
    )
    assert frame.subject == "[FOIA #123] Hi"
    assert frame.body == LetterDocument(
        (Paragraph((Span("Hello "), Span("Springfield Police Department", bold=True), Span("."))),)
    )
    assert frame.date_line == "March 2, 2026"
    assert frame.recipient_lines == (
        "Springfield Police Department",
        "Attn: Public Records Officer",
        "800 East Monroe Street",
        "Springfield, IL 62701",
        "foia@police.springfield.example",
    )
    with pytest.raises(LetterTemplateError, match="body line 2"):
        check_template("ok\n{% for %}", "s", sample_context())


# ---------------------------------------------------------------------------------------------
# Loading templates: metadata validation


def _write(directory: Path, slug: str, meta: str, body: str = "Dear {{ agency.name }}\n") -> None:
    (directory / f"{slug}.yaml").write_text(meta)
    (directory / f"{slug}.md.j2").write_text(body)


GOOD_META = (
    'title: T\nkind: request\nsubject: "S {{ request.subject_tag }}"\n'
    "variables: [agency.name, request.subject_tag]\n"
)


def test_a_valid_directory_loads(tmp_path: Path) -> None:
    _write(tmp_path, "one", GOOD_META)
    (tmp_path / "_print").mkdir()
    (tmp_path / "README.txt").write_text("ignored")
    [spec] = load_template_dir(tmp_path)
    assert (spec.slug, spec.kind, spec.variables) == (
        "one",
        "request",
        ("agency.name", "request.subject_tag"),
    )
    assert spec.description == "" and spec.sources == ()


@pytest.mark.parametrize(
    ("meta", "body", "problem"),
    [
        ("kind: request\nsubject: s\nvariables: []\n", None, "one.yaml: missing key 'title'"),
        (
            GOOD_META.replace("kind: request", "kind: letter"),
            None,
            "one.yaml: unknown kind 'letter'; use one of request, follow_up, appeal, fee_waiver",
        ),
        (GOOD_META + "colour: red\n", None, "one.yaml: unknown key 'colour'"),
        (
            GOOD_META.replace("agency.name", "agency.secret"),
            None,
            "one.yaml: unknown variable 'agency.secret'",
        ),
        (
            GOOD_META.replace("[agency.name, ", "["),
            None,
            "one.md.j2: uses 'agency' but declares no variable under it",
        ),
        (GOOD_META, "Dear {% if %}\n", "one.md.j2: body line 1: Expected an expression"),
        (
            GOOD_META.replace('"S {{ request.subject_tag }}"', '"{{ x"'),
            None,
            "one.yaml: subject line 1: unexpected end of template",
        ),
        (
            GOOD_META + "sources: [just a string]\n",
            None,
            "'sources' must be a list of {fact, source} entries",
        ),
        ("- a list\n", None, "one.yaml: must be a YAML mapping"),
        ("title: [unclosed\n", None, "one: cannot be read"),
        (GOOD_META.replace("title: T", "title: ''"), None, "'title' must be non-empty text"),
    ],
)
def test_metadata_problems_are_reported_clearly(
    tmp_path: Path, meta: str, body: str | None, problem: str
) -> None:
    if body is None:
        _write(tmp_path, "one", meta)
    else:
        _write(tmp_path, "one", meta, body)
    with pytest.raises(LetterTemplateError) as caught:
        load_template_dir(tmp_path)
    assert any(problem in reported for reported in caught.value.problems), caught.value.problems
    assert problem in str(caught.value)


def test_every_problem_in_a_directory_is_reported_at_once(tmp_path: Path) -> None:
    _write(tmp_path, "good", GOOD_META)
    (tmp_path / "orphan.md.j2").write_text("x")
    (tmp_path / "lonely.yaml").write_text(GOOD_META)
    _write(tmp_path, "Bad-Slug", GOOD_META)
    with pytest.raises(LetterTemplateError) as caught:
        load_template_dir(tmp_path)
    assert sorted(caught.value.problems) == [
        "Bad-Slug.yaml: a slug is lower-case letters, digits and '_'",
        "lonely.yaml: no body file lonely.md.j2",
        "orphan.md.j2: no metadata file orphan.yaml",
    ]
    with pytest.raises(LetterTemplateError, match="no letter template directory"):
        load_template_dir(tmp_path / "missing")


def test_the_hash_changes_with_body_or_metadata(tmp_path: Path) -> None:
    _write(tmp_path, "one", GOOD_META)
    first = load_template_dir(tmp_path)[0].sha256
    _write(tmp_path, "one", GOOD_META, "Dear {{ agency.name }}!\n")
    second = load_template_dir(tmp_path)[0].sha256
    _write(tmp_path, "one", GOOD_META.replace("title: T", "title: U"), "Dear {{ agency.name }}!\n")
    assert len({first, second, load_template_dir(tmp_path)[0].sha256}) == 3


def test_templates_never_read_the_shared_reference_folder() -> None:
    for path in TEMPLATE_DIR.rglob("*"):
        if path.is_file():
            assert "/work/" not in path.read_text(), path


# ---------------------------------------------------------------------------------------------
# The structured body


MARKDOWN = """# Title

Intro *it* and **bold *both*** with [a site](https://example.org/a?b=1&c=2), \
[mail](mailto:a@example.org), [js](javascript:alert(1)), [rel](/local), [file](file:///etc/passwd),
<b>raw html</b> and <https://auto.example/link>.\\
After a hard break.

3. three
4. four

   more about four
   - nested
     1. deep
5. five

![an image](http://127.0.0.1:9/x.png)

> quoted text

    code line
"""


def test_parse_markdown_builds_the_structure() -> None:
    doc = parse_markdown(MARKDOWN)
    heading, intro, numbered, image, quote, code = doc.blocks
    assert heading == Heading(1, (Span("Title"),))
    assert Span("it", italic=True) in intro.spans
    assert Span("both", bold=True, italic=True) in intro.spans
    links = {span.text: span.href for span in intro.spans if span.href}
    assert links == {
        "a site": "https://example.org/a?b=1&c=2",
        "mail": "mailto:a@example.org",
        "https://auto.example/link": "https://auto.example/link",
    }
    assert isinstance(numbered, ListBlock) and numbered.ordered and numbered.start == 3
    four = numbered.items[1]
    assert [type(part) for part in four] == [Paragraph, Paragraph, ListBlock]
    nested = four[2]
    assert isinstance(nested, ListBlock) and not nested.ordered
    assert nested.items[0][1] == ListBlock(True, ((Paragraph((Span("deep"),)),),), 1)
    assert image == Paragraph((Span("an image"),))
    assert quote == Paragraph((Span("quoted text"),))
    assert code == Paragraph((Span("code line"),))


def test_plain_text_convention() -> None:
    lines = plain_text(parse_markdown(MARKDOWN)).split("\n")
    assert lines[0] == "Title"
    assert lines[1].startswith(
        "Intro it and bold both with a site, mail, [js](javascript:alert(1))"
    )
    assert (
        "rel, [file](file:///etc/passwd), <b>raw html</b> and https://auto.example/link."
        in lines[1]
    )
    assert lines[2] == "After a hard break."
    assert lines[3:9] == [
        "3. three",
        "4. four",
        "  more about four",
        "  • nested",
        "    1. deep",
        "5. five",
    ]
    assert lines[9:] == ["an image", "quoted text", "code line"]


def test_to_html_is_escaped_and_keeps_only_safe_links() -> None:
    html = to_html(parse_markdown(MARKDOWN))
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">a site</a>' in html
    )
    assert "&lt;b&gt;raw html&lt;/b&gt;" in html and "<b>" not in html
    assert '<ol start="3">' in html and "<img" not in html
    assert re.findall(r'href="([^"]+)"', html) == [
        "https://example.org/a?b=1&amp;c=2",
        "mailto:a@example.org",
        "https://auto.example/link",
    ]
    assert "<br>" in html and "<strong>bold <em>both</em></strong>" not in html  # spans are flat


def test_control_characters_and_surrogates_are_dropped() -> None:
    doc = parse_markdown("a\x00b\x0bc\ud800d\x7fe")
    assert plain_text(doc) == "abcde"
    frame = LetterFrame(("x\x0cy", "", "  "), "d\x01", ("A\nB",), "s\x1b", doc, ())
    assert frame.sender_lines == ("xy",) and frame.recipient_lines == ("A", "B")
    assert frame.date_line == "d" and frame.subject == "s"


def test_frame_text_and_html_follow_the_same_order() -> None:
    frame = LetterFrame(
        sender_lines=("Me <me@example.org>", "1 Road\nTown"),
        date_line="May 1, 2026",
        recipient_lines=("Agency & Co",),
        subject="Records <now>",
        body=parse_markdown("Body **text**.\n\n- one\n- two"),
        signature_lines=("Sincerely,", "Me"),
    )
    assert frame_plain_text(frame) == (
        "Me <me@example.org>\n1 Road\nTown\nMay 1, 2026\nAgency & Co\nRe: Records <now>\n"
        "Body text.\n• one\n• two\nSincerely,\nMe"
    )
    html = frame_to_html(frame)
    assert html.startswith('<article class="letter">')
    order = [
        html.index(text)
        for text in (
            "Me &lt;me@example.org&gt;",
            "May 1, 2026",
            "Agency &amp; Co",
            "<strong>Re: Records &lt;now&gt;</strong>",
            "Body <strong>text</strong>.",
            "<li>one",
            "Sincerely,",
        )
    ]
    assert order == sorted(order)


def test_rule_label_reads_both_stages_of_a_two_stage_law() -> None:
    assert rule_label(5, "business") == "5 business days"
    assert rule_label(1, "calendar") == "1 calendar day"
    assert (
        rule_label(
            5,
            "business",
            decision_days=20,
            decision_day_type="business",
            decision_from="acknowledgement",
        )
        == "5 business days to acknowledge it and 20 business days after the acknowledgement "
        "to answer it"
    )
