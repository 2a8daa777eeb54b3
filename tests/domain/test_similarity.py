"""Near-duplicates across agencies: grouping, stable group ids, diffs and campaign coverage."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from foiatrack.domain.documents import similarity
from foiatrack.domain.documents.models import Document, DocumentGroup, DocumentSource
from foiatrack.domain.documents.signatures import DocumentSignature
from foiatrack.domain.errors import NotFound
from tests.archive_data import AGREEMENT, POLICY, add_document, build_corpus, edited
from tests.factories import make_agency, make_request


def _groups(session: Session) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for doc_id, group_id in session.execute(
        select(Document.id, Document.group_id).where(Document.group_id.is_not(None))
    ):
        found.setdefault(group_id, set()).add(doc_id)
    return found


def _unique_text(seed: int) -> str:
    """A text sharing no five-word run with anything else."""
    return " ".join(f"note{seed}word{i}" for i in range(60))


def test_normalised_words_ignore_case_accents_and_punctuation() -> None:
    assert similarity.normalised_words("The CHIEF's café—Police, Dept.") == [
        "the",
        "chiefs",
        "cafe",
        "police",
        "dept",
    ]
    assert similarity.shingles(["a", "b", "c", "d", "e", "f"]) == {"a b c d e", "b c d e f"}
    assert similarity.shingles(["a", "b"]) == {"a b"}
    assert similarity.shingles([]) == set()


def test_signature_estimates_jaccard() -> None:
    near = similarity.fingerprint(edited(AGREEMENT, "thirty (30)", "sixty (60)"))
    same = similarity.fingerprint(AGREEMENT)
    other = similarity.fingerprint(POLICY)
    assert len(same.minhash) == 4 * similarity.NUM_PERM
    a, b, c = (similarity.decode_minhash(f.minhash) for f in (same, near, other))
    assert similarity.estimated_similarity(a, a) == 1.0
    assert similarity.estimated_similarity(a, b) > 0.85
    assert similarity.estimated_similarity(a, c) < 0.1
    # Reformatting (case, line breaks) is not a difference.
    assert similarity.fingerprint(AGREEMENT.upper().replace("\n", " ")).text_digest == (
        same.text_digest
    )


def test_near_copies_across_six_agencies_form_one_group(session: Session) -> None:
    corpus = build_corpus(session)
    report = similarity.regroup(session)
    groups = _groups(session)
    assert list(groups.values()) == [{d.id for d in corpus.agreements}]
    assert all(d.group_id is None for d in corpus.unrelated)
    assert report.groups == 1
    assert report.grouped_documents == 6
    assert report.comparable == 8
    assert report.signatures_computed == 8
    assert report.groups_created == 1
    group = session.get(DocumentGroup, next(iter(groups)))
    assert group is not None
    assert group.label == "Neighbors Portal agreement"


def test_letters_short_texts_and_inbox_files_are_not_compared(session: Session) -> None:
    agencies = [make_agency(session, f"Agency {i}", "MI") for i in range(4)]
    requests = [make_request(session, agency) for agency in agencies]
    # Our own letter, sent to every agency: the same text, but nothing to compare.
    for request in requests[:2]:
        add_document(session, request, AGREEMENT, source=DocumentSource.LETTER)
    short = "Please find the responsive records attached to this message."
    add_document(session, requests[2], short)
    add_document(session, requests[3], short)
    add_document(session, None, AGREEMENT)
    add_document(session, requests[3], AGREEMENT)
    report = similarity.regroup(session)
    assert report.groups == 0
    assert _groups(session) == {}
    assert report.documents == 3  # the two short texts and the agreement on a request
    assert report.comparable == 1


def test_regroup_is_stable_and_reuses_signatures(session: Session) -> None:
    corpus = build_corpus(session)
    similarity.regroup(session)
    (group_id,) = _groups(session)

    again = similarity.regroup(session)
    assert again.signatures_computed == 0
    assert again.signatures_reused == 8
    assert again.groups_kept == 1
    assert again.documents_moved == 0
    assert list(_groups(session)) == [group_id]

    # A seventh agency returns the agreement, one copy is replaced by an unrelated text:
    # most members stay, so the group keeps its number.
    late = make_request(session, make_agency(session, "Canton Police Department", "OH"))
    seventh = add_document(session, late, edited(AGREEMENT, "one year", "two years"))
    changed = corpus.agreements[0]
    page = changed.pages[0]
    page.text = _unique_text(1)
    session.flush()
    report = similarity.regroup(session)
    assert report.signatures_computed == 2  # only the new and the changed document
    assert report.groups_kept == 1
    assert report.groups_created == 0
    members = {d.id for d in corpus.agreements[1:]} | {seventh.id}
    assert _groups(session) == {group_id: members}
    assert session.get(Document, changed.id).group_id is None


def test_a_group_that_dissolves_is_removed(session: Session) -> None:
    corpus = build_corpus(session)
    similarity.regroup(session)
    (group_id,) = _groups(session)
    for document in corpus.agreements[1:]:
        document.pages[0].text = _unique_text(document.id)
    session.flush()
    report = similarity.regroup(session)
    assert report.groups_removed == 1
    assert session.get(DocumentGroup, group_id) is None
    assert session.scalar(select(func.count()).select_from(DocumentGroup)) == 0


def test_merged_groups_keep_the_larger_ones_number(session: Session) -> None:
    requests = [make_request(session, make_agency(session, f"Agency {i}", "MI")) for i in range(5)]
    docs = [add_document(session, r, AGREEMENT) for r in requests[:3]]
    similarity.regroup(session)
    (first,) = _groups(session)
    more = [add_document(session, r, AGREEMENT) for r in requests[3:]]
    report = similarity.regroup(session)
    assert _groups(session) == {first: {d.id for d in docs + more}}
    assert report.groups_kept == 1


def test_signatures_are_stored_compactly(session: Session) -> None:
    corpus = build_corpus(session)
    similarity.regroup(session)
    stored = session.scalars(select(DocumentSignature)).all()
    assert len(stored) == 8
    assert {len(s.minhash) for s in stored} == {512}
    assert all(s.params == similarity.PARAMS for s in stored)
    verbatim = {
        s.text_digest for s in stored if s.document_id in {d.id for d in corpus.agreements[:3]}
    }
    assert len(verbatim) == 1
    values = similarity.decode_minhash(stored[0].minhash)
    assert values.dtype == np.dtype("<u4")


def test_recompute_shingles_everything_again(session: Session) -> None:
    build_corpus(session)
    similarity.regroup(session)
    report = similarity.regroup(session, recompute=True)
    assert report.signatures_computed == 8
    assert report.groups_kept == 1


def test_progress_is_reported_after_each_batch(session: Session) -> None:
    build_corpus(session)
    calls: list[tuple[int, int | None, str]] = []
    similarity.regroup(session, progress=lambda d, t=None, m="": calls.append((d, t, m)))
    assert calls[0][:2] == (0, 8)
    assert (8, 8) in [c[:2] for c in calls]
    assert "Comparing 8 documents" in calls[-1][2]


def test_group_view_shows_members_by_agency_with_their_differences(session: Session) -> None:
    corpus = build_corpus(session)
    similarity.regroup(session)
    (group_id,) = _groups(session)
    view = similarity.group_view(session, group_id)
    assert view.total == 6
    assert view.agencies == 6
    assert view.identical == 3
    assert view.states == [("IN", 2), ("MI", 2), ("OH", 2)]
    # The common version is the text three agencies returned word for word.
    assert view.common.document.id in {d.id for d in corpus.agreements[:3]}
    assert view.common.is_common
    assert [m.state for m in view.members] == ["IN", "IN", "MI", "MI", "OH", "OH"]
    by_agency = {m.agency.name: m for m in view.members}
    toledo = by_agency["Toledo Police Department"]
    assert toledo.diff is not None
    html = str(toledo.diff.html)
    assert '<del class="diff-del">thirty (30)</del>' in html
    assert '<ins class="diff-ins">sixty (60)</ins>' in html
    assert toledo.diff.added == 2
    assert toledo.diff.removed == 2
    assert 0.8 < toledo.similarity < 1.0
    gary = by_agency["Gary Police Department"].diff
    assert gary is not None
    assert "Chief" in str(gary.html)
    assert "<ins" in str(gary.html)
    wayne = by_agency["Fort Wayne Police Department"].diff
    assert wayne is not None
    # Text from a document is escaped, never markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in str(wayne.html)
    assert "<script>" not in str(wayne.html)
    same = [m for m in view.members if m.same_text and not m.is_common]
    assert len(same) == 2
    assert all(m.diff is None for m in same)


def test_group_view_pages_its_members(session: Session) -> None:
    build_corpus(session)
    similarity.regroup(session)
    (group_id,) = _groups(session)
    first = similarity.group_view(session, group_id, page=1, per_page=4)
    second = similarity.group_view(session, group_id, page=2, per_page=4)
    assert (first.pages, len(first.members), len(second.members)) == (2, 4, 2)
    assert first.common.document.id == second.common.document.id
    with pytest.raises(NotFound):
        similarity.group_view(session, 999_999)


def test_word_diff_shows_only_changes_with_context() -> None:
    old = " ".join(f"w{i}" for i in range(200))
    new = old.replace("w100", "CHANGED")
    diff = similarity.word_diff(old, new, context=3)
    html = str(diff.html)
    assert html.count('class="diff-hunk"') == 1
    assert "w97 w98 w99" in html
    assert "w5 " not in html
    assert html.startswith('<p class="diff-hunk">\u2026 ')
    assert (diff.added, diff.removed) == (1, 1)
    assert not similarity.word_diff(old, old.replace(" ", "\n")).changed


def test_campaign_coverage_matrix(session: Session) -> None:
    corpus = build_corpus(session)
    similarity.regroup(session)
    coverage = similarity.campaign_coverage(session, corpus.campaign.id)
    assert len(coverage.groups) == 1
    column = coverage.groups[0]
    assert column.agencies == 6
    assert column.size == 6
    returned = {a.name for a in coverage.returned(column.group.id)}
    assert returned == set(list(corpus.requests)[:6])
    missing = {a.name for a in coverage.missing(column.group.id)}
    assert missing == {
        "Flint Police Department",
        "Lansing Police Department",
        "Kalamazoo Police Department",
    }
    assert [row.agency.name for row in coverage.without_documents] == [
        "Kalamazoo Police Department"
    ]
    flint = next(r for r in coverage.rows if r.agency.name == "Flint Police Department")
    assert (flint.documents, flint.ungrouped, flint.cells) == (1, 1, {})
    troy = next(r for r in coverage.rows if r.agency.name == "Troy Police Department")
    assert troy.cells == {column.group.id: [corpus.agreements[0].id]}
    assert [r.agency.state for r in coverage.rows] == sorted(r.agency.state for r in coverage.rows)
    with pytest.raises(NotFound):
        similarity.campaign_coverage(session, 999_999)


def test_find_groups_scales_by_buckets_not_pairs() -> None:
    """2,000 random texts and 20 copies of one: a few hundred comparisons, not 2 million."""
    rng = np.random.default_rng(7)
    vocabulary = [f"w{i}" for i in range(3000)]
    signatures = []
    base = list(rng.choice(vocabulary, 200))
    for i in range(20):
        words = list(base)
        words[int(rng.integers(0, 200))] = f"edit{i}"
        signatures.append((i, similarity.minhash_values(similarity.shingles(words))))
    for i in range(20, 2020):
        words = list(rng.choice(vocabulary, 200))
        signatures.append((i, similarity.minhash_values(similarity.shingles(words))))
    groups, comparisons, joined = similarity.find_groups(signatures)
    assert groups == [list(range(20))]
    assert comparisons < 1000
    assert joined == 19
