"""Settings of ``GET /metrics``: ``METRICS``, ``METRICS_TOKEN``, ``METRICS_CACHE_SECONDS``, and
``PROMETHEUS_MULTIPROC_DIR`` for several worker processes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.environment import flag, whole_number
from bot.errors import ConfigError

MAX_CACHE_S = 3600


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    # Off: ``/metrics`` answers 404 and nothing is counted.
    enabled: bool = True
    # When set, a scrape must send ``Authorization: Bearer <token>``.
    token: str | None = None
    # How long the gauges read from the database are reused by later scrapes.
    cache_s: int = 5
    # With several workers: where their counts are written (a new temporary one when unset).
    directory: str | None = None


def load_metrics_settings(environ: Mapping[str, str]) -> MetricsSettings:
    token = environ.get("METRICS_TOKEN", "").strip() or None
    if token is not None and any(c.isspace() or not c.isprintable() for c in token):
        raise ConfigError("METRICS_TOKEN", "expected one word of printable characters")
    return MetricsSettings(
        enabled=flag(environ, "METRICS", True),
        token=token,
        cache_s=whole_number(environ, "METRICS_CACHE_SECONDS", 5, 0, MAX_CACHE_S),
        directory=environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip() or None,
    )
