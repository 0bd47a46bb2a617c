"""What the pages show, worked out from the core's values: the backlog's filter read from a
query string, times and ages as people read them, links to a thank-you on its platform, and
the KPI charts. No HTTP here, so all of it is plain to test."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlencode

from adapters.dashboard.charts import Chart, bar_chart, line_chart, stacked_bar_chart, time_unit
from bot.backlog import BacklogFilter, Sort
from bot.identity import Person, Platform
from bot.issue_links import IssueLink
from bot.items import ALLOWED_TRANSITIONS, Item, ItemKind, Priority, Stakeholder, Status
from bot.kpis import (
    ORDER,
    Csat,
    KpiCharts,
    Kpis,
    PollResult,
    PollSplit,
    duration,
    percent,
    poll_mean,
)
from bot.presenting import issue_name
from bot.webhook_events import EventType
from bot.webhooks import Attempt, DeliveryState

SORT_LABELS = {
    Sort.VOTES: "most votes",
    Sort.NEWEST: "newest",
    Sort.OLDEST: "oldest",
    Sort.CHANGED: "last change",
}
# The query's names; what the filter form sends and the export links repeat.
FILTER_FIELDS = ("status", "kind", "stakeholder", "priority", "channel", "mine", "q", "sort")
MAX_SEARCH = 200
MAX_CHANNEL = 100

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class BacklogAsked:
    """The backlog a query string asks for, and the same values to fill the form back in."""

    filter: BacklogFilter
    sort: Sort
    after: str | None
    form: dict[str, object] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)

    def href(self, path: str, **extra: str) -> str:
        """``path`` with this filter and sort (not the cursor), and ``extra``."""
        pairs = self.query + list(extra.items())
        return f"{path}?{urlencode(pairs)}" if pairs else path


def one_of(kind: type[E], raw: object) -> E | None:
    """``raw`` (a query's or a form's value) as one of ``kind``; ``None`` when it is none."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        return None


def backlog_asked(query: Mapping[str, str], statuses: Sequence[str], me: Person) -> BacklogAsked:
    """Read the backlog's query string; what cannot be read is left out rather than refused,
    so an old bookmark still opens a page. ``mine`` means the visitor's own items."""
    chosen = frozenset(s for s in (_status(raw) for raw in statuses) if s is not None)
    kind = one_of(ItemKind, query.get("kind"))
    stakeholder = one_of(Stakeholder, query.get("stakeholder"))
    priority = one_of(Priority, query.get("priority"))
    channel = (query.get("channel") or "").strip()[:MAX_CHANNEL] or None
    text = " ".join((query.get("q") or "").split())[:MAX_SEARCH] or None
    mine = query.get("mine") in ("1", "on", "yes")
    sort = one_of(Sort, query.get("sort")) or Sort.VOTES
    after = query.get("after") or None
    backlog_filter = BacklogFilter(
        statuses=chosen or None,
        kind=kind,
        stakeholder=stakeholder,
        priority=priority,
        channel_id=channel,
        author_id=me.user_id if mine else None,
        text=text,
    )
    pairs: list[tuple[str, str]] = [("status", s.value) for s in Status if s in chosen]
    for name, value in (
        ("kind", kind),
        ("stakeholder", stakeholder),
        ("priority", priority),
        ("channel", channel),
        ("mine", "1" if mine else None),
        ("q", text),
    ):
        if value is not None:
            pairs.append((name, str(value)))
    if sort is not Sort.VOTES:
        pairs.append(("sort", sort.value))
    form: dict[str, object] = {
        "statuses": {s.value for s in chosen},
        "kind": kind.value if kind else "",
        "stakeholder": stakeholder.value if stakeholder else "",
        "priority": priority.value if priority else "",
        "channel": channel or "",
        "mine": mine,
        "q": text or "",
        "sort": sort.value,
    }
    return BacklogAsked(backlog_filter, sort, after, form, pairs)


def _status(raw: str) -> Status | None:
    try:
        return Status.parse(raw)
    except ValueError:
        return None


def when(moment: datetime | None) -> str:
    """A moment as people read it, in UTC (the dashboard has no zone of its visitor)."""
    if moment is None:
        return "-"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def age(since: datetime, now: datetime) -> str:
    """How long ago: ``5 min``, ``3 h``, ``12 d``, ``7 mo``."""
    seconds = max(0.0, (now - since).total_seconds())
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h"
    days = seconds // 86400
    return f"{days:.0f} d" if days < 90 else f"{days // 30:.0f} mo"


def thanks_link(item: Item) -> str | None:
    """The item's thank-you on its platform, where the conversation about it happened; the
    console has no such place."""
    thanks = item.thanks
    if thanks is None:
        return None
    if item.workspace.platform is Platform.SLACK:
        timestamp = thanks.message_id.replace(".", "")
        return f"https://slack.com/archives/{thanks.channel_id}/p{timestamp}"
    if item.workspace.platform is Platform.DISCORD:
        return (
            f"https://discord.com/channels/{item.workspace.id}/{thanks.channel_id}/"
            f"{thanks.message_id}"
        )
    return None


