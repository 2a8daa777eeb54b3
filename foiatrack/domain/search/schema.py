"""Names of the full-text objects migration 0006 creates outside the models, for Alembic.

The FTS5 table (with its shadow tables) on SQLite, and the generated `tsv` column with its GIN
index on PostgreSQL, are made by hand in the migration; Alembic's comparison of the models with
the database must not report them as extra.
"""

from __future__ import annotations

from collections.abc import Mapping

FTS_TABLE = "search_fts"
TSV_COLUMN = "tsv"
TSV_INDEX = "ix_search_entry_tsv"
ENTRY_TABLE = "search_entry"
#: narrow covering indexes (SQLite only) that let a search read what its facets count for every
#: match without reading the wide rows
ENTRY_FACETS_INDEX = "ix_search_entry_facets"
DOCUMENT_FACETS_INDEX = "ix_document_facets"
_HAND_MADE_INDEXES = {
    ("search_entry", TSV_INDEX),
    ("search_entry", ENTRY_FACETS_INDEX),
    ("document", DOCUMENT_FACETS_INDEX),
}
#: PostgreSQL text-search configuration: english stemming and stop words
TS_CONFIG = "english"


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic's `include_name` hook: skip the search objects the models do not declare."""
    if type_ == "table" and name is not None:
        return not (name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_"))
    table = parent_names.get("table_name")
    if type_ == "column" and table == ENTRY_TABLE and name == TSV_COLUMN:
        return False
    return not (type_ == "index" and (table, name) in _HAND_MADE_INDEXES)
