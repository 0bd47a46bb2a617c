"""KPIs and their charts, read from the figures the database keeps as items change.

Migration 0010's triggers keep, in the transactions that change items, status changes and SLA
breaches: items by UTC creation day and month and their state now (``kpi_items``); the
acknowledgements, items leaving new, shipments (with a log-scale bucket of their time since the
item was created) and breaches by UTC day and month (``kpi_events``); open items by votes
(``kpi_open_votes``). A period ``[since, until)`` is read as its whole months from the monthly
rows, the whole days left at either end from the daily rows, and the part of a day left at
either end from the rows themselves (through an index on the moment): a few hundred rows
however many items there are, and counts as exact as counting the items. bot/kpis.py says how
precise the times are.

``rebuild_kept_figures`` counts every kept figure again from the rows, for a bulk load that
went around the triggers (bench/roadmap.py).

The surveys' figures (issue 18) are counted in SQL from their own tables, grouped, on the
indexes on the answer's and the poll's moment: there is one answer per person per shipped
item and per poll, far fewer than items, so no kept figures are needed for them.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.identity import Workspace
from bot.items import OPEN_STATUSES, Priority, Status
from bot.kpis import (
    AGE_BUCKETS,
    AGE_LIMITS_DAYS,
    DURATION_SERIES,
    ITEM_SERIES,
    ORDER,
    POLLS_SHOWN,
    VOTE_BUCKETS,
    VOTE_LIMITS,
    Csat,
    Durations,
    KpiCharts,
    Kpis,
    PollResult,
    PollSplit,
    bucket_of,
)
from bot.surveys import Scale, ShipAnswer
from storage.dialect import (
    milliseconds_between,
    milliseconds_sql,
    utc_day,
    utc_month,
    utc_month_label,
)
from storage.rows import stored, utc
from storage.tables import (
    items,
    kpi_events,
    kpi_items,
    kpi_open_votes,
    sla_breaches,
    status_changes,
    survey_answers,
    survey_poll_answers,
    survey_polls,
    workspaces,
)
from storage.workspaces import WorkspaceIds

_OPEN = sorted(status.value for status in OPEN_STATUSES)
_DAY = "day"
_MONTH = "month"
_ACKNOWLEDGE, _LEAVE_NEW, _SHIP, _BREACH = "acknowledge", "leave_new", "ship", "breach"
# (workspace row id, status, priority or "", stakeholder, kind) -> items
_ItemGroups = Counter[tuple[int, str, str, str, str]]


@dataclass(frozen=True, slots=True)
class Pieces:
    """A period cut into what is read from where: whole months ``[months[0], months[1])``
    (from the start when ``months[0]`` is None), whole days, and moments (the rows)."""

    months: tuple[date | None, date] | None = None
    days: list[tuple[date, date]] = field(default_factory=list)
    moments: list[tuple[datetime, datetime]] = field(default_factory=list)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def pieces(since: datetime | None, until: datetime) -> Pieces:
    """``[since, until)`` (UTC moments) as whole months, whole days and the moments left."""
    if since is not None and since >= until:
        return Pieces()
    last_day = until.date()  # the day of ``until``: read from its midnight to ``until``
    first_day: date | None = None
    if since is not None:
        first_day = since.date() if since == _midnight(since.date()) else since.date() + _ONE_DAY
        if first_day >= last_day:
            return Pieces(moments=[(since, until)])
    moments = []
    if since is not None and first_day is not None and since < _midnight(first_day):
        moments.append((since, _midnight(first_day)))
    if _midnight(last_day) < until:
        moments.append((_midnight(last_day), until))
    last_month = _first_of_month(last_day)
    if first_day is None:
        days = [(last_month, last_day)] if last_month < last_day else []
        return Pieces((None, last_month), days, moments)
    first_month = first_day if first_day.day == 1 else _next_month(first_day)
    if first_month >= last_month:
        return Pieces(None, [(first_day, last_day)], moments)
    days = [(first_day, first_month)] if first_day < first_month else []
    if last_month < last_day:
        days.append((last_month, last_day))
    return Pieces((first_month, last_month), days, moments)


_ONE_DAY = timedelta(days=1)


def _kept(table: Table, part: Pieces) -> list[ColumnElement[bool]]:
    """One condition on a kept table per whole range of ``part``."""
    conditions: list[ColumnElement[bool]] = []
    if part.months is not None:
        low, high = part.months
        bounds = [table.c.span == _MONTH, table.c.start < high]
        if low is not None:
            bounds.append(table.c.start >= low)
        conditions.append(and_(*bounds))
    for low_day, high_day in part.days:
        conditions.append(
            and_(table.c.span == _DAY, table.c.start >= low_day, table.c.start < high_day)
        )
    return conditions


def _between(column: Any, low: datetime, high: datetime) -> ColumnElement[bool]:
    return and_(column >= stored(low), column < stored(high))


def _within(column: Any, moments: Sequence[tuple[datetime, datetime]]) -> ColumnElement[bool]:
    return or_(false(), *(_between(column, low, high) for low, high in moments))


class Buckets:
    """The duration buckets: which one a time falls in, and the time it stands for."""

    def __init__(self, bounds: Sequence[tuple[int, int]]) -> None:
        self._lows = [low for low, _ in bounds]
        self._highs = dict(bounds)

    def of(self, milliseconds: int) -> int:
        return self._lows[max(0, bisect.bisect_right(self._lows, max(0, milliseconds)) - 1)]

    def middle(self, low: int) -> float:
        """The geometric middle of the whole milliseconds of the bucket: within 2% of each."""
        return math.sqrt(low * (self._highs[low] - 1)) if low else 0.0


def bucket_bounds() -> list[tuple[int, int]]:
    """The buckets ``[low, high)`` of migration 0010's ``kpi_buckets``, by the same rule: each
    holds the whole milliseconds ``low .. high - 1``, with ``high - 1 <= low * 1.04``."""
    bounds = [(0, 1)]
    low = 1
    while low < 10**13:
        high = low * 104 // 100 + 1
        bounds.append((low, high))
        low = high
    return bounds


@cache
def standard_buckets() -> Buckets:
    return Buckets(bucket_bounds())


def durations(histogram: Counter[int], buckets: Buckets | None = None) -> Durations:
    """The count, median and 90th percentile (in seconds, to the millisecond) of the times
    counted in ``histogram`` (bucket -> times), each taken as its bucket's middle and
    interpolated between neighbours like PostgreSQL's ``percentile_cont``."""
    buckets = buckets or standard_buckets()
    ordered = sorted((low, count) for low, count in histogram.items() if count > 0)
    total = sum(count for _, count in ordered)
    if not total:
        return Durations()

    def value(rank: int) -> float:
        seen = 0
        for low, count in ordered:
            seen += count
            if rank < seen:
                return buckets.middle(low)
        return buckets.middle(ordered[-1][0])

    found = []
    for fraction in (0.5, 0.9):
        position = fraction * (total - 1)
        below = math.floor(position)
        low_value, high_value = value(below), value(min(below + 1, total - 1))
        milliseconds = low_value + (position - below) * (high_value - low_value)
        found.append(round(milliseconds / 1000, 3))
    return Durations(total, found[0], found[1])


