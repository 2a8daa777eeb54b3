"""Searching the index: one interface over SQLite FTS5 and PostgreSQL tsvector.

Both engines get the same parsed query (see query.py), the same filters and the same ordering
rule (best score first, then the entry id), and return the same entries for the same corpus:

- SQLite: `search_fts MATCH ...`, ranked by `bm25(search_fts, 5.0, 1.0)` (a title hit weighs
  five body hits), snippets by `snippet()`, with the porter stemmer and diacritics removed.
- PostgreSQL: `tsv @@ to_tsquery('english', ...)` on the GIN index, ranked by `ts_rank_cd`
  (title weight A, body weight B), snippets by `ts_headline`.

Both stem English ("running" finds "run") but the stemmers are not identical (SQLite's porter
against PostgreSQL's snowball english: "dying" is "dy" on one and "die" on the other), so rare
words can differ. Scores differ in scale; only their order is meaningful. Stop words ("the",
"of") are ignored in queries on both.

A search is three statements whatever the corpus: the page's ids, the total and the facet
counts (one statement), then the page's titles, then its snippets.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.documents.models import (
    Document,
    DocumentSource,
    DocumentTag,
    SearchEntry,
    SearchKind,
    Tag,
)
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.jurisdictions.models import Jurisdiction
from foiatrack.domain.letters.models import FiledLetter
from foiatrack.domain.mail.models import Message
from foiatrack.domain.requests.models import Campaign, RecordsRequest
from foiatrack.domain.search.query import Query, parse, to_fts5, to_tsquery
from foiatrack.domain.search.schema import DOCUMENT_FACETS_INDEX, ENTRY_FACETS_INDEX, TS_CONFIG
from foiatrack.domain.search.text import is_combining, pg_fold_map

MAX_PER_PAGE = 100
SNIPPET_TOKENS = 12
#: highlight markers the engines put around matches; indexed text never contains them
START, STOP, FRAGMENT = "\x02", "\x03", "\x04"
ELLIPSIS = "\u2026"
FACETS = ("kind", "state", "agency", "campaign", "tag", "media_type", "source")
KIND_LABELS = {
    SearchKind.DOCUMENT.value: "Documents",
    SearchKind.MESSAGE.value: "Messages",
    SearchKind.LETTER.value: "Filed letters",
}
SOURCE_LABELS = {
    DocumentSource.EMAIL.value: "E-mail",
    DocumentSource.UPLOAD.value: "Upload",
    DocumentSource.LETTER.value: "Letter",
}


@dataclass(frozen=True)
class SearchFilters:
    """Narrow the matches; each filter set is ANDed with the others.

    Tag, media type and source are properties of documents, so they keep only documents. The
    date range is the document's received date, the message's sent date or the letter's filing
    date; undated documents are left out when it is set.
    """

    agency_id: int | None = None
    state: str | None = None
    campaign_id: int | None = None
    tag: str | None = None
    kind: str | None = None
    media_type: str | None = None
    source: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def checked(self) -> SearchFilters:
        """The same filters, normalised, or ValidationFailed naming the bad one."""
        problems = []
        kind = self.kind or None
        if kind is not None and kind not in KIND_LABELS:
            problems.append(f"Unknown kind {kind!r}: use document, message or letter.")
        source = self.source or None
        if source is not None and source not in SOURCE_LABELS:
            problems.append(f"Unknown source {source!r}: use email, upload or letter.")
        state = (self.state or "").strip().upper() or None
        if state is not None and not (len(state) == 2 and state.isalpha()):
            problems.append(f"{self.state!r} is not a two-letter state code.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            problems.append("The start of the date range is after its end.")
        if problems:
            raise ValidationFailed(problems[0], problems)
        return SearchFilters(
            agency_id=self.agency_id,
            state=state,
            campaign_id=self.campaign_id,
            tag=(self.tag or "").strip() or None,
            kind=kind,
            media_type=(self.media_type or "").strip() or None,
            source=source,
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def active(self) -> dict[str, str]:
        """The filters that are set, as query-string values."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and value != "":
                out[f.name] = value.isoformat() if isinstance(value, dt.date) else str(value)
        return out