@dataclass(frozen=True, slots=True)
class LinkedIssue:
    """A tracker issue as the item page lists it: ``GitHub acme/infra#12``, its page (only an
    http(s) address is ever a link) and its state last seen."""

    name: str
    url: str | None
    state: str | None


def linked_issues(item: Item) -> list[LinkedIssue]:
    return [
        LinkedIssue(
            issue_name(link.ref),
            link.ref.url if link.ref.url.startswith(("https://", "http://")) else None,
            link.state,
        )
        for link in item.links
    ]


def next_statuses(item: Item) -> list[Status]:
    """Where triage may move the item from here, in the lifecycle's order."""
    allowed = ALLOWED_TRANSITIONS[item.status]
    return [status for status in Status if status in allowed]


def label(key: str) -> str:
    return key.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the KPIs: a name and its counts, in the order ``/roadmap stats`` uses."""

    name: str
    counts: list[tuple[str, int]]


def kpi_figures(kpis: Kpis) -> list[Figure]:
    """The counts of ``format_kpis``, each in its known order (then any others)."""
    figures = []
    for name, counts in (
        ("status", kpis.by_status),
        ("priority", kpis.by_priority),
        ("stakeholder", kpis.by_stakeholder),
        ("kind", kpis.by_kind),
    ):
        known = ORDER[name]
        keys = [key for key in known if key in counts] + sorted(set(counts) - set(known))
        figures.append(Figure(name, [(label(key), counts[key]) for key in keys]))
    return figures


def kpi_durations(kpis: Kpis) -> list[tuple[str, str, str, int]]:
    """Each time the team is measured on: its name, median, 90th percentile, and how many."""
    return [
        (name, duration(d.median), duration(d.p90), d.count)
        for name, d in (
            ("Time to acknowledge", kpis.to_acknowledge),
            ("Time to leave new", kpis.to_leave_new),
            ("Time to ship", kpis.to_ship),
        )
    ]


def _week(monday: date) -> str:
    return f"{monday:%b} {monday.day}"


def _month(first: date) -> str:
    return f"{first:%b %Y}"


DURATION_CHARTS = {
    "acknowledge": ("Time to acknowledge", "from an item's recording to its thank-you"),
    "leave_new": ("Time to leave new", "from an item's recording to its first move by triage"),
    "ship": ("Time to ship", "from an item's recording to its shipping"),
}


def kpi_charts(charts: KpiCharts) -> list[Chart]:
    """The KPI page's charts, each with a sentence that says what it shows."""
    weeks = [_week(monday) for monday in charts.weeks]
    months = [_month(first) for first in charts.months]
    drawn = [
        stacked_bar_chart(
            "Items per week",
            "Items recorded each week (weeks start on Monday), by kind and stakeholder.",
            weeks,
            charts.items_per_week,
        )
    ]
    for key, (title, what) in DURATION_CHARTS.items():
        months_of = charts.durations.get(key, [])
        highest = max(
            (v for d in months_of for v in (d.median, d.p90) if v is not None), default=0.0
        )
        scale, unit = time_unit(highest)
        drawn.append(
            line_chart(
                title,
                f"Median and 90th percentile per month, {what}.",
                months,
                {
                    "median": [d.median for d in months_of],
                    "90th percentile": [d.p90 for d in months_of],
                },
                unit=unit,
                scale=scale,
            )
        )
    drawn.append(
        bar_chart(
            "Open must-haves by age",
            "Open must-have requests, by how long ago they were recorded.",
            [bucket for bucket, _ in charts.open_must_haves_by_age],
            [count for _, count in charts.open_must_haves_by_age],
            value_name="requests",
        )
    )
    drawn.append(
        bar_chart(
            "SLA breaches per week",
            "Items whose triage deadline passed, by the week it passed in.",
            weeks,
            charts.breaches_per_week,
            value_name="breaches",
        )
    )
    drawn.append(
        bar_chart(
            "Votes on open items",
            "Open items by how many votes they have.",
            [bucket for bucket, _ in charts.votes_on_open],
            [count for _, count in charts.votes_on_open],
        )
    )
    drawn.append(_csat_chart(months, charts.csat_per_month))
    drawn += _poll_charts(charts.polls)
    return drawn


PERCENT_TICKS = (0.0, 25.0, 50.0, 75.0, 100.0)
FIVE_TICKS = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)


def _in_percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _with_answers(chart: Chart, answers: Sequence[int]) -> Chart:
    """The chart's table with a column of how many answers each point stands for."""
    rows = [[*row, f"{count:,}"] for row, count in zip(chart.rows, answers, strict=True)]
    return replace(chart, columns=[*chart.columns, "answers"], rows=rows)


def _csat_chart(months: list[str], per_month: list[Csat]) -> Chart:
    chart = line_chart(
        "CSAT per month",
        "The share of “Solved it” among the answers to “Did this solve it?” given each "
        "month, from the people who wanted the items shipped.",
        months,
        {"CSAT": [_in_percent(csat.share) for csat in per_month]},
        unit="%",
        ticks=PERCENT_TICKS,
    )
    return _with_answers(chart, [csat.answers for csat in per_month])