class SqlKpis:
    """``KpiReader`` on one connection."""

    def __init__(self, connection: AsyncConnection, workspaces: WorkspaceIds) -> None:
        self._conn = connection
        self._workspaces = workspaces

    async def kpis(
        self, workspace: Workspace | None, since: datetime | None, until: datetime
    ) -> Kpis:
        platforms = await self._platforms(workspace)
        if not platforms:
            return Kpis(workspace, since, until)
        ids = list(platforms)
        part = pieces(stored(since) if since else None, stored(until))
        groups = await self._item_groups(ids, part)
        counts: dict[str, Counter[str]] = {
            name: Counter() for name in ("status", "priority", "stakeholder", "kind", "platform")
        }
        for (workspace_id, status, priority, stakeholder, kind), count in groups.items():
            if count <= 0:
                continue
            counts["status"][status] += count
            counts["priority"][priority or "none"] += count
            counts["stakeholder"][stakeholder] += count
            counts["kind"][kind] += count
            counts["platform"][platforms[workspace_id]] += count
        histograms, breaches = await self._events(ids, part)
        open_breaches = (
            await self._conn.execute(
                select(func.count()).where(
                    sla_breaches.c.workspace_id.in_(ids), sla_breaches.c.still_new
                )
            )
        ).scalar_one()
        csat = await _csat_groups(self._conn, ids, since, until)
        return Kpis(
            workspace,
            since,
            until,
            items=sum(counts["status"].values()),
            by_status=dict(counts["status"]),
            by_priority=dict(counts["priority"]),
            by_stakeholder=dict(counts["stakeholder"]),
            by_kind=dict(counts["kind"]),
            by_platform=dict(counts["platform"]),
            to_acknowledge=durations(histograms[_ACKNOWLEDGE]),
            to_leave_new=durations(histograms[_LEAVE_NEW]),
            to_ship=durations(histograms[_SHIP]),
            sla_breaches=breaches,
            open_breaches=open_breaches,
            csat=_csat_by(csat, 4, ["all"]).get("all", Csat()),
            csat_by_month=_csat_by(csat, 0, sorted({key[0] for key in csat})),
            csat_by_stakeholder=_csat_by(csat, 1, ORDER["stakeholder"]),
            csat_by_priority=_csat_by(csat, 2, ORDER["priority"]),
            polls=await poll_results(self._conn, ids, since, until),
        )

    async def charts(
        self, workspace: Workspace, until: datetime, weeks: int = 26, months: int = 12
    ) -> KpiCharts:
        until = stored(until)
        last_day = until.date()
        monday = last_day - timedelta(days=last_day.weekday())
        week_starts = [monday - timedelta(weeks=weeks - 1 - index) for index in range(weeks)]
        month_starts = [_first_of_month(last_day)]
        while len(month_starts) < months:
            month_starts.insert(0, _first_of_month(month_starts[0] - _ONE_DAY))
        month_starts = month_starts[-months:] if months else []
        per_week = {series: [0] * weeks for series in ITEM_SERIES}
        breaches = [0] * weeks
        per_month = {series: [Durations()] * months for series in DURATION_SERIES}
        charts = KpiCharts(
            week_starts,
            per_week,
            month_starts,
            per_month,
            [(label, 0) for label in AGE_BUCKETS],
            breaches,
            [(label, 0) for label in VOTE_BUCKETS],
        )
        workspace_id = await self._workspaces.find(workspace)
        if workspace_id is None:
            return charts
        if weeks:
            await self._weekly(workspace_id, week_starts, until, per_week, breaches)
        if months:
            await self._monthly(workspace_id, month_starts, until, per_month)
        ages = await self._must_have_ages(workspace_id, until)
        votes = Counter[int]()
        for voted, count in await self._conn.execute(
            select(kpi_open_votes.c.votes, kpi_open_votes.c.count).where(
                kpi_open_votes.c.workspace_id == workspace_id, kpi_open_votes.c.count > 0
            )
        ):
            votes[bucket_of(voted, VOTE_LIMITS)] += count
        csat_per_month = [Csat()] * months
        if months:
            csat = await _csat_groups(self._conn, [workspace_id], _midnight(month_starts[0]), until)
            labels = [f"{month:%Y-%m}" for month in month_starts]
            csat_per_month = [_csat_by(csat, 0, labels).get(label, Csat()) for label in labels]
        polls = await poll_results(self._conn, [workspace_id], None, until)
        return KpiCharts(
            week_starts,
            per_week,
            month_starts,
            per_month,
            list(zip(AGE_BUCKETS, ages, strict=True)),
            breaches,
            [(label, votes[index]) for index, label in enumerate(VOTE_BUCKETS)],
            csat_per_month,
            polls[::-1],
        )

    # -- reading the kept figures -----------------------------------------------------------

    async def _platforms(self, workspace: Workspace | None) -> dict[int, str]:
        """The workspaces in scope: row id -> platform."""
        if workspace is not None:
            workspace_id = await self._workspaces.find(workspace)
            return {} if workspace_id is None else {workspace_id: workspace.platform.value}
        rows = await self._conn.execute(select(workspaces.c.id, workspaces.c.platform))
        return {workspace_id: platform for workspace_id, platform in rows}

    async def _item_groups(self, ids: list[int], part: Pieces) -> _ItemGroups:
        groups: _ItemGroups = Counter()
        kept = (
            kpi_items.c.workspace_id,
            kpi_items.c.status,
            kpi_items.c.priority,
            kpi_items.c.stakeholder,
            kpi_items.c.kind,
        )
        rows = await self._conn.execute(
            select(*kept, func.sum(kpi_items.c.count))
            .where(kpi_items.c.workspace_id.in_(ids), or_(false(), *_kept(kpi_items, part)))
            .group_by(*kept)
        )
        for *key, count in rows:
            groups[tuple(key)] += int(count)
        if part.moments:
            stored_ones = (
                items.c.workspace_id,
                items.c.status,
                func.coalesce(items.c.priority, ""),
                items.c.stakeholder,
                items.c.kind,
            )
            rows = await self._conn.execute(
                select(*stored_ones, func.count())
                .where(items.c.workspace_id.in_(ids), _within(items.c.created_at, part.moments))
                .group_by(*stored_ones)
            )
            for *key, count in rows:
                groups[tuple(key)] += count
        return groups

    async def _events(self, ids: list[int], part: Pieces) -> tuple[dict[str, Counter[int]], int]:
        """The histograms of the times of the period's events, and its breaches."""
        histograms: dict[str, Counter[int]] = {series: Counter() for series in DURATION_SERIES}
        breaches = 0
        rows = await self._conn.execute(
            select(kpi_events.c.event, kpi_events.c.bucket, func.sum(kpi_events.c.count))
            .where(kpi_events.c.workspace_id.in_(ids), or_(false(), *_kept(kpi_events, part)))
            .group_by(kpi_events.c.event, kpi_events.c.bucket)
        )
        for event, low, count in rows:
            if event == _BREACH:
                breaches += int(count)
            elif event in histograms:
                histograms[event][low] += int(count)
        if part.moments:
            breaches += await self._moments(ids, part.moments, histograms)
        return histograms, breaches

    async def _moments(
        self,
        ids: list[int],
        moments: Sequence[tuple[datetime, datetime]],
        histograms: dict[str, Counter[int]],
    ) -> int:
        """Add the events between ``moments`` to ``histograms``, read from the rows (the part
        of a day at either end of a period); return the breaches among them."""
        dialect = self._conn.dialect
        buckets = standard_buckets()
        acknowledged = await self._conn.execute(
            select(
                milliseconds_between(dialect, items.c.created_at, items.c.acknowledged_at)
            ).where(items.c.workspace_id.in_(ids), _within(items.c.acknowledged_at, moments))
        )
        for (ms,) in acknowledged:
            histograms[_ACKNOWLEDGE][buckets.of(int(ms))] += 1
        changes = await self._conn.execute(
            select(
                status_changes.c.from_status,
                status_changes.c.to_status,
                milliseconds_between(dialect, items.c.created_at, status_changes.c.at),
            )
            .select_from(status_changes.join(items, items.c.id == status_changes.c.item_id))
            .where(
                _within(status_changes.c.at, moments),
                items.c.workspace_id.in_(ids),
                or_(
                    status_changes.c.from_status == Status.NEW.value,
                    status_changes.c.to_status == Status.SHIPPED.value,
                ),
            )
        )
        for from_status, to_status, ms in changes:
            if from_status == Status.NEW.value:
                histograms[_LEAVE_NEW][buckets.of(int(ms))] += 1
            if to_status == Status.SHIPPED.value:
                histograms[_SHIP][buckets.of(int(ms))] += 1
        breaches: int = (
            await self._conn.execute(
                select(func.count()).where(
                    sla_breaches.c.workspace_id.in_(ids),
                    _within(sla_breaches.c.deadline, moments),
                )
            )
        ).scalar_one()
        return breaches

    async def _weekly(
        self,
        workspace_id: int,
        week_starts: list[date],
        until: datetime,
        per_week: dict[str, list[int]],
        breaches: list[int],
    ) -> None:
        """Items created and breaches per week, from the daily rows and the day of ``until``."""
        first, last_day = week_starts[0], until.date()

        def week(day: date) -> int:
            return (day - first).days // 7

        created = await self._conn.execute(
            select(
                kpi_items.c.start,
                kpi_items.c.kind,
                kpi_items.c.stakeholder,
                func.sum(kpi_items.c.count),
            )
            .where(
                kpi_items.c.workspace_id == workspace_id,
                kpi_items.c.span == _DAY,
                kpi_items.c.start >= first,
                kpi_items.c.start < last_day,
            )
            .group_by(kpi_items.c.start, kpi_items.c.kind, kpi_items.c.stakeholder)
        )
        for day, kind, stakeholder, count in created:
            per_week.setdefault(f"{kind}/{stakeholder}", [0] * len(week_starts))[week(day)] += int(
                count
            )
        breached = await self._conn.execute(
            select(kpi_events.c.start, func.sum(kpi_events.c.count))
            .where(
                kpi_events.c.workspace_id == workspace_id,
                kpi_events.c.span == _DAY,
                kpi_events.c.start >= first,
                kpi_events.c.start < last_day,
                kpi_events.c.event == _BREACH,
            )
            .group_by(kpi_events.c.start)
        )
        for day, count in breached:
            breaches[week(day)] += int(count)
        midnight = _midnight(last_day)
        if midnight < until and last_day >= first:
            today = await self._conn.execute(
                select(items.c.kind, items.c.stakeholder, func.count())
                .where(
                    items.c.workspace_id == workspace_id,
                    _between(items.c.created_at, midnight, until),
                )
                .group_by(items.c.kind, items.c.stakeholder)
            )
            for kind, stakeholder, count in today:
                per_week.setdefault(f"{kind}/{stakeholder}", [0] * len(week_starts))[
                    week(last_day)
                ] += count
            breaches[week(last_day)] += (
                await self._conn.execute(
                    select(func.count()).where(
                        sla_breaches.c.workspace_id == workspace_id,
                        _between(sla_breaches.c.deadline, midnight, until),
                    )
                )
            ).scalar_one()

    async def _monthly(
        self,
        workspace_id: int,
        month_starts: list[date],
        until: datetime,
        per_month: dict[str, list[Durations]],
    ) -> None:
        """The times of each month's events: whole months from the monthly rows, the month of
        ``until`` as a period of its own."""
        histograms = {series: [Counter[int]() for _ in month_starts] for series in DURATION_SERIES}
        index = {month: position for position, month in enumerate(month_starts)}
        rows = await self._conn.execute(
            select(
                kpi_events.c.start, kpi_events.c.event, kpi_events.c.bucket, kpi_events.c.count
            ).where(
                kpi_events.c.workspace_id == workspace_id,
                kpi_events.c.span == _MONTH,
                kpi_events.c.start >= month_starts[0],
                kpi_events.c.start < month_starts[-1],
                kpi_events.c.event.in_(DURATION_SERIES),
            )
        )
        for month, event, low, count in rows:
            histograms[event][index[month]][low] += count
        current, _ = await self._events([workspace_id], pieces(_midnight(month_starts[-1]), until))
        for event, histogram in current.items():
            histograms[event][-1] = histogram
        for event, months in histograms.items():
            per_month[event] = [durations(histogram) for histogram in months]

    async def _must_have_ages(self, workspace_id: int, until: datetime) -> list[int]:
        """The open must-haves created before ``until`` by age, counted on the triage index."""
        limits = [stored(until), *(stored(until) - timedelta(days=d) for d in AGE_LIMITS_DAYS)]
        created = items.c.created_at
        # One range of the index per age, counted apart: a single pass with a filter per age
        # cost five times as much (each row's time compared five times, on 50,000 rows).
        ranges = [
            *(and_(created < newer, created >= older) for newer, older in pairwise(limits)),
            created < limits[-1],
        ]
        counts = [
            select(func.count())
            .where(
                items.c.workspace_id == workspace_id,
                items.c.status.in_(_OPEN),
                items.c.priority == Priority.MUST_HAVE.value,
                age,
            )
            .scalar_subquery()
            for age in ranges
        ]
        row = (await self._conn.execute(select(*counts))).one()
        return [int(count) for count in row]


