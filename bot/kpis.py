"""KPIs: what the stored items say about how the team keeps its promises.

Counts of items by status, priority, stakeholder kind, kind and platform; the median and 90th
percentile of the time to acknowledge an item (thank its author), to take it out of new, and to
ship it; and the SLA breaches. Counts are over the items created in the period; a time is
counted in the period its event (thanks, first move, shipping) happened in; a breach in the
period its deadline passed in. Days and weeks are UTC ones.

Precision: the counts are exact for any period. The database keeps its figures as items change
(storage/kpis.py), by UTC day and month, and reads the part of a day at either end of a period
from the rows themselves. The times are kept as log-scale histograms of whole milliseconds:
each of 0 to 24 ms is its own bucket, every other bucket spans at most 4% above its lower bound,
and a time stands for the geometric middle of its bucket, which is within 2% of it. Percentiles
interpolate between the two nearest of those (like PostgreSQL's ``percentile_cont``), so a
median or 90th percentile is within 2% (and half a millisecond) of the exact one.

Surveys (issue 18): the CSAT is the share of *Solved it* among the answers to "Did this solve
it?" given in the period (an answer counts in the period it was last given in, once per person
per item), in all, by month and by the item's stakeholder kind and priority. A pulse survey's
occurrences are those scheduled in the period, each with the mean of its answers (the share of
yes on a yes/no scale) and how many gave each value, in all and by the answerers' kind.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.identity import Workspace
from bot.messages import Message, Part, Plain, Quote
from bot.text import excerpt

ORDER = {
    "status": ("new", "under_review", "planned", "in_pilot", "shipped", "declined", "duplicate"),
    "priority": ("must-have", "good-to-have", "none"),
    "stakeholder": ("internal", "external"),
    "kind": ("feedback", "request"),
    "platform": ("slack", "discord", "console"),
}
# The pulse survey occurrences a KPI read gives, newest first.
POLLS_SHOWN = 12
# How much of a survey's question the KPIs and the digest quote.
QUESTION_EXCERPT = 60


@dataclass(frozen=True, slots=True)
class Durations:
    """How many items had the event, and the median and 90th percentile, in seconds."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass(frozen=True, slots=True)
class Csat:
    """Answers to "Did this solve it?": how many, and how many of each answer. The CSAT is the
    share that said *Solved it*."""

    answers: int = 0
    solved: int = 0
    partly: int = 0
    no: int = 0

    @property
    def share(self) -> float | None:
        return self.solved / self.answers if self.answers else None


@dataclass(frozen=True, slots=True)
class PollSplit:
    """Answers to one poll (or one kind of stakeholder's part of them). ``mean`` is the mean of
    a 1-5 scale, or the share of yes; ``distribution`` counts each value by its label (``1`` to
    ``5``, or ``yes`` and ``no``), every label present."""

    answers: int = 0
    mean: float | None = None
    distribution: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PollResult:
    """One occurrence of a pulse survey and its answers, in all and by the answerers'
    stakeholder kind (``internal``, ``external``, both always present)."""

    poll_id: int
    channel_id: str
    question: str
    scale: str
    scheduled_for: datetime
    total: PollSplit
    by_stakeholder: dict[str, PollSplit]


@dataclass(frozen=True, slots=True)
class Kpis:
    workspace: Workspace | None
    since: datetime | None
    until: datetime
    items: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_priority: dict[str, int] = field(default_factory=dict)
    by_stakeholder: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_platform: dict[str, int] = field(default_factory=dict)
    to_acknowledge: Durations = Durations()
    to_leave_new: Durations = Durations()
    to_ship: Durations = Durations()
    sla_breaches: int = 0
    open_breaches: int = 0
    # Answers given in the period about shipped items: in all, by the month they were given in
    # (``2026-11``), and by the item's stakeholder kind and priority (``none`` for feedback).
    csat: Csat = Csat()
    csat_by_month: dict[str, Csat] = field(default_factory=dict)
    csat_by_stakeholder: dict[str, Csat] = field(default_factory=dict)
    csat_by_priority: dict[str, Csat] = field(default_factory=dict)
    # Pulse survey occurrences scheduled in the period, newest first (at most 12).
    polls: list[PollResult] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["workspace"] = str(self.workspace) if self.workspace else None
        data["since"] = self.since.isoformat() if self.since else None
        data["until"] = self.until.isoformat()
        data["csat"] = _csat_json(self.csat)
        for name in ("csat_by_month", "csat_by_stakeholder", "csat_by_priority"):
            data[name] = {key: _csat_json(csat) for key, csat in getattr(self, name).items()}
        data["polls"] = [
            {**asdict(poll), "scheduled_for": poll.scheduled_for.isoformat()} for poll in self.polls
        ]
        return data


