"""Database plumbing: async engines for SQLite and PostgreSQL, and migrations."""

from shared.db.engine import create_engine, dialect_of, normalise_url
from shared.db.metadata import new_metadata

__all__ = ["create_engine", "dialect_of", "new_metadata", "normalise_url"]
