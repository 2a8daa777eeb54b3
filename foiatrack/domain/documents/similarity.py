"""Near-duplicates across agencies: the same agreement, signed by many, found by MinHash and LSH.

Each document's text becomes a set of word 5-grams (shingles) after normalising case, accents
and punctuation. A 128-value MinHash (datasketch) estimates the Jaccard similarity of two such
sets; MinHashLSH buckets the signatures by bands, so only documents that share a band are ever
compared and grouping 100,000 documents costs about as much as reading their signatures, not
5 billion comparisons. Candidate pairs are kept when their estimated similarity reaches the
threshold, and the pairs are joined into groups with union-find.

Signatures are stored (`DocumentSignature`) with a cheap description of the pages they were
made from, so regrouping re-shingles only documents whose text changed. Group ids are stable:
a new group takes over an old group's id when most of the old group's members are in it.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup, escape
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from foiatrack.domain.agencies.models import Agency
from foiatrack.domain.documents.models import (
    Document,
    DocumentGroup,
    DocumentPage,
    DocumentSource,
)
from foiatrack.domain.documents.signatures import DocumentSignature
from foiatrack.domain.errors import NotFound
from foiatrack.domain.requests.models import Campaign, RecordsRequest
from foiatrack.domain.requests.services import get_campaign

SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
#: estimated Jaccard similarity of the shingle sets from which two documents count as one text
THRESHOLD = 0.8
#: shorter texts (a cover note, "see attached") say too little to be called the same document
MIN_WORDS = 25
#: LSH looks for candidates this far below the threshold: a signature whose estimate errs low
#: against one copy errs low against all of them, and would otherwise be missed whole
LSH_MARGIN = 0.1
#: copies in a bucket that a document not near the bucket's first one is also compared with
SECOND_CHANCE = 16
#: changing any setting that alters a signature must change this string
PARAMS = f"w{SHINGLE_WORDS}-{SCHEME}-p{NUM_PERM}-s{SEED}-v1"
#: documents whose text is read and shingled per flush (and per progress report)
BATCH = 250
#: words per side beyond which a diff shows only the beginning: difflib is quadratic at worst
MAX_DIFF_WORDS = 40_000

Progress = Callable[[int, int | None, str], None]

_COMBINING = re.compile(r"[\u0300-\u036f]")
_WORD = re.compile(r"[^\W_]+")
_NON_SPACE = re.compile(r"\S+")
_CHUNK = 500


# --- signatures ------------------------------------------------------------------------------


def normalised_words(text: str) -> list[str]:
    """Lower-case words without accents or punctuation: "Chief's" and "chiefs" match."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))
    return _WORD.findall(folded.replace("'", "").replace("\u2019", ""))


def shingles(words: Sequence[str], size: int = SHINGLE_WORDS) -> set[str]:
    """The set of `size`-word runs; a text shorter than that is one shingle."""
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


@functools.cache
def _permutations() -> np.ndarray:
    # Drawing the permutations costs more than hashing a page; every MinHash shares one set.
    from datasketch import MinHash  # imported when needed: it pulls in scipy (0.6 s)

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def minhash_values(items: Iterable[str]) -> np.ndarray:
    """The MinHash of a set of shingles: NUM_PERM unsigned 32-bit values."""
    from datasketch import MinHash

    sketch = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_permutations(), scheme=SCHEME)
    sketch.update_batch([item.encode("utf-8") for item in items])
    return sketch.hashvalues


def encode_minhash(values: np.ndarray) -> bytes:
    return np.asarray(values, dtype="<u4").tobytes()


def decode_minhash(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4")


@dataclass(frozen=True)
class Fingerprint:
    text_digest: str
    words: int
    shingles: int
    minhash: bytes


def fingerprint(text: str) -> Fingerprint:
    """Everything regrouping needs to know about one text."""
    words = normalised_words(text)
    digest = hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=16).hexdigest()
    items = shingles(words)
    return Fingerprint(
        text_digest=digest,
        words=len(words),
        shingles=len(items),
        minhash=encode_minhash(minhash_values(items)) if items else b"",
    )


def estimated_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The share of equal MinHash values: an estimate of the shingle sets' Jaccard index."""
    return float(np.count_nonzero(a == b)) / len(a)


# --- regrouping ------------------------------------------------------------------------------


def _eligible() -> list[object]:
    # Our own letters are one template sent to every agency: grouping them says nothing.
    return [Document.request_id.is_not(None), Document.source != DocumentSource.LETTER]


