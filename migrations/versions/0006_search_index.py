"""search index: FTS5 on SQLite, a generated tsvector with a GIN index on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000

The index is kept in step with search_entry inside the writing transaction: by triggers on
SQLite, by a generated column on PostgreSQL. Both drop accents and split words on ASCII
punctuation the same way (see foiatrack/domain/search/text.py, whose patterns are copied here so
this migration stays as it was written).

On SQLite, a later batch_alter_table("search_entry") would recreate the table and lose the
triggers: such a migration must create them again (and rebuild search_fts).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The accents removed after NFD, and ASCII punctuation (see text.py).
COMBINING = "[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]"
PUNCTUATION = "[!-/:-@[-`{-~]"

SQLITE_UP = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, body,
        content='search_entry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    # FTS5 reports a corrupt index when asked to delete a row it does not hold, so the
    # deletes check first: a row left out of the index (or an index emptied by hand) can still
    # be deleted, and `flask reindex` can rebuild from there.
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        SELECT 'delete', old.id, old.title, old.body
        WHERE EXISTS (SELECT 1 FROM search_fts_docsize WHERE id = old.id);
    END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        SELECT 'delete', old.id, old.title, old.body
        WHERE EXISTS (SELECT 1 FROM search_fts_docsize WHERE id = old.id);
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    # Narrow covering indexes: a search reads these for every match (to count its facets)
    # instead of the wide rows (service.py names them with INDEXED BY).
    "CREATE INDEX ix_search_entry_facets ON search_entry (id, kind, ref_id, request_id)",
    "CREATE INDEX ix_document_facets ON document (id, media_type, source, received_on)",
]

SQLITE_DOWN = [
    "DROP INDEX IF EXISTS ix_document_facets",
    "DROP INDEX IF EXISTS ix_search_entry_facets",
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_fts",
]


def _postgresql_up():
    # normalize() needs a UTF8 database (PostgreSQL 13 or later). translate() with a table of
    # accented letters would do too, but is some forty times slower on long text.
    op.execute(
        "CREATE FUNCTION search_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        f"SELECT regexp_replace(regexp_replace(normalize(value, NFD), '{COMBINING}', '', 'g'), "
        f"'{PUNCTUATION}', ' ', 'g') $$"
    )
    op.execute(
        "ALTER TABLE search_entry ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english'::regconfig, search_fold(coalesce(title, ''))), 'A') || "
        "setweight(to_tsvector('english'::regconfig, search_fold(coalesce(body, ''))), 'B')"
        ") STORED"
    )
    # Ranking reads every match's tsvector: kept in the row (compressed), not out of line in
    # the TOAST table, it is read with the row (about a third faster on a large archive).
    op.execute("ALTER TABLE search_entry ALTER COLUMN tsv SET STORAGE MAIN")
    op.execute("CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (tsv)")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    elif dialect == "postgresql":
        _postgresql_up()


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_entry_tsv")
        op.execute("ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv")
        op.execute("DROP FUNCTION IF EXISTS search_fold(text)")
