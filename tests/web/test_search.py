"""The search page: results with snippets, facets as links, errors in the page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from foiatrack.domain.accounts.models import Role, User
from foiatrack.extensions import db
from tests.search_corpus import Corpus, build_corpus


@pytest.fixture
def corpus(app: Flask) -> Corpus:
    with app.app_context():
        return build_corpus(db.session)


@pytest.fixture
def viewer(login_as: Callable[[Role], User]) -> User:
    return login_as(Role.VIEWER)


def _page(client: FlaskClient, query: str, status: int = 200) -> str:
    response = client.get(f"/search/?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_search_needs_a_login(client: FlaskClient, corpus: Corpus) -> None:
    response = client.get("/search/?q=ring")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_a_viewer_searches_and_sees_snippets_facets_and_links(
    client: FlaskClient, corpus: Corpus, viewer: User
) -> None:
    html = _page(client, "q=ring")
    assert "6 results" in html
    assert "the <mark>ring</mark> doorbell" in html
    # a document opens at the matching page with the query, a letter on its request
    d1 = corpus.ids["D1"]
    assert f'href="/documents/{d1}?page=2&amp;q=ring#page-2"' in html
    assert f'href="/requests/{corpus.ids["r_nm"]}"' in html
    # facets are filter links with counts
    assert re.search(
        r'href="/search/\?q=ring&amp;state=MI">Michigan</a> <span class="count">\(4\)', html
    )
    assert 'href="/search/?q=ring&amp;tag=mou"' in html
    assert f'href="/search/?q=ring&amp;agency_id={corpus.ids["austin"]}"' in html
    assert ">Filed letters</a>" in html


def test_a_facet_link_narrows_and_can_be_removed(
    client: FlaskClient, corpus: Corpus, viewer: User
) -> None:
    html = _page(client, "q=ring&state=MI")
    assert "4 results" in html
    assert "Filtered by:" in html
    assert 'href="/search/?q=ring" title="Remove this filter">State: Michigan' in html
    # the active value links back to the unfiltered search
    assert 'href="/search/?q=ring" aria-current="true" title="Remove this filter">Michigan' in html
    html = _page(client, f"q=ring&agency_id={corpus.ids['troy']}")
    assert "Agency: Troy Police Department" in html
    # the other active filters ride along in the form
    html = _page(client, "q=ring&tag=mou&kind=document")
    assert "2 results" in html
    assert '<input type="hidden" name="tag" value="mou">' in html
    assert '<option value="document" selected>' in html


def test_a_syntax_error_is_shown_in_the_page_with_400(
    client: FlaskClient, corpus: Corpus, viewer: User
) -> None:
    html = _page(client, "q=%22ring", 400)
    assert "unbalanced quote" in html
    assert 'aria-invalid="true"' in html
    assert 'value="&#34;ring"' in html
    html = _page(client, "q=ring+OR", 400)
    assert "OR needs a word on each side" in html
    html = _page(client, "q=ring&date_from=2026-13-01", 400)
    assert "not a date" in html
    html = _page(client, "state=MI", 400)
    assert "Type a word" in html


def test_engine_syntax_typed_by_hand_is_not_an_error(
    client: FlaskClient, corpus: Corpus, viewer: User
) -> None:
    html = _page(client, "q=NEAR%28+station")
    assert "1 result" in html
    html = _page(client, "q=title%3Aring")
    assert "Nothing matches" in html


def test_hostile_text_stays_escaped(client: FlaskClient, corpus: Corpus, viewer: User) -> None:
    html = _page(client, "q=surveillance+script")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; notes" in html
    assert "<mark>" in html
    html = _page(client, "q=%3Cb%3Ezanzibar%3C%2Fb%3E")
    assert "<b>zanzibar" not in html
    assert "Nothing matches <strong>&lt;b&gt;zanzibar&lt;/b&gt;</strong>" in html


def test_empty_states_and_pages(client: FlaskClient, corpus: Corpus, viewer: User) -> None:
    html = _page(client, "")
    assert "Search the text of every document" in html
    assert 'href="/search/"' in html and ">Search</a>" in html  # in the navigation
    html = _page(client, "q=ring&page=3")
    assert "past the last page" in html
    html = _page(client, "q=zanzibar&state=MI")
    assert 'href="/search/?q=zanzibar">search without them</a>' in html
