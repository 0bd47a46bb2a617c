"""Alembic migrations. ``storage.schema`` runs them; ``alembic`` works too (see alembic.ini)."""
