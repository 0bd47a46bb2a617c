"""open item counts: kept by the database as items change, for the metrics' gauges

A count per workspace, status, stakeholder and priority of its open items, kept by triggers on
``items`` (every insert, status or priority change and delete, whichever code makes it), so a
scrape reads a few rows instead of counting a million items; and on each SLA breach whether its
item is still new, kept the same way, so open breaches are counted from an index alone
(storage/gauges.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The open statuses as this revision knows them (bot/items.py OPEN_STATUSES); a change to them
# needs a migration of its own.
OPEN = "('new', 'under_review', 'planned', 'in_pilot')"
GROUP = "(workspace_id, status, stakeholder, priority)"
COLUMNS = "(workspace_id, status, stakeholder, priority, count)"


def _counted(row: str) -> str:
    """``row``'s group, as the values of a counts row (``priority`` '' when it has none)."""
    return f"{row}.workspace_id, {row}.status, {row}.stakeholder, COALESCE({row}.priority, '')"


# One more item in NEW's group (an open item stored, or moved into that group).
ARRIVING = (
    f"INSERT INTO open_item_counts {COLUMNS} VALUES ({_counted('NEW')}, 1) "
    f"ON CONFLICT {GROUP} DO UPDATE SET count = open_item_counts.count + 1;"
)


def _in_group(row: str) -> str:
    return (
        f"workspace_id = {row}.workspace_id AND status = {row}.status "
        f"AND stakeholder = {row}.stakeholder AND priority = COALESCE({row}.priority, '')"
    )


SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER open_item_counts_insert AFTER INSERT ON items
    WHEN NEW.status IN {OPEN}
    BEGIN
        {ARRIVING}
    END""",
    f"""CREATE TRIGGER open_item_counts_delete AFTER DELETE ON items
    WHEN OLD.status IN {OPEN}
    BEGIN
        UPDATE open_item_counts SET count = count - 1 WHERE {_in_group('OLD')};
    END""",
    f"""CREATE TRIGGER open_item_counts_update
    AFTER UPDATE OF workspace_id, status, stakeholder, priority ON items
    BEGIN
        UPDATE open_item_counts SET count = count - 1
        WHERE OLD.status IN {OPEN} AND {_in_group('OLD')};
        INSERT INTO open_item_counts {COLUMNS}
        SELECT {_counted('NEW')}, 1 WHERE NEW.status IN {OPEN}
        ON CONFLICT {GROUP} DO UPDATE SET count = count + 1;
    END""",
)

# Whether a breach's item is still new: set as a breach is stored and as its item changes.
SQLITE_BREACH_TRIGGERS = (
    """CREATE TRIGGER sla_breaches_still_new_insert AFTER INSERT ON sla_breaches
    BEGIN
        UPDATE sla_breaches
        SET still_new = coalesce((SELECT status = 'new' FROM items WHERE id = NEW.item_id), 0)
        WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER sla_breaches_still_new_update AFTER UPDATE OF status ON items
    WHEN (OLD.status = 'new') <> (NEW.status = 'new')
    BEGIN
        UPDATE sla_breaches SET still_new = (NEW.status = 'new') WHERE item_id = NEW.id;
    END""",
)
POSTGRES_BREACH_FUNCTIONS = (
    """CREATE FUNCTION breach_still_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.still_new := coalesce((SELECT status = 'new' FROM items WHERE id = NEW.item_id), false);
    RETURN NEW;
END
$$""",
    """CREATE FUNCTION breaches_follow_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.status = 'new') <> (NEW.status = 'new') THEN
        UPDATE sla_breaches SET still_new = (NEW.status = 'new') WHERE item_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$""",
)
POSTGRES_BREACH_TRIGGERS = (
    """CREATE TRIGGER sla_breaches_still_new BEFORE INSERT ON sla_breaches
FOR EACH ROW EXECUTE FUNCTION breach_still_new()""",
    """CREATE TRIGGER sla_breaches_follow_item AFTER UPDATE OF status ON items
FOR EACH ROW EXECUTE FUNCTION breaches_follow_item()""",
)

# One function for the three events. Of a change, the two groups' rows are locked in one order
# (the smaller group first), so two changes crossing each other's groups cannot deadlock.
POSTGRES_FUNCTION = f"""CREATE FUNCTION count_open_items() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    leaving boolean := TG_OP <> 'INSERT' AND OLD.status IN {OPEN};
    arriving boolean := TG_OP <> 'DELETE' AND NEW.status IN {OPEN};
BEGIN
    IF leaving AND arriving
        AND ROW({_counted('NEW')}) < ROW({_counted('OLD')}) THEN
        {ARRIVING}
        arriving := false;
    END IF;
    IF leaving THEN
        UPDATE open_item_counts SET count = count - 1 WHERE {_in_group('OLD')};
    END IF;
    IF arriving THEN
        {ARRIVING}
    END IF;
    RETURN NULL;
END
$$"""
POSTGRES_TRIGGER = """CREATE TRIGGER open_item_counts
AFTER INSERT OR DELETE OR UPDATE OF workspace_id, status, stakeholder, priority ON items
FOR EACH ROW EXECUTE FUNCTION count_open_items()"""


def upgrade() -> None:
    op.create_table('open_item_counts',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stakeholder', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_open_item_counts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'status', 'stakeholder', 'priority', name=op.f('pk_open_item_counts'))
    )
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('still_new', sa.Boolean(), server_default=sa.text('true'), nullable=False))
        batch_op.create_index('ix_sla_breaches_workspace_still_new', ['workspace_id', 'still_new'], unique=False)
    op.execute(
        "UPDATE sla_breaches SET still_new = "
        "(SELECT items.status = 'new' FROM items WHERE items.id = sla_breaches.item_id)"
    )
    op.execute(
        f"INSERT INTO open_item_counts {COLUMNS} "
        f"SELECT {_counted('items')}, count(*) FROM items WHERE items.status IN {OPEN} "
        f"GROUP BY {_counted('items')}"
    )
    if op.get_bind().dialect.name == 'postgresql':
        for statement in (
            POSTGRES_FUNCTION, POSTGRES_TRIGGER, *POSTGRES_BREACH_FUNCTIONS, *POSTGRES_BREACH_TRIGGERS
        ):
            op.execute(statement)
    else:
        for trigger in (*SQLITE_TRIGGERS, *SQLITE_BREACH_TRIGGERS):
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER sla_breaches_follow_item ON items')
        op.execute('DROP TRIGGER sla_breaches_still_new ON sla_breaches')
        op.execute('DROP TRIGGER open_item_counts ON items')
        for function in ('breaches_follow_item', 'breach_still_new', 'count_open_items'):
            op.execute(f'DROP FUNCTION {function}()')
    else:
        for trigger in (
            'open_item_counts_insert', 'open_item_counts_delete', 'open_item_counts_update',
            'sla_breaches_still_new_insert', 'sla_breaches_still_new_update',
        ):
            op.execute(f'DROP TRIGGER {trigger}')
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_breaches_workspace_still_new')
        batch_op.drop_column('still_new')
    op.drop_table('open_item_counts')
