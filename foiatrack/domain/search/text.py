"""Text rules shared by both engines: accent folding, word splitting and stop words.

SQLite's unicode61 tokenizer (remove_diacritics 2) drops accents and splits words on anything
that is not a letter or a digit. PostgreSQL's tsvector is built over `search_fold(text)`
(migration 0006), which does the same before PostgreSQL's own parser sees the text: it
decomposes the text (NFD), drops the combining marks (accents) and turns each ASCII punctuation
character into a space, so PostgreSQL finds "penasco" in "Peñasco" and splits "troy.gov" and
"e-mail" into words as SQLite does (no e-mail, URL or host tokens). `pg_fold` is its Python
twin; queries are folded here the same way before they are compiled.
"""

from __future__ import annotations

import re
import unicodedata

#: the combining-mark blocks search_fold() removes after NFD (an SQL bracket expression too)
COMBINING_PATTERN = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
#: every ASCII punctuation character, as a bracket expression PostgreSQL and Python both read
PUNCTUATION_PATTERN = "[!-/:-@[-`{-~]"

#: PostgreSQL's english.stop: the english configuration drops these words, so the query parser
#: drops them too, on both engines, to return the same results
STOP_WORDS = frozenset(
    (
        "i",
        "me",
        "my",
        "myself",
        "we",
        "our",
        "ours",
        "ourselves",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "he",
        "him",
        "his",
        "himself",
        "she",
        "her",
        "hers",
        "herself",
        "it",
        "its",
        "itself",
        "they",
        "them",
        "their",
        "theirs",
        "themselves",
        "what",
        "which",
        "who",
        "whom",
        "this",
        "that",
        "these",
        "those",
        "am",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "do",
        "does",
        "did",
        "doing",
        "a",
        "an",
        "the",
        "and",
        "but",
        "if",
        "or",
        "because",
        "as",
        "until",
        "while",
        "of",
        "at",
        "by",
        "for",
        "with",
        "about",
        "against",
        "between",
        "into",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "to",
        "from",
        "up",
        "down",
        "in",
        "out",
        "on",
        "off",
        "over",
        "under",
        "again",
        "further",
        "then",
        "once",
        "here",
        "there",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "nor",
        "not",
        "only",
        "own",
        "same",
        "so",
        "than",
        "too",
        "very",
        "s",
        "t",
        "can",
        "will",
        "just",
        "don",
        "should",
        "now",
    )
)

_COMBINING = re.compile(COMBINING_PATTERN)
_PUNCTUATION = re.compile(PUNCTUATION_PATTERN)
_WORD = re.compile(r"[^\W_]+")
# Controls other than tab and line breaks: \x02 and \x03 mark highlights in snippets.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fold(text: str) -> str:
    """The text without accents: decomposed (NFD), combining marks removed."""
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


def pg_fold(text: str) -> str:
    """What PostgreSQL's search_fold() makes of `text`."""
    return _PUNCTUATION.sub(" ", fold(text))


def pg_fold_map(text: str) -> tuple[str, list[int]]:
    """pg_fold(text), and for each of its characters the index of the original character it
    came from (folding changes lengths: "n" plus a combining tilde becomes "n")."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in _COMBINING.sub("", unicodedata.normalize("NFD", char)):
            folded.append(part)
            origin.append(index)
    return _PUNCTUATION.sub(" ", "".join(folded)), origin


def is_combining(char: str) -> bool:
    return bool(_COMBINING.fullmatch(char))


def words(text: str) -> list[str]:
    """The lower-case, accent-folded words of `text`, split as unicode61 splits them."""
    return _WORD.findall(fold(text).lower())


def clean(text: str) -> str:
    """Text as it is indexed: control characters (which could pass for highlight markers)
    removed."""
    return _CONTROL.sub(" ", text)
