"""Webhook endpoints and the deliveries owed to them (``bot.webhooks.WebhookStore``).

``emit`` is a plain-connection function, so that SQLite's group commit
(``storage.sqlite_writes``) and the unit of work run the same statements; it first asks which
of the events' workspaces have an enabled endpoint (one probe of
``ix_webhook_endpoints_workspace``), so that the hot path of a workspace without endpoints
reads one index entry, composes no payload and writes nothing. Claims are one conditional
UPDATE, as the chat outbox's (``storage.outbox``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from bot.identity import Workspace
from bot.webhook_events import Event, EventType
from bot.webhooks import Attempt, DeliveryState, Endpoint, Outcome, WebhookDelivery
from storage.rows import stored, utc, utc_or_none, workspace_of
from storage.sqlite_rows import moment
from storage.tables import webhook_attempts, webhook_deliveries, webhook_endpoints, workspaces
from storage.workspaces import WorkspaceIds

ALL_EVENTS = "*"
_PENDING = DeliveryState.PENDING.value

endpoints_t, deliveries_t, attempts_t = webhook_endpoints, webhook_deliveries, webhook_attempts


def events_column(events: Iterable[EventType]) -> str:
    """The ``events`` column: each type between commas, so that ``,type,`` finds it."""
    return "," + ",".join(sorted(event.value for event in events)) + ","


def subscribed(column: str, type: EventType) -> bool:
    return column == ALL_EVENTS or f",{type.value}," in column


def _events_of(column: str) -> frozenset[EventType]:
    if column == ALL_EVENTS:
        return frozenset(t for t in EventType if t is not EventType.TEST)
    return frozenset(EventType(word) for word in column.strip(",").split(",") if word)


# -- emitting (both write paths) ------------------------------------------------------------------

_PROBE = (
    "SELECT id, workspace_id, events FROM webhook_endpoints WHERE workspace_id IN ({}) AND enabled"
)
SQLITE_EMIT = (
    "INSERT INTO webhook_deliveries (endpoint_id, event_id, workspace_id, item_number, type, "
    "payload, created_at, due_at, attempts, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'pending')"
)
_EMIT = insert(deliveries_t)


def _asked(events: Sequence[Event], ids: Mapping[Workspace, int]) -> list[int]:
    """The workspaces whose endpoints the events are for (one missing from ``ids`` has none)."""
    return sorted({ids[event.workspace] for event in events if event.workspace in ids})


def _targets(
    endpoints: Iterable[tuple[int, int, str]], events: Sequence[Event], ids: Mapping[Workspace, int]
) -> list[tuple[Event, int, int, str]]:
    """(event, endpoint id, workspace id, payload) for each subscribed endpoint, events in
    order; each event's payload composed once, however many endpoints take it."""
    by_workspace: dict[int, list[tuple[int, str]]] = {}
    for endpoint_id, workspace_id, column in endpoints:
        by_workspace.setdefault(workspace_id, []).append((endpoint_id, column))
    targets: list[tuple[Event, int, int, str]] = []
    for event in events:
        found = ids.get(event.workspace)
        if found is None:
            continue
        body: str | None = None
        for endpoint_id, column in by_workspace.get(found, ()):
            if subscribed(column, event.type):
                body = body or event.body()
                targets.append((event, endpoint_id, found, body))
    return targets


def _probe_sql(count: int) -> str:
    return _PROBE.format(", ".join("?" * count))


def emit_sqlite(
    cursor: sqlite3.Cursor, events: Sequence[Event], ids: Mapping[Workspace, int]
) -> int:
    """``emit`` on the driver's cursor, inside SQLite's group commit; the items are numbered."""
    asked = _asked(events, ids)
    if not asked:
        return 0
    endpoints = cursor.execute(_probe_sql(len(asked)), asked).fetchall()
    rows = []
    for event, endpoint_id, workspace_id, body in _targets(endpoints, events, ids):
        at = moment(event.at)
        rows.append(
            (endpoint_id, event.id, workspace_id, event.number, event.type.value, body, at, at)
        )
    if rows:
        cursor.executemany(SQLITE_EMIT, rows)
    return len(rows)


