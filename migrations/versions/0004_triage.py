"""triage: sealed handles of anonymous authors, and SLA breaches claimed once

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_handle', sa.Text(), nullable=True))

    op.create_table('sla_breaches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_sla_breaches_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_sla_breaches_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_breaches')),
    sa.UniqueConstraint('item_id', name='uq_sla_breaches_item_id')
    )
    op.create_index('ix_sla_breaches_workspace_breached', 'sla_breaches', ['workspace_id', 'breached_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sla_breaches_workspace_breached', table_name='sla_breaches')
    op.drop_table('sla_breaches')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('author_handle')
