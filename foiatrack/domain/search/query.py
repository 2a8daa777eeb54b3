"""The search box's syntax, parsed into a small tree and compiled for FTS5 or PostgreSQL.

    ring police        both words (stop words such as "the" are ignored)
    "chief of police"  the exact phrase
    mou OR agreement   either word (OR in capitals; it binds tighter than the space)
    -amazon            leave out results with the word (or -"a phrase")
    poli*              words starting with "poli"

Everything else is plain text: parentheses, `NEAR(`, `title:foo`, `AND`, `^` and other symbols
are split into words the way the index splits them (`title:foo` is the phrase "title foo"), so
what a user types never reaches FTS5 or PostgreSQL as syntax. Every word is re-quoted by the
compilers below from letters and digits only.
"""

from __future__ import annotations

from dataclasses import dataclass

from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.search.text import STOP_WORDS, words

MAX_QUERY_LENGTH = 500
MAX_TERMS = 30


class SearchSyntaxError(ValidationFailed):
    """The query cannot be searched as typed; the message says what to change."""

    status_code = 400


@dataclass(frozen=True)
class Term:
    """A word (one token), or a phrase (tokens that must be adjacent), perhaps a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.tokens) > 1


@dataclass(frozen=True)
class AnyOf:
    """Terms joined by OR: one of them must match."""

    options: tuple[Term, ...]


Required = Term | AnyOf


@dataclass(frozen=True)
class Query:
    """Everything in `required` must match and nothing in `excluded` may."""

    required: tuple[Required, ...]
    excluded: tuple[Term, ...] = ()

    def terms(self) -> list[Term]:
        """Every positive term, for highlighting and tests."""
        out: list[Term] = []
        for item in self.required:
            out.extend(item.options if isinstance(item, AnyOf) else (item,))
        return out


@dataclass(frozen=True)
class _Item:
    term: Term | None  # None: only stop words or symbols
    negated: bool = False


_OR = object()


def _fail(message: str) -> SearchSyntaxError:
    return SearchSyntaxError(message, [message])


def _term(text: str, *, prefix: bool) -> Term | None:
    tokens = words(text)
    # PostgreSQL's english configuration drops stop words (even as prefixes); dropping them
    # here on both engines keeps the results equal. At the ends of a phrase they constrain
    # nothing on PostgreSQL either.
    while tokens and tokens[-1] in STOP_WORDS:
        tokens.pop()
        prefix = False
    while tokens and tokens[0] in STOP_WORDS:
        tokens.pop(0)
    return Term(tuple(tokens), prefix) if tokens else None


def _lex(text: str) -> list[_Item | object]:
    items: list[_Item | object] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
        elif text[i] == "-":
            raise _fail(
                "A minus sign must be followed by a word: -amazon leaves out results that "
                "mention amazon."
            )
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise _fail('The query has an unbalanced quote: close the phrase with a second ".')
            inner = text[i + 1 : end]
            i = end + 1
            prefix = i < n and text[i] == "*"
            while i < n and text[i] == "*":
                i += 1
            if not inner.strip():
                raise _fail('The quotes are empty: put the exact words between them, "like this".')
            items.append(_Item(_term(inner, prefix=prefix), negated))
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        chunk = text[start:i]
        if chunk == "OR" and not negated:
            items.append(_OR)
            continue
        if chunk.strip("*") == "":
            raise _fail(
                "A * must end the beginning of a word: poli* finds police, policy and political."
            )
        prefix = chunk.endswith("*")
        items.append(_Item(_term(chunk.rstrip("*"), prefix=prefix), negated))
    return items


def parse(text: str) -> Query:
    """The query as a tree, or SearchSyntaxError naming what to change."""
    text = (text or "").strip()
    if not text:
        raise _fail("Type a word to search for.")
    if len(text) > MAX_QUERY_LENGTH:
        raise _fail(f"The query is too long: keep it under {MAX_QUERY_LENGTH} characters.")
    items = _lex(text)
    groups: list[list[_Item]] = []
    after_or = False
    for index, item in enumerate(items):
        if item is _OR:
            if not groups or after_or or index == len(items) - 1:
                raise _fail('OR needs a word on each side, as in "mou OR agreement".')
            after_or = True
            continue
        if not isinstance(item, _Item):  # pragma: no cover - _lex yields only these two
            raise TypeError(item)
        if after_or:
            groups[-1].append(item)
        else:
            groups.append([item])
        after_or = False
    required: list[Required] = []
    excluded: list[Term] = []
    for group in groups:
        if len(group) > 1 and any(item.negated for item in group):
            raise _fail(
                "An excluded word (-word) cannot be part of an OR: write the OR, then -word "
                "on its own."
            )
        options = tuple(dict.fromkeys(item.term for item in group if item.term is not None))
        if not options:
            continue
        if group[0].negated:
            excluded.append(options[0])
        elif len(options) == 1:
            required.append(options[0])
        else:
            required.append(AnyOf(options))
    if not required:
        if any(item.negated for group in groups for item in group):
            raise _fail(
                "A query cannot be only exclusions: add a word to look for, as in ring -amazon."
            )
        if words(text):
            raise _fail(
                "Every word in the query is too common to search for (like \u201cthe\u201d or "
                "\u201cof\u201d): add a more specific word."
            )
        raise _fail("Type a word to search for: the query has only symbols.")
    count = sum(len(t.tokens) for t in [*Query(tuple(required)).terms(), *excluded])
    if count > MAX_TERMS:
        raise _fail(f"The query has too many words: use at most {MAX_TERMS}.")
    return Query(tuple(dict.fromkeys(required)), tuple(dict.fromkeys(excluded)))


# ---------------------------------------------------------------------------------------------
# Compilers. Tokens are letters and digits only (see text.words), so quoting them is enough.
# ---------------------------------------------------------------------------------------------


def _fts5_term(term: Term) -> str:
    return '"' + " ".join(term.tokens) + '"' + (" *" if term.prefix else "")


def _fts5_item(item: Required) -> str:
    if isinstance(item, AnyOf):
        return "(" + " OR ".join(_fts5_term(t) for t in item.options) + ")"
    return _fts5_term(item)


def to_fts5(query: Query) -> str:
    """An FTS5 MATCH expression: every token double-quoted, column filters impossible."""
    positive = " AND ".join(_fts5_item(i) for i in query.required)
    if not query.excluded:
        return positive
    negative = " OR ".join(_fts5_term(t) for t in query.excluded)
    return f"({positive}) NOT ({negative})"


def _ts_term(term: Term) -> str:
    quoted = [f"'{token}'" for token in term.tokens]
    if term.prefix:
        quoted[-1] += ":*"
    return "(" + " <-> ".join(quoted) + ")"


def _ts_item(item: Required) -> str:
    if isinstance(item, AnyOf):
        return "(" + " | ".join(_ts_term(t) for t in item.options) + ")"
    return _ts_term(item)


def to_tsquery(query: Query) -> str:
    """Input for PostgreSQL's `to_tsquery('english', ...)`, with `:*` for prefixes (which
    `websearch_to_tsquery` cannot express)."""
    parts = [_ts_item(i) for i in query.required]
    parts += [f"!{_ts_term(t)}" for t in query.excluded]
    return " & ".join(parts)
