"""KPI figures kept by the database as items change

The KPIs (``feedbackbot stats``, the dashboard's KPI page) read small tables kept by triggers in
the transactions that change items, instead of a million items:

- ``kpi_items``: items by the UTC day and month they were created in, and their status,
  priority ('' for none), stakeholder kind and kind now;
- ``kpi_events``: by the UTC day and month they happened in, the acknowledgements, the items
  leaving new and shipping (each with its time since the item was created, as a bucket of
  ``kpi_buckets``), and the SLA breaches (by the day their deadline passed, bucket 0);
- ``kpi_open_votes``: open items by their number of votes;
- ``kpi_buckets``: the log-scale buckets of durations in milliseconds: every value from 0 to 25
  ms its own, then each bucket spanning at most 4% more than its lower bound, so that the
  geometric middle of a bucket is within 2% of every value in it.

An item's ``workspace_id`` and ``created_at`` never change once stored (nothing writes them),
so the triggers follow its status, priority, stakeholder, kind, acknowledgement and votes. An
item is deleted with its status changes and breaches: its delete trigger deletes them first,
while the item still exists, so their own delete triggers can still read its creation time.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The open statuses as this revision knows them (bot/items.py OPEN_STATUSES), as in 0007.
OPEN = "('new', 'under_review', 'planned', 'in_pilot')"
SPANS = ('day', 'month')
ITEM_KEY = '(workspace_id, span, start, status, priority, stakeholder, kind)'
ITEM_COLUMNS = '(workspace_id, span, start, status, priority, stakeholder, kind, count)'
EVENT_KEY = '(workspace_id, span, start, event, bucket)'
EVENT_COLUMNS = '(workspace_id, span, start, event, bucket, count)'
VOTE_COLUMNS = '(workspace_id, votes, count)'


def bucket_rows() -> list[dict[str, int]]:
    """Bucket ``[low, high)`` holds the whole milliseconds ``low .. high - 1``, with
    ``high - 1 <= low * 1.04``; the last one, at about 317 years, holds everything above."""
    rows = [{'low_ms': 0, 'high_ms': 1}]
    low = 1
    while low < 10**13:
        high = low * 104 // 100 + 1
        rows.append({'low_ms': low, 'high_ms': high})
        low = high
    return rows


def start(dialect: str, span: str, moment: str) -> str:
    """The first day of ``moment``'s UTC day or month."""
    if dialect == 'postgresql':
        if span == 'day':
            return f"CAST(({moment} AT TIME ZONE 'UTC') AS date)"
        return f"CAST(date_trunc('month', {moment} AT TIME ZONE 'UTC') AS date)"
    return f'date({moment})' if span == 'day' else f"strftime('%Y-%m-01', {moment})"


def bucket(dialect: str, begin: str, end: str) -> str:
    """The bucket (its ``low_ms``) of ``end - begin``, a negative time counting as 0."""
    if dialect == 'postgresql':
        ms = f'GREATEST(0, CAST(round(extract(epoch FROM ({end}) - ({begin})) * 1000) AS bigint))'
    else:
        ms = f'max(0, CAST(round((julianday({end}) - julianday({begin})) * 86400000.0) AS INTEGER))'
    return f'(SELECT low_ms FROM kpi_buckets WHERE low_ms <= {ms} ORDER BY low_ms DESC LIMIT 1)'


# -- one row of a kept table more or less, as statements of a trigger ---------------------------


def item_group(row: str) -> list[str]:
    return [f'{row}.status', f'COALESCE({row}.priority, \'\')', f'{row}.stakeholder', f'{row}.kind']


def add_item(dialect: str, row: str, delta: int, span: str) -> str:
    values = ', '.join(
        [f'{row}.workspace_id', f"'{span}'", start(dialect, span, f'{row}.created_at'), *item_group(row)]
    )
    if delta > 0:
        return (
            f'INSERT INTO kpi_items {ITEM_COLUMNS} VALUES ({values}, 1) '
            f'ON CONFLICT {ITEM_KEY} DO UPDATE SET count = kpi_items.count + 1;'
        )
    status, priority, stakeholder, kind = item_group(row)
    return (
        f'UPDATE kpi_items SET count = count - 1 WHERE workspace_id = {row}.workspace_id '
        f"AND span = '{span}' AND start = {start(dialect, span, f'{row}.created_at')} "
        f'AND status = {status} AND priority = {priority} AND stakeholder = {stakeholder} '
        f'AND kind = {kind};'
    )