@dataclass
class GroupingReport:
    """What a regroup did."""

    documents: int = 0
    comparable: int = 0
    signatures_computed: int = 0
    signatures_reused: int = 0
    #: signature comparisons made (LSH keeps this near the number of documents)
    comparisons: int = 0
    #: similar pairs that joined two groups
    joined_pairs: int = 0
    groups: int = 0
    grouped_documents: int = 0
    groups_kept: int = 0
    groups_created: int = 0
    groups_removed: int = 0
    documents_moved: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.groups} groups of near-duplicates ({self.grouped_documents} documents) "
            f"among {self.comparable} comparable documents; {self.groups_created} new, "
            f"{self.groups_kept} kept, {self.groups_removed} removed; signatures: "
            f"{self.signatures_computed} computed, {self.signatures_reused} reused; "
            f"{self.seconds:.1f} s"
        )


def _text_keys(session: Session) -> dict[int, str]:
    rows = session.execute(
        select(
            DocumentPage.document_id,
            func.count(DocumentPage.id),
            func.coalesce(func.sum(func.length(DocumentPage.text)), 0),
            func.max(DocumentPage.id),
        )
        .join(Document, Document.id == DocumentPage.document_id)
        .where(*_eligible())
        .group_by(DocumentPage.document_id)
    )
    return {doc_id: f"{count}:{length}:{last}" for doc_id, count, length, last in rows}


