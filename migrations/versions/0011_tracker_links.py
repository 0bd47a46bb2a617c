"""tracker links: items linked to GitHub / Jira issues, and their tracker history

``issue_links`` holds one row per link of an item to an issue, with the issue's state last
seen and when it was read (polls read the least recently read first); ``issue_link_notes``
the moves an issue asked for that the item's lifecycle refused.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('issue_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('tracker', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=255), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_issue_links_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_issue_links_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_links')),
    sa.UniqueConstraint('item_id', 'tracker', 'key', name='uq_issue_links_item_id_tracker_key')
    )
    op.create_index('ix_issue_links_tracker_key', 'issue_links', ['tracker', 'key'], unique=False)
    op.create_index('ix_issue_links_read_at', 'issue_links', ['read_at'], unique=False)

    op.create_table('issue_link_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_issue_link_notes_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_link_notes'))
    )
    op.create_index('ix_issue_link_notes_item_id', 'issue_link_notes', ['item_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_issue_link_notes_item_id', table_name='issue_link_notes')
    op.drop_table('issue_link_notes')
    op.drop_index('ix_issue_links_read_at', table_name='issue_links')
    op.drop_index('ix_issue_links_tracker_key', table_name='issue_links')
    op.drop_table('issue_links')
