"""``BacklogReader`` on SQLAlchemy Core: keyset pages on the indexes of migration 0009, full-text
search (FTS5 on SQLite, a GIN index on PostgreSQL). Every statement is scoped by workspace."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.backlog import (
    BOARD_LIMIT,
    BOARD_STATUSES,
    BacklogFilter,
    BacklogPage,
    BacklogQuery,
    BacklogRow,
    BoardColumn,
    ExportPage,
    ItemDetail,
    Sort,
    SortValue,
    Voter,
    backlog_row,
    cursor_of,
    read_cursor,
    row_cursor,
    search_words,
)
from bot.export import ExportRow
from bot.identity import Workspace
from bot.items import Item, ItemKind, Priority, Status
from storage.dialect import is_postgres
from storage.repository import SqlItemRepository
from storage.rows import stored, to_item, utc, utc_or_none
from storage.tables import items, open_item_counts, sla_breaches, votes
from storage.workspaces import WorkspaceIds

# Items read per statement of ``rows``.
ROWS_PAGE = 1000
# From how many matches on SQLite a search reads items in sort order, checking each against the
# matches (read once into a temporary index; a fraction of a µs an item), instead of reading
# every match and sorting them (a few µs each). On a million items a page walks about
# 50 * 1,000,000 / matches items, so the two meet near a few thousand matches.
DENSE_SEARCH = 5_000
# The text search configuration as a literal, as in the index, so PostgreSQL can use the index.
_SIMPLE: ColumnElement[Any] = literal_column("'simple'")


@dataclass(frozen=True, slots=True)
class _Segment:
    """A stretch of one sort's order that one index reads in order: its rows, and its order."""

    where: ColumnElement[bool]
    key: ColumnElement[Any]
    descending: bool


