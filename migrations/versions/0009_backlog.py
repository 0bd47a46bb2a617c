"""the backlog's indexes, full-text search and voters' names

Keyset pagination needs an index per sort that ends in ``number`` (the tie-breaker), so a page
far down the backlog is read by seeking, never by skipping rows. Full text: on SQLite an FTS5
table over ``items.text`` (external content: the text is not stored twice) kept by triggers,
when the SQLite build has FTS5 (else the backlog searches with LIKE); on PostgreSQL a GIN index
on ``to_tsvector('simple', text)``. Both are filled from the items already stored, in SQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    'ix_items_workspace_votes_number': ['workspace_id', 'votes', 'number'],
    'ix_items_workspace_created_number': ['workspace_id', 'created_at', 'number'],
    'ix_items_workspace_changed_number': ['workspace_id', 'status_changed_at', 'number'],
    'ix_items_workspace_author_number': ['workspace_id', 'author_id', 'number'],
    'ix_items_workspace_channel_number': ['workspace_id', 'channel_id', 'number'],
}

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE items_fts USING fts5(text, content='items', content_rowid='id')",
    """CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_fts (rowid, text) VALUES (NEW.id, NEW.text);
    END""",
    """CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts (items_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
    END""",
    """CREATE TRIGGER items_fts_update AFTER UPDATE OF text ON items BEGIN
        INSERT INTO items_fts (items_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
        INSERT INTO items_fts (rowid, text) VALUES (NEW.id, NEW.text);
    END""",
    # The items stored before this revision, indexed in one statement.
    "INSERT INTO items_fts (items_fts) VALUES ('rebuild')",
)
POSTGRES_SEARCH = (
    "CREATE INDEX ix_items_text_search ON items USING gin (to_tsvector('simple', text))"
)


def _has_fts5() -> bool:
    options = op.get_bind().exec_driver_sql('PRAGMA compile_options').scalars()
    return 'ENABLE_FTS5' in set(options)


def upgrade() -> None:
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voter_name', sa.String(length=255), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, 'items', columns, unique=False)
    # Partial: the few duplicates alone, so the planner never takes it for the whole workspace.
    op.create_index(
        'ix_items_workspace_duplicate_of', 'items', ['workspace_id', 'duplicate_of'],
        unique=False,
        sqlite_where=sa.text('duplicate_of IS NOT NULL'),
        postgresql_where=sa.text('duplicate_of IS NOT NULL'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_SEARCH)
    elif _has_fts5():
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_items_text_search')
    else:
        for trigger in ('items_fts_insert', 'items_fts_delete', 'items_fts_update'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS items_fts')
    op.drop_index('ix_items_workspace_duplicate_of', table_name='items')
    for name in reversed(INDEXES):
        op.drop_index(name, table_name='items')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_column('voter_name')