# -- surveys (issue 18) -------------------------------------------------------------------------

# (month ``2026-11``, item's stakeholder, item's priority or ``none``, answer, ``all``)
# -> answers; the last part groups them all together.
_CsatGroups = Counter[tuple[str, str, str, str, str]]


async def _csat_groups(
    conn: AsyncConnection, ids: list[int], since: datetime | None, until: datetime
) -> _CsatGroups:
    """The answers about shipped items given in ``[since, until)``, counted by the month they
    were given in and the item's stakeholder kind and priority."""
    month = utc_month_label(conn.dialect, survey_answers.c.answered_at)
    priority = func.coalesce(items.c.priority, "none")
    period = [survey_answers.c.workspace_id.in_(ids), survey_answers.c.answered_at < stored(until)]
    if since is not None:
        period.append(survey_answers.c.answered_at >= stored(since))
    rows = await conn.execute(
        select(month, items.c.stakeholder, priority, survey_answers.c.answer, func.count())
        .select_from(survey_answers.join(items, items.c.id == survey_answers.c.item_id))
        .where(*period)
        .group_by(month, items.c.stakeholder, priority, survey_answers.c.answer)
    )
    groups: _CsatGroups = Counter()
    for *key, count in rows:
        groups[(key[0], key[1], key[2], key[3], "all")] += int(count)
    return groups


