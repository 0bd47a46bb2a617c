"""The backlog as the dashboard reads it: filtered and sorted pages, one item in detail, the
roadmap board, and the same filter exported as CSV or JSON, streamed."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.errors import FeedbackBotError
from bot.export import FIELDS, ExportFormat, ExportRow, encoder
from bot.identity import Person, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.text import excerpt

if TYPE_CHECKING:
    from bot.ports import Clock, UnitOfWorkFactory

EXCERPT_LENGTH = 160
# The roadmap board: its columns, how many items each shows, and how far back "shipped" looks.
BOARD_STATUSES = (Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PILOT)
BOARD_LIMIT = 50
SHIPPED_WINDOW = timedelta(days=30)
# Items read per transaction of an export: each transaction is short (10-20 ms on SQLite,
# about 3 µs an item), so an export of a million items never keeps others (SQLite's one
# writer) waiting for long, and its 250 transactions cost little.
EXPORT_BATCH = 4000


class Sort(StrEnum):
    VOTES = "votes"  # most votes first
    NEWEST = "newest"
    OLDEST = "oldest"
    CHANGED = "changed"  # last status change, most recent first; never-changed items last


@dataclass(frozen=True, slots=True)
class BacklogFilter:
    """Which items of one workspace; ``None`` means any. ``author_id`` is "mine"; ``text`` is
    searched as words: items whose text holds every one (whole words, case ignored)."""

    statuses: frozenset[Status] | None = None
    kind: ItemKind | None = None
    stakeholder: Stakeholder | None = None
    priority: Priority | None = None
    channel_id: str | None = None
    author_id: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class BacklogQuery:
    filter: BacklogFilter = field(default_factory=BacklogFilter)
    sort: Sort = Sort.VOTES
    after: str | None = None  # the opaque cursor of ``BacklogPage.next``
    limit: int = 50


@dataclass(frozen=True, slots=True)
class BacklogRow:
    number: int
    kind: ItemKind
    excerpt: str
    author_name: str | None  # None when anonymous
    anonymous: bool
    stakeholder: Stakeholder
    priority: Priority | None
    status: Status
    votes: int
    channel_id: str
    created_at: datetime
    status_changed_at: datetime | None
    breached_at: datetime | None  # when the item missed its SLA, if it did


@dataclass(frozen=True, slots=True)
class BacklogPage:
    rows: list[BacklogRow]
    next: str | None  # the cursor of the next page; None on the last


@dataclass(frozen=True, slots=True)
class ExportPage:
    rows: list[ExportRow]  # each as ``bot.export.export_row`` gives it, in ``FIELDS`` order
    next: str | None  # the cursor of the next page; None on the last


@dataclass(frozen=True, slots=True)
class Voter:
    user_id: str
    name: str  # the display name when known, else the user id


@dataclass(frozen=True, slots=True)
class ItemDetail:
    item: Item  # with its history
    voters: list[Voter]
    duplicates: list[BacklogRow]  # the items merged into it


@dataclass(frozen=True, slots=True)
class BoardColumn:
    status: Status
    rows: list[BacklogRow]
    more: int  # how many more items the column holds than it shows


class BadCursor(FeedbackBotError):
    """A page cursor that this backlog never handed out (or one of another sort)."""


# -- the cursor --------------------------------------------------------------------------------

# What a sort orders by before the tie-breaker ``number``: votes, or a moment (None: never
# changed, for CHANGED).
SortValue = int | datetime | None


def sort_value(sort: Sort, votes: int, created_at: datetime, changed: datetime | None) -> SortValue:
    """The value ``sort`` orders an item by, before its number."""
    if sort is Sort.VOTES:
        return votes
    if sort is Sort.CHANGED:
        return changed
    return created_at


def cursor_of(sort: Sort, value: SortValue, number: int) -> str:
    """The cursor of the page that starts after the item with that sort value and number."""
    written = value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([sort.value, written, number], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def row_cursor(sort: Sort, row: BacklogRow | Item) -> str:
    assert row.number is not None
    value = sort_value(sort, row.votes, row.created_at, row.status_changed_at)
    return cursor_of(sort, value, row.number)


def read_cursor(sort: Sort, cursor: str) -> tuple[SortValue, int]:
    """The sort value and number a cursor of ``sort`` points after; ``BadCursor`` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, value, number = json.loads(raw)
    except (ValueError, TypeError, binascii.Error) as error:
        raise BadCursor("that page link is broken: start again from the first page") from error
    if name != sort.value or not isinstance(number, int) or isinstance(number, bool):
        raise BadCursor("that page link belongs to another sort: start again from the first page")
    if sort is Sort.VOTES:
        if isinstance(value, int) and not isinstance(value, bool):
            return value, number
    elif value is None and sort is Sort.CHANGED:
        return None, number
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment.astimezone(UTC), number
    raise BadCursor("that page link is broken: start again from the first page")


# -- rows --------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def search_words(text: str | None) -> list[str]:
    """The words a search looks for (letters and digits, lower case); none: no search."""
    return [word.lower() for word in _WORD.findall(text or "")]


