"""Full-text search: the same table of queries, with the same answers, on SQLite and PostgreSQL.

The suite runs once per database (`--db sqlite`, `--db postgresql`); every expectation below is
an exact set of entries, so both engines must agree on this corpus.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from foiatrack.domain.documents.models import Document, SearchEntry
from foiatrack.domain.errors import ValidationFailed
from foiatrack.domain.letters import services as letters
from foiatrack.domain.letters.models import LetterTemplate
from foiatrack.domain.letters.templates import load_template_dir
from foiatrack.domain.mail.models import Message, MessageLink
from foiatrack.domain.requests.models import RecordsRequest
from foiatrack.domain.search import indexing
from foiatrack.domain.search.query import SearchSyntaxError, parse, to_fts5, to_tsquery
from foiatrack.domain.search.service import SearchFilters, _unfold_headline, search
from foiatrack.domain.search.text import pg_fold, pg_fold_map
from tests.factories import make_agency, make_request
from tests.search_corpus import PDF, XLSX, Corpus, add_document, build_corpus

UTC = dt.UTC


@pytest.fixture
def corpus(session: Session) -> Corpus:
    return build_corpus(session)


def _names(corpus: Corpus, query: str, **filters: object) -> set[str]:
    results = search(
        corpus.session,
        query,
        filters=SearchFilters(**filters),  # type: ignore[arg-type]
        per_page=100,
    )
    names = {corpus.name(h.kind, h.id, h.page) for h in results.results}
    assert results.total == len(names)
    return names


RING = {"D1p1", "D1p2", "D2", "M1", "L1", "L2"}

QUERIES = [
    # words, stemming, stop words
    ("ring", RING),
    ("the ring", RING),
    ("RING", RING),
    ("ring police", {"D1p1"}),
    ("running", {"D3"}),
    ("run", {"D3"}),
    ("agreements", {"D1p1", "D1p2", "L2"}),
    # phrases
    ('"chief of police"', {"D3"}),
    ('"ring doorbell"', {"D2"}),
    ('"doorbell ring"', set()),
    # OR (binds tighter than the space)
    ("agreement OR budget", {"D1p1", "D1p2", "D2", "L2"}),
    ("ring fusus OR doorbell", {"D2", "L1"}),
    # exclusion
    ("ring -amazon", {"D1p1", "D2", "M1", "L1", "L2"}),
    ('ring -"doorbell subsidy"', {"D1p1", "D1p2", "M1", "L1", "L2"}),
    # prefixes
    ("surveil*", {"D4", "M2"}),
    ("poli*", {"D1p1", "D3", "M3"}),
    ('"partnership agr"*', {"D1p1", "D1p2", "L2"}),
    # diacritics, both ways
    ("penasco", {"D3"}),
    ("Peñasco", {"D3"}),
    # titles of documents without text are indexed
    ("scanned", {"D5"}),
    # hostile text is just text
    ("script alert", {"D4"}),
    # typed syntax of the engines is plain text
    ("NEAR( station", {"M1"}),
    ("NEAR(", {"M1"}),
    ("NEAR(station", set()),  # one chunk: the phrase "near station"
    ("budget:lines", {"D2"}),
    ("ring AND amazon", {"D1p2"}),
    ("(fusus)", {"D3", "L1"}),
    ("45 dollars", {"M2"}),
    ("zanzibar", set()),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_queries_return_the_same_entries_on_both_engines(
    corpus: Corpus, query: str, expected: set[str]
) -> None:
    assert _names(corpus, query) == expected


def test_filters(corpus: Corpus) -> None:
    ids = corpus.ids
    assert _names(corpus, "ring", state="MI") == {"D1p1", "D1p2", "M1", "L2"}
    assert _names(corpus, "ring", state="mi") == {"D1p1", "D1p2", "M1", "L2"}
    assert _names(corpus, "ring", kind="message") == {"M1"}
    assert _names(corpus, "ring", kind="letter") == {"L1", "L2"}
    assert _names(corpus, "ring", campaign_id=ids["fusus"]) == {"L1"}
    assert _names(corpus, "ring", agency_id=ids["austin"]) == {"D2"}
    assert _names(corpus, "ring", tag="mou") == {"D1p1", "D1p2"}
    assert _names(corpus, "ring", media_type=PDF) == {"D1p1", "D1p2"}
    assert _names(corpus, "ring", source="upload") == {"D2"}
    assert _names(corpus, "ring", date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 4, 30)) == {
        "D1p1",
        "D1p2",
        "D2",
    }
    # a message's day is its UTC date: 23:59 on 1 April is inside 1 April
    assert _names(
        corpus, "surveillance", date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 4, 1)
    ) == {"M2"}
    assert _names(corpus, "ring", date_from=dt.date(2026, 6, 1)) == {"L2"}
    assert _names(corpus, "ring", date_to=dt.date(2026, 1, 10)) == {"L1"}
    assert _names(corpus, "ring", state="MI", kind="document", tag="priority") == {
        "D1p1",
        "D1p2",
    }
    assert _names(corpus, "ring", state="CA") == set()


def test_bad_filters_are_validation_errors(corpus: Corpus) -> None:
    with pytest.raises(ValidationFailed, match="Unknown kind"):
        search(corpus.session, "ring", filters=SearchFilters(kind="fax"))
    with pytest.raises(ValidationFailed, match="after its end"):
        search(
            corpus.session,
            "ring",
            filters=SearchFilters(date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 1, 1)),
        )
    with pytest.raises(ValidationFailed, match="Pages are numbered"):
        search(corpus.session, "ring", page=0)


def test_facets_count_the_whole_matching_set(corpus: Corpus) -> None:
    ids = corpus.ids
    results = search(corpus.session, "ring", per_page=2)
    assert results.total == 6
    assert len(results.results) == 2
    counts = {name: {(v.value, v.count) for v in values} for name, values in results.facets.items()}
    assert counts["kind"] == {("document", 3), ("message", 1), ("letter", 2)}
    assert counts["state"] == {("MI", 4), ("TX", 1), ("NM", 1)}
    assert counts["agency"] == {
        (str(ids["troy"]), 4),
        (str(ids["austin"]), 1),
        (str(ids["penasco"]), 1),
    }
    assert counts["campaign"] == {(str(ids["ring"]), 5), (str(ids["fusus"]), 1)}
    assert counts["tag"] == {("mou", 2), ("priority", 2), ("budget", 1)}
    assert counts["media_type"] == {(PDF, 2), (XLSX, 1)}
    assert counts["source"] == {("email", 2), ("upload", 1)}
    labels = {v.value: v.label for v in results.facets["agency"]}
    assert labels[str(ids["penasco"])] == "Peñasco Police Department"
    assert {v.label for v in results.facets["kind"]} == {"Documents", "Messages", "Filed letters"}
    # most frequent first
    assert results.facets["state"][0].value == "MI"
    # filtered: counts follow the filter
    narrowed = search(corpus.session, "ring", filters=SearchFilters(state="TX"))
    assert {(v.value, v.count) for v in narrowed.facets["state"]} == {("TX", 1)}


def test_facets_take_a_fixed_number_of_statements(session: Session, corpus: Corpus) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        search(session, "ring")
        few = len(statements)
        statements.clear()
        search(session, "ring OR police OR fusus OR surveillance", per_page=50)
        many = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert few == many <= 3


def test_pagination_walks_every_result_once(corpus: Corpus) -> None:
    seen: list[str] = []
    pages = []
    for page in (1, 2, 3):
        results = search(corpus.session, "ring", page=page, per_page=4)
        assert results.total == 6
        assert results.pages == 2
        pages.append(len(results.results))
        seen += [corpus.name(h.kind, h.id, h.page) for h in results.results]
    assert pages == [4, 2, 0]
    assert sorted(seen) == sorted(RING)
    everything = search(corpus.session, "ring", per_page=100).results
    assert [corpus.name(h.kind, h.id, h.page) for h in everything] == seen


def test_title_hits_rank_above_body_hits(corpus: Corpus) -> None:
    results = search(corpus.session, "ring", per_page=100).results
    order = [corpus.name(h.kind, h.id, h.page) for h in results]
    title_hits = {"D1p1", "D1p2", "M1", "L2"}
    assert set(order[:4]) == title_hits, order
    scores = [h.score for h in results]
    assert scores == sorted(scores, reverse=True)
    # equal scores are ordered by entry id, so pages come in order
    assert order.index("D1p1") < order.index("D1p2")


def test_hits_carry_request_agency_and_state(corpus: Corpus) -> None:
    hits = {corpus.name(h.kind, h.id, h.page): h for h in search(corpus.session, "ring").results}
    assert hits["D1p2"].kind == "document"
    assert hits["D1p2"].id == corpus.ids["D1"]
    assert hits["D1p2"].page == 2
    assert hits["D1p2"].request_id == corpus.ids["r_troy"]
    assert hits["D1p2"].agency == "Troy Police Department"
    assert hits["D1p2"].state == "MI"
    assert hits["L1"].kind == "letter"
    assert hits["L1"].state == "NM"
    assert hits["M1"].title == "Re: Ring records request"
    unrouted = search(corpus.session, "manual").results
    assert [(h.kind, h.request_id, h.agency, h.state) for h in unrouted] == [
        ("message", None, None, None)
    ]


def test_snippets_highlight_matches_and_escape_everything_else(corpus: Corpus) -> None:
    [hit] = search(corpus.session, "surveillance", filters=SearchFilters(kind="document")).results
    assert "<mark>surveillance</mark>" in hit.snippet
    assert "&lt;/script&gt;" in hit.snippet
    assert "<script" not in hit.snippet
    assert "&amp; more" in hit.snippet
    assert hit.title == "<script>alert(1)</script> notes"  # plain text: templates escape it
    [doorbell] = search(corpus.session, '"ring doorbell"').results
    assert "the <mark>ring doorbell</mark> subsidy" in doorbell.snippet
    [minutes] = search(corpus.session, "penasco").results
    # the original spelling is shown, highlighted
    assert "<mark>Peñasco</mark>" in minutes.snippet
    [late] = search(corpus.session, "run").results
    assert "<mark>running</mark>" in late.snippet


def test_long_text_snippets_are_short_and_elided(session: Session, corpus: Corpus) -> None:
    request = session.get(RecordsRequest, corpus.ids["r_troy"])
    filler = " ".join(f"word{i}" for i in range(400))
    add_document(session, corpus, "LONG", request, "Long report", [f"{filler} needle {filler}"])
    session.commit()
    [hit] = search(session, "needle").results
    assert "<mark>needle</mark>" in hit.snippet
    assert len(hit.snippet) < 400
    assert hit.snippet.startswith("\u2026") and hit.snippet.endswith("\u2026")


SYNTAX_ERRORS = [
    ('"ring', "unbalanced quote"),
    ('"', "unbalanced quote"),
    ("ring OR", "OR needs a word on each side"),
    ("OR", "OR needs a word on each side"),
    ("ring OR OR fusus", "OR needs a word on each side"),
    ("-", "minus sign must be followed by a word"),
    ("ring -", "minus sign must be followed by a word"),
    ("*", "must end the beginning of a word"),
    ("", "Type a word"),
    ("   ", "Type a word"),
    ('""', "quotes are empty"),
    ("-amazon", "cannot be only exclusions"),
    ("-amazon OR ring", "cannot be part of an OR"),
    ("the of and", "too common"),
    ("(( ))", "only symbols"),
    ("x" * 600, "too long"),
]


@pytest.mark.parametrize(
    ("query", "message"), SYNTAX_ERRORS, ids=[q[:20] for q, _ in SYNTAX_ERRORS]
)
def test_syntax_errors_are_explained_never_database_errors(
    corpus: Corpus, query: str, message: str
) -> None:
    with pytest.raises(SearchSyntaxError, match=message) as caught:
        search(corpus.session, query)
    assert caught.value.status_code == 400
    # the session is untouched: the next search works
    assert search(corpus.session, "ring").total == 6


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(ring fusus)",
        "title:ring",
        "body:amazon",
        "ring^",
        "{ring}",
        "ring + fusus",
        "'ring'",
        "ring AND",
        "NOT ring",
        "ring*fusus",
        "ring:*",
        "!ring",
        "ring & fusus | x",
        "\\ring",
    ],
)
def test_engine_syntax_typed_by_hand_is_searched_as_words(corpus: Corpus, query: str) -> None:
    results = search(corpus.session, query)
    assert results.total >= 0
    compiled = parse(query)
    for token in (t for term in compiled.terms() for t in term.tokens):
        assert token.isalnum()
    assert '"' not in "".join(t for term in compiled.terms() for t in term.tokens)


def test_compiled_queries_quote_every_word() -> None:
    query = parse('police "chief of police" mou OR agreement -amazon poli* NEAR(x) col:val')
    assert to_fts5(query) == (
        '("police" AND "chief of police" AND ("mou" OR "agreement") AND "poli" * AND "near x" '
        'AND "col val") NOT ("amazon")'
    )
    assert to_tsquery(query) == (
        "('police') & ('chief' <-> 'of' <-> 'police') & (('mou') | ('agreement')) & "
        "('poli':*) & ('near' <-> 'x') & ('col' <-> 'val') & !('amazon')"
    )


def test_indexing_is_part_of_the_callers_transaction(session: Session, corpus: Corpus) -> None:
    request = session.get(RecordsRequest, corpus.ids["r_troy"])
    add_document(session, corpus, "Z", request, "Zanzibar memo", ["Notes from Zanzibar."])
    assert search(session, "zanzibar").total == 1  # visible inside the transaction
    session.rollback()
    assert search(session, "zanzibar").total == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(SearchEntry)) == 11
    add_document(session, corpus, "Z2", request, "Zanzibar memo", ["Notes from Zanzibar."])
    session.commit()
    assert search(session, "zanzibar").total == 1


def test_reindexing_a_document_replaces_its_entries(session: Session, corpus: Corpus) -> None:
    document = session.get(Document, corpus.ids["D3"])
    document.pages[0].text = "Minutes about drones."
    document.title = "Drone minutes"
    indexing.index_document(session, document)
    session.commit()
    assert search(session, "penasco").total == 0
    assert [h.id for h in search(session, "drones").results] == [document.id]
    indexing.remove(session, "document", document.id)
    session.commit()
    assert search(session, "drones").total == 0


def test_a_message_routed_later_moves_under_its_request(session: Session, corpus: Corpus) -> None:
    message = session.get(Message, corpus.ids["M3"])
    message.links.append(MessageLink(request_id=corpus.ids["r_austin"], routed_by="manual"))
    session.flush()
    indexing.index_message(session, message)
    session.commit()
    [hit] = search(session, "manual").results
    assert (hit.request_id, hit.state) == (corpus.ids["r_austin"], "TX")


def test_reindex_rebuilds_the_index(session: Session, corpus: Corpus) -> None:
    before = {(h.kind, h.id, h.page) for h in search(session, "ring", per_page=100).results}
    session.execute(sa.delete(SearchEntry))
    session.commit()
    assert search(session, "ring").total == 0
    seen: list[tuple[int, int]] = []
    counts = indexing.reindex_all(session, lambda done, total: seen.append((done, total)))
    session.commit()
    assert counts == {"document": 6, "message": 3, "letter": 2}
    assert seen[-1] == (10, 10)
    after = {(h.kind, h.id, h.page) for h in search(session, "ring", per_page=100).results}
    assert after == before
    assert search(session, "penasco").total == 1


def test_sqlite_reindex_repairs_a_drifted_index(
    session: Session, corpus: Corpus, db_backend: str
) -> None:
    if db_backend != "sqlite":
        pytest.skip("the FTS5 table exists only on SQLite; PostgreSQL's column cannot drift")
    session.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
    session.commit()
    assert search(session, "ring").total == 0
    indexing.reindex_all(session)
    session.commit()
    assert search(session, "ring").total == 6


def test_filing_a_letter_indexes_it(session: Session) -> None:
    from foiatrack.domain.letters.services import ProfileFields

    letters.sync_builtin_templates(session, load_template_dir())
    template = session.scalar(
        sa.select(LetterTemplate).where(LetterTemplate.slug == "ring_request")
    )
    assert template is not None
    profile = letters.save_profile(session, None, ProfileFields(name="Ada Reporter"))
    request = make_request(session, make_agency(session, "Kalamazoo Police Department", "MI"))
    letter = letters.draft_letter(
        session, request, template, profile=profile, today=dt.date(2026, 3, 2)
    )

    class Blank:
        def render(self, frame: object) -> bytes:
            return b"file"

    filed = letters.file_letter(
        session,
        letter,
        renderers=letters.Renderers(pdf=Blank(), docx=Blank()),
        store=lambda data: "0" * 64,
        now=dt.datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    session.commit()
    hits = search(session, "Kalamazoo", filters=SearchFilters(kind="letter")).results
    assert [(h.kind, h.id, h.request_id) for h in hits] == [("letter", filed.id, request.id)]


FOLD_SAMPLE = (
    "Peñasco ÀÉÎÕÜ çà Zoë Łódź Ærø ǅ 한국 e-mail: troy.gov, O'Brien (NEAR) ~x_y "
    "Pen\u0303asco “quoted” — 1,000"
)


def test_folding_matches_the_database_function(session: Session, db_backend: str) -> None:
    assert pg_fold("Peñasco e-mail") == "Penasco e mail"
    folded, origin = pg_fold_map(FOLD_SAMPLE)
    assert folded == pg_fold(FOLD_SAMPLE)
    assert len(origin) == len(folded)
    assert FOLD_SAMPLE[origin[folded.index("Penasco", 10)]] == "P"
    if db_backend != "postgresql":
        pytest.skip("search_fold() exists only on PostgreSQL")
    assert session.scalar(sa.text("SELECT search_fold(:t)"), {"t": FOLD_SAMPLE}) == folded


def test_headlines_show_the_original_text() -> None:
    body = "Le conseil de Peñasco, “Zoë” et Pen\u0303asco: fin."
    # what ts_headline returns for "penasco OR zoe" over search_fold(body)
    headline = "conseil de \x02Penasco\x03  “\x02Zoe\x03” et \x02Penasco\x03"
    assert _unfold_headline(body, headline) == (
        "\u2026conseil de <mark>Peñasco</mark>, “<mark>Zoë</mark>” et "
        "<mark>Pen\u0303asco</mark>\u2026"
    )