class SqlBacklog:
    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces
        self._fts: bool | None = None

    # -- pages ------------------------------------------------------------------------------

    async def page(self, workspace: Workspace, query: BacklogQuery) -> BacklogPage:
        after = read_cursor(query.sort, query.after) if query.after else None
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None or query.limit < 1:
            return BacklogPage([], None)
        where = await self._matching(workspace_id, query.filter)
        found = await self._read(
            select(items, sla_breaches.c.breached_at).outerjoin(
                sla_breaches, sla_breaches.c.item_id == items.c.id
            ),
            where,
            query.sort,
            after,
            query.limit + 1,
        )
        rows = [_row(row, workspace) for row in found]
        if len(rows) <= query.limit:
            return BacklogPage(rows, None)
        rows = rows[: query.limit]
        return BacklogPage(rows, row_cursor(query.sort, rows[-1]))

    async def rows(
        self, workspace: Workspace, filter: BacklogFilter, sort: Sort, after: str | None = None
    ) -> AsyncGenerator[Item]:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return
        where = await self._matching(workspace_id, filter)
        position = read_cursor(sort, after) if after else None
        while True:
            found = await self._read(select(items), where, sort, position, ROWS_PAGE)
            for row in found:
                yield to_item(row, workspace)
            if len(found) < ROWS_PAGE:
                return
            last = found[-1]
            changed = utc_or_none(last["status_changed_at"])
            value = _sort_value(sort, last["votes"], utc(last["created_at"]), changed)
            position = (value, last["number"])

    async def export_page(
        self, workspace: Workspace, filter: BacklogFilter, sort: Sort, after: str | None, limit: int
    ) -> ExportPage:
        position = read_cursor(sort, after) if after else None
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None or limit < 1:
            return ExportPage([], None)
        where = await self._matching(workspace_id, filter)
        postgres = is_postgres(self._conn.dialect)
        found = await self._read(
            _EXPORTED_PG if postgres else _EXPORTED_SQLITE, where, sort, position, limit, rows=True
        )
        if not found:
            return ExportPage([], None)
        # PostgreSQL wrote the moments already (``_export_columns``).
        moment = _as_written if postgres else _exported_sqlite_moment
        named = str(workspace)
        # The hot loop of an export (a million items): plain tuples, no item built.
        rows: list[ExportRow] = [
            (
                named,
                number,
                kind,
                text_,
                author_id,
                author_name,
                author_id is None,
                stakeholder,
                priority,
                status,
                duplicate_of,
                votes_,
                channel_id,
                moment(created_at),
                moment(acknowledged_at),
                moment(status_changed_at),
            )
            for (
                number,
                kind,
                text_,
                author_id,
                author_name,
                stakeholder,
                priority,
                status,
                duplicate_of,
                votes_,
                channel_id,
                created_at,
                acknowledged_at,
                status_changed_at,
            ) in found
        ]
        if len(found) < limit:
            return ExportPage(rows, None)
        last = found[-1]
        value = _sort_value(sort, last[9], _read_moment(last[11]), _read_moment_or_none(last[13]))
        return ExportPage(rows, cursor_of(sort, value, last[0]))

    async def _read(
        self,
        columns: Select[Any],
        where: ColumnElement[bool],
        sort: Sort,
        after: tuple[SortValue, int] | None,
        limit: int,
        *,
        rows: bool = False,
    ) -> list[Any]:
        """Up to ``limit`` rows after ``after`` in ``sort`` order, segment by segment: as
        mappings, or as plain rows (``rows``), which cost less to read."""
        found: list[Any] = []
        segments = _segments(sort)
        if after is not None and sort is Sort.CHANGED and after[0] is None:
            segments = segments[1:]  # the cursor is already among the never-changed items
        for index, segment in enumerate(segments):
            conditions = [where, segment.where]
            if after is not None and index == 0:
                conditions.append(_beyond(segment, after))
            statement = (
                columns.where(*conditions).order_by(*_ordering(segment)).limit(limit - len(found))
            )
            result = await self._conn.execute(statement)
            found.extend(result.all() if rows else result.mappings().all())
            if len(found) >= limit:
                break
        return found

    async def _matching(self, workspace_id: int, filter: BacklogFilter) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = [items.c.workspace_id == workspace_id]
        if filter.statuses is not None:
            conditions.append(items.c.status.in_(sorted(s.value for s in filter.statuses)))
        if filter.kind is not None:
            conditions.append(items.c.kind == filter.kind.value)
        if filter.stakeholder is not None:
            conditions.append(items.c.stakeholder == filter.stakeholder.value)
        if filter.priority is not None:
            conditions.append(items.c.priority == filter.priority.value)
        if filter.channel_id is not None:
            conditions.append(items.c.channel_id == filter.channel_id)
        if filter.author_id is not None:
            conditions.append(items.c.author_id == filter.author_id)
        words = search_words(filter.text)
        if words:
            conditions.append(await self._search(words))
        return and_(*conditions)

    async def _search(self, words: Sequence[str]) -> ColumnElement[bool]:
        """Items whose text has each of ``words`` (whole words, case and accents ignored)."""
        if is_postgres(self._conn.dialect):
            return func.to_tsvector(_SIMPLE, items.c.text).op("@@")(
                func.to_tsquery(_SIMPLE, literal(" & ".join(words)))
            )
        if not await self._has_fts():
            # SQLite built without FTS5: the words anywhere in the text (ASCII case ignored).
            return and_(*(items.c.text.like(f"%{word}%") for word in words))
        # Whole words, not prefixes: FTS5 finds one word's row by seeking, a prefix by reading
        # every word that starts with it.
        match = " ".join(f'"{word}"' for word in words)
        counted = text(
            "SELECT count(*) FROM (SELECT rowid FROM items_fts WHERE items_fts MATCH :match "
            "LIMIT :cap)"
        )
        found = await self._conn.execute(counted, {"match": match, "cap": DENSE_SEARCH})
        if found.scalar_one() < DENSE_SEARCH:
            # Few matches: read them all from the index, then sort them.
            matching = text("SELECT rowid FROM items_fts WHERE items_fts MATCH :match")
            return items.c.id.in_(matching.bindparams(match=match))
        # Many: read the items in sort order until a page is full, each checked against the
        # matches, which SQLite reads once into a temporary index. The ``+`` keeps the id from
        # being used to look items up by the matches (the plan above), so the sort's index
        # leads. (A correlated EXISTS against the full-text table read the word's whole list
        # again for every item: 0.3 s a page for a word in one item of 13.)
        matching = text("SELECT rowid FROM items_fts WHERE items_fts MATCH :match")
        return literal_column("+items.id").in_(matching.bindparams(match=match))

    async def _has_fts(self) -> bool:
        if self._fts is None:
            found = await self._conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items_fts'")
            )
            self._fts = found.first() is not None
        return self._fts

    # -- one item ---------------------------------------------------------------------------

    async def detail(self, workspace: Workspace, number: int) -> ItemDetail | None:
        item = await SqlItemRepository(self._conn, self._workspaces).get(workspace, number)
        workspace_id = await self._workspaces.find(workspace)
        if item is None or workspace_id is None:
            return None
        # By the item's number, as ``get`` read it: not the item's row looked up a second time.
        voters = await self._conn.execute(
            select(votes.c.voter_id, votes.c.voter_name)
            .join(items, items.c.id == votes.c.item_id)
            .where(items.c.workspace_id == workspace_id, items.c.number == number)
            .order_by(votes.c.id)
        )
        duplicates = await self._conn.execute(
            _with_breach()
            .where(
                items.c.workspace_id == workspace_id,
                items.c.duplicate_of == number,
                items.c.status == Status.DUPLICATE.value,
            )
            .order_by(items.c.number)
        )
        return ItemDetail(
            item=item,
            voters=[Voter(user_id, name or user_id) for user_id, name in voters],
            duplicates=[_row(row, workspace) for row in duplicates.mappings()],
        )

    # -- the roadmap board ------------------------------------------------------------------

    async def board(self, workspace: Workspace, shipped_since: datetime) -> list[BoardColumn]:
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return [BoardColumn(s, [], 0) for s in (*BOARD_STATUSES, Status.SHIPPED)]
        in_workspace = items.c.workspace_id == workspace_id
        columns = []
        for status in BOARD_STATUSES:
            where = and_(in_workspace, items.c.status.in_([status.value]))
            found = await self._read(_with_breach(), where, Sort.VOTES, None, BOARD_LIMIT)
            shown = [_row(row, workspace) for row in found]
            # Open statuses are counted by the database as items change (migration 0007).
            total = (
                await self._conn.execute(
                    select(func.coalesce(func.sum(open_item_counts.c.count), 0)).where(
                        open_item_counts.c.workspace_id == workspace_id,
                        open_item_counts.c.status == status.value,
                    )
                )
            ).scalar_one()
            columns.append(BoardColumn(status, shown, max(int(total) - len(shown), 0)))
        # Read from the index of status changes: SQLite would otherwise take the status index
        # and go through every item ever shipped (``||`` keeps it off that index).
        shipped = and_(
            in_workspace,
            items.c.status_changed_at >= stored(shipped_since),
            items.c.status.op("||")(literal("")) == Status.SHIPPED.value,
        )
        rows = await self._conn.execute(
            _with_breach()
            .where(shipped)
            .order_by(items.c.status_changed_at.desc(), items.c.number.desc())
            .limit(BOARD_LIMIT)
        )
        shown = [_row(row, workspace) for row in rows.mappings()]
        total = (await self._conn.execute(select(func.count()).where(shipped))).scalar_one()
        columns.append(BoardColumn(Status.SHIPPED, shown, max(total - len(shown), 0)))
        return columns