def backlog_row(item: Item, breached_at: datetime | None = None) -> BacklogRow:
    assert item.number is not None
    return BacklogRow(
        number=item.number,
        kind=item.kind,
        excerpt=excerpt(item.text, EXCERPT_LENGTH),
        author_name=item.author.display_name if item.author else None,
        anonymous=item.anonymous,
        stakeholder=item.stakeholder,
        priority=item.priority,
        status=item.status,
        votes=item.votes,
        channel_id=item.channel_id,
        created_at=item.created_at,
        status_changed_at=item.status_changed_at,
        breached_at=breached_at,
    )


def known_name(person: Person) -> str | None:
    """The person's display name, if their platform told it (adapters fall back to the id)."""
    name = person.display_name.strip()
    return name if name and name != person.user_id else None


# -- the port ----------------------------------------------------------------------------------


class BacklogReader(Protocol):
    """The backlog of one workspace, read for the dashboard. Nothing of another workspace is
    ever read. Pages are keyset pages: every page, however far, is read by seeking from its
    cursor, and walking the cursors shows each item once (ties broken by number)."""

    async def page(self, workspace: Workspace, query: BacklogQuery) -> BacklogPage:
        """Up to ``query.limit`` matching items after ``query.after``, in ``query.sort`` order;
        ``BadCursor`` for a cursor of another sort or none handed out."""
        ...

    async def detail(self, workspace: Workspace, number: int) -> ItemDetail | None:
        """The item with its history, its voters (in the order they voted) and the items
        merged into it (by number); ``None`` when there is no such item."""
        ...

    async def board(self, workspace: Workspace, shipped_since: datetime) -> list[BoardColumn]:
        """Under review, planned and in pilot (the most voted first, ``BOARD_LIMIT`` each),
        then shipped since ``shipped_since`` (the most recently shipped first)."""
        ...

    def rows(
        self, workspace: Workspace, filter: BacklogFilter, sort: Sort, after: str | None = None
    ) -> AsyncGenerator[Item]:
        """Every matching item (after the cursor ``after``) in ``sort`` order, read in keyset
        pages so memory stays flat however many there are. A generator, so that a reader who
        stops early can close it at once."""
        ...

    async def export_page(
        self, workspace: Workspace, filter: BacklogFilter, sort: Sort, after: str | None, limit: int
    ) -> ExportPage:
        """Up to ``limit`` matching items after the cursor ``after``, in ``sort`` order, as flat
        export rows: the values ``bot.export.export_row`` gives for each item (an anonymous
        item's author empty), in ``FIELDS`` order, read without building the items."""
        ...


# -- the use case ------------------------------------------------------------------------------


class BacklogService:
    """The dashboard's reading of the backlog. Anyone signed in to a workspace may read it."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def page(self, workspace: Workspace, query: BacklogQuery) -> BacklogPage:
        async with self._uow() as uow:
            return await uow.backlog.page(workspace, query)

    async def detail(self, workspace: Workspace, number: int) -> ItemDetail | None:
        async with self._uow() as uow:
            return await uow.backlog.detail(workspace, number)

    async def board(self, workspace: Workspace) -> list[BoardColumn]:
        """The roadmap board: what is under review, planned, in pilot, and shipped in the last
        30 days."""
        async with self._uow() as uow:
            return await uow.backlog.board(workspace, self._clock.now() - SHIPPED_WINDOW)

    async def export(
        self,
        workspace: Workspace | None,
        filter: BacklogFilter = BacklogFilter(),  # frozen: never shared state
        sort: Sort = Sort.OLDEST,
        format: ExportFormat = "csv",
    ) -> AsyncIterator[bytes]:
        """The matching items as CSV (a header, then a line per item) or one JSON array, in
        UTF-8 chunks: every field of ``bot.export.export_row``. ``workspace`` ``None`` (for
        operators) exports every workspace, one after the other. Streamed: memory stays flat
        however many items there are, and items are read in short transactions."""
        encode = encoder(format, FIELDS)
        yield encode(None)
        if workspace is None:
            async with self._uow() as uow:
                workspaces = await uow.items.workspaces()
        else:
            workspaces = [workspace]
        for each in workspaces:

            async def read(after: str | None, each: Workspace = each) -> ExportPage:
                # One short transaction per page: nothing is held while a page is encoded.
                async with self._uow() as uow:
                    return await uow.backlog.export_page(each, filter, sort, after, EXPORT_BATCH)

            reading = asyncio.ensure_future(read(None))
            try:
                while True:
                    page = await reading
                    if page.next is not None:
                        # The next page is read (on the database's thread or socket) while this
                        # one is encoded: a quarter of an export's time was spent waiting.
                        reading = asyncio.ensure_future(read(page.next))
                    if page.rows:
                        yield encode(page.rows)
                    if page.next is None:
                        break
            finally:
                # A reader that stops early (a closed pipe, a closed browser) reads no more,
                # and a failure of the read nobody waits for is not reported as unheard.
                reading.cancel()
                if reading.done() and not reading.cancelled():
                    reading.exception()
        yield encode([])
