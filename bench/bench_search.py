"""Full-text search at 100,000 documents, on SQLite (FTS5) and PostgreSQL (tsvector).

For each database: migrate a fresh database, build requests through the domain services
(bench.workload), add 100,000 documents of one generated page each (150 to 300 words from a
Zipf-distributed vocabulary with planted topic words of known frequency, so queries range from a
few dozen matches to half the corpus) plus one message for every twenty documents, then build
the index with `reindex_all` (the code behind `flask reindex`), timed.

Then time a fixed mix of queries (words, a phrase, OR, a prefix, an exclusion, rare and common
words, filters by state, kind and tag):

- app: `search()` from foiatrack.domain.search.service, as the page and the CLI call it: the
  ranked page of 20 with snippets, the total and the facet counts over every match;
- raw: the same MATCH string straight to the engine with the bare driver: the 20 best entries
  by `bm25()` with `snippet()`, and `count(*)` (PostgreSQL: `ts_rank_cd`, `ts_headline`), no
  filters, no facets, no joins;
- page: GET /search/?q=... through Flask's test client (templates included), logged in.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_migrate import upgrade

from bench.bench_dashboard import (
    Backend,
    app_env,
    make_instance,
    postgres_backend,
    postgres_reachable,
    sqlite_backend,
)
from bench.harness import Result, log, own_peak_rss_mb, percentile, python_command
from bench.workload import build_workload
from foiatrack import PROJECT_ROOT, create_app
from foiatrack.domain.accounts.models import Role
from foiatrack.domain.accounts.services import create_user
from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.documents.models import Document, DocumentPage, DocumentTag, Tag
from foiatrack.domain.mail.models import Message, MessageLink
from foiatrack.domain.requests.models import RecordsRequest
from foiatrack.domain.search.indexing import reindex_all
from foiatrack.domain.search.query import parse, to_fts5, to_tsquery
from foiatrack.domain.search.service import SearchFilters, search
from foiatrack.domain.search.text import STOP_WORDS
from foiatrack.extensions import db

SEED = 2025
FULL_DOCUMENTS = 100_000
QUICK_DOCUMENTS = 10_000
FULL_REQUESTS = 1_000
QUICK_REQUESTS = 300
MESSAGE_EVERY = 20
BATCH = 5_000
TARGET_P95_MS = 100.0
TARGET_RATIO = 2.0
ADMIN_EMAIL = "bench-admin@example.org"
ADMIN_PASSWORD = "benchmark-admin-password"  # noqa: S105 - a throwaway database
USER_AGENT = "foiatrack-bench"

#: word -> share of pages it is planted in
PLANTED = {
    "police": 0.5,
    "ring": 0.3,
    "camera": 0.2,
    "footage": 0.1,
    "amazon": 0.1,
    "agreement": 0.05,
    "doorbell": 0.05,
    "memorandum": 0.02,
    "subsidy": 0.01,
    "subsidies": 0.005,
    "fusus": 0.002,
}
PHRASES = {"ring doorbell": 0.03, "neighbors portal": 0.03}
TITLES = (
    "Ring partnership agreement",
    "Memorandum of understanding",
    "E-mail export",
    "Invoice",
    "Training slides",
    "Camera registry",
    "Press release",
    "Meeting minutes",
    "Portal request log",
    "Budget",
)
TAGS = ("priority", "press", "mou", "budget", "training", "litigation", "portal")
MEDIA = (("application/pdf", 70), ("text/plain", 15), ("image/tiff", 10), ("text/csv", 5))
#: share of documents that are a near-copy of one of the agreement templates: the same Ring
#: agreement signed by agency after agency, with the agency's name and a few words changed
NEAR_COPY_SHARE = 0.2
AGREEMENT_TEMPLATES = 3
#: words changed in each near-copy (OCR slips, local edits)
NEAR_COPY_EDITS = 0.02
#: pages per other document: (count range, share); most returned records are short
PAGE_COUNTS = (((1, 1), 80), ((2, 4), 15), ((5, 12), 5))


@dataclass(frozen=True)
class Corpus:
    documents: int
    pages: int
    messages: int
    entries: int
    requests: int
    agencies: int
    build_seconds: float
    index_seconds: float
    common_state: str
    mid_word: str
    rare_word: str

    def describe(self) -> str:
        return (
            f"{self.documents:,} documents ({self.pages:,} pages of 150-300 words: "
            f"{NEAR_COPY_SHARE:.0%} near-copies of {AGREEMENT_TEMPLATES} agreements, the "
            f"rest 1 to 12 pages) and {self.messages:,} messages = {self.entries:,} entries, "
            f"on {self.requests:,} requests to {self.agencies:,} agencies (seed {SEED})"
        )


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Pronounceable made-up words, most frequent first."""
    onsets = ("b", "br", "c", "d", "f", "g", "k", "l", "m", "n", "p", "pr", "s", "st", "t", "v")
    vowels = ("a", "e", "i", "o", "u", "ai", "ou")
    codas = ("", "n", "r", "l", "m", "x", "k", "sh")
    taken = set(STOP_WORDS) | set(PLANTED) | {w for p in PHRASES for w in p.split()}
    words: list[str] = []
    while len(words) < size:
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
            for _ in range(rng.randint(2, 3))
        )
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


class TextMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = vocabulary(rng, 30_000)
        weights = [1 / (rank**1.07) for rank in range(1, len(self.words) + 1)]
        total = 0.0
        self.cumulative = []
        for w in weights:
            total += w
            self.cumulative.append(total)

    def page(self) -> str:
        rng = self.rng
        words = rng.choices(self.words, cum_weights=self.cumulative, k=rng.randint(150, 300))
        for word, share in PLANTED.items():
            if rng.random() < share:
                words.insert(rng.randrange(len(words)), word)
        for phrase, share in PHRASES.items():
            if rng.random() < share:
                words.insert(rng.randrange(len(words)), phrase)
        return _sentences(words)

    def agreement(self) -> list[list[str]]:
        """An agreement template: two pages of words in which the Ring terms are frequent."""
        pages = []
        for _ in range(2):
            words = self.rng.choices(self.words, cum_weights=self.cumulative, k=250)
            for term in ("ring", "amazon", "agreement", "police", "neighbors portal", "footage"):
                for _ in range(3):
                    words.insert(self.rng.randrange(len(words)), term)
            pages.append(words)
        return pages

    def near_copy(self, template: list[list[str]], agency: str) -> list[str]:
        """The template's pages with the agency's name and a few words changed."""
        rng = self.rng
        pages = []
        for words in template:
            copy = list(words)
            for _ in range(int(len(copy) * NEAR_COPY_EDITS)):
                copy[rng.randrange(len(copy))] = rng.choice(self.words[:5_000])
            copy.insert(0, agency)
            pages.append(_sentences(copy))
        return pages


def _sentences(words: list[str]) -> str:
    sentences = [" ".join(words[i : i + 14]).capitalize() for i in range(0, len(words), 14)]
    return ". ".join(sentences) + "."


