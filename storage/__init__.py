"""SQLAlchemy 2 (async) implementation of the core's storage ports."""