def _texts(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Each document's text, its pages joined by blank lines."""
    pages: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        rows = session.execute(
            select(DocumentPage.document_id, DocumentPage.text)
            .where(DocumentPage.document_id.in_(chunk))
            .order_by(DocumentPage.document_id, DocumentPage.number)
        )
        for doc_id, text in rows:
            pages[doc_id].append(text or "")
    return {doc_id: "\n\n".join(pages.get(doc_id, [])) for doc_id in ids}


@dataclass(frozen=True)
class DocumentSignatureRow:
    """What grouping reads from a stored signature."""

    document_id: int
    text_digest: str
    words: int
    minhash: bytes


def refresh_signatures(
    session: Session,
    *,
    recompute: bool = False,
    progress: Progress | None = None,
) -> tuple[dict[int, DocumentSignatureRow], int, int]:
    """Compute the signatures that are missing or stale; returns them all with the counts
    (computed, reused). Flushes after each batch and then reports progress, so a caller that
    commits in its progress callback keeps the work done so far."""
    keys = _text_keys(session)
    ids = list(session.scalars(select(Document.id).where(*_eligible()).order_by(Document.id)))
    stored: dict[int, DocumentSignatureRow] = {}
    rows = session.execute(
        select(
            DocumentSignature.document_id,
            DocumentSignature.params,
            DocumentSignature.text_key,
            DocumentSignature.text_digest,
            DocumentSignature.words,
            DocumentSignature.minhash,
        )
        .join(Document, Document.id == DocumentSignature.document_id)
        .where(*_eligible())
    )
    for doc_id, params, text_key, digest, words, minhash in rows:
        if params == PARAMS and not recompute and text_key == keys.get(doc_id, "0:0:0"):
            stored[doc_id] = DocumentSignatureRow(doc_id, digest, words, minhash)
    stale = [doc_id for doc_id in ids if doc_id not in stored]
    if progress is not None and stale:
        progress(0, len(stale), f"Reading the text of {len(stale)} documents")
    for start in range(0, len(stale), BATCH):
        batch = stale[start : start + BATCH]
        texts = _texts(session, batch)
        session.execute(delete(DocumentSignature).where(DocumentSignature.document_id.in_(batch)))
        values = []
        for doc_id in batch:
            print_ = fingerprint(texts[doc_id])
            values.append(
                {
                    "document_id": doc_id,
                    "params": PARAMS,
                    "text_key": keys.get(doc_id, "0:0:0"),
                    "text_digest": print_.text_digest,
                    "words": print_.words,
                    "shingles": print_.shingles,
                    "minhash": print_.minhash,
                }
            )
            stored[doc_id] = DocumentSignatureRow(
                doc_id, print_.text_digest, print_.words, print_.minhash
            )
        session.execute(insert(DocumentSignature), values)
        session.flush()
        if progress is not None:
            done = min(start + BATCH, len(stale))
            progress(done, len(stale), f"Signatures: {done} of {len(stale)} documents")
    return stored, len(stale), len(ids) - len(stale)


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find_groups(
    signatures: Sequence[tuple[int, np.ndarray]], *, threshold: float = THRESHOLD
) -> tuple[list[list[int]], int, int]:
    """Groups (of 2 or more document ids) of similar signatures; also the number of signature
    comparisons made and of similar pairs that joined two groups.

    Each LSH bucket (documents equal on one band of their signatures) is walked once: its first
    document is compared with all the others at once, those similar enough join it, and the
    rest are walked the same way. A bucket whose documents are already in one group is skipped.
    The cost follows the number of documents, not the number of pairs, even when two thousand
    agencies returned the same agreement.
    """
    if len(signatures) < 2:
        return [], 0, 0
    ids = [doc_id for doc_id, _ in signatures]
    matrix = np.vstack([values for _, values in signatures])
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(threshold=max(0.05, threshold - LSH_MARGIN), num_perm=NUM_PERM)
    for index, row in enumerate(matrix):
        sketch = LeanMinHash(seed=SEED, hashvalues=row, scheme=SCHEME)
        lsh.insert(index, sketch, check_duplication=False)
    sets = _UnionFind(len(ids))
    comparisons = joined = 0
    for table in lsh.hashtables:
        for band, size in table.itemcounts().items():
            if size < 2:
                continue
            bucket = table.get(band)
            if len({sets.find(i) for i in bucket}) == 1:
                continue
            rest = np.array(sorted(bucket))
            while len(rest) > 1:
                first, others = int(rest[0]), rest[1:]
                equal = np.count_nonzero(matrix[others] == matrix[first], axis=1) / NUM_PERM
                comparisons += len(others)
                close = others[equal >= threshold]
                root = sets.find(first)
                left = np.array(
                    [i for i in others[equal < threshold].tolist() if sets.find(i) != root],
                    dtype=np.int64,
                )
                if len(left) and len(close):
                    # Two copies can each be near the others but not quite near `first`: give
                    # them a second chance against a few of the copies that did join.
                    sample = close[:SECOND_CHANCE]
                    near = (matrix[left][:, None, :] == matrix[sample][None, :, :]).sum(-1)
                    comparisons += near.size
                    rescued = near.max(axis=1) >= threshold * NUM_PERM
                    close, left = np.concatenate([close, left[rescued]]), left[~rescued]
                for other in close.tolist():
                    if sets.find(other) != sets.find(first):
                        sets.union(first, other)
                        joined += 1
                rest = left
    members: dict[int, list[int]] = defaultdict(list)
    for index, doc_id in enumerate(ids):
        members[sets.find(index)].append(doc_id)
    groups = sorted((sorted(g) for g in members.values() if len(g) > 1), key=lambda g: g[0])
    return groups, comparisons, joined


def regroup(
    session: Session,
    *,
    threshold: float = THRESHOLD,
    recompute: bool = False,
    progress: Progress | None = None,
) -> GroupingReport:
    """Recompute every near-duplicate group; ids stay with groups that mostly stay together."""
    started = time.perf_counter()
    report = GroupingReport()
    signatures, report.signatures_computed, report.signatures_reused = refresh_signatures(
        session, recompute=recompute, progress=progress
    )
    report.documents = len(signatures)
    comparable = [
        (doc_id, decode_minhash(row.minhash))
        for doc_id, row in sorted(signatures.items())
        if row.words >= MIN_WORDS and row.minhash
    ]
    report.comparable = len(comparable)
    if progress is not None:
        progress(report.signatures_computed, None, f"Comparing {len(comparable)} documents")
    groups, report.comparisons, report.joined_pairs = find_groups(comparable, threshold=threshold)
    _store_groups(session, groups, report)
    report.groups = len(groups)
    report.grouped_documents = sum(len(g) for g in groups)
    report.seconds = time.perf_counter() - started
    return report


def _store_groups(session: Session, groups: list[list[int]], report: GroupingReport) -> None:
    current = dict(
        session.execute(
            select(Document.id, Document.group_id).where(Document.group_id.is_not(None))
        ).all()
    )
    old_sizes = Counter(current.values())
    # An old group's id goes to the new group holding more than half of its members; when a
    # new group could take several ids (groups merged), the largest overlap wins.
    offers = []
    for index, members in enumerate(groups):
        overlap = Counter(current[d] for d in members if d in current)
        for group_id, count in overlap.items():
            if 2 * count > old_sizes[group_id]:
                offers.append((-count, group_id, index))
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for _, group_id, index in sorted(offers):
        if index not in chosen and group_id not in taken:
            chosen[index] = group_id
            taken.add(group_id)
    new_members = [d for index, g in enumerate(groups) if index not in chosen for d in g]
    titles: dict[int, str] = {}
    for start in range(0, len(new_members), _CHUNK):
        chunk = new_members[start : start + _CHUNK]
        titles.update(
            session.execute(select(Document.id, Document.title).where(Document.id.in_(chunk))).all()
        )
    target: dict[int, int] = {}
    for index, members in enumerate(groups):
        group_id = chosen.get(index)
        if group_id is None:
            group = DocumentGroup(label=_label(members, titles))
            session.add(group)
            session.flush()
            group_id = group.id
            report.groups_created += 1
        else:
            report.groups_kept += 1
        for doc_id in members:
            target[doc_id] = group_id
    moves: dict[int | None, list[int]] = defaultdict(list)
    for doc_id, group_id in target.items():
        if current.get(doc_id) != group_id:
            moves[group_id].append(doc_id)
    for doc_id in current.keys() - target.keys():
        moves[None].append(doc_id)
    for group_id, doc_ids in moves.items():
        report.documents_moved += len(doc_ids)
        for start in range(0, len(doc_ids), _CHUNK):
            session.execute(
                update(Document)
                .where(Document.id.in_(doc_ids[start : start + _CHUNK]))
                .values(group_id=group_id)
            )
    unused = sorted(
        set(session.scalars(select(DocumentGroup.id))) - set(target.values()),
    )
    for start in range(0, len(unused), _CHUNK):
        session.execute(
            delete(DocumentGroup).where(DocumentGroup.id.in_(unused[start : start + _CHUNK]))
        )
    report.groups_removed = len(unused)
    session.flush()


def _label(members: Sequence[int], titles: dict[int, str]) -> str:
    """The title most members carry: usually the agreement's own name."""
    counts = Counter(titles[d] for d in members if titles.get(d))
    return counts.most_common(1)[0][0][:300] if counts else ""


# --- reading groups --------------------------------------------------------------------------


def get_group(session: Session, group_id: int) -> DocumentGroup:
    group = session.get(DocumentGroup, group_id)
    if group is None:
        raise NotFound(f"There is no group of similar documents numbered {group_id}.")
    return group


@dataclass(frozen=True)
class GroupSummary:
    group: DocumentGroup
    documents: int
    agencies: int
    requests: int


def count_groups(session: Session) -> int:
    return session.scalar(select(func.count(func.distinct(Document.group_id)))) or 0


def list_groups(session: Session, *, limit: int = 50, offset: int = 0) -> list[GroupSummary]:
    """Groups, largest (by agencies) first."""
    agencies = func.count(func.distinct(RecordsRequest.agency_id))
    rows = session.execute(
        select(
            DocumentGroup,
            func.count(Document.id),
            agencies,
            func.count(func.distinct(Document.request_id)),
        )
        .join(Document, Document.group_id == DocumentGroup.id)
        .join(RecordsRequest, RecordsRequest.id == Document.request_id)
        .group_by(DocumentGroup.id)
        .order_by(agencies.desc(), func.count(Document.id).desc(), DocumentGroup.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        GroupSummary(group, docs, agency_count, reqs) for group, docs, agency_count, reqs in rows
    ]


@dataclass(frozen=True)
class WordDiff:
    """A member's differences from the common version, as escaped HTML with <ins> and <del>."""

    html: Markup
    added: int
    removed: int
    truncated: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def word_diff(old: str, new: str, *, context: int = 12) -> WordDiff:
    """Words of `old` missing from `new` in <del>, words `new` adds in <ins>, with `context`
    unchanged words around each change; whitespace and line breaks are not differences."""
    a, b = _NON_SPACE.findall(old), _NON_SPACE.findall(new)
    truncated = len(a) > MAX_DIFF_WORDS or len(b) > MAX_DIFF_WORDS
    a, b = a[:MAX_DIFF_WORDS], b[:MAX_DIFF_WORDS]
    # autojunk would treat frequent words ("the", "of") as noise and misplace changes.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    added = removed = 0
    hunks: list[str] = []
    for group in matcher.get_grouped_opcodes(context):
        parts: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                parts.append(_words(a[i1:i2]))
                continue
            if tag in ("delete", "replace"):
                removed += i2 - i1
                parts.append(f'<del class="diff-del">{_words(a[i1:i2])}</del>')
            if tag in ("insert", "replace"):
                added += j2 - j1
                parts.append(f'<ins class="diff-ins">{_words(b[j1:j2])}</ins>')
        first, last = group[0], group[-1]
        lead = "\u2026 " if first[1] > 0 else ""
        tail = " \u2026" if last[2] < len(a) else ""
        hunks.append(f'<p class="diff-hunk">{lead}{" ".join(parts)}{tail}</p>')
    if not added and not removed:
        return WordDiff(Markup(""), 0, 0, truncated)
    return WordDiff(Markup("\n".join(hunks)), added, removed, truncated)  # noqa: S704 - escaped


def _words(words: Sequence[str]) -> str:
    return " ".join(str(escape(word)) for word in words)


@dataclass(frozen=True)
class GroupMember:
    document: Document
    agency: Agency
    request: RecordsRequest
    #: estimated share of shingles in common with the common version (1.0: the same text)
    similarity: float | None
    same_text: bool
    is_common: bool
    diff: WordDiff | None = None

    @property
    def state(self) -> str:
        return self.agency.state


@dataclass(frozen=True)
class GroupView:
    group: DocumentGroup
    #: the most common version: the modal text, or the member closest to all the others
    common: GroupMember
    #: this page's members, by state and agency, each with its diff against `common`
    members: list[GroupMember]
    total: int
    agencies: int
    states: list[tuple[str, int]]
    identical: int
    page: int
    pages: int
    per_page: int
    campaigns: list[Campaign] = field(default_factory=list)


def group_view(session: Session, group_id: int, *, page: int = 1, per_page: int = 50) -> GroupView:
    """A group's members by agency, each compared with the group's most common version."""
    group = get_group(session, group_id)
    rows = session.execute(
        select(Document, RecordsRequest)
        .join(RecordsRequest, RecordsRequest.id == Document.request_id)
        .where(Document.group_id == group_id)
        .options(selectinload(RecordsRequest.agency).selectinload(Agency.jurisdiction))
    ).all()
    if not rows:
        raise NotFound(f"The group {group_id} has no documents any more: regroup to refresh it.")
    rows.sort(key=lambda r: (r[1].agency.state, r[1].agency.name.casefold(), r[0].id))
    ids = [document.id for document, _ in rows]
    signatures = {
        s.document_id: s
        for s in session.scalars(
            select(DocumentSignature).where(DocumentSignature.document_id.in_(ids))
        )
    }
    common_id = _common_member(ids, signatures)
    common_sig = signatures.get(common_id)
    common_values = (
        decode_minhash(common_sig.minhash) if common_sig and common_sig.minhash else None
    )
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    on_page = rows[(page - 1) * per_page : page * per_page]
    texts = _texts(session, sorted({common_id, *(d.id for d, _ in on_page)}))

    def member(document: Document, request: RecordsRequest, *, with_diff: bool) -> GroupMember:
        sig = signatures.get(document.id)
        similarity = None
        if sig is not None and sig.minhash and common_values is not None:
            similarity = estimated_similarity(decode_minhash(sig.minhash), common_values)
        same = bool(sig and common_sig and sig.text_digest == common_sig.text_digest)
        diff = None
        if with_diff and not same and document.id != common_id:
            diff = word_diff(texts[common_id], texts[document.id])
        return GroupMember(
            document=document,
            agency=request.agency,
            request=request,
            similarity=similarity,
            same_text=same,
            is_common=document.id == common_id,
            diff=diff,
        )

    by_id = {document.id: (document, request) for document, request in rows}
    common = member(*by_id[common_id], with_diff=False)
    states = Counter(request.agency.state for _, request in rows)
    identical = sum(
        1
        for doc_id in ids
        if common_sig is not None
        and doc_id in signatures
        and signatures[doc_id].text_digest == common_sig.text_digest
    )
    campaign_ids = {request.campaign_id for _, request in rows if request.campaign_id}
    campaigns = (
        list(
            session.scalars(
                select(Campaign).where(Campaign.id.in_(campaign_ids)).order_by(Campaign.name)
            )
        )
        if campaign_ids
        else []
    )
    return GroupView(
        group=group,
        common=common,
        members=[member(d, r, with_diff=True) for d, r in on_page],
        total=len(rows),
        agencies=len({request.agency_id for _, request in rows}),
        states=sorted(states.items()),
        identical=identical,
        page=page,
        pages=pages,
        per_page=per_page,
        campaigns=campaigns,
    )


def _common_member(ids: Sequence[int], signatures: dict[int, DocumentSignature]) -> int:
    """The modal text when several members share it word for word; among those (or among all,
    when every text differs) the one whose signature is closest to all the others."""
    with_sig = [i for i in ids if i in signatures and signatures[i].minhash]
    if not with_sig:
        return min(ids)
    digests = Counter(signatures[i].text_digest for i in with_sig)
    top, count = digests.most_common(1)[0]
    candidates = (
        [i for i in with_sig if signatures[i].text_digest == top] if count > 1 else with_sig
    )
    # One member per distinct text is enough, and a few hundred bounds the cost in huge groups.
    seen: set[str] = set()
    candidates = [
        i
        for i in candidates
        if not (signatures[i].text_digest in seen or seen.add(signatures[i].text_digest))
    ][:300]
    matrix = np.vstack([decode_minhash(signatures[i].minhash) for i in with_sig])
    best, best_score = candidates[0], -1
    for candidate in candidates:
        values = decode_minhash(signatures[candidate].minhash)
        score = int(np.count_nonzero(matrix == values))
        if score > best_score or (score == best_score and candidate < best):
            best, best_score = candidate, score
    return best


# --- campaign coverage -----------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageGroup:
    group: DocumentGroup
    #: agencies of the campaign that returned a document of this group
    agencies: int
    #: documents in the group across every campaign
    size: int


@dataclass
class CoverageRow:
    agency: Agency
    request_ids: list[int]
    #: group id -> this agency's documents in the group
    cells: dict[int, list[int]]
    documents: int = 0
    #: documents in no group (unique to this agency, or not comparable)
    ungrouped: int = 0


@dataclass(frozen=True)
class Coverage:
    campaign: Campaign
    groups: list[CoverageGroup]
    rows: list[CoverageRow]

    def returned(self, group_id: int) -> list[Agency]:
        return [row.agency for row in self.rows if group_id in row.cells]

    def missing(self, group_id: int) -> list[Agency]:
        """Agencies of the campaign that returned no document of the group."""
        return [row.agency for row in self.rows if group_id not in row.cells]

    @property
    def without_documents(self) -> list[CoverageRow]:
        """Agencies that returned no document at all."""
        return [row for row in self.rows if not row.documents]


def campaign_coverage(session: Session, campaign_id: int) -> Coverage:
    """Agencies of a campaign by groups: who returned a copy of each shared document, who not."""
    campaign = get_campaign(session, campaign_id)
    requests = list(
        session.scalars(
            select(RecordsRequest)
            .where(RecordsRequest.campaign_id == campaign.id)
            .options(selectinload(RecordsRequest.agency).selectinload(Agency.jurisdiction))
        )
    )
    by_request = {r.id: r for r in requests}
    documents = session.execute(
        select(Document.id, Document.request_id, Document.group_id)
        .where(Document.request_id.in_(list(by_request)), *_eligible())
        .order_by(Document.id)
    ).all()
    rows: dict[int, CoverageRow] = {}
    for request in requests:
        row = rows.setdefault(
            request.agency_id, CoverageRow(agency=request.agency, request_ids=[], cells={})
        )
        row.request_ids.append(request.id)
    for doc_id, request_id, group_id in documents:
        row = rows[by_request[request_id].agency_id]
        row.documents += 1
        if group_id is None:
            row.ungrouped += 1
        else:
            row.cells.setdefault(group_id, []).append(doc_id)
    group_ids = sorted({g for _, _, g in documents if g is not None})
    sizes = dict(
        session.execute(
            select(Document.group_id, func.count(Document.id))
            .where(Document.group_id.in_(group_ids))
            .group_by(Document.group_id)
        ).all()
    )
    groups = {
        g.id: g
        for g in session.scalars(select(DocumentGroup).where(DocumentGroup.id.in_(group_ids)))
    }
    coverage_rows = sorted(
        rows.values(), key=lambda row: (row.agency.state, row.agency.name.casefold())
    )
    counts = Counter(g for row in coverage_rows for g in row.cells)
    columns = sorted(
        (CoverageGroup(groups[g], counts[g], sizes.get(g, 0)) for g in group_ids),
        key=lambda c: (-c.agencies, c.group.id),
    )
    return Coverage(campaign=campaign, groups=columns, rows=coverage_rows)