def _page_count(rng: random.Random) -> int:
    (low, high), _ = rng.choices(PAGE_COUNTS, weights=[w for _, w in PAGE_COUNTS])[0]
    return rng.randint(low, high)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def build(url: str, instance: Path, documents: int, requests: int) -> Corpus:
    """Migrate, build requests, documents, messages, then the index."""
    started = time.perf_counter()
    rng = random.Random(SEED)
    maker = TextMaker(rng)
    with app_env(instance, url):
        app = create_app()
        with app.app_context():
            session = db.session
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            workload = build_workload(
                session, seed=SEED, requests=requests, today=dt.date(2026, 6, 1)
            )
            create_user(session, ADMIN_EMAIL, ADMIN_PASSWORD, role=Role.ADMIN)
            session.commit()
            request_ids = list(session.scalars(sa.select(RecordsRequest.id)))
            agency_of = {
                request_id: name
                for request_id, name in session.execute(
                    sa.select(RecordsRequest.id, Agency.name).join(RecordsRequest.agency)
                )
            }
            templates = [maker.agreement() for _ in range(AGREEMENT_TEMPLATES)]
            page_total = 0
            session.execute(sa.insert(Tag), [{"id": i, "name": t} for i, t in enumerate(TAGS, 1)])
            day0 = dt.date(2019, 1, 1)
            now = dt.datetime.now(dt.UTC)
            for start in range(0, documents, BATCH):
                ids = range(start + 1, min(start + BATCH, documents) + 1)
                docs, pages, tags = [], [], []
                for i in ids:
                    request_id = rng.choice(request_ids)
                    if rng.random() < NEAR_COPY_SHARE:
                        texts = maker.near_copy(rng.choice(templates), agency_of[request_id])
                        title = f"Ring partnership agreement {i}"
                    else:
                        texts = [maker.page() for _ in range(_page_count(rng))]
                        title = f"{rng.choice(TITLES)} {i}"
                    page_total += len(texts)
                    docs.append(
                        {
                            "id": i,
                            "request_id": request_id,
                            "sha256": f"{i:064x}",
                            "title": title,
                            "filename": f"file-{i}.pdf",
                            "media_type": _weighted(rng, MEDIA),
                            "size": rng.randint(10_000, 2_000_000),
                            "page_count": len(texts),
                            "received_on": day0 + dt.timedelta(days=rng.randint(0, 2700)),
                            "source": rng.choice(("email", "email", "upload")),
                            "extraction_status": "ok",
                            "extraction_error": "",
                            "notes": "",
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    pages += [
                        {"document_id": i, "number": n, "text": text}
                        for n, text in enumerate(texts, 1)
                    ]
                    if rng.random() < 0.25:
                        tags += [
                            {"document_id": i, "tag_id": t}
                            for t in rng.sample(range(1, len(TAGS) + 1), rng.randint(1, 2))
                        ]
                session.execute(sa.insert(Document), docs)
                session.execute(sa.insert(DocumentPage), pages)
                if tags:
                    session.execute(sa.insert(DocumentTag), tags)
                session.commit()
                log(f"   {ids[-1]:,} documents")
            messages = documents // MESSAGE_EVERY
            session.execute(
                sa.insert(Message),
                [
                    {
                        "id": i,
                        "subject": f"Re: {rng.choice(TITLES)}",
                        "body_text": maker.page(),
                        "sent_at": now,
                        "received_at": now,
                        "to_addresses": [],
                        "cc_addresses": [],
                    }
                    for i in range(1, messages + 1)
                ],
            )
            session.execute(
                sa.insert(MessageLink),
                [
                    {"message_id": i, "request_id": rng.choice(request_ids), "routed_by": "bench"}
                    for i in range(1, messages + 1)
                ],
            )
            session.commit()
            built = time.perf_counter() - started
            begun = time.perf_counter()
            counts = reindex_all(session)
            session.commit()
            indexed = time.perf_counter() - begun
            state_counts = search(session, "police", per_page=1).facets["state"]
            words = maker.words
            corpus = Corpus(
                documents=documents,
                pages=page_total,
                messages=messages,
                entries=sum(counts.values()),
                requests=workload.requests,
                agencies=workload.agencies,
                build_seconds=built,
                index_seconds=indexed,
                common_state=state_counts[0].value,
                mid_word=words[60],
                rare_word=words[8_000],
            )
            session.remove()
            db.engine.dispose()
    return corpus


def queries(corpus: Corpus) -> list[tuple[str, SearchFilters]]:
    """The mix timed: from a handful of matches to half the corpus."""
    none = SearchFilters()
    return [
        ("police", none),
        ("ring", none),
        ("ring police", none),
        ('"ring doorbell"', none),
        ("agreement OR memorandum", none),
        ("subsid*", none),
        ("ring -amazon", none),
        ("fusus", none),
        ('"neighbors portal"', none),
        (corpus.mid_word, none),
        (corpus.rare_word, none),
        ("camera footage", SearchFilters(state=corpus.common_state)),
        ("ring", SearchFilters(kind="document", tag="priority")),
    ]


@contextmanager
def _sqlite_raw(path: str) -> Iterator[Callable[[str], Callable[[], object]]]:
    import sqlite3

    conn = sqlite3.connect(path)

    def prepare(query: str) -> Callable[[], object]:
        match = to_fts5(parse(query))

        def work() -> object:
            page = conn.execute(
                "SELECT rowid, snippet(search_fts, 1, char(2), char(3), '…', 12), "
                "bm25(search_fts, 5.0, 1.0) AS r FROM search_fts WHERE search_fts MATCH ? "
                "ORDER BY r LIMIT 20",
                (match,),
            ).fetchall()
            total = conn.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (match,)
            ).fetchone()
            return page, total

        return work

    try:
        yield prepare
    finally:
        conn.close()


@contextmanager
def _postgres_raw(backend: Backend) -> Iterator[Callable[[str], Callable[[], object]]]:
    conn = backend.raw_connect()

    def prepare(query: str) -> Callable[[], object]:
        tsq = to_tsquery(parse(query))

        def work() -> object:
            cur = conn.cursor()
            cur.execute(
                "SELECT id, ts_headline('english', search_fold(body), q, 'MaxFragments=2') "
                "FROM (SELECT id, body, ts_rank_cd(tsv, q, 1) AS r FROM search_entry, "
                "to_tsquery('english', %(q)s) AS q WHERE tsv @@ q ORDER BY r DESC, id "
                "LIMIT 20) AS top, to_tsquery('english', %(q)s) AS q",
                {"q": tsq},
            )
            page = cur.fetchall()
            cur.execute(
                "SELECT count(*) FROM search_entry WHERE tsv @@ to_tsquery('english', %(q)s)",
                {"q": tsq},
            )
            return page, cur.fetchone()

        return work

    try:
        yield prepare
    finally:
        conn.close()


def _login(client: Any) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not token:
        raise RuntimeError("no CSRF token on the login page")
    response = client.post(
        "/auth/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token.group(1)},
        headers={"User-Agent": USER_AGENT},
    )
    if response.status_code != 302:
        raise RuntimeError(f"login failed with {response.status_code}")


@dataclass
class Timings:
    app: list[float]
    bare: list[float]
    raw: list[float]
    page: list[float]
    per_query: list[tuple[str, int, float, float]]
    load: float


def measure(
    url: str,
    instance: Path,
    corpus: Corpus,
    raw_for: Callable[[str], Callable[[], object]],
    runs: int,
) -> Timings:
    timings = Timings([], [], [], [], [], os.getloadavg()[0])
    with app_env(instance, url):
        app = create_app()
        client = app.test_client()
        with app.app_context():
            _login(client)
            for query, filters in queries(corpus):
                total = search(db.session, query, filters=filters).total
                args = {"q": query, **filters.active()}
                # Interleaved, so that the app and the raw engine share whatever else the
                # machine is doing at the time.
                app_ms, bare_ms, raw_ms, page_ms = interleaved(
                    [
                        lambda q=query, f=filters: search(db.session, q, filters=f),
                        lambda q=query, f=filters: search(db.session, q, filters=f, facets=False),
                        raw_for(query),
                        lambda a=args: _page(client, a),
                    ],
                    runs,
                )
                db.session.rollback()
                timings.app += app_ms
                timings.bare += bare_ms
                timings.raw += raw_ms
                timings.page += page_ms
                timings.per_query.append(
                    (query, total, percentile(app_ms, 95), percentile(raw_ms, 95))
                )
                log(
                    f"   {query!r:32} {total:>7,} hits  app p95 {percentile(app_ms, 95):6.1f} ms"
                    f"  without facets {percentile(bare_ms, 95):6.1f} ms"
                    f"  raw p95 {percentile(raw_ms, 95):6.1f} ms  page p95 "
                    f"{percentile(page_ms, 95):6.1f} ms"
                )
            db.session.remove()
            db.engine.dispose()
    return timings


def interleaved(works: list[Callable[[], object]], runs: int, warmup: int = 2) -> list[list[float]]:
    """Milliseconds of each work, `runs` rounds of one call each, after `warmup` rounds."""
    times: list[list[float]] = [[] for _ in works]
    for round_ in range(warmup + runs):
        for work, spent in zip(works, times, strict=True):
            start = time.perf_counter()
            work()
            if round_ >= warmup:
                spent.append((time.perf_counter() - start) * 1000)
    return times


def _page(client: Any, args: dict[str, str]) -> None:
    response = client.get("/search/", query_string=args, headers={"User-Agent": USER_AGENT})
    if response.status_code != 200:
        raise RuntimeError(f"/search/ answered {response.status_code}")


def _results(
    label: str, corpus: Corpus, timings: Timings, *, quick: bool, size_mb: float
) -> list[Result]:
    command = python_command(*(["--quick"] if quick else []), "--only", "search")
    app95, raw95 = percentile(timings.app, 95), percentile(timings.raw, 95)
    worst = max(timings.per_query, key=lambda q: q[2])
    per_query = "; ".join(
        f"{q!r} {n:,} hits {a:.0f}/{r:.0f} ms" for q, n, a, r in timings.per_query
    )
    sqlite = label == "sqlite"
    met = None
    if sqlite and not quick:
        met = app95 < TARGET_P95_MS and app95 <= TARGET_RATIO * raw95
    return [
        Result(
            name=f"search/{label}",
            metric=f"search() p95 over {len(timings.per_query)} queries x runs (page of 20, "
            "snippets, total, 7 facets)",
            workload=corpus.describe(),
            app=app95,
            unit="ms",
            raw=raw95,
            p50_ms=percentile(timings.app, 50),
            p95_ms=app95,
            peak_memory_mb=own_peak_rss_mb(),
            target=(
                f"p95 < {TARGET_P95_MS:.0f} ms and <= {TARGET_RATIO:.0f}x raw FTS5 at "
                f"{FULL_DOCUMENTS:,} documents"
                if sqlite
                else ""
            ),
            met=met,
            notes=(
                f"Raw: the same MATCH with the bare driver, top 20 by rank with snippets plus "
                f"count(*), no filters or facets. Slowest query {worst[0]!r} ({worst[1]:,} "
                f"hits). Per query (hits, app/raw p95): {per_query}. Database {size_mb:,.0f} MB; "
                f"corpus built in {corpus.build_seconds:.0f} s. Load average when measuring: "
                f"{timings.load:.1f} on {os.cpu_count()} cores."
            ),
            command=command,
        ),
        Result(
            name=f"search-nofacets/{label}",
            metric="search(facets=False) p95: the same page of 20 with snippets and the total",
            workload=f"{corpus.entries:,} entries",
            app=percentile(timings.bare, 95),
            unit="ms",
            raw=raw95,
            p50_ms=percentile(timings.bare, 50),
            p95_ms=percentile(timings.bare, 95),
            notes=(
                "What the facet counts cost: the difference with search/. Exact counts group "
                "every match by request, kind, media type and source (thousands of groups for "
                "tens of thousands of matches) and count its tags in a second pass; the raw "
                "query only ranks "
                "and counts. See 'Search: where the facet time goes' below the tables."
            ),
            command=command,
        ),
        Result(
            name=f"search-page/{label}",
            metric="GET /search/?q=... through the test client, one at a time",
            workload=f"{corpus.entries:,} entries",
            app=percentile(timings.page, 95),
            unit="ms",
            p50_ms=percentile(timings.page, 50),
            p95_ms=percentile(timings.page, 95),
            notes="The same queries and filters as search/, templates included.",
            command=command,
        ),
        Result(
            name=f"search-reindex/{label}",
            metric="reindex_all (flask reindex) from documents and messages",
            workload=f"{corpus.entries:,} entries",
            app=corpus.index_seconds,
            unit="s",
            notes=f"{corpus.entries / corpus.index_seconds:,.0f} entries/s.",
            command=command,
        ),
    ]


@dataclass
class Sizes:
    documents: int
    requests: int
    runs: int


def _sizes(quick: bool) -> Sizes:
    documents = int(os.environ.get("FOIATRACK_BENCH_SEARCH_DOCUMENTS", "0")) or (
        QUICK_DOCUMENTS if quick else FULL_DOCUMENTS
    )
    return Sizes(documents, QUICK_REQUESTS if quick else FULL_REQUESTS, 10 if quick else 20)


#: PostgreSQL ranks by reading every match's tsvector; fewer runs keep the benchmark short
POSTGRES_RUNS = 5


def _one(backend_cm: Callable[[], Any], folder: Path, label: str, quick: bool) -> Iterator[Result]:
    sizes = _sizes(quick)
    with backend_cm() as backend:
        instance = make_instance(folder / label)
        log(f"   {label}: building {sizes.documents:,} documents")
        corpus = build(backend.url, instance, sizes.documents, sizes.requests)
        log(
            f"   {label}: built in {corpus.build_seconds:.0f} s, indexed in "
            f"{corpus.index_seconds:.0f} s"
        )
        if label == "sqlite":
            path = backend.url.removeprefix("sqlite:///")
            raw_engine = _sqlite_raw(path)
            size_mb = Path(path).stat().st_size / 1e6
        else:
            raw_engine = _postgres_raw(backend)
            engine = sa.create_engine(backend.url)
            with engine.connect() as conn:
                size_mb = (
                    float(
                        conn.execute(
                            sa.text(
                                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                            )
                        ).scalar()
                        or 0
                    )
                    / 1e6
                )
            engine.dispose()
        runs = sizes.runs if label == "sqlite" else min(sizes.runs, POSTGRES_RUNS)
        with raw_engine as raw_for:
            timings = measure(backend.url, instance, corpus, raw_for, runs)
        yield from _results(label, corpus, timings, quick=quick, size_mb=size_mb)


def run(quick: bool) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="foiatrack-bench-search-") as tmp:
        folder = Path(tmp)
        results += _one(lambda: sqlite_backend(folder, "search"), folder, "sqlite", quick)
        if postgres_reachable():
            results += _one(lambda: postgres_backend("search"), folder, "postgresql", quick)
        else:
            log("   PostgreSQL is not reachable: skipping it")
    return results


if __name__ == "__main__":
    import sys

    for result in run(quick="--quick" in sys.argv):
        print(result.name, f"{result.app:.1f} {result.unit}", result.raw, result.notes)
