"""Search commands: `search QUERY` looks through the archive, `reindex` rebuilds the index."""

from __future__ import annotations

import html
import json
import re
import sys
from typing import Any

import click
from flask.cli import with_appcontext

from foiatrack.domain.documents.models import SearchKind
from foiatrack.domain.errors import DomainError
from foiatrack.domain.search.indexing import reindex_all
from foiatrack.domain.search.service import (
    MAX_PER_PAGE,
    Hit,
    SearchFilters,
    SearchResults,
    search,
)
from foiatrack.extensions import db

_MARK = re.compile(r"</?mark>")


def _fail(error: DomainError) -> None:
    db.session.rollback()
    click.echo(f"Error: {error}", err=True)
    sys.exit(1)


def _hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "kind": hit.kind,
        "id": hit.id,
        "title": hit.title,
        "request_id": hit.request_id,
        "agency": hit.agency,
        "state": hit.state,
        "page": hit.page,
        "snippet": hit.snippet,
        "score": round(hit.score, 6),
    }


def results_json(results: SearchResults) -> dict[str, Any]:
    """The JSON shape of `search --json` (and of anything else that exports results)."""
    return {
        "total": results.total,
        "page": results.page,
        "per_page": results.per_page,
        "results": [_hit_json(h) for h in results.results],
        "facets": {name: [v._asdict() for v in values] for name, values in results.facets.items()},
    }


def _plain(snippet: str) -> str:
    """A snippet for the terminal: matches in [brackets], entities decoded."""
    return html.unescape(_MARK.sub(lambda m: "]" if m.group(0) == "</mark>" else "[", snippet))


@click.command("search")
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--state", help="Only requests to agencies in this state (two-letter code).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in SearchKind]),
    help="Only documents, messages or filed letters.",
)
@click.option("--tag", help="Only documents with this tag.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, MAX_PER_PAGE), default=20, show_default=True)
@with_appcontext
def search_command(
    query: str,
    as_json: bool,
    state: str | None,
    kind: str | None,
    tag: str | None,
    page: int,
    per_page: int,
) -> None:
    """Search documents, messages and filed letters.

    QUERY: words (all must match), "exact phrases", OR between words, -word to leave a word
    out, and word* for words starting with it. Put -- before a query that starts with a
    minus sign: flask search -- -amazon ring
    """
    filters = SearchFilters(state=state, kind=kind, tag=tag)
    try:
        results = search(db.session, query, filters=filters, page=page, per_page=per_page)
    except DomainError as exc:
        _fail(exc)
        return
    if as_json:
        click.echo(json.dumps(results_json(results), ensure_ascii=False, indent=2))
        return
    if not results.total:
        click.echo("No results.")
        return
    first = (page - 1) * per_page + 1
    last = first + len(results.results) - 1
    if results.results:
        click.echo(f"Results {first}-{last} of {results.total}:")
    else:
        click.echo(f"{results.total} results; page {page} is past the last ({results.pages}).")
    for hit in results.results:
        where = f"page {hit.page} of " if hit.kind == SearchKind.DOCUMENT else ""
        agency = f" - {hit.agency} ({hit.state})" if hit.agency else ""
        request = f" request {hit.request_id}" if hit.request_id else " (inbox)"
        click.echo(f"\n{hit.kind} {hit.id}: {where}{hit.title}{agency};{request}")
        if hit.snippet:
            click.echo(f"    {_plain(hit.snippet)}")


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from every document, message and filed letter."""
    with click.progressbar(length=1, label="Indexing", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        counts = reindex_all(db.session, progress)
    db.session.commit()
    click.echo(
        f"Indexed {counts['document']} document pages, {counts['message']} messages and "
        f"{counts['letter']} filed letters."
    )
