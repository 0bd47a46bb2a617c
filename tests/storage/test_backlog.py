"""The dashboard's backlog as the storage answers it, on SQLite and PostgreSQL: filters, sorts,
keyset pages, search, one item in detail, the roadmap board and the streamed export."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import backlog as backlog_module
from bot.backlog import (
    BacklogFilter,
    BacklogQuery,
    BacklogService,
    BadCursor,
    Sort,
    Voter,
)
from bot.export import FIELDS, ExportRow, export_row
from bot.identity import Person, Platform, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.service import FeedbackService
from storage import backlog as storage_backlog
from storage import tables
from storage.schema import migrate
from storage.unit_of_work import SqlStorage
from tests.fakes import START, FixedClock

ACME = Workspace(Platform.SLACK, "T-ACME")
GLOBEX = Workspace(Platform.DISCORD, "1234567890")
ALICE = Person("U-ALICE", "Alice")
BOB = Person("U-BOB", "Bob")
ANY = BacklogFilter()


def item(
    text: str = "words",
    *,
    workspace: Workspace = ACME,
    kind: ItemKind = ItemKind.REQUEST,
    author: Person | None = ALICE,
    stakeholder: Stakeholder = Stakeholder.INTERNAL,
    priority: Priority | None = Priority.GOOD_TO_HAVE,
    channel_id: str = "C-GENERAL",
    minutes: int = 0,
    votes: int = 0,
) -> Item:
    return Item(
        workspace=workspace,
        kind=kind,
        text=text,
        channel_id=channel_id,
        author=author,
        stakeholder=stakeholder,
        priority=priority,
        created_at=START + timedelta(minutes=minutes),
        votes=votes,
    )


@pytest.fixture
def storage(engine: AsyncEngine) -> SqlStorage:
    return SqlStorage(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START + timedelta(days=60))


@pytest.fixture
def service(storage: SqlStorage, clock: FixedClock) -> BacklogService:
    return BacklogService(storage.unit_of_work, clock)


@pytest.fixture
def feedback(storage: SqlStorage, clock: FixedClock) -> FeedbackService:
    return FeedbackService(storage.unit_of_work, clock)


async def add(storage: SqlStorage, *new: Item) -> list[Item]:
    async with storage.unit_of_work() as uow:
        added = await uow.items.add_all(new)
        await uow.commit()
    return added


async def move(storage: SqlStorage, moved: Item, to: Status, at_minutes: int) -> None:
    async with storage.unit_of_work() as uow:
        moved.change_status(to, START + timedelta(minutes=at_minutes))
        await uow.items.update(moved)
        await uow.commit()


async def numbers(
    service: BacklogService,
    filter: BacklogFilter = ANY,
    sort: Sort = Sort.VOTES,
    workspace: Workspace = ACME,
) -> list[int]:
    page = await service.page(workspace, BacklogQuery(filter, sort, limit=100))
    return [row.number for row in page.rows]


async def walk(service: BacklogService, sort: Sort, limit: int) -> list[int]:
    """Every page's numbers, following the cursors from the first page."""
    seen: list[int] = []
    after = None
    for _ in range(100):
        page = await service.page(ACME, BacklogQuery(sort=sort, after=after, limit=limit))
        seen.extend(row.number for row in page.rows)
        if page.next is None:
            return seen
        after = page.next
    raise AssertionError("the cursors never ended")


# -- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (BacklogFilter(kind=ItemKind.FEEDBACK), [2]),
        (BacklogFilter(stakeholder=Stakeholder.EXTERNAL), [3]),
        (BacklogFilter(priority=Priority.MUST_HAVE), [4]),
        (BacklogFilter(channel_id="C-OPS"), [5]),
        (BacklogFilter(author_id=BOB.user_id), [6]),
        (BacklogFilter(statuses=frozenset({Status.PLANNED, Status.DECLINED})), [7, 1]),
        (BacklogFilter(kind=ItemKind.REQUEST, statuses=frozenset({Status.NEW})), [6, 5, 4, 3]),
    ],
)
async def test_each_filter_picks_only_its_items(
    storage: SqlStorage, service: BacklogService, filter: BacklogFilter, expected: list[int]
) -> None:
    first, *_, seventh = await add(
        storage,
        item("one"),
        item("two", kind=ItemKind.FEEDBACK, priority=None),
        item("three", stakeholder=Stakeholder.EXTERNAL),
        item("four", priority=Priority.MUST_HAVE),
        item("five", channel_id="C-OPS"),
        item("six", author=BOB),
        item("seven"),
    )
    await move(storage, first, Status.PLANNED, 1)
    await move(storage, seventh, Status.DECLINED, 2)
    assert await numbers(service, filter, Sort.NEWEST) == expected


