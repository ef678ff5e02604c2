"""Alembic migrations of the ocrops database (run by ``Database.upgrade``)."""
