"""Persistence: SQLAlchemy tables, data-access functions and Alembic migrations."""

from ocrops.store.db import Database, open_database

__all__ = ["Database", "open_database"]