def _csat_json(csat: Csat) -> dict[str, object]:
    return {**asdict(csat), "share": csat.share}


# The series of ``KpiCharts``, in the order they are shown.
ITEM_SERIES = ("feedback/internal", "feedback/external", "request/internal", "request/external")
DURATION_SERIES = ("acknowledge", "leave_new", "ship")
# An open must-have's age: under a day, a week, 4 weeks, 13 weeks (3 months), or more.
AGE_BUCKETS = ("< 1 day", "1-7 days", "1-4 weeks", "1-3 months", "> 3 months")
AGE_LIMITS_DAYS = (1, 7, 28, 91)
VOTE_BUCKETS = ("0", "1", "2-4", "5-9", "10+")
VOTE_LIMITS = (1, 2, 5, 10)


@dataclass(frozen=True, slots=True)
class KpiCharts:
    """The series the dashboard draws, of one workspace until a moment.

    ``weeks``: the Mondays of the weeks shown, oldest first, the last one the week of ``until``
    (counted until then); ``items_per_week``: the items created each week, by
    ``kind/stakeholder`` (``ITEM_SERIES``); ``months``: the first days of the months shown, the
    last one ``until``'s; ``durations``: per month, the times to acknowledge, leave new and ship
    of the events of that month (``DURATION_SERIES``); ``open_must_haves_by_age``: the open
    must-haves created before ``until`` by age at ``until`` (``AGE_BUCKETS``);
    ``breaches_per_week``: the SLA breaches whose deadline passed each week; ``votes_on_open``:
    the open items by their number of votes (``VOTE_BUCKETS``). Open items are those open now."""

    weeks: list[date]
    items_per_week: dict[str, list[int]]
    months: list[date]
    durations: dict[str, list[Durations]]
    open_must_haves_by_age: list[tuple[str, int]]
    breaches_per_week: list[int]
    votes_on_open: list[tuple[str, int]]
    # Per month of ``months``: the answers about shipped items given that month.
    csat_per_month: list[Csat] = field(default_factory=list)
    # The last 12 pulse survey occurrences up to ``until``, oldest first.
    polls: list[PollResult] = field(default_factory=list)


class KpiReader(Protocol):
    async def kpis(
        self, workspace: Workspace | None, since: datetime | None, until: datetime
    ) -> Kpis:
        """The KPIs of one workspace (or of all) for ``[since, until)``, ``since`` ``None``
        meaning from the start. Read from the figures the database keeps as items change (a
        few hundred rows however many items there are), never item by item."""
        ...

    async def charts(
        self, workspace: Workspace, until: datetime, weeks: int = 26, months: int = 12
    ) -> KpiCharts:
        """The chart series of one workspace: the ``weeks`` weeks and ``months`` months up to
        ``until`` (see ``KpiCharts``), from the same kept figures."""
        ...


def bucket_of(value: int, limits: tuple[int, ...]) -> int:
    """The index of the bucket ``value`` falls in, buckets split at ``limits`` (ascending)."""
    return sum(1 for limit in limits if value >= limit)