def emit(conn: Connection, events: Sequence[Event], ids: Mapping[Workspace, int]) -> int:
    """One delivery per enabled endpoint subscribed to each event, in the events' order (which
    is the order an item's deliveries are sent in); ``ids`` holds the workspaces' row ids (a
    workspace missing from it has no endpoints). How many."""
    asked = _asked(events, ids)
    if not asked:
        return 0
    endpoints = conn.execute(
        select(endpoints_t.c.id, endpoints_t.c.workspace_id, endpoints_t.c.events).where(
            endpoints_t.c.workspace_id.in_(asked), endpoints_t.c.enabled
        )
    ).all()
    rows = [
        {
            "endpoint_id": endpoint_id,
            "event_id": event.id,
            "workspace_id": workspace_id,
            "item_number": event.number,
            "type": event.type.value,
            "payload": body,
            "created_at": stored(event.at),
            "due_at": stored(event.at),
            "attempts": 0,
            "state": _PENDING,
        }
        for event, endpoint_id, workspace_id, body in _targets(
            ((e.id, e.workspace_id, e.events) for e in endpoints), events, ids
        )
    ]
    if rows:
        # Executed row after row, in order: the ids keep the events' order.
        conn.execute(_EMIT, rows)
    return len(rows)


# -- reading --------------------------------------------------------------------------------------


def _endpoint(row: RowMapping) -> Endpoint:
    return Endpoint(
        row["id"],
        workspace_of(row),
        row["url"],
        _events_of(row["events"]),
        bool(row["enabled"]),
        utc(row["created_at"]),
        utc_or_none(row["last_success_at"]),
        utc_or_none(row["failing_since"]),
        utc_or_none(row["disabled_at"]),
    )


_ENDPOINTS = select(endpoints_t, workspaces.c.platform, workspaces.c.external_id).join(
    workspaces, workspaces.c.id == endpoints_t.c.workspace_id
)