def _export_columns(postgres: bool) -> Select[Any]:
    """An item's export values as columns, as ``to_item`` and ``export_row`` would make them:
    a feedback has no priority, a request has one, an anonymous item no author's name.

    Moments come as text, never read into a datetime: PostgreSQL writes them as
    ``datetime.isoformat`` would (it works on its own core meanwhile), and SQLite gives them as
    stored, which ``_exported_sqlite_moment`` rewrites. A million items' three moments read as
    datetimes and written out again took about 5 s."""

    def moment(column: ColumnElement[Any]) -> ColumnElement[Any]:
        if not postgres:
            return type_coerce(column, String)
        in_utc = column.op("AT TIME ZONE")(literal_column("'UTC'"))
        micro = func.to_char(in_utc, "US")
        fraction = case((micro == "000000", ""), else_="." + micro)
        return func.to_char(in_utc, 'YYYY-MM-DD"T"HH24:MI:SS') + fraction + "+00:00"

    return select(
        items.c.number,
        items.c.kind,
        items.c.text,
        items.c.author_id,
        case((items.c.author_id.is_(None), None), else_=func.coalesce(items.c.author_name, "")),
        items.c.stakeholder,
        case(
            (items.c.kind == ItemKind.FEEDBACK.value, None),
            (func.coalesce(items.c.priority, "") == "", Priority.GOOD_TO_HAVE.value),
            else_=items.c.priority,
        ),
        items.c.status,
        items.c.duplicate_of,
        items.c.votes,
        items.c.channel_id,
        moment(items.c.created_at),
        moment(items.c.acknowledged_at),
        moment(items.c.status_changed_at),
    )