async def test_an_anonymous_item_shows_no_author(
    storage: SqlStorage, service: BacklogService
) -> None:
    await add(storage, item("psst", author=None))
    (row,) = (await service.page(ACME, BacklogQuery())).rows
    assert (row.author_name, row.anonymous) == (None, True)


async def test_a_long_text_shows_as_an_excerpt_of_whole_words(
    storage: SqlStorage, service: BacklogService
) -> None:
    await add(storage, item("lorem ipsum " * 40))
    (row,) = (await service.page(ACME, BacklogQuery())).rows
    assert len(row.excerpt) <= 160 and row.excerpt.endswith("…")
    assert row.excerpt[:-1].split() == ("lorem ipsum " * 40).split()[: len(row.excerpt.split())]


async def test_an_items_sla_breach_shows_on_its_row(
    storage: SqlStorage, service: BacklogService, engine: AsyncEngine
) -> None:
    await add(storage, item("late"), item("on time"))
    breached = START + timedelta(hours=5)
    async with engine.begin() as connection:
        late_id = (
            await connection.execute(select(tables.items.c.id).where(tables.items.c.number == 1))
        ).scalar_one()
        await connection.execute(
            insert(tables.sla_breaches).values(
                item_id=late_id, workspace_id=1, deadline=START, breached_at=breached
            )
        )
    page = await service.page(ACME, BacklogQuery(sort=Sort.OLDEST))
    assert [(row.number, row.breached_at) for row in page.rows] == [(1, breached), (2, None)]


# -- sorts and pages -----------------------------------------------------------------------------


@pytest.fixture
async def sorted_items(storage: SqlStorage) -> None:
    """Eleven items: votes with ties, creation out of number order, some status changes."""
    votes = [3, 0, 5, 3, 0, 1, 5, 0, 2, 3, 0]
    minutes = [0, 10, 5, 20, 15, 30, 25, 40, 35, 50, 45]
    pairs = enumerate(zip(votes, minutes, strict=True))
    added = await add(storage, *(item(f"item {n}", votes=v, minutes=m) for n, (v, m) in pairs))
    for index, at in ((2, 100), (5, 300), (8, 200), (9, 300)):
        await move(storage, added[index], Status.UNDER_REVIEW, at)


EXPECTED = {
    Sort.VOTES: [7, 3, 10, 4, 1, 9, 6, 11, 8, 5, 2],
    Sort.NEWEST: [10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 1],
    Sort.OLDEST: [1, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10],
    Sort.CHANGED: [10, 6, 9, 3, 11, 8, 7, 5, 4, 2, 1],
}


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.usefixtures("sorted_items")
async def test_each_sort_orders_items_with_ties_broken_by_number(
    service: BacklogService, sort: Sort
) -> None:
    assert await numbers(service, sort=sort) == EXPECTED[sort]


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.usefixtures("sorted_items")
async def test_walking_the_pages_shows_every_item_once_in_order(
    service: BacklogService, sort: Sort
) -> None:
    for limit in (1, 3, 4, 11):
        assert await walk(service, sort, limit) == EXPECTED[sort]


@pytest.mark.usefixtures("sorted_items")
async def test_the_last_page_has_no_next_cursor(service: BacklogService) -> None:
    page = await service.page(ACME, BacklogQuery(limit=11))
    assert len(page.rows) == 11 and page.next is None


@pytest.mark.usefixtures("sorted_items")
async def test_a_cursor_of_another_sort_or_a_forged_one_is_refused(
    service: BacklogService,
) -> None:
    first = await service.page(ACME, BacklogQuery(sort=Sort.VOTES, limit=2))
    assert first.next is not None
    with pytest.raises(BadCursor):
        await service.page(ACME, BacklogQuery(sort=Sort.NEWEST, after=first.next))
    for forged in ("nonsense", "W10", first.next[:-3]):
        with pytest.raises(BadCursor):
            await service.page(ACME, BacklogQuery(sort=Sort.VOTES, after=forged))


# -- search --------------------------------------------------------------------------------------