def _csat(answers: Counter[str]) -> Csat:
    return Csat(
        answers=sum(answers.values()),
        solved=answers[ShipAnswer.SOLVED.value],
        partly=answers[ShipAnswer.PARTLY.value],
        no=answers[ShipAnswer.NO.value],
    )


def _csat_by(groups: _CsatGroups, position: int, order: Sequence[str]) -> dict[str, Csat]:
    """The answers by one part of the key (0 month, 1 stakeholder, 2 priority, 4 all), those
    with answers only: the known values in ``order``, then any others."""
    answers: dict[str, Counter[str]] = {}
    for key, count in groups.items():
        answers.setdefault(key[position], Counter())[key[3]] += count
    keys = [key for key in order if key in answers] + sorted(set(answers) - set(order))
    return {key: _csat(answers[key]) for key in keys}


def _split(scale: Scale, values: Counter[int]) -> PollSplit:
    """A poll's answers (value -> how many); values outside its scale are not counted."""
    counted = {value: values[value] for value in scale.values}
    answers = sum(counted.values())
    mean = sum(value * n for value, n in counted.items()) / answers if answers else None
    return PollSplit(answers, mean, {scale.label(value): n for value, n in counted.items()})


async def poll_results(
    conn: AsyncConnection,
    ids: list[int],
    since: datetime | None,
    until: datetime,
    limit: int = POLLS_SHOWN,
) -> list[PollResult]:
    """The pulse survey occurrences of the workspaces ``ids`` scheduled in ``[since, until)``,
    newest first, at most ``limit``, each with its answers in all and by the answerers'
    stakeholder kind."""
    period = [survey_polls.c.workspace_id.in_(ids), survey_polls.c.scheduled_for < stored(until)]
    if since is not None:
        period.append(survey_polls.c.scheduled_for >= stored(since))
    polls = (
        await conn.execute(
            select(
                survey_polls.c.id,
                survey_polls.c.channel_id,
                survey_polls.c.question,
                survey_polls.c.scale,
                survey_polls.c.scheduled_for,
            )
            .where(*period)
            .order_by(survey_polls.c.scheduled_for.desc(), survey_polls.c.id.desc())
            .limit(limit)
        )
    ).all()
    if not polls:
        return []
    counted: dict[int, dict[str, Counter[int]]] = {
        poll.id: {kind: Counter() for kind in ORDER["stakeholder"]} for poll in polls
    }
    rows = await conn.execute(
        select(
            survey_poll_answers.c.poll_id,
            survey_poll_answers.c.stakeholder,
            survey_poll_answers.c.value,
            func.count(),
        )
        .where(survey_poll_answers.c.poll_id.in_(list(counted)))
        .group_by(
            survey_poll_answers.c.poll_id,
            survey_poll_answers.c.stakeholder,
            survey_poll_answers.c.value,
        )
    )
    for poll_id, stakeholder, value, count in rows:
        counted[poll_id].setdefault(stakeholder, Counter())[int(value)] += int(count)
    results = []
    for poll_id, channel_id, question, scale_value, scheduled_for in polls:
        scale = Scale(scale_value)
        by_kind = counted[poll_id]
        results.append(
            PollResult(
                poll_id=poll_id,
                channel_id=channel_id,
                question=question,
                scale=scale.value,
                scheduled_for=utc(scheduled_for),
                total=_split(scale, sum(by_kind.values(), Counter[int]())),
                by_stakeholder={kind: _split(scale, values) for kind, values in by_kind.items()},
            )
        )
    return results


