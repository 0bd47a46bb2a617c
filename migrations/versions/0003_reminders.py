"""roadmap reminders, their claimed occurrences, and the digest's indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('schedule', sa.String(length=200), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by_id', sa.String(length=64), nullable=True),
    sa.Column('created_by_name', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_claimed_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_posted_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_reminders_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders'))
    )
    op.create_index('ix_reminders_workspace_channel', 'reminders', ['workspace_id', 'channel_id'], unique=False)
    op.create_table('reminder_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_reminder_occurrences_reminder_id_reminders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_occurrences')),
    sa.UniqueConstraint('reminder_id', 'scheduled_for', name='uq_reminder_occurrences_reminder_id_scheduled_for')
    )
    op.create_index('ix_reminder_occurrences_claimed_at', 'reminder_occurrences', ['claimed_at'], unique=False)
    op.create_index('ix_items_workspace_created', 'items', ['workspace_id', 'created_at'], unique=False)
    op.create_index('ix_items_workspace_triage', 'items', ['workspace_id', 'status', 'priority', 'created_at'], unique=False)
    op.create_index('ix_items_workspace_votes', 'items', ['workspace_id', 'votes'], unique=False)
    op.create_index('ix_status_changes_at', 'status_changes', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_status_changes_at', table_name='status_changes')
    op.drop_index('ix_items_workspace_votes', table_name='items')
    op.drop_index('ix_items_workspace_triage', table_name='items')
    op.drop_index('ix_items_workspace_created', table_name='items')
    op.drop_index('ix_reminder_occurrences_claimed_at', table_name='reminder_occurrences')
    op.drop_table('reminder_occurrences')
    op.drop_index('ix_reminders_workspace_channel', table_name='reminders')
    op.drop_table('reminders')