@pytest.fixture
async def texts(storage: SqlStorage) -> None:
    await add(
        storage,
        item("SSO for Grafana, please"),
        item("Faster CI runners"),
        item("Grafana dashboards for the CI"),
        item("grafana SSO is broken", workspace=GLOBEX),
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("grafana", [3, 1]),
        ("GRAFANA", [3, 1]),
        ("runners", [2]),
        ("sso grafana", [1]),  # every word
        ("ci grafana", [3]),
        ("kubernetes", []),
        ("'sso' (\"grafana*\"", [1]),  # search syntax is only words
    ],
)
@pytest.mark.usefixtures("texts")
async def test_search_finds_items_with_every_word(
    service: BacklogService, words: str, expected: list[int]
) -> None:
    assert await numbers(service, BacklogFilter(text=words), Sort.NEWEST) == expected


@pytest.mark.usefixtures("texts")
async def test_a_search_many_items_match_is_read_in_sort_order_page_by_page(
    service: BacklogService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_backlog, "DENSE_SEARCH", 1)  # every search counts as dense
    query = BacklogQuery(BacklogFilter(text="grafana"), Sort.NEWEST, limit=1)
    first = await service.page(ACME, query)
    second = await service.page(ACME, replace(query, after=first.next))
    assert [row.number for row in (*first.rows, *second.rows)] == [3, 1]
    assert second.next is None
    assert await numbers(service, BacklogFilter(text="sso grafana")) == [1]


@pytest.mark.usefixtures("texts")
async def test_search_of_punctuation_alone_filters_nothing(service: BacklogService) -> None:
    assert await numbers(service, BacklogFilter(text=" *!? "), Sort.NEWEST) == [3, 2, 1]


async def test_search_follows_an_items_text_as_it_changes_and_goes(
    storage: SqlStorage, service: BacklogService, engine: AsyncEngine
) -> None:
    await add(storage, item("old words"), item("kept"))
    async with engine.begin() as connection:
        items = tables.items
        await connection.execute(items.update().where(items.c.number == 1).values(text="new words"))
        await connection.execute(items.delete().where(items.c.number == 2))
    assert await numbers(service, BacklogFilter(text="new")) == [1]
    assert await numbers(service, BacklogFilter(text="old")) == []
    assert await numbers(service, BacklogFilter(text="kept")) == []


async def test_without_fts5_sqlite_searches_the_text_itself(
    sqlite_engine: AsyncEngine,
) -> None:
    storage = SqlStorage(sqlite_engine)
    service = BacklogService(storage.unit_of_work, FixedClock())
    await add(storage, item("SSO for Grafana"), item("CI runners"))
    async with sqlite_engine.begin() as connection:
        for trigger in ("items_fts_insert", "items_fts_delete", "items_fts_update"):
            await connection.execute(text(f"DROP TRIGGER {trigger}"))
        await connection.execute(text("DROP TABLE items_fts"))
    assert await numbers(service, BacklogFilter(text="grafana sso")) == [1]
    assert await numbers(service, BacklogFilter(text="runners")) == [2]


async def test_items_stored_before_the_upgrade_are_found(empty_engine: AsyncEngine) -> None:
    await migrate(empty_engine, "0008")
    async with empty_engine.begin() as connection:
        await connection.execute(
            insert(tables.workspaces).values(
                platform="slack", external_id="T-ACME", last_number=2, created_at=START
            )
        )
        for number, words in ((1, "Grafana SSO"), (2, "CI runners")):
            await connection.execute(
                text(
                    "INSERT INTO items (workspace_id, number, kind, text, channel_id, "
                    "stakeholder, status, votes, created_at) VALUES "
                    "(1, :number, 'feedback', :words, 'C1', 'internal', 'new', 0, :at)"
                ),
                {"number": number, "words": words, "at": START},
            )
    await migrate(empty_engine)
    service = BacklogService(SqlStorage(empty_engine).unit_of_work, FixedClock())
    assert await numbers(service, BacklogFilter(text="grafana")) == [1]


# -- workspaces ----------------------------------------------------------------------------------