def add_event(
    dialect: str, workspace: str, at: str, event: str, bucket_of: str, delta: int, span: str,
    when: str = 'true',
) -> str:
    """One ``event`` more (``delta`` 1) or less (-1) at ``at``, in bucket ``bucket_of``, when
    ``when`` holds. The one less is found by equalities on the key, which every database
    looks up by the primary key (a row value ``IN`` a subquery can cost a scan of the table)."""
    first = start(dialect, span, at)
    if delta > 0:
        # SQLite: a SELECT before ON CONFLICT needs its WHERE, or ON is read as a join's.
        return (
            f"INSERT INTO kpi_events {EVENT_COLUMNS} "
            f"SELECT {workspace}, '{span}', {first}, '{event}', {bucket_of}, 1 WHERE {when} "
            f'ON CONFLICT {EVENT_KEY} DO UPDATE SET count = kpi_events.count + 1;'
        )
    return (
        f'UPDATE kpi_events SET count = count - 1 WHERE {when} '
        f"AND workspace_id = {workspace} AND span = '{span}' AND start = {first} "
        f"AND event = '{event}' AND bucket = {bucket_of};"
    )


def add_vote_group(row: str, delta: int) -> str:
    if delta > 0:
        return (
            f'INSERT INTO kpi_open_votes {VOTE_COLUMNS} '
            f'SELECT {row}.workspace_id, {row}.votes, 1 WHERE {row}.status IN {OPEN} '
            'ON CONFLICT (workspace_id, votes) DO UPDATE SET count = kpi_open_votes.count + 1;'
        )
    return (
        'UPDATE kpi_open_votes SET count = count - 1 '
        f'WHERE {row}.status IN {OPEN} AND workspace_id = {row}.workspace_id '
        f'AND votes = {row}.votes;'
    )


