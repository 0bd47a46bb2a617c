"""KPIs: what the stored items say about how the team keeps its promises.

Counts of items by status, priority, stakeholder kind, kind and platform; the median and 90th
percentile of the time to acknowledge an item (thank its author), to take it out of new, and to
ship it; and the SLA breaches. Counts are over the items created in the period; a time is
counted in the period its event (thanks, first move, shipping) happened in; a breach in the
period its deadline passed in. Percentiles interpolate between the two nearest values, like
PostgreSQL's ``percentile_cont``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Protocol

from bot.identity import Workspace

ORDER = {
    "status": ("new", "under_review", "planned", "in_pilot", "shipped", "declined", "duplicate"),
    "priority": ("must-have", "good-to-have", "none"),
    "stakeholder": ("internal", "external"),
    "kind": ("feedback", "request"),
    "platform": ("slack", "discord", "console"),
}


@dataclass(frozen=True, slots=True)
class Durations:
    """How many items had the event, and the median and 90th percentile, in seconds."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


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

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["workspace"] = str(self.workspace) if self.workspace else None
        data["since"] = self.since.isoformat() if self.since else None
        data["until"] = self.until.isoformat()
        return data


class KpiReader(Protocol):
    async def kpis(
        self, workspace: Workspace | None, since: datetime | None, until: datetime
    ) -> Kpis:
        """The KPIs of one workspace (or of all) for ``[since, until)``, ``since`` ``None``
        meaning from the start. Computed with aggregate queries, never item by item."""
        ...


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
    return "\n".join(lines)