class SqlWebhooks:
    """``WebhookStore`` on one unit of work's connection."""

    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

    async def emit(self, events: Sequence[Event]) -> int:
        if not events:
            return 0
        ids: dict[Workspace, int] = {}
        for workspace in {event.workspace for event in events}:
            found = await self._workspaces.find(workspace)
            if found is not None:
                ids[workspace] = found
        return await self._conn.run_sync(emit, events, ids)

    async def add_endpoint(
        self,
        workspace: Workspace,
        url: str,
        events: frozenset[EventType],
        sealed_secret: str,
        at: datetime,
    ) -> Endpoint:
        workspace_id = await self._workspaces.make(workspace)
        endpoint_id = (
            await self._conn.execute(
                insert(endpoints_t)
                .values(
                    workspace_id=workspace_id,
                    url=url,
                    events=events_column(events),
                    secret=sealed_secret,
                    enabled=True,
                    created_at=stored(at),
                )
                .returning(endpoints_t.c.id)
            )
        ).scalar_one()
        return Endpoint(endpoint_id, workspace, url, events, True, at)

    async def endpoints(self, workspace: Workspace | None = None) -> list[Endpoint]:
        query = _ENDPOINTS.order_by(endpoints_t.c.id)
        if workspace is not None:
            workspace_id = await self._workspaces.find(workspace)
            if workspace_id is None:
                return []
            query = query.where(endpoints_t.c.workspace_id == workspace_id)
        rows = (await self._conn.execute(query)).mappings().all()
        return [_endpoint(row) for row in rows]

    async def endpoint(self, endpoint_id: int) -> Endpoint | None:
        row = (
            (await self._conn.execute(_ENDPOINTS.where(endpoints_t.c.id == endpoint_id)))
            .mappings()
            .one_or_none()
        )
        return None if row is None else _endpoint(row)

    async def sealed_secret(self, endpoint_id: int) -> str | None:
        found: str | None = (
            await self._conn.execute(
                select(endpoints_t.c.secret).where(endpoints_t.c.id == endpoint_id)
            )
        ).scalar_one_or_none()
        return found

    async def remove_endpoint(self, endpoint_id: int) -> bool:
        owed = select(deliveries_t.c.id).where(deliveries_t.c.endpoint_id == endpoint_id)
        await self._conn.execute(delete(attempts_t).where(attempts_t.c.delivery_id.in_(owed)))
        await self._conn.execute(
            delete(deliveries_t).where(deliveries_t.c.endpoint_id == endpoint_id)
        )
        removed = await self._conn.execute(
            delete(endpoints_t).where(endpoints_t.c.id == endpoint_id).returning(endpoints_t.c.id)
        )
        return removed.first() is not None

    async def deliver_now(
        self, endpoint: Endpoint, event: Event, *, by: str, until: datetime
    ) -> WebhookDelivery:
        workspace_id = await self._workspaces.make(endpoint.workspace)
        body = event.body()
        delivery_id = (
            await self._conn.execute(
                insert(deliveries_t)
                .values(
                    endpoint_id=endpoint.id,
                    event_id=event.id,
                    workspace_id=workspace_id,
                    item_number=event.number,
                    type=event.type.value,
                    payload=body,
                    created_at=stored(event.at),
                    due_at=stored(event.at),
                    attempts=0,
                    state=_PENDING,
                    claimed_by=by,
                    claimed_until=stored(until),
                )
                .returning(deliveries_t.c.id)
            )
        ).scalar_one()
        secret = await self.sealed_secret(endpoint.id)
        assert secret is not None, "the endpoint was read in this transaction"
        return WebhookDelivery(
            delivery_id,
            endpoint.id,
            endpoint.workspace,
            event.id,
            event.type,
            event.number,
            body,
            event.at,
            event.at,
            0,
            endpoint.url,
            secret,
        )

    # -- delivering -----------------------------------------------------------------------------

    async def claim(
        self, now: datetime, *, by: str, until: datetime, limit: int
    ) -> list[WebhookDelivery]:
        d = deliveries_t
        older = aliased(deliveries_t)
        at = stored(now)
        free = and_(
            d.c.state == _PENDING,
            d.c.due_at <= at,
            or_(d.c.claimed_until.is_(None), d.c.claimed_until <= at),
            # An item's deliveries go out one at a time, oldest first, to each endpoint.
            ~exists().where(
                older.c.endpoint_id == d.c.endpoint_id,
                older.c.item_number == d.c.item_number,
                older.c.state == _PENDING,
                older.c.id < d.c.id,
            ),
        )
        rows = (
            (
                await self._conn.execute(
                    select(
                        d,
                        endpoints_t.c.url,
                        endpoints_t.c.secret,
                        workspaces.c.platform,
                        workspaces.c.external_id,
                    )
                    .join(endpoints_t, endpoints_t.c.id == d.c.endpoint_id)
                    .join(workspaces, workspaces.c.id == endpoints_t.c.workspace_id)
                    .where(free, endpoints_t.c.enabled)
                    .order_by(d.c.due_at, d.c.id)
                    .limit(limit)
                )
            )
            .mappings()
            .all()
        )
        if not rows:
            return []
        claimed = (
            (
                await self._conn.execute(
                    update(d)
                    .where(
                        d.c.id.in_([row["id"] for row in rows]),
                        d.c.state == _PENDING,
                        or_(d.c.claimed_until.is_(None), d.c.claimed_until <= at),
                    )
                    .values(claimed_by=by, claimed_until=stored(until))
                    .returning(d.c.id)
                )
            )
            .scalars()
            .all()
        )
        taken = set(claimed)
        return [
            WebhookDelivery(
                row["id"],
                row["endpoint_id"],
                workspace_of(row),
                row["event_id"],
                EventType(row["type"]),
                row["item_number"],
                row["payload"],
                utc(row["created_at"]),
                utc(row["due_at"]),
                row["attempts"],
                row["url"],
                row["secret"],
            )
            for row in rows
            if row["id"] in taken
        ]

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        await self._conn.execute(
            _RECORD,
            [
                {
                    "r_id": each.delivery_id,
                    "r_state": each.state.value,
                    "r_attempts": each.attempts,
                    "r_due": stored(each.due_at),
                    "r_status": each.result.status,
                }
                for each in outcomes
            ],
        )
        await self._conn.execute(
            insert(attempts_t),
            [
                {
                    "delivery_id": each.delivery_id,
                    "at": stored(each.at),
                    "status": each.result.status,
                    "error": None if each.result.error is None else each.result.error[:255],
                    "milliseconds": round(each.result.seconds * 1000),
                }
                for each in outcomes
            ],
        )
        succeeded: dict[int, datetime] = {}
        failed: dict[int, datetime] = {}
        for each in outcomes:
            if each.result.ok:
                succeeded[each.endpoint_id] = max(each.at, succeeded.get(each.endpoint_id, each.at))
            else:
                failed[each.endpoint_id] = min(each.at, failed.get(each.endpoint_id, each.at))
        if succeeded:
            await self._conn.execute(
                _SUCCEEDED, [{"e_id": i, "e_at": stored(at)} for i, at in succeeded.items()]
            )
        failing = {i: at for i, at in failed.items() if i not in succeeded}
        if failing:
            await self._conn.execute(
                _FAILED, [{"e_id": i, "e_at": stored(at)} for i, at in failing.items()]
            )

    async def release(self, by: str) -> int:
        released = await self._conn.execute(
            update(deliveries_t)
            .where(deliveries_t.c.claimed_by == by, deliveries_t.c.state == _PENDING)
            .values(claimed_by=None, claimed_until=None)
            .returning(deliveries_t.c.id)
        )
        return len(released.scalars().all())

    async def failing(self, since: datetime) -> list[Endpoint]:
        rows = (
            (
                await self._conn.execute(
                    _ENDPOINTS.where(
                        endpoints_t.c.enabled, endpoints_t.c.failing_since <= stored(since)
                    ).order_by(endpoints_t.c.id)
                )
            )
            .mappings()
            .all()
        )
        return [_endpoint(row) for row in rows]

    async def disable(self, endpoint_id: int, at: datetime) -> bool:
        turned = await self._conn.execute(
            update(endpoints_t)
            .where(endpoints_t.c.id == endpoint_id, endpoints_t.c.enabled)
            .values(enabled=False, disabled_at=stored(at))
            .returning(endpoints_t.c.id)
        )
        if turned.first() is None:
            return False
        await self._conn.execute(
            update(deliveries_t)
            .where(deliveries_t.c.endpoint_id == endpoint_id, deliveries_t.c.state == _PENDING)
            .values(state=DeliveryState.FAILED.value, claimed_by=None, claimed_until=None)
        )
        return True

    async def attempts(
        self, workspace: Workspace | None, endpoint_id: int | None, limit: int
    ) -> list[Attempt]:
        query = (
            select(
                attempts_t,
                deliveries_t.c.endpoint_id,
                deliveries_t.c.event_id,
                deliveries_t.c.type,
                deliveries_t.c.item_number,
                deliveries_t.c.state,
                endpoints_t.c.url,
                workspaces.c.platform,
                workspaces.c.external_id,
            )
            .join(deliveries_t, deliveries_t.c.id == attempts_t.c.delivery_id)
            .join(endpoints_t, endpoints_t.c.id == deliveries_t.c.endpoint_id)
            .join(workspaces, workspaces.c.id == endpoints_t.c.workspace_id)
            .order_by(attempts_t.c.at.desc(), attempts_t.c.id.desc())
            .limit(limit)
        )
        if workspace is not None:
            workspace_id = await self._workspaces.find(workspace)
            if workspace_id is None:
                return []
            query = query.where(endpoints_t.c.workspace_id == workspace_id)
        if endpoint_id is not None:
            query = query.where(deliveries_t.c.endpoint_id == endpoint_id)
        rows = (await self._conn.execute(query)).mappings().all()
        return [_attempt(row) for row in rows]

    async def forget(self, before: datetime, limit: int) -> int:
        old = (
            select(deliveries_t.c.id)
            .where(
                deliveries_t.c.state.in_(_SETTLED),
                deliveries_t.c.due_at < stored(before),
            )
            .limit(limit)
        )
        ids = list((await self._conn.execute(old)).scalars())
        if not ids:
            return 0
        await self._conn.execute(delete(attempts_t).where(attempts_t.c.delivery_id.in_(ids)))
        await self._conn.execute(delete(deliveries_t).where(deliveries_t.c.id.in_(ids)))
        return len(ids)


_SETTLED = (DeliveryState.DELIVERED.value, DeliveryState.FAILED.value)


def _attempt(row: RowMapping) -> Attempt:
    return Attempt(
        row["delivery_id"],
        row["endpoint_id"],
        workspace_of(row),
        row["event_id"],
        EventType(row["type"]),
        row["item_number"],
        utc(row["at"]),
        row["status"],
        row["error"],
        row["milliseconds"] / 1000,
        DeliveryState(row["state"]),
        row["url"],
    )


_RECORD = (
    update(deliveries_t)
    .where(deliveries_t.c.id == bindparam("r_id"))
    .values(
        state=bindparam("r_state"),
        attempts=bindparam("r_attempts"),
        due_at=bindparam("r_due"),
        last_status=bindparam("r_status"),
        claimed_by=None,
        claimed_until=None,
    )
)
_SUCCEEDED = (
    update(endpoints_t)
    .where(endpoints_t.c.id == bindparam("e_id"))
    .values(last_success_at=bindparam("e_at"), failing_since=None)
)
_FAILED = (
    update(endpoints_t)
    .where(endpoints_t.c.id == bindparam("e_id"), endpoints_t.c.failing_since.is_(None))
    .values(failing_since=bindparam("e_at"))
)
