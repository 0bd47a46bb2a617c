"""captured messages and event deliveries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 06:30:18.093661
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.String(length=128), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_deliveries_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('workspace_id', 'delivery_id', name='uq_deliveries_workspace_id_delivery_id')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_received_at', ['received_at'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_channel_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('source_message_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_items_workspace_id_source', ['workspace_id', 'source_channel_id', 'source_message_id'])



def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('uq_items_workspace_id_source', type_='unique')
        batch_op.drop_column('source_message_id')
        batch_op.drop_column('source_channel_id')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_received_at')

    op.drop_table('deliveries')
