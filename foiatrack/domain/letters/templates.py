"""Letter templates: Markdown with Jinja, rendered in a sandbox from plain values.

A template is two files in `letter_templates/`: `<slug>.md.j2` (the body) and `<slug>.yaml`
(title, kind, subject, variables, description, sources). Rendering uses Jinja's immutable
sandbox with StrictUndefined, so a missing value is an error at preview time rather than a blank
in a sent letter. Every inserted value is escaped for Markdown, so an agency called
"*Bad* [x](javascript:alert(1))" or "<script>" is printed literally and cannot add formatting,
links or blocks to the letter.
"""

from __future__ import annotations

import functools
import hashlib
import re
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, Undefined, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from foiatrack.domain.errors import LetterTemplateError
from foiatrack.domain.letters.context import KNOWN_VARIABLES, frame_from_context
from foiatrack.domain.letters.document import clean_text, parse_markdown
from foiatrack.domain.letters.frame import LetterFrame

TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "letter_templates"
BODY_SUFFIX = ".md.j2"
META_SUFFIX = ".yaml"
KINDS = ("request", "follow_up", "appeal", "fee_waiver")
REQUIRED_KEYS = ("title", "kind", "subject", "variables")
OPTIONAL_KEYS = ("description", "sources")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
# Jinja names the frames of a template compiled from a string "<template>" in tracebacks.
_TEMPLATE_FILENAME = "<template>"

#: characters that open inline markup anywhere in a line (emphasis, links, code, entities)
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&~|!])")
#: a line start that would open a block: "# ", "- ", "+ ", "= ", "1. ", "1) "
_MD_LINE_START = re.compile(r"^(\d{1,9}(?=[.)])|(?=[#=+\-]))")


@dataclass(frozen=True)
class LetterTemplateSpec:
    """One template as loaded from disk and validated."""

    slug: str
    title: str
    kind: str
    subject: str
    variables: tuple[str, ...]
    description: str
    sources: tuple[Mapping[str, str], ...]
    body_source: str
    sha256: str


class RenderedSource(NamedTuple):
    """A template rendered: the body as Markdown and the subject as plain text."""

    body: str
    subject: str


# ---------------------------------------------------------------------------------------------
# The sandbox


class _Namespace(dict):
    """A context mapping that knows its dotted path, so errors can say 'agency.email'."""

    __slots__ = ("_path",)

    def __init__(self, path: str, items: Mapping[str, Any]) -> None:
        super().__init__(items)
        self._path = path


class _Undefined(StrictUndefined):
    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if (
            not self._undefined_hint
            and isinstance(self._undefined_obj, _Namespace)
            and isinstance(self._undefined_name, str)
        ):
            return f"'{self._undefined_obj._path}.{self._undefined_name}' is undefined"
        return super()._undefined_message


class _LetterEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, where a context mapping exposes its keys and nothing else (no dict methods)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, _Namespace):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def _plain_value(value: Any) -> str:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises its own, better message here
    if value is None:
        raise ValueError("a value is None; the context must give text (or '') for every name")
    if isinstance(value, bool | int | float | str):
        return clean_text(str(value))
    raise TypeError(f"cannot print a {type(value).__name__} value in a letter")


def _escape_line(line: str) -> str:
    line = _MD_INLINE.sub(r"\\\1", line)
    # Characters that only mean something at the start of a line (headings, lists, rules,
    # setext underlines) are escaped there; elsewhere they stay readable for an editor.
    match = _MD_LINE_START.match(line)
    if match:
        line = f"{match.group(1)}\\{line[len(match.group(1)) :]}"
    return line


def escape_markdown(value: Any) -> str:
    """Make a value literal text in Markdown: markup characters escaped, lines as hard breaks.

    Only characters that can start markup are escaped, so "Right-to-Know Law (RTKL)" stays
    as typed in a letter an editor may change.
    """
    lines = [line.strip() for line in _plain_value(value).split("\n")]
    # Each line is stripped and non-empty, so a value can never indent, open a block or end one.
    return "\\\n".join(_escape_line(line) for line in lines if line)


def _subject_value(value: Any) -> str:
    return " ".join(_plain_value(value).split())