# -- rebuilding the kept figures from the rows --------------------------------------------------


def _rebuild_statements(dialect: Any) -> list[str]:
    """Statements that count every kept figure (these of 0007 too) again from the rows."""
    open_statuses = "(" + ", ".join(f"'{status}'" for status in _OPEN) + ")"
    statements = [
        "DELETE FROM kpi_items",
        "DELETE FROM kpi_events",
        "DELETE FROM kpi_open_votes",
        "DELETE FROM open_item_counts",
        "UPDATE sla_breaches SET still_new = "
        "(SELECT items.status = 'new' FROM items WHERE items.id = sla_breaches.item_id)",
        "INSERT INTO open_item_counts (workspace_id, status, stakeholder, priority, count) "
        "SELECT workspace_id, status, stakeholder, COALESCE(priority, ''), count(*) FROM items "
        f"WHERE status IN {open_statuses} "
        "GROUP BY workspace_id, status, stakeholder, COALESCE(priority, '')",
        "INSERT INTO kpi_open_votes (workspace_id, votes, count) "
        f"SELECT workspace_id, votes, count(*) FROM items WHERE status IN {open_statuses} "
        "GROUP BY workspace_id, votes",
    ]

    def bucket(begin: str, end: str) -> str:
        ms = milliseconds_sql(dialect, begin, end)
        return f"(SELECT low_ms FROM kpi_buckets WHERE low_ms <= {ms} ORDER BY low_ms DESC LIMIT 1)"

    for span, start in ((_DAY, utc_day), (_MONTH, utc_month)):
        created = start(dialect, "created_at")
        statements.append(
            "INSERT INTO kpi_items "
            "(workspace_id, span, start, status, priority, stakeholder, kind, count) "
            f"SELECT workspace_id, '{span}', {created}, status, COALESCE(priority, ''), "
            "stakeholder, kind, count(*) FROM items "
            f"GROUP BY workspace_id, {created}, status, COALESCE(priority, ''), stakeholder, kind"
        )
        happened = (
            f"SELECT workspace_id, {start(dialect, 'acknowledged_at')} AS start, "
            f"'{_ACKNOWLEDGE}' AS event, {bucket('created_at', 'acknowledged_at')} AS bucket "
            "FROM items WHERE acknowledged_at IS NOT NULL",
            *(
                f"SELECT items.workspace_id, {start(dialect, 'status_changes.at')}, "
                f"'{event}', {bucket('items.created_at', 'status_changes.at')} "
                "FROM status_changes JOIN items ON items.id = status_changes.item_id "
                f"WHERE {condition}"
                for event, condition in (
                    (_LEAVE_NEW, "status_changes.from_status = 'new'"),
                    (_SHIP, "status_changes.to_status = 'shipped'"),
                )
            ),
            f"SELECT workspace_id, {start(dialect, 'deadline')}, '{_BREACH}', 0 FROM sla_breaches",
        )
        statements.append(
            "INSERT INTO kpi_events (workspace_id, span, start, event, bucket, count) "
            f"SELECT workspace_id, '{span}', start, event, bucket, count(*) "
            f"FROM ({' UNION ALL '.join(happened)}) AS happened "
            "GROUP BY workspace_id, start, event, bucket"
        )
    return statements


async def rebuild_kept_figures(conn: AsyncConnection) -> None:
    """Count every figure the database keeps as items change (the KPIs' of migration 0010, the
    open item counts and open breaches of 0007) again from the items, status changes and
    breaches, in SQL: after rows were loaded in bulk with the triggers off. Run it in the
    transaction of the load, or with nothing else writing."""
    for statement in _rebuild_statements(conn.dialect):
        await conn.execute(text(statement))