_EXPORTED_PG = _export_columns(postgres=True)
_EXPORTED_SQLITE = _export_columns(postgres=False)


def _exported_sqlite_moment(moment: str | None) -> str | None:
    """A moment as SQLite keeps it (UTC, "2024-05-01 09:30:00.000000": ``storage.rows``),
    written as ``datetime.isoformat`` would write it, without building the datetime."""
    if moment is None:
        return None
    if len(moment) == 26 and moment[10] == " " and moment[19] == ".":
        if moment.endswith("000000"):
            return f"{moment[:10]}T{moment[11:19]}+00:00"
        return f"{moment[:10]}T{moment[11:]}+00:00"
    return _read_moment(moment).isoformat()


def _as_written(moment: str | None) -> str | None:
    return moment


def _read_moment(moment: str | datetime) -> datetime:
    return utc(datetime.fromisoformat(moment) if isinstance(moment, str) else moment)


def _read_moment_or_none(moment: str | datetime | None) -> datetime | None:
    return None if moment is None else _read_moment(moment)


def _with_breach() -> Select[Any]:
    return select(items, sla_breaches.c.breached_at).outerjoin(
        sla_breaches, sla_breaches.c.item_id == items.c.id
    )


def _row(row: Any, workspace: Workspace) -> BacklogRow:
    return backlog_row(to_item(row, workspace), utc_or_none(row["breached_at"]))


def _sort_value(
    sort: Sort, votes_: int, created_at: datetime, changed: datetime | None
) -> SortValue:
    if sort is Sort.VOTES:
        return votes_
    return changed if sort is Sort.CHANGED else created_at


def _segments(sort: Sort) -> list[_Segment]:
    """The stretches of ``sort``'s order, each read in order from one index ending in
    ``number``. Only CHANGED has two: changed items, then the never-changed ones."""
    anything = true()
    if sort is Sort.VOTES:
        return [_Segment(anything, items.c.votes, True)]
    if sort is Sort.NEWEST:
        return [_Segment(anything, items.c.created_at, True)]
    if sort is Sort.OLDEST:
        return [_Segment(anything, items.c.created_at, False)]
    return [
        _Segment(items.c.status_changed_at.is_not(None), items.c.status_changed_at, True),
        _Segment(items.c.status_changed_at.is_(None), items.c.number, True),
    ]


def _ordering(segment: _Segment) -> list[ColumnElement[Any]]:
    keys = [segment.key] if segment.key is items.c.number else [segment.key, items.c.number]
    return [key.desc() if segment.descending else key.asc() for key in keys]


def _beyond(segment: _Segment, after: tuple[SortValue, int]) -> ColumnElement[bool]:
    """The rows of ``segment`` past the cursor: a row-value comparison, which both databases
    answer by seeking in the index."""
    value, number = after
    position = literal(number, Integer)
    if segment.key is items.c.number:
        return items.c.number < position if segment.descending else items.c.number > position
    if isinstance(value, datetime):
        value = stored(value)
    bound = tuple_(segment.key, items.c.number)
    past = tuple_(literal(value, segment.key.type), position)
    return bound < past if segment.descending else bound > past
