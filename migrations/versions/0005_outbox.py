"""outbox: every message the bot owes, kept until it is delivered

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('item_number', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.String(length=64), nullable=True),
    sa.Column('thread_channel_id', sa.String(length=64), nullable=True),
    sa.Column('thread_message_id', sa.String(length=64), nullable=True),
    sa.Column('person_id', sa.Text(), nullable=True),
    sa.Column('person_name', sa.String(length=255), nullable=True),
    sa.Column('person_sealed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('response_url', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('maybe_sent', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('tried_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=255), nullable=True),
    sa.Column('posted_channel_id', sa.String(length=64), nullable=True),
    sa.Column('posted_message_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_outbox_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name='uq_outbox_key')
    )
    op.create_index('ix_outbox_pending', 'outbox', ['done_at', 'platform', 'due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_pending', table_name='outbox')
    op.drop_table('outbox')
