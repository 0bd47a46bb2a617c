"""The gauges operators alert on, read from the database when metrics are scraped (at most once
every ``cache_s`` seconds, however many scrapers ask), as a Prometheus collector."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.gauges import WorkspaceGauges, read_gauges

CACHE_S = 5.0


class DatabaseGauges(Collector):
    """``refresh`` before each scrape; ``collect`` then gives what was last read."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        cache_s: float = CACHE_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._cache_s = cache_s
        self._monotonic = monotonic
        self._read: list[WorkspaceGauges] = []
        self._read_at: float | None = None
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        """Read the database unless it was read less than ``cache_s`` ago; a failed read
        raises (``StorageError`` or the driver's error) and keeps the last one."""
        async with self._lock:
            now = self._monotonic()
            if self._read_at is not None and now - self._read_at < self._cache_s:
                return
            self._read = await read_gauges(self._engine)
            self._read_at = self._monotonic()

    def collect(self) -> Iterator[Metric]:
        labels = ["platform", "workspace"]
        open_items = GaugeMetricFamily(
            "feedbackbot_open_items",
            "Open items (new, under review, planned, in pilot), by status, stakeholder and "
            "priority",
            labels=[*labels, "status", "stakeholder", "priority"],
        )
        oldest = GaugeMetricFamily(
            "feedbackbot_oldest_open_must_have_age_seconds",
            "Age of the oldest open must-have request (absent when there is none)",
            labels=labels,
        )
        breaches = GaugeMetricFamily(
            "feedbackbot_open_sla_breaches",
            "Items past their SLA and still new",
            labels=labels,
        )
        now = self._clock.now()
        for workspace in self._read:
            where = [workspace.platform.value, workspace.workspace_id]
            for (status, stakeholder, priority), count in sorted(workspace.open_items.items()):
                open_items.add_metric([*where, status, stakeholder, priority], count)
            if workspace.oldest_must_have is not None:
                age = (now - workspace.oldest_must_have).total_seconds()
                oldest.add_metric(where, max(age, 0.0))
            breaches.add_metric(where, workspace.open_breaches)
        yield open_items
        yield oldest
        yield breaches