def _occurrences(polls: Sequence[PollResult]) -> list[str]:
    """Each occurrence by its day (``Dec 1``), with its time when two share a day."""
    days = [f"{poll.scheduled_for:%b} {poll.scheduled_for.day}" for poll in polls]
    return [
        f"{day} {poll.scheduled_for:%H:%M}" if days.count(day) > 1 else day
        for day, poll in zip(days, polls, strict=True)
    ]


def _poll_charts(polls: Sequence[PollResult]) -> list[Chart]:
    """One chart per scale the pulse surveys used (a 1-5 one when there were none): each
    occurrence's mean (the share of yes), in all and by internal and external answerers."""
    drawn = []
    for scale in ("1-5", "yes/no"):
        shown = [poll for poll in polls if poll.scale == scale]
        if not shown and (scale != "1-5" or polls):
            continue
        five = scale == "1-5"

        def mean(split: PollSplit, five: bool = five) -> float | None:
            if split.mean is None:
                return None
            return round(split.mean, 2) if five else _in_percent(split.mean)

        series = {"all": [mean(poll.total) for poll in shown]}
        for kind in ORDER["stakeholder"]:
            series[kind] = [mean(poll.by_stakeholder.get(kind, PollSplit())) for poll in shown]
        what = (
            "The mean answer (1 to 5)" if five else "The share of yes"
        ) + " to each pulse survey posted, in all and from internal and external stakeholders."
        chart = line_chart(
            f"Pulse surveys ({scale})",
            what,
            _occurrences(shown),
            series,
            unit="" if five else "%",
            ticks=FIVE_TICKS if five else PERCENT_TICKS,
        )
        drawn.append(_with_answers(chart, [poll.total.answers for poll in shown]))
    return drawn


@dataclass(frozen=True, slots=True)
class CsatLine:
    """One row of a CSAT table: its name, the share that said *Solved it*, the answers."""

    name: str
    share: str
    csat: Csat


def csat_tables(kpis: Kpis) -> list[tuple[str, list[CsatLine]]]:
    """The CSAT by month, stakeholder kind and priority, as ``/roadmap stats`` gives them."""
    return [
        (name, [CsatLine(label(key), percent(csat.share), csat) for key, csat in by.items()])
        for name, by in (
            ("month", kpis.csat_by_month),
            ("stakeholder", kpis.csat_by_stakeholder),
            ("priority", kpis.csat_by_priority),
        )
    ]


@dataclass(frozen=True, slots=True)
class PollLine:
    """One pulse survey occurrence as the KPI page lists it."""

    poll: PollResult
    mean: str
    by_stakeholder: list[tuple[str, str, int]]
    distribution: str


def poll_lines(kpis: Kpis) -> list[PollLine]:
    return [
        PollLine(
            poll,
            poll_mean(poll, poll.total),
            [
                (kind, poll_mean(poll, split), split.answers)
                for kind, split in poll.by_stakeholder.items()
            ],
            ", ".join(f"{value}: {count}" for value, count in poll.total.distribution.items()),
        )
        for poll in kpis.polls
    ]


@dataclass(frozen=True, slots=True)
class JustLinked:
    """What the item page says after a link form: ``link`` is the issue just linked (None after
    an unlink), ``created`` when the tracker made it from the item, ``moved`` when linking
    moved the item, ``unlinked`` how many links an unlink removed."""

    link: IssueLink | None = None
    created: bool = False
    moved: bool = False
    unlinked: int = 0


def just_linked(item: Item, query: Mapping[str, str]) -> JustLinked | None:
    """Read back the query a link form redirected to. The issue is looked up among the item's
    links rather than printed from the query, so a crafted address cannot put words on the
    page."""
    done = query.get("done", "")
    if done == "unlinked":
        count = query.get("count", "")
        return JustLinked(unlinked=int(count) if count.isdigit() else 1)
    if done != "linked":
        return None
    key = query.get("issue", "")
    found = next((link for link in item.links if link.ref.key == key), None)
    if found is None:
        return None
    return JustLinked(found, created=query.get("created") == "1", moved=query.get("moved") == "1")


def number_in(query: Mapping[str, str], name: str) -> int | None:
    """A positive number from the query string, or None (absent, or not one)."""
    raw = query.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 and int(raw) > 0 else None


def seconds(value: float) -> str:
    """How long an attempt took, as people read it: ``0.05 s``, ``12 ms``."""
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s"


def outcome(attempt: Attempt) -> str:
    """What came of an attempt, in words: delivered, to be retried, or given up."""
    if 200 <= (attempt.status or 0) < 300:
        return "delivered"
    if attempt.state is DeliveryState.PENDING:
        return "failed, will retry"
    if attempt.state is DeliveryState.FAILED:
        return "failed" if attempt.type is EventType.TEST else "failed, given up"
    # Delivered on a later attempt: this one still failed.
    return "failed, retried"