class FacetValue(NamedTuple):
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Hit:
    """One matching entry: a document page, a message or a filed letter."""

    kind: str
    #: the document's, message's or filed letter's id
    id: int
    page: int
    title: str
    request_id: int | None
    agency: str | None
    state: str | None
    #: safe HTML: the text escaped, then the matches wrapped in <mark>
    snippet: str
    #: higher is better; comparable only within one search on one engine
    score: float
    entry_id: int = 0


@dataclass
class SearchResults:
    total: int
    results: list[Hit]
    facets: dict[str, list[FacetValue]]
    page: int = 1
    per_page: int = 20
    query: Query | None = field(default=None, repr=False)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


# ---------------------------------------------------------------------------------------------
# The two engines
# ---------------------------------------------------------------------------------------------

_e = SearchEntry.__table__
_r = RecordsRequest.__table__
_a = Agency.__table__
_j = Jurisdiction.__table__
_d = Document.__table__
_msg = Message.__table__
_fl = FiledLetter.__table__
_dt = DocumentTag.__table__
_tag = Tag.__table__
_c = Campaign.__table__


class _IndexedBy(TableClause):
    """A table that SQLite must read through one index (`FROM t INDEXED BY ix`)."""

    inherit_cache = True

    def __init__(self, table: sa.Table, index: str) -> None:
        super().__init__(table.name, *(sa.column(c.name, c.type) for c in table.c))
        self.index = index


@compiles(_IndexedBy, "sqlite")
def _indexed_by(element: _IndexedBy, compiler: Any, **kw: Any) -> str:
    text = compiler.visit_table(element, **kw)
    return f"{text} INDEXED BY {element.index}" if kw.get("asfrom") else text


_fts = sa.table("search_fts", sa.column("rowid", sa.Integer))
_fts_ref = sa.literal_column("search_fts")
_tsv = sa.literal_column("search_entry.tsv", type_=TSVECTOR)
_config = sa.literal_column(f"'{TS_CONFIG}'::regconfig")


class _Engine:
    """How one database matches, ranks and highlights."""

    #: search_entry and document as the matching queries read them
    entry: TableClause = _e
    document: TableClause = _d

    def source(self, *, entry: bool) -> sa.FromClause:
        """Where matches come from; with `entry`, search_entry's columns are available."""
        raise NotImplementedError

    def entry_id(self) -> sa.ColumnElement[int]:
        raise NotImplementedError

    def match(self) -> sa.ColumnElement[bool]:
        raise NotImplementedError

    def rank(self) -> sa.ColumnElement[float]:
        """Ascending: the best entry has the lowest value."""
        raise NotImplementedError

    def params(self, query: Query) -> dict[str, str]:
        raise NotImplementedError

    def snippets(self, session: Session, query: Query, ids: list[int]) -> dict[int, str]:
        raise NotImplementedError