def _environment(finalize: Any) -> _LetterEnvironment:
    env = _LetterEnvironment(
        undefined=_Undefined,
        autoescape=False,
        finalize=finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Templates only need values; nothing random or stateful.
    env.globals.pop("lipsum", None)
    return env


_BODY_ENV = _environment(escape_markdown)
_SUBJECT_ENV = _environment(_subject_value)


def _wrap_context(value: Any, path: str) -> Any:
    if isinstance(value, Mapping):
        return _Namespace(path, {str(k): _wrap_context(v, f"{path}.{k}") for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_wrap_context(v, f"{path}[{i}]") for i, v in enumerate(value))
    return value


@functools.lru_cache(maxsize=128)
def _compile(env: _LetterEnvironment, source: str, part: str) -> Template:
    """Compile once per source: bulk rendering reuses the compiled template."""
    try:
        return env.from_string(source)
    except TemplateSyntaxError as exc:
        raise LetterTemplateError(
            f"{part} line {exc.lineno}: {exc.message}", part=part, lineno=exc.lineno
        ) from exc


def _template_line(exc: BaseException) -> int | None:
    lineno = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == _TEMPLATE_FILENAME:
            lineno = frame.lineno
    return lineno


def _render(env: _LetterEnvironment, source: str, context: Mapping[str, Any], part: str) -> str:
    template = _compile(env, source, part)
    values = {str(k): _wrap_context(v, str(k)) for k, v in context.items()}
    try:
        return template.render(values)
    except SecurityError as exc:
        problem = f"not allowed in a letter template: {exc}"
        failure: Exception = exc
    except UndefinedError as exc:
        problem = str(exc)
        failure = exc
    except Exception as exc:  # a template can raise anything (1/0, a bad filter argument...)
        problem = f"{type(exc).__name__}: {exc}"
        failure = exc
    lineno = _template_line(failure)
    where = f"{part} line {lineno}" if lineno else part
    raise LetterTemplateError(f"{where}: {problem}", part=part, lineno=lineno) from failure


def render_letter_source(
    body_source: str, subject_source: str, context: Mapping[str, Any]
) -> RenderedSource:
    """Render a body (to Markdown) and a subject (to one line of text) in the sandbox."""
    body = _render(_BODY_ENV, body_source, context, "body")
    subject = _render(_SUBJECT_ENV, subject_source, context, "subject")
    return RenderedSource(body=body, subject=" ".join(subject.split()))


def check_template(
    body_source: str, subject_source: str, sample_context: Mapping[str, Any]
) -> LetterFrame:
    """Render a template being edited against a sample context; raise LetterTemplateError."""
    rendered = render_letter_source(body_source, subject_source, sample_context)
    return frame_from_context(
        sample_context, subject=rendered.subject, body=parse_markdown(rendered.body)
    )


def compose_letter(spec: LetterTemplateSpec, context: Mapping[str, Any]) -> LetterFrame:
    """The letter a template makes for one context, laid out and ready to render."""
    return check_template(spec.body_source, spec.subject, context)


# ---------------------------------------------------------------------------------------------
# Loading a template directory


def _check_metadata(name: str, data: Any, problems: list[str]) -> None:
    if not isinstance(data, Mapping):
        problems.append(f"{name}: must be a YAML mapping of keys to values")
        return
    for key in REQUIRED_KEYS:
        if key not in data:
            problems.append(f"{name}: missing key '{key}'")
    for key in data:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            problems.append(f"{name}: unknown key '{key}'")
    for key in ("title", "subject", "description"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            problems.append(f"{name}: '{key}' must be non-empty text")
    if "kind" in data and data["kind"] not in KINDS:
        problems.append(f"{name}: unknown kind {data['kind']!r}; use one of {', '.join(KINDS)}")
    variables = data.get("variables", [])
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        problems.append(f"{name}: 'variables' must be a list of dotted names")
    else:
        for variable in variables:
            if variable not in KNOWN_VARIABLES:
                problems.append(f"{name}: unknown variable '{variable}'")
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(
        isinstance(s, Mapping)
        and set(s) == {"fact", "source"}
        and all(isinstance(v, str) and v.strip() for v in s.values())
        for s in sources
    ):
        problems.append(f"{name}: 'sources' must be a list of {{fact, source}} entries")


def _undeclared_roots(name: str, source: str, env: _LetterEnvironment, declared: Sequence[str]):
    roots = {variable.split(".")[0] for variable in declared}
    used = meta.find_undeclared_variables(env.parse(source))
    return [
        f"{name}: uses '{root}' but declares no variable under it"
        for root in sorted(used - roots - set(env.globals))
    ]


def _load_one(directory: Path, slug: str, problems: list[str]) -> LetterTemplateSpec | None:
    meta_path = directory / f"{slug}{META_SUFFIX}"
    body_path = directory / f"{slug}{BODY_SUFFIX}"
    found = len(problems)
    if not _SLUG.match(slug):
        problems.append(f"{meta_path.name}: a slug is lower-case letters, digits and '_'")
    if not body_path.is_file():
        problems.append(f"{meta_path.name}: no body file {body_path.name}")
    if not meta_path.is_file():
        problems.append(f"{body_path.name}: no metadata file {meta_path.name}")
    if len(problems) > found:
        return None
    meta_bytes = meta_path.read_bytes()
    body_bytes = body_path.read_bytes()
    try:
        data = yaml.safe_load(meta_bytes.decode("utf-8"))
        body_source = body_bytes.decode("utf-8")
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{slug}: cannot be read: {exc}")
        return None
    _check_metadata(meta_path.name, data, problems)
    if len(problems) > found:
        return None
    for env, part, source, name in (
        (_BODY_ENV, "body", body_source, body_path.name),
        (_SUBJECT_ENV, "subject", data["subject"], meta_path.name),
    ):
        try:
            _compile(env, source, part)
        except LetterTemplateError as exc:
            problems.append(f"{name}: {exc}")
            continue
        problems.extend(_undeclared_roots(name, source, env, data["variables"]))
    if len(problems) > found:
        return None
    return LetterTemplateSpec(
        slug=slug,
        title=data["title"].strip(),
        kind=data["kind"],
        subject=data["subject"].strip(),
        variables=tuple(data["variables"]),
        description=data.get("description", "").strip(),
        sources=tuple(dict(s) for s in data.get("sources", [])),
        body_source=body_source,
        sha256=hashlib.sha256(body_bytes + b"\0" + meta_bytes).hexdigest(),
    )


def load_template_dir(path: Path = TEMPLATE_DIR) -> list[LetterTemplateSpec]:
    """Load and validate every template in `path`, sorted by slug; report all problems at once."""
    directory = Path(path)
    if not directory.is_dir():
        raise LetterTemplateError(f"no letter template directory at {directory}")
    slugs = {
        entry.name.removesuffix(BODY_SUFFIX).removesuffix(META_SUFFIX)
        for entry in directory.iterdir()
        if entry.is_file()
        and not entry.name.startswith((".", "_"))
        and entry.name.endswith((BODY_SUFFIX, META_SUFFIX))
    }
    problems: list[str] = []
    specs = [spec for slug in sorted(slugs) if (spec := _load_one(directory, slug, problems))]
    if problems:
        raise LetterTemplateError(
            "letter templates are invalid: " + "; ".join(problems), problems=problems
        )
    return specs