def both(make, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    """``make``'s statement for the day, then for the month (the order every trigger keeps)."""
    return '\n'.join(make(*args, **kwargs, span=span) for span in SPANS)


def acknowledgement(dialect: str, row: str, delta: int) -> str:
    """Its acknowledgement, if it has one, in or out of the kept figures."""
    return both(
        add_event, dialect, f'{row}.workspace_id', f'{row}.acknowledged_at', 'acknowledge',
        bucket(dialect, f'{row}.created_at', f'{row}.acknowledged_at'), delta,
        when=f'{row}.acknowledged_at IS NOT NULL',
    )


def acknowledgement_key(dialect: str, row: str) -> str:
    at = f'{row}.acknowledged_at'
    return f"ROW({start(dialect, 'day', at)}, {bucket(dialect, f'{row}.created_at', at)})"


def status_change(dialect: str, row: str, delta: int) -> str:
    """What a status change counts: an item leaving new, an item shipped."""
    item = f'(SELECT {{}} FROM items WHERE items.id = {row}.item_id)'
    return '\n'.join(
        both(
            add_event, dialect, item.format('workspace_id'), f'{row}.at', event,
            bucket(dialect, item.format('created_at'), f'{row}.at'), delta,
            when=f"{condition} AND EXISTS {item.format('1')}",
        )
        for event, condition in (
            ('leave_new', f"{row}.from_status = 'new'"),
            ('ship', f"{row}.to_status = 'shipped'"),
        )
    )


def breach(dialect: str, row: str, delta: int) -> str:
    return both(add_event, dialect, f'{row}.workspace_id', f'{row}.deadline', 'breach', '0', delta)


def item_grouped_differently() -> str:
    return ' OR '.join(
        f'{old} IS NOT {new}' for old, new in zip(item_group('OLD'), item_group('NEW'))
    )


def sqlite_triggers() -> list[str]:
    """SQLite: triggers of plain statements (one writer at a time: no lock order to keep)."""
    d = 'sqlite'
    return [
        f"""CREATE TRIGGER kpi_items_insert AFTER INSERT ON items BEGIN
        {both(add_item, d, 'NEW', 1)}
        {acknowledgement(d, 'NEW', 1)}
        {add_vote_group('NEW', 1)}
    END""",
        # Before the delete, while the item is there for its status changes' triggers to read.
        """CREATE TRIGGER kpi_items_delete_dependents BEFORE DELETE ON items BEGIN
        DELETE FROM status_changes WHERE item_id = OLD.id;
        DELETE FROM sla_breaches WHERE item_id = OLD.id;
    END""",
        f"""CREATE TRIGGER kpi_items_delete AFTER DELETE ON items BEGIN
        {both(add_item, d, 'OLD', -1)}
        {acknowledgement(d, 'OLD', -1)}
        {add_vote_group('OLD', -1)}
    END""",
        f"""CREATE TRIGGER kpi_items_regroup AFTER UPDATE OF status, priority, stakeholder, kind
        ON items WHEN {item_grouped_differently()} BEGIN
        {both(add_item, d, 'OLD', -1)}
        {both(add_item, d, 'NEW', 1)}
    END""",
        f"""CREATE TRIGGER kpi_items_acknowledge AFTER UPDATE OF acknowledged_at ON items
        WHEN OLD.acknowledged_at IS NOT NEW.acknowledged_at BEGIN
        {acknowledgement(d, 'OLD', -1)}
        {acknowledgement(d, 'NEW', 1)}
    END""",
        f"""CREATE TRIGGER kpi_items_votes AFTER UPDATE OF status, votes ON items
        WHEN (OLD.status IN {OPEN}) IS NOT (NEW.status IN {OPEN}) OR OLD.votes IS NOT NEW.votes
        BEGIN
        {add_vote_group('OLD', -1)}
        {add_vote_group('NEW', 1)}
    END""",
        f"""CREATE TRIGGER kpi_status_changes_insert AFTER INSERT ON status_changes BEGIN
        {status_change(d, 'NEW', 1)}
    END""",
        f"""CREATE TRIGGER kpi_status_changes_delete AFTER DELETE ON status_changes BEGIN
        {status_change(d, 'OLD', -1)}
    END""",
        f"""CREATE TRIGGER kpi_status_changes_update
        AFTER UPDATE OF item_id, from_status, to_status, at ON status_changes BEGIN
        {status_change(d, 'OLD', -1)}
        {status_change(d, 'NEW', 1)}
    END""",
        f"""CREATE TRIGGER kpi_breaches_insert AFTER INSERT ON sla_breaches BEGIN
        {breach(d, 'NEW', 1)}
    END""",
        f"""CREATE TRIGGER kpi_breaches_delete AFTER DELETE ON sla_breaches BEGIN
        {breach(d, 'OLD', -1)}
    END""",
        f"""CREATE TRIGGER kpi_breaches_update AFTER UPDATE OF workspace_id, deadline ON sla_breaches
        WHEN OLD.workspace_id IS NOT NEW.workspace_id OR OLD.deadline IS NOT NEW.deadline BEGIN
        {breach(d, 'OLD', -1)}
        {breach(d, 'NEW', 1)}
    END""",
    ]


SQLITE_TRIGGER_NAMES = (
    'kpi_items_insert', 'kpi_items_delete_dependents', 'kpi_items_delete', 'kpi_items_regroup',
    'kpi_items_acknowledge', 'kpi_items_votes', 'kpi_status_changes_insert',
    'kpi_status_changes_delete', 'kpi_status_changes_update', 'kpi_breaches_insert',
    'kpi_breaches_delete', 'kpi_breaches_update',
)


# -- PostgreSQL: one function per table. Of a change that takes one from a row of a kept table
# and adds one to another, the smaller key is written first (the day's before the month's), so
# two changes crossing each other's rows cannot deadlock (as in 0007).


def postgres_functions() -> list[str]:
    d = 'postgresql'
    ack_old = acknowledgement(d, 'OLD', -1)
    ack_new = acknowledgement(d, 'NEW', 1)
    old_group = f"ROW({', '.join(item_group('OLD'))})"
    new_group = f"ROW({', '.join(item_group('NEW'))})"
    return [
        f"""CREATE FUNCTION kpi_follow_item() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_open boolean := TG_OP <> 'INSERT' AND OLD.status IN {OPEN};
    new_open boolean := TG_OP <> 'DELETE' AND NEW.status IN {OPEN};
BEGIN
    IF TG_OP = 'INSERT' THEN
        {both(add_item, d, 'NEW', 1)}
        {ack_new}
    ELSIF TG_OP = 'DELETE' THEN
        {both(add_item, d, 'OLD', -1)}
        {ack_old}
    ELSE
        IF {old_group} IS DISTINCT FROM {new_group} THEN
            IF {new_group} < {old_group} THEN
                {both(add_item, d, 'NEW', 1)}
                {both(add_item, d, 'OLD', -1)}
            ELSE
                {both(add_item, d, 'OLD', -1)}
                {both(add_item, d, 'NEW', 1)}
            END IF;
        END IF;
        IF OLD.acknowledged_at IS DISTINCT FROM NEW.acknowledged_at THEN
            IF OLD.acknowledged_at IS NOT NULL AND NEW.acknowledged_at IS NOT NULL
                AND {acknowledgement_key(d, 'NEW')} < {acknowledgement_key(d, 'OLD')} THEN
                {ack_new}
                {ack_old}
            ELSE
                {ack_old}
                {ack_new}
            END IF;
        END IF;
    END IF;
    IF old_open AND new_open AND OLD.votes = NEW.votes THEN
        RETURN NULL;
    END IF;
    IF old_open AND new_open AND NEW.votes < OLD.votes THEN
        {add_vote_group('NEW', 1)}
        new_open := false;
    END IF;
    IF old_open THEN
        {add_vote_group('OLD', -1)}
    END IF;
    IF new_open THEN
        {add_vote_group('NEW', 1)}
    END IF;
    RETURN NULL;
END
$$""",
        # Before an item goes, while it is there for its status changes' triggers to read.
        """CREATE FUNCTION kpi_delete_item_dependents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM status_changes WHERE item_id = OLD.id;
    DELETE FROM sla_breaches WHERE item_id = OLD.id;
    RETURN OLD;
END
$$""",
        f"""CREATE FUNCTION kpi_follow_status_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {status_change(d, 'OLD', -1)}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {status_change(d, 'NEW', 1)}
    END IF;
    RETURN NULL;
END
$$""",
        f"""CREATE FUNCTION kpi_follow_breach() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.workspace_id = NEW.workspace_id
        AND OLD.deadline = NEW.deadline THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        {breach(d, 'OLD', -1)}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {breach(d, 'NEW', 1)}
    END IF;
    RETURN NULL;
END
$$""",
    ]


POSTGRES_TRIGGERS = (
    """CREATE TRIGGER kpi_follow_item
AFTER INSERT OR DELETE OR UPDATE OF status, priority, stakeholder, kind, acknowledged_at, votes
ON items FOR EACH ROW EXECUTE FUNCTION kpi_follow_item()""",
    """CREATE TRIGGER kpi_delete_item_dependents BEFORE DELETE ON items
FOR EACH ROW EXECUTE FUNCTION kpi_delete_item_dependents()""",
    """CREATE TRIGGER kpi_follow_status_change
AFTER INSERT OR DELETE OR UPDATE OF item_id, from_status, to_status, at ON status_changes
FOR EACH ROW EXECUTE FUNCTION kpi_follow_status_change()""",
    """CREATE TRIGGER kpi_follow_breach
AFTER INSERT OR DELETE OR UPDATE OF workspace_id, deadline ON sla_breaches
FOR EACH ROW EXECUTE FUNCTION kpi_follow_breach()""",
)
POSTGRES_FUNCTION_NAMES = (
    'kpi_follow_item', 'kpi_delete_item_dependents', 'kpi_follow_status_change',
    'kpi_follow_breach',
)
POSTGRES_TRIGGER_TABLES = (
    ('kpi_follow_item', 'items'), ('kpi_delete_item_dependents', 'items'),
    ('kpi_follow_status_change', 'status_changes'), ('kpi_follow_breach', 'sla_breaches'),
)


def backfill(dialect: str) -> list[str]:
    """The kept figures counted from the rows already stored."""
    statements = []
    for span in SPANS:
        created = start(dialect, span, 'created_at')
        statements.append(
            f'INSERT INTO kpi_items {ITEM_COLUMNS} '
            f"SELECT workspace_id, '{span}', {created}, status, COALESCE(priority, ''), "
            f"stakeholder, kind, count(*) FROM items "
            f"GROUP BY workspace_id, {created}, status, COALESCE(priority, ''), stakeholder, kind"
        )
        events = (
            f"SELECT workspace_id, {start(dialect, span, 'acknowledged_at')} AS start, "
            f"'acknowledge' AS event, {bucket(dialect, 'created_at', 'acknowledged_at')} AS bucket "
            'FROM items WHERE acknowledged_at IS NOT NULL',
            *(
                f"SELECT items.workspace_id, {start(dialect, span, 'status_changes.at')}, "
                f"'{event}', {bucket(dialect, 'items.created_at', 'status_changes.at')} "
                f'FROM status_changes JOIN items ON items.id = status_changes.item_id '
                f'WHERE {condition}'
                for event, condition in (
                    ('leave_new', "status_changes.from_status = 'new'"),
                    ('ship', "status_changes.to_status = 'shipped'"),
                )
            ),
            f"SELECT workspace_id, {start(dialect, span, 'deadline')}, 'breach', 0 "
            'FROM sla_breaches',
        )
        statements.append(
            f'INSERT INTO kpi_events {EVENT_COLUMNS} '
            f"SELECT workspace_id, '{span}', start, event, bucket, count(*) "
            f"FROM ({' UNION ALL '.join(events)}) AS happened "
            'GROUP BY workspace_id, start, event, bucket'
        )
    statements.append(
        f'INSERT INTO kpi_open_votes {VOTE_COLUMNS} SELECT workspace_id, votes, count(*) '
        f'FROM items WHERE status IN {OPEN} GROUP BY workspace_id, votes'
    )
    return statements


def upgrade() -> None:
    kpi_buckets = op.create_table('kpi_buckets',
    sa.Column('low_ms', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('high_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('low_ms', name=op.f('pk_kpi_buckets'))
    )
    op.create_table('kpi_items',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('span', sa.String(length=8), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('stakeholder', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_kpi_items_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'span', 'start', 'status', 'priority', 'stakeholder', 'kind', name=op.f('pk_kpi_items'))
    )
    op.create_table('kpi_events',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('span', sa.String(length=8), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('bucket', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_kpi_events_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'span', 'start', 'event', 'bucket', name=op.f('pk_kpi_events'))
    )
    op.create_table('kpi_open_votes',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_kpi_open_votes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'votes', name=op.f('pk_kpi_open_votes'))
    )
    # The exact edges of a period are read from the rows themselves, by these.
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_workspace_acknowledged', ['workspace_id', 'acknowledged_at'], unique=False)
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.create_index('ix_sla_breaches_workspace_deadline', ['workspace_id', 'deadline'], unique=False)
    op.bulk_insert(kpi_buckets, bucket_rows())
    dialect = op.get_bind().dialect.name
    for statement in backfill(dialect):
        op.execute(statement)
    if dialect == 'postgresql':
        for statement in (*postgres_functions(), *POSTGRES_TRIGGERS):
            op.execute(statement)
    else:
        for trigger in sqlite_triggers():
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for trigger, table in POSTGRES_TRIGGER_TABLES:
            op.execute(f'DROP TRIGGER {trigger} ON {table}')
        for function in POSTGRES_FUNCTION_NAMES:
            op.execute(f'DROP FUNCTION {function}()')
    else:
        for trigger in SQLITE_TRIGGER_NAMES:
            op.execute(f'DROP TRIGGER {trigger}')
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_breaches_workspace_deadline')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_workspace_acknowledged')
    op.drop_table('kpi_open_votes')
    op.drop_table('kpi_events')
    op.drop_table('kpi_items')
    op.drop_table('kpi_buckets')