async def test_nothing_of_one_workspace_shows_in_another(
    storage: SqlStorage, service: BacklogService, feedback: FeedbackService
) -> None:
    await add(storage, item("ours"), item("theirs", workspace=GLOBEX))
    await feedback.vote(ACME, 1, BOB)
    assert await numbers(service, workspace=GLOBEX) == [1]
    globex = await service.detail(GLOBEX, 1)
    assert globex is not None and globex.item.text == "theirs" and globex.voters == []
    assert await service.detail(GLOBEX, 2) is None
    assert await numbers(service, workspace=Workspace(Platform.SLACK, "T-NONE")) == []
    columns = await service.board(GLOBEX)
    assert all(column.rows == [] for column in columns)
    exported = b"".join([chunk async for chunk in service.export(GLOBEX, format="json")])
    assert [row["text"] for row in json.loads(exported)] == ["theirs"]


# -- one item ------------------------------------------------------------------------------------


async def test_an_items_detail_names_its_voters_and_keeps_its_history(
    storage: SqlStorage, service: BacklogService, feedback: FeedbackService
) -> None:
    (voted,) = await add(storage, item("voted"))
    await feedback.vote(ACME, 1, BOB)
    await feedback.vote(ACME, 1, Person("U-NAMELESS", "U-NAMELESS"))  # no name known
    await move(storage, voted, Status.PLANNED, 5)

    detail = await service.detail(ACME, 1)

    assert detail is not None
    assert detail.voters == [Voter("U-BOB", "Bob"), Voter("U-NAMELESS", "U-NAMELESS")]
    assert [(c.from_status, c.to_status) for c in detail.item.history] == [
        (Status.NEW, Status.PLANNED)
    ]


async def test_an_items_detail_lists_the_duplicates_merged_into_it_with_their_voters(
    storage: SqlStorage, service: BacklogService, feedback: FeedbackService
) -> None:
    await add(storage, item("kept"), item("copy one"), item("copy two"), item("other"))
    await feedback.vote(ACME, 2, BOB)
    for duplicate in (3, 2):
        await feedback.change_status(ACME, duplicate, Status.DUPLICATE, duplicate_of=1)

    detail = await service.detail(ACME, 1)

    assert detail is not None
    assert [(row.number, row.status) for row in detail.duplicates] == [
        (2, Status.DUPLICATE),
        (3, Status.DUPLICATE),
    ]
    assert detail.voters == [Voter("U-BOB", "Bob")]  # moved with the vote


async def test_a_missing_item_has_no_detail(service: BacklogService) -> None:
    assert await service.detail(ACME, 404) is None


# -- the roadmap board ---------------------------------------------------------------------------


