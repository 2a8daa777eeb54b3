"""The `search` and `reindex` commands."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from foiatrack.extensions import db
from tests.search_corpus import Corpus, build_corpus


@pytest.fixture
def corpus(app: Flask) -> Corpus:
    with app.app_context():
        return build_corpus(db.session)


def test_search_json_has_the_documented_keys(runner: FlaskCliRunner, corpus: Corpus) -> None:
    result = runner.invoke(args=["search", "ring", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"total", "results", "facets"}
    assert data["total"] == 6
    first = data["results"][0]
    assert set(first) >= {
        "kind",
        "id",
        "title",
        "request_id",
        "agency",
        "snippet",
        "page",
        "state",
    }
    letters = [r for r in data["results"] if r["kind"] == "letter"]
    assert {r["id"] for r in letters} == {corpus.ids["L1"], corpus.ids["L2"]}
    assert {(v["value"], v["count"]) for v in data["facets"]["state"]} == {
        ("MI", 4),
        ("TX", 1),
        ("NM", 1),
    }


def test_search_filters_and_pages(runner: FlaskCliRunner, corpus: Corpus) -> None:
    result = runner.invoke(args=["search", "ring", "--state", "MI", "--kind", "document", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] == 2
    assert {(r["id"], r["page"]) for r in data["results"]} == {
        (corpus.ids["D1"], 1),
        (corpus.ids["D1"], 2),
    }
    paged = json.loads(
        runner.invoke(args=["search", "ring", "--page", "2", "--per-page", "4", "--json"]).stdout
    )
    assert (paged["total"], len(paged["results"]), paged["page"]) == (6, 2, 2)


def test_search_text_output(runner: FlaskCliRunner, corpus: Corpus) -> None:
    result = runner.invoke(args=["search", '"ring doorbell"'])
    assert result.exit_code == 0, result.output
    assert "Results 1-1 of 1:" in result.output
    assert "the [ring doorbell] subsidy" in result.output
    assert "Austin Police Department (TX)" in result.output
    none = runner.invoke(args=["search", "zanzibar"])
    assert none.exit_code == 0
    assert "No results." in none.output


@pytest.mark.parametrize(
    ("query", "message"),
    [('"ring', "unbalanced quote"), ("OR", "OR needs a word"), ("-amazon", "only exclusions")],
)
def test_syntax_errors_exit_1_with_the_message(
    runner: FlaskCliRunner, corpus: Corpus, query: str, message: str
) -> None:
    # `--` lets a query start with a minus sign
    result = runner.invoke(args=["search", "--json", "--", query])
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_reindex_rebuilds_and_prints_counts(
    app: Flask, runner: FlaskCliRunner, corpus: Corpus
) -> None:
    with app.app_context():
        from foiatrack.domain.documents.models import SearchEntry

        db.session.execute(SearchEntry.__table__.delete())
        db.session.commit()
    assert json.loads(runner.invoke(args=["search", "ring", "--json"]).stdout)["total"] == 0
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 6 document pages, 3 messages and 2 filed letters." in result.stdout
    assert json.loads(runner.invoke(args=["search", "ring", "--json"]).stdout)["total"] == 6
