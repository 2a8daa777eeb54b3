"""Full-text search over document pages, messages and filed letters (FTS5 or tsvector)."""