async def test_the_board_shows_each_stage_by_votes_and_recent_shipments(
    storage: SqlStorage, service: BacklogService, clock: FixedClock
) -> None:
    added = await add(storage, *(item(f"item {n}", votes=n % 4) for n in range(8)))
    now_minutes = int((clock.now() - START).total_seconds() // 60)
    await move(storage, added[0], Status.UNDER_REVIEW, 1)
    for index in (1, 2, 3):
        await move(storage, added[index], Status.PLANNED, 1)
    await move(storage, added[4], Status.PLANNED, 1)
    await move(storage, added[4], Status.IN_PILOT, 2)
    await move(storage, added[5], Status.PLANNED, 1)
    await move(storage, added[5], Status.SHIPPED, now_minutes - 60 * 24 * 31)  # too long ago
    for index, days_ago in ((6, 3), (7, 1)):
        await move(storage, added[index], Status.PLANNED, 1)
        await move(storage, added[index], Status.SHIPPED, now_minutes - 60 * 24 * days_ago)

    columns = await service.board(ACME)

    assert [(c.status, [r.number for r in c.rows], c.more) for c in columns] == [
        (Status.UNDER_REVIEW, [1], 0),
        (Status.PLANNED, [4, 3, 2], 0),
        (Status.IN_PILOT, [5], 0),
        (Status.SHIPPED, [8, 7], 0),
    ]


async def test_a_board_column_says_how_many_more_it_holds(
    storage: SqlStorage, service: BacklogService
) -> None:
    added = await add(storage, *(item(f"item {n}") for n in range(53)))
    for each in added:
        await move(storage, each, Status.PLANNED, 1)
    planned = (await service.board(ACME))[1]
    assert (len(planned.rows), planned.more) == (50, 3)


# -- the export ----------------------------------------------------------------------------------


async def exported(service: BacklogService, form: str, **options: object) -> bytes:
    chunks = service.export(ACME, format=form, **options)  # type: ignore[arg-type]
    return b"".join([chunk async for chunk in chunks])


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches and pages of a few items, so a small export (and ``rows``, which the tests
    compare it with) crosses their edges."""
    monkeypatch.setattr(backlog_module, "EXPORT_BATCH", 4)
    monkeypatch.setattr(storage_backlog, "ROWS_PAGE", 3)


@pytest.mark.usefixtures("small_batches")
async def test_the_csv_export_parses_back_to_every_item(
    storage: SqlStorage, service: BacklogService
) -> None:
    await add(
        storage,
        *(item(f'line {n}, with "quotes"\nand a newline', minutes=n) for n in range(10)),
        item("anonymous", author=None, minutes=11),
    )
    rows = list(csv.DictReader(io.StringIO((await exported(service, "csv")).decode())))
    assert [row["number"] for row in rows] == [str(n) for n in range(1, 12)]
    assert rows[0]["text"] == 'line 0, with "quotes"\nand a newline'
    assert rows[0]["author_name"] == "Alice" and rows[0]["workspace"] == "slack:T-ACME"
    assert (rows[-1]["author_id"], rows[-1]["anonymous"]) == ("", "True")


@pytest.mark.usefixtures("small_batches")
async def test_the_json_export_is_one_array_of_every_matching_item(
    storage: SqlStorage, service: BacklogService
) -> None:
    await add(
        storage,
        *(item(f"Zürich 🚀 {n}", minutes=n) for n in range(9)),
        item("feedback", kind=ItemKind.FEEDBACK, priority=None),
    )
    everything = json.loads(await exported(service, "json"))
    requests = json.loads(
        await exported(
            service, "json", filter=BacklogFilter(kind=ItemKind.REQUEST), sort=Sort.NEWEST
        )
    )
    assert [row["number"] for row in everything] == [1, 10, *range(2, 10)]
    assert everything[0]["text"] == "Zürich 🚀 0" and everything[1]["priority"] is None
    assert [row["number"] for row in requests] == list(range(9, 0, -1))


async def test_an_empty_export_is_a_header_or_an_empty_array(service: BacklogService) -> None:
    assert (await exported(service, "csv")).decode().startswith("workspace,number,kind,")
    assert json.loads(await exported(service, "json")) == []


async def test_the_export_of_every_workspace_keeps_them_apart(
    storage: SqlStorage, service: BacklogService
) -> None:
    await add(storage, item("ours"), item("theirs", workspace=GLOBEX))
    chunks = [chunk async for chunk in service.export(None, format="json")]
    assert [(row["workspace"], row["text"]) for row in json.loads(b"".join(chunks))] == [
        ("slack:T-ACME", "ours"),
        ("discord:1234567890", "theirs"),
    ]


# -- export pages: flat rows read straight from the database --------------------------------------


async def exported_by_items(
    storage: SqlStorage, filter: BacklogFilter = ANY, sort: Sort = Sort.OLDEST
) -> list[ExportRow]:
    """The export rows as made from whole items: what the export gave before its pages."""
    async with storage.unit_of_work() as uow:
        return [
            tuple(export_row(each).values()) async for each in uow.backlog.rows(ACME, filter, sort)
        ]


async def export_pages(
    storage: SqlStorage, limit: int, filter: BacklogFilter = ANY, sort: Sort = Sort.OLDEST
) -> list[list[ExportRow]]:
    """Every export page's rows, following the cursors, each page in a transaction."""
    pages: list[list[ExportRow]] = []
    after = None
    for _ in range(100):
        async with storage.unit_of_work() as uow:
            page = await uow.backlog.export_page(ACME, filter, sort, after, limit)
        pages.append(page.rows)
        if page.next is None:
            return pages
        after = page.next
    raise AssertionError("the cursors never ended")


@pytest.fixture
async def varied_items(storage: SqlStorage) -> None:
    """Items with every export field varied: anonymous, feedback without a priority, moved,
    merged, a moment with microseconds, another workspace's."""
    added = await add(
        storage,
        item("a request", votes=3),
        item("anonymous", author=None, minutes=1),
        item("feedback", kind=ItemKind.FEEDBACK, priority=None, minutes=2, votes=3),
        item("must", priority=Priority.MUST_HAVE, stakeholder=Stakeholder.EXTERNAL, minutes=3),
        item('Zürich 🚀, "quoted"\nnext line', channel_id="C-OPS", minutes=4),
        replace(item("precise", minutes=5), created_at=START + timedelta(microseconds=123456)),
        item("the original", minutes=6, votes=1),
        item("nameless", author=Person("U-NONAME", ""), minutes=7),
        item("not ours", workspace=GLOBEX),
    )
    await move(storage, added[0], Status.PLANNED, 100)
    async with storage.unit_of_work() as uow:
        merged = added[3]
        merged.acknowledged_at = START + timedelta(minutes=50)
        merged.change_status(Status.DUPLICATE, START + timedelta(minutes=200), duplicate_of=7)
        await uow.items.update(merged)
        await uow.commit()


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.usefixtures("varied_items")
async def test_export_pages_hold_the_export_row_of_every_item_in_sort_order(
    storage: SqlStorage, sort: Sort
) -> None:
    expected = await exported_by_items(storage, sort=sort)
    assert len(expected) == 8
    for limit in (1, 3, 8, 100):
        pages = await export_pages(storage, limit, sort=sort)
        assert [row for page in pages for row in page] == expected


@pytest.mark.usefixtures("varied_items")
async def test_an_export_page_gives_an_anonymous_item_no_author(storage: SqlStorage) -> None:
    (rows,) = await export_pages(storage, 100, BacklogFilter(text="anonymous"))
    (anonymous,) = [dict(zip(FIELDS, row, strict=True)) for row in rows]
    assert (anonymous["author_id"], anonymous["author_name"], anonymous["anonymous"]) == (
        None,
        None,
        True,
    )


@pytest.mark.usefixtures("varied_items")
async def test_an_export_page_writes_moments_as_isoformat_in_utc(storage: SqlStorage) -> None:
    (rows,) = await export_pages(storage, 100, BacklogFilter(text="precise"))
    assert rows[0][FIELDS.index("created_at")] == "2025-03-03T09:00:00.123456+00:00"


async def test_a_full_last_export_page_is_followed_by_an_empty_one(storage: SqlStorage) -> None:
    await add(storage, *(item(f"item {n}", minutes=n) for n in range(6)))
    pages = await export_pages(storage, 3)
    assert [[row[1] for row in page] for page in pages] == [[1, 2, 3], [4, 5, 6], []]


@pytest.mark.usefixtures("varied_items")
async def test_export_pages_keep_to_their_workspace_and_filter(storage: SqlStorage) -> None:
    requests = BacklogFilter(kind=ItemKind.REQUEST, statuses=frozenset({Status.NEW}))
    pages = await export_pages(storage, 2, requests, Sort.NEWEST)
    assert [row for page in pages for row in page] == await exported_by_items(
        storage, requests, Sort.NEWEST
    )
    assert {row[0] for page in pages for row in page} == {"slack:T-ACME"}
    async with storage.unit_of_work() as uow:
        nobody = Workspace(Platform.SLACK, "T-NOBODY")
        assert (await uow.backlog.export_page(nobody, ANY, Sort.OLDEST, None, 10)).rows == []


@pytest.mark.usefixtures("small_batches", "varied_items")
async def test_the_csv_export_parses_back_to_the_rows_of_whole_items(
    storage: SqlStorage, service: BacklogService
) -> None:
    expected = [
        ["" if value is None else str(value) for value in row]
        for row in await exported_by_items(storage)
    ]
    parsed = list(csv.reader(io.StringIO((await exported(service, "csv")).decode())))
    assert parsed == [list(FIELDS), *expected]


@pytest.mark.usefixtures("small_batches", "varied_items")
async def test_the_json_export_parses_back_to_the_rows_of_whole_items(
    storage: SqlStorage, service: BacklogService
) -> None:
    expected = [dict(zip(FIELDS, row, strict=True)) for row in await exported_by_items(storage)]
    assert json.loads(await exported(service, "json")) == expected


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("form", ["csv", "json"])
async def test_an_export_of_whole_batches_ends_once(
    storage: SqlStorage, service: BacklogService, form: str
) -> None:
    await add(storage, *(item(f"item {n}", minutes=n) for n in range(8)))
    text_ = (await exported(service, form)).decode()
    if form == "csv":
        assert [row[1] for row in csv.reader(io.StringIO(text_))] == ["number", *"12345678"]
    else:
        assert text_.endswith("}\n]\n")
        assert [row["number"] for row in json.loads(text_)] == list(range(1, 9))
