"""The metrics as one scrape: this process's counters (or, with several worker processes, every
process's, read from their files) and the database's gauges."""

from __future__ import annotations

import logging
import os

from prometheus_client import CollectorRegistry, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.metrics.directory import DIRECTORY
from adapters.metrics.gauges import CACHE_S, DatabaseGauges
from adapters.metrics.prometheus import PrometheusObservations
from bot.errors import FeedbackBotError, StorageError
from bot.ports import Clock
from storage.unit_of_work import DATABASE_FAILURES

log = logging.getLogger(__name__)


class Metrics:
    """``observations`` counts; ``scrape`` answers ``GET /metrics``. ``multiprocess`` when
    worker processes share the port (``adapters/metrics/directory.py`` made their directory)."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        multiprocess: bool = False,
        cache_s: float = CACHE_S,
    ) -> None:
        self.gauges = DatabaseGauges(engine, clock, cache_s)
        self._registry = CollectorRegistry(auto_describe=False)
        if multiprocess:
            if not getattr(values.ValueClass, "_multiprocess", False) or not os.environ.get(
                DIRECTORY
            ):
                raise FeedbackBotError(
                    f"metrics with several workers need {DIRECTORY} set before the Prometheus "
                    "client is first imported"
                )
            MultiProcessCollector(self._registry)  # type: ignore[no-untyped-call]
            self.observations = PrometheusObservations(None)
        else:
            self.observations = PrometheusObservations(self._registry)
        self._registry.register(self.gauges)

    async def scrape(self) -> bytes:
        """The text exposition format; the gauges read afresh unless read just now. When the
        database cannot be read, the counters are still served, with the gauges last read:
        a scrape that fails would hide the counts operators need most during an outage."""
        try:
            await self.gauges.refresh()
        except (StorageError, *DATABASE_FAILURES) as error:
            log.warning(
                "the metrics' gauges could not be read from the database (%s); "
                "the scrape shows the last ones read",
                type(error).__name__,
            )
        return generate_latest(self._registry)