def duration(seconds: float | None) -> str:
    """``45 s``, ``12 min``, ``3.5 h``, ``2.1 d``: short, and exact enough to compare."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _counts(label: str, counts: dict[str, int]) -> str:
    known = ORDER[label]
    keys = [key for key in known if key in counts] + sorted(set(counts) - set(known))
    shown = ", ".join(f"{key.replace('_', ' ')} {counts[key]}" for key in keys)
    return f"by {label}: {shown or 'none'}"


def format_kpis(kpis: Kpis) -> str:
    """The KPIs as a few plain lines, the same in a chat and in a terminal."""
    return kpis_message(kpis).plain


def kpis_message(kpis: Kpis) -> Message:
    """The KPIs as a message: ``format_kpis``'s lines, a survey's question (typed by a person)
    kept a ``Quote`` for the platform to escape."""
    scope = str(kpis.workspace) if kpis.workspace else "all workspaces"
    period = f"since {kpis.since:%Y-%m-%d %H:%M} UTC" if kpis.since else "all time"
    lines = [
        f"KPIs for {scope}, {period} (to {kpis.until:%Y-%m-%d %H:%M} UTC)",
        f"items: {kpis.items}",
        _counts("status", kpis.by_status),
        _counts("priority", kpis.by_priority),
        _counts("stakeholder", kpis.by_stakeholder),
        _counts("kind", kpis.by_kind),
    ]
    if kpis.workspace is None:
        lines.append(_counts("platform", kpis.by_platform))
    for label, durations in (
        ("time to acknowledge", kpis.to_acknowledge),
        ("time to leave new", kpis.to_leave_new),
        ("time to ship", kpis.to_ship),
    ):
        items = "1 item" if durations.count == 1 else f"{durations.count} items"
        lines.append(
            f"{label}: median {duration(durations.median)}, 90th percentile "
            f"{duration(durations.p90)} ({items})"
        )
    lines.append(
        f"SLA breaches: {kpis.sla_breaches} in the period, {kpis.open_breaches} still new now"
    )
    lines += _csat_lines(kpis)
    parts: list[Part] = [Plain("\n".join(lines))]
    if not kpis.polls:
        parts.append(Plain("\npulse surveys: none"))
    else:
        parts.append(Plain("\npulse surveys, newest first:"))
        for poll in kpis.polls:
            parts += [Plain("\n• "), *poll_parts(poll), Plain(f": {poll_figures(poll)}")]
    return Message(tuple(parts))


def answers_counted(count: int) -> str:
    """``1 answer``, ``12 answers``."""
    return "1 answer" if count == 1 else f"{count} answers"


def percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.0f}%"


def _of(csat: Csat) -> str:
    return f"{percent(csat.share)} of {csat.answers}"


def _csat_lines(kpis: Kpis) -> list[str]:
    """CSAT in all, then per month, stakeholder kind and priority."""
    csat = kpis.csat
    if not csat.answers:
        return ["CSAT: no answers yet"]
    answers = answers_counted(csat.answers)
    lines = [
        f"CSAT: {percent(csat.share)} solved it, of {answers} "
        f"(solved it {csat.solved}, partly {csat.partly}, no {csat.no})"
    ]
    for label, by in (
        ("month", kpis.csat_by_month),
        ("stakeholder", kpis.csat_by_stakeholder),
        ("priority", kpis.csat_by_priority),
    ):
        shown = ", ".join(f"{key} {_of(value)}" for key, value in by.items())
        lines.append(f"CSAT by {label}: {shown or 'none'}")
    return lines


def poll_parts(poll: PollResult) -> list[Part]:
    """``2025-12-01 10:00 UTC “How well…” (1-5)``: which occurrence of which survey."""
    return [
        Plain(f"{poll.scheduled_for:%Y-%m-%d %H:%M} UTC “"),
        Quote(excerpt(poll.question, QUESTION_EXCERPT)),
        Plain(f"” ({poll.scale})"),
    ]


def poll_mean(poll: PollResult, split: PollSplit) -> str:
    """``4.2``, or ``75% yes``."""
    if split.mean is None:
        return "-"
    return f"{split.mean:.1f}" if poll.scale == "1-5" else f"{percent(split.mean)} yes"


def poll_figures(poll: PollResult) -> str:
    """``mean 4.2 from 12 answers (1: 0, ...); internal 4.5 from 8, external 3.5 from 4``."""
    total = poll.total
    if not total.answers:
        return "no answers"
    mean = poll_mean(poll, total)
    if poll.scale == "1-5":
        mean = f"mean {mean}"
    answers = answers_counted(total.answers)
    spread = ", ".join(f"{label}: {count}" for label, count in total.distribution.items())
    kinds = ", ".join(
        f"{kind} {poll_mean(poll, split)} from {split.answers}"
        for kind, split in poll.by_stakeholder.items()
        if split.answers
    )
    return f"{mean} from {answers} ({spread})" + (f"; {kinds}" if kinds else "")