class _SQLite(_Engine):
    # Entries are wide (a page of text each): reading kind and request for every match from
    # the table costs a page read per match, the narrow covering indexes of migration 0006 do
    # not. SQLite's planner always prefers the primary key, hence INDEXED BY.
    entry = _IndexedBy(_e, ENTRY_FACETS_INDEX)
    document = _IndexedBy(_d, DOCUMENT_FACETS_INDEX)

    def source(self, *, entry: bool) -> sa.FromClause:
        if not entry:
            return _fts
        return _fts.join(self.entry, self.entry.c.id == _fts.c.rowid)

    def entry_id(self) -> sa.ColumnElement[int]:
        return _fts.c.rowid

    def match(self) -> sa.ColumnElement[bool]:
        return _fts_ref.op("MATCH")(sa.bindparam("q", type_=sa.String))

    def rank(self) -> sa.ColumnElement[float]:
        return sa.func.bm25(_fts_ref, 5.0, 1.0, type_=sa.Float)

    def params(self, query: Query) -> dict[str, str]:
        return {"q": to_fts5(query)}

    @functools.cached_property
    def _snippets(self) -> sa.Select[Any]:
        snippet = sa.func.snippet(_fts_ref, 1, START, STOP, ELLIPSIS, SNIPPET_TOKENS)
        ids = sa.bindparam("ids", expanding=True)
        return sa.select(_fts.c.rowid, snippet).where(self.match(), _fts.c.rowid.in_(ids))

    def snippets(self, session: Session, query: Query, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = session.execute(self._snippets, {**self.params(query), "ids": ids})
        return {rowid: _html(text or "") for rowid, text in rows}


class _PostgreSQL(_Engine):
    def _tsquery(self) -> sa.ColumnElement[Any]:
        return sa.func.to_tsquery(_config, sa.bindparam("q", type_=sa.String), type_=TSQUERY)

    def source(self, *, entry: bool) -> sa.FromClause:
        return _e

    def entry_id(self) -> sa.ColumnElement[int]:
        return _e.c.id

    def match(self) -> sa.ColumnElement[bool]:
        return _tsv.op("@@")(self._tsquery())

    def rank(self) -> sa.ColumnElement[float]:
        # Normalisation 1 divides by 1 + log(length), as bm25 favours short entries too.
        return sa.cast(-sa.func.ts_rank_cd(_tsv, self._tsquery(), 1), sa.Float)

    def params(self, query: Query) -> dict[str, str]:
        return {"q": to_tsquery(query)}

    @functools.cached_property
    def _snippets(self) -> sa.Select[Any]:
        options = (
            f'StartSel="{START}", StopSel="{STOP}", FragmentDelimiter="{FRAGMENT}", '
            f"MaxFragments=2, MaxWords={SNIPPET_TOKENS + 3}, MinWords=5"
        )
        headline = sa.func.ts_headline(
            _config, sa.func.search_fold(_e.c.body), self._tsquery(), options
        )
        ids = sa.bindparam("ids", expanding=True)
        return sa.select(_e.c.id, _e.c.body, headline).where(_e.c.id.in_(ids))

    def snippets(self, session: Session, query: Query, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = session.execute(self._snippets, {**self.params(query), "ids": ids})
        return {entry_id: _unfold_headline(body, text or "") for entry_id, body, text in rows}


_ENGINES: dict[str, _Engine] = {"sqlite": _SQLite(), "postgresql": _PostgreSQL()}


def _engine(session: Session) -> _Engine:
    name = session.get_bind().dialect.name
    if name not in _ENGINES:
        raise NotImplementedError(f"full-text search is not available on {name}")
    return _ENGINES[name]


# ---------------------------------------------------------------------------------------------
# Snippets
# ---------------------------------------------------------------------------------------------


def _html(marked: str) -> str:
    """Escape everything, then turn the engine's markers into <mark> elements."""
    out = (
        html.escape(marked, quote=True)
        .replace(FRAGMENT, " ")
        .replace(START, "<mark>")
        .replace(STOP, "</mark>")
    )
    if out.count("<mark>") > out.count("</mark>"):  # a fragment cut inside a match
        out += "</mark>"
    # FTS5 marks a matched phrase as one run, ts_headline word by word: show both as one run.
    return _ADJACENT_MARKS.sub(r"\1", out)


_ADJACENT_MARKS = re.compile(r"</mark>(\s+)<mark>")


def _word_end(body: str, end: int) -> int:
    """Past any accents that follow a base letter in the original (they were folded away)."""
    while end < len(body) and is_combining(body[end]):
        end += 1
    return end


def _unfold_headline(body: str, headline: str) -> str:
    """ts_headline ran over the folded body (to match what the index matched); show the
    original text instead, fragment by fragment, by mapping folded offsets back."""
    folded, origin = pg_fold_map(body)
    parts = []
    for fragment in headline.split(FRAGMENT):
        plain = fragment.replace(START, "").replace(STOP, "")
        if not plain.strip():
            continue
        at = folded.find(plain)
        if at < 0:
            parts.append(_html(fragment))
            continue
        start = cursor = origin[at]
        pieces = []
        k = at  # index in folded of the next plain character
        for char in fragment:
            if char == START:
                pieces += [body[cursor : origin[k]], START]
                cursor = origin[k]
            elif char == STOP:
                end = _word_end(body, origin[k - 1] + 1)
                pieces += [body[cursor:end], STOP]
                cursor = end
            else:
                k += 1
        end = _word_end(body, origin[k - 1] + 1)
        pieces.append(body[cursor:end])
        text = (ELLIPSIS if start > 0 else "") + "".join(pieces)
        text += ELLIPSIS if body[end:].strip() else ""
        parts.append(_html(text))
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _date_condition(
    shape: frozenset[str], e: TableClause, d: TableClause
) -> sa.ColumnElement[bool]:
    """Entries dated within the range (message and filed_letter must be joined). A day is a
    UTC day for messages and letters."""
    doc, msg, letter = [], [], []
    stamp = _msg.c.sent_at.type
    sent = sa.func.coalesce(_msg.c.sent_at, _msg.c.received_at, type_=stamp)
    if "date_from" in shape:
        doc.append(d.c.received_on >= sa.bindparam("date_from", type_=sa.Date))
        msg.append(sent >= sa.bindparam("from_stamp", type_=stamp))
        letter.append(_fl.c.filed_at >= sa.bindparam("from_stamp", type_=stamp))
    if "date_to" in shape:
        doc.append(d.c.received_on <= sa.bindparam("date_to", type_=sa.Date))
        msg.append(sent < sa.bindparam("to_stamp", type_=stamp))
        letter.append(_fl.c.filed_at < sa.bindparam("to_stamp", type_=stamp))
    return sa.or_(
        sa.and_(e.c.kind == SearchKind.DOCUMENT.value, *doc),
        sa.and_(e.c.kind == SearchKind.MESSAGE.value, *msg),
        sa.and_(e.c.kind == SearchKind.LETTER.value, *letter),
    )


def _params(query: Query, filters: SearchFilters, engine: _Engine) -> dict[str, Any]:
    """Values for the bind parameters of the statements below."""
    values: dict[str, Any] = {**engine.params(query), **asdict(filters)}
    if filters.date_from:
        values["from_stamp"] = _day_start(filters.date_from)
    if filters.date_to:
        values["to_stamp"] = _day_start(filters.date_to + dt.timedelta(days=1))
    return values


@dataclass(frozen=True)
class _Matching:
    """The matching entries under the filters: a FROM clause and its WHERE conditions."""

    source: sa.FromClause
    where: list[sa.ColumnElement[bool]]


def _matching(
    engine: _Engine, shape: frozenset[str], *, entry: bool = False, document: bool = False
) -> _Matching:
    """Matches under `filters`, joining search_entry and document only when the filters or
    the caller (`entry`, `document`) need their columns: on SQLite every join is a lookup per
    match. Request filters (agency, campaign, state) are `request_id IN (...)` over the small
    request table rather than a join."""
    e, d = engine.entry, engine.document
    by_request = bool(shape & {"agency_id", "campaign_id", "state"})
    dated = bool(shape & {"date_from", "date_to"})
    document = document or dated or bool(shape & {"media_type", "source"})
    entry = entry or document or by_request or bool(shape & {"kind", "tag"})
    source = engine.source(entry=entry)
    is_document = e.c.kind == SearchKind.DOCUMENT.value
    if document:
        source = source.outerjoin(d, sa.and_(is_document, d.c.id == e.c.ref_id))
    where: list[sa.ColumnElement[bool]] = [engine.match()]
    # Values are bind parameters (see _params): one statement per combination of filters.
    if "kind" in shape:
        where.append(e.c.kind == sa.bindparam("kind", type_=sa.String))
    if by_request:
        requests = sa.select(_r.c.id)
        if "agency_id" in shape:
            requests = requests.where(_r.c.agency_id == sa.bindparam("agency_id", type_=sa.Integer))
        if "campaign_id" in shape:
            requests = requests.where(
                _r.c.campaign_id == sa.bindparam("campaign_id", type_=sa.Integer)
            )
        if "state" in shape:
            requests = requests.join(_a, _a.c.id == _r.c.agency_id).join(
                _j,
                sa.and_(
                    _j.c.id == _a.c.jurisdiction_id,
                    _j.c.code == sa.bindparam("state", type_=sa.String),
                ),
            )
        where.append(e.c.request_id.in_(requests))
    if "media_type" in shape:
        where.append(d.c.media_type == sa.bindparam("media_type", type_=sa.String))
    if "source" in shape:
        where.append(d.c.source == sa.bindparam("source", type_=sa.String))
    if "tag" in shape:
        # EXISTS, not ref_id IN (...): SQLite would use an IN list as an index constraint on
        # the covering index and seek once per tagged document for every match.
        # Aliases: the tag facet's own query joins document_tag and tag too.
        dt, tag = _dt.alias("filter_document_tag"), _tag.alias("filter_tag")
        tag_id = sa.select(tag.c.id).where(tag.c.name == sa.bindparam("tag", type_=sa.String))
        tagged = (
            sa.exists()
            .where(dt.c.document_id == e.c.ref_id, dt.c.tag_id == tag_id.scalar_subquery())
            .correlate(e)
        )
        where += [is_document, tagged]
    if dated:
        source = source.outerjoin(
            _msg, sa.and_(e.c.kind == SearchKind.MESSAGE.value, _msg.c.id == e.c.ref_id)
        ).outerjoin(_fl, sa.and_(e.c.kind == SearchKind.LETTER.value, _fl.c.id == e.c.ref_id))
        where.append(_date_condition(shape, e, d))
    return _Matching(source, where)


def _row(
    facet: str, key: Any = None, label: Any = None, count: Any = None, rank: Any = None
) -> list[sa.ColumnElement[Any]]:
    """One row of the summary: (facet, key, label, n, rank), typed for UNION ALL."""

    def typed(value: Any, type_: Any) -> sa.ColumnElement[Any]:
        # PostgreSQL needs one type per column across the UNION, NULLs included.
        return sa.cast(sa.null() if value is None else value, type_)

    return [
        sa.literal(facet, sa.String).label("facet"),
        typed(key, sa.String).label("key"),
        typed(label, sa.String).label("label"),
        typed(count, sa.Integer).label("n"),
        typed(rank, sa.Float).label("rank"),
    ]


@functools.lru_cache(maxsize=256)
def _summary(engine: _Engine, shape: frozenset[str], *, facets: bool) -> sa.CompoundSelect[Any]:
    """The page's entry ids with their rank, the total and every facet's counts, as the rows
    of one statement.

    Ranking and counting are separate passes over the matches, so ranking joins nothing it
    does not filter on. The counts are grouped once by request, kind, media type and source
    (a few thousand groups however many matches); every facet but tags is summed from those.
    """
    ranked = _matching(engine, shape)
    # Not "rank": that is also a hidden column of the FTS5 table.
    ordering, entry_id = engine.rank().label("ordering"), engine.entry_id().label("id")
    top = (
        sa.select(entry_id, ordering)
        .select_from(ranked.source)
        .where(*ranked.where)
        .order_by(ordering, entry_id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
        .subquery("top")
    )
    hits = sa.select(*_row("hit", top.c.id, rank=top.c.ordering))
    e, d = engine.entry, engine.document
    if not facets:
        counted = _matching(engine, shape)
        total = sa.select(*_row("total", count=sa.func.count())).select_from(counted.source)
        return sa.union_all(total.where(*counted.where), hits)
    grouped = _matching(engine, shape, entry=True, document=True)
    g = (
        sa.select(e.c.kind, e.c.request_id, d.c.media_type, d.c.source, sa.func.count().label("n"))
        .select_from(grouped.source)
        .where(*grouped.where)
        .group_by(e.c.kind, e.c.request_id, d.c.media_type, d.c.source)
        .cte("g")
        .prefix_with("MATERIALIZED")
    )
    n = sa.func.sum(g.c.n)
    requests = g.join(_r, _r.c.id == g.c.request_id)
    agencies = requests.join(_a, _a.c.id == _r.c.agency_id)
    documents = g.c.kind == SearchKind.DOCUMENT.value
    tagged = _matching(engine, shape, entry=True)
    tag_source = tagged.source.join(
        _dt, sa.and_(e.c.kind == SearchKind.DOCUMENT.value, _dt.c.document_id == e.c.ref_id)
    ).join(_tag, _tag.c.id == _dt.c.tag_id)
    return sa.union_all(
        sa.select(*_row("total", count=n)).select_from(g),
        hits,
        sa.select(*_row("kind", g.c.kind, count=n)).group_by(g.c.kind),
        sa.select(*_row("agency", _a.c.id, _a.c.name, n))
        .select_from(agencies)
        .group_by(_a.c.id, _a.c.name),
        sa.select(*_row("state", _j.c.code, _j.c.name, n))
        .select_from(agencies.join(_j, _j.c.id == _a.c.jurisdiction_id))
        .group_by(_j.c.code, _j.c.name),
        sa.select(*_row("campaign", _c.c.id, _c.c.name, n))
        .select_from(requests.join(_c, _c.c.id == _r.c.campaign_id))
        .group_by(_c.c.id, _c.c.name),
        sa.select(*_row("media_type", g.c.media_type, count=n))
        .where(documents)
        .group_by(g.c.media_type),
        sa.select(*_row("source", g.c.source, count=n)).where(documents).group_by(g.c.source),
        sa.select(*_row("tag", _tag.c.name, count=sa.func.count()))
        .select_from(tag_source)
        .where(*tagged.where)
        .group_by(_tag.c.name),
    )


def _label(facet: str, key: str, label: str | None) -> str:
    if facet == "kind":
        return KIND_LABELS.get(key, key)
    if facet == "source":
        return SOURCE_LABELS.get(key, key)
    return label or key


def search(
    session: Session,
    query: str,
    *,
    filters: SearchFilters | None = None,
    page: int = 1,
    per_page: int = 20,
    facets: bool = True,
) -> SearchResults:
    """Entries matching `query` under `filters`, best first, one page of them, with facet
    counts over every match (`facets=False` skips them, for callers that page through
    everything). Raises SearchSyntaxError (a ValidationFailed) for a query that cannot be
    searched as typed."""
    parsed = parse(query)
    filters = (filters or SearchFilters()).checked()
    if page < 1:
        raise ValidationFailed("Pages are numbered from 1.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(f"Show between 1 and {MAX_PER_PAGE} results a page.")
    engine = _engine(session)
    # The statement depends on which filters are set, not on their values (bind parameters).
    shape = frozenset(name for name, value in asdict(filters).items() if value is not None)
    params = {
        **_params(parsed, filters, engine),
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    total = 0
    ranks: dict[int, float] = {}
    counts: dict[str, list[FacetValue]] = {name: [] for name in FACETS}
    rows = session.execute(_summary(engine, shape, facets=facets), params)
    for facet, key, label, count, rank in rows:
        if facet == "total":
            total = int(count or 0)
        elif facet == "hit":
            ranks[int(key)] = float(rank)
        elif key is not None:
            counts[facet].append(FacetValue(key, _label(facet, key, label), int(count)))
    for values in counts.values():
        values.sort(key=lambda v: (-v.count, v.label.lower(), v.value))
    ids = sorted(ranks, key=lambda i: (ranks[i], i))
    return SearchResults(
        total=total,
        results=_hits(session, engine, parsed, ids, ranks),
        facets=counts,
        page=page,
        per_page=per_page,
        query=parsed,
    )


_HITS = (
    sa.select(
        _e.c.id,
        _e.c.kind,
        _e.c.ref_id,
        _e.c.page,
        _e.c.request_id,
        _e.c.title,
        _a.c.name,
        _j.c.code,
    )
    .select_from(
        _e.outerjoin(_r, _r.c.id == _e.c.request_id)
        .outerjoin(_a, _a.c.id == _r.c.agency_id)
        .outerjoin(_j, _j.c.id == _a.c.jurisdiction_id)
    )
    .where(_e.c.id.in_(sa.bindparam("ids", expanding=True)))
)


def _hits(
    session: Session, engine: _Engine, query: Query, ids: list[int], ranks: dict[int, float]
) -> list[Hit]:
    if not ids:
        return []
    rows = session.execute(_HITS, {"ids": ids}).all()
    snippets = engine.snippets(session, query, ids)
    by_id = {row.id: row for row in rows}
    return [
        Hit(
            kind=by_id[i].kind,
            id=by_id[i].ref_id,
            page=by_id[i].page,
            title=by_id[i].title,
            request_id=by_id[i].request_id,
            agency=by_id[i].name,
            state=by_id[i].code,
            snippet=snippets.get(i, ""),
            score=-ranks[i],
            entry_id=i,
        )
        for i in ids
        if i in by_id
    ]
