"""surveys: answers to "Did this solve it?" after shipping, and pulse survey occurrences

``survey_answers`` holds one answer per person per shipped item; ``survey_polls`` one row per
posted occurrence of a survey reminder, and ``survey_poll_answers`` one answer per person per
poll. ``reminders.scale`` is a survey reminder's scale.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reminders') as batch:
        batch.add_column(sa.Column('scale', sa.String(length=16), nullable=True))

    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('respondent', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_survey_answers_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_survey_answers_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('item_id', 'respondent', name='uq_survey_answers_item_id_respondent')
    )
    op.create_index('ix_survey_answers_workspace_answered', 'survey_answers', ['workspace_id', 'answered_at'], unique=False)

    op.create_table('survey_polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=True),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('scale', sa.String(length=16), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'], name=op.f('fk_survey_polls_reminder_id_reminders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_survey_polls_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_polls')),
    sa.UniqueConstraint('reminder_id', 'scheduled_for', name='uq_survey_polls_reminder_id_scheduled_for')
    )
    op.create_index('ix_survey_polls_workspace_scheduled', 'survey_polls', ['workspace_id', 'scheduled_for'], unique=False)

    op.create_table('survey_poll_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('stakeholder', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['survey_polls.id'], name=op.f('fk_survey_poll_answers_poll_id_survey_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_poll_answers')),
    sa.UniqueConstraint('poll_id', 'user_id', name='uq_survey_poll_answers_poll_id_user_id')
    )


def downgrade() -> None:
    op.drop_table('survey_poll_answers')
    op.drop_index('ix_survey_polls_workspace_scheduled', table_name='survey_polls')
    op.drop_table('survey_polls')
    op.drop_index('ix_survey_answers_workspace_answered', table_name='survey_answers')
    op.drop_table('survey_answers')
    with op.batch_alter_table('reminders') as batch:
        batch.drop_column('scale')
