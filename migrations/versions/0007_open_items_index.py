"""open items index: the metrics' gauges count open items from it alone

By status, stakeholder and priority, per workspace (storage/gauges.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_items_workspace_open',
        'items',
        ['workspace_id', 'status', 'stakeholder', 'priority'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_items_workspace_open', table_name='items')
