"""``bot.observations.Observations`` as Prometheus counters and histograms.

Every label value is bounded (enums, command names, platforms' error codes): never a person's id
or name, nor an item's text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram

from bot.identity import Platform
from bot.items import Item, Status

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
DATABASE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


Metric = TypeVar("Metric", Counter, Histogram)


def _children(metric: Metric) -> Callable[..., Metric]:
    """``metric.labels``, each child kept: every label set is bounded, and ``labels`` costs
    about twice what the count itself does, on every request."""
    children: dict[tuple[str, ...], Metric] = {}

    def child(*values: str) -> Metric:
        found = children.get(values)
        if found is None:
            found = children[values] = metric.labels(*values)
        return found

    return child


class PrometheusObservations:
    """The counters, registered on ``registry`` (``None`` in multiprocess mode, where each
    process writes them to its own files and a scrape reads every process's)."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        def counter(name: str, doc: str, labels: Sequence[str]) -> Callable[..., Counter]:
            return _children(Counter(f"feedbackbot_{name}", doc, labels, registry=registry))

        def histogram(
            name: str, doc: str, labels: Sequence[str], buckets: Sequence[float]
        ) -> Callable[..., Histogram]:
            return _children(
                Histogram(f"feedbackbot_{name}", doc, labels, buckets=buckets, registry=registry)
            )

        self._requests = counter(
            "requests", "Requests from a platform, by command", ("platform", "command")
        )
        self._acks = counter(
            "acks",
            "Requests answered (acknowledged), ok or error",
            ("platform", "command", "outcome"),
        )
        self._ack_seconds = histogram(
            "ack_seconds",
            "Time from a request's arrival to the platform's answer",
            ("platform", "command"),
            ACK_BUCKETS,
        )
        self._items = counter(
            "items_recorded",
            "Items stored, by kind, stakeholder and priority",
            ("platform", "kind", "stakeholder", "priority"),
        )
        self._votes = counter(
            "votes", "Votes cast, withdrawn or unchanged (repeats)", ("platform", "action")
        )
        self._status_changes = counter(
            "status_changes",
            "Items moved along the lifecycle",
            ("platform", "from_status", "to_status"),
        )
        self._deliveries = counter(
            "deliveries",
            "Attempts at owed messages (thank-yous, DMs, posts): posted, retry or failed",
            ("platform", "purpose", "outcome", "error"),
        )
        self._rate_limited = counter(
            "platform_rate_limited", "Platform API answers 429 (too many requests)", ("platform",)
        )
        self._retries = counter(
            "platform_retries",
            "Platform API calls retried by the platform's client",
            ("platform", "reason"),
        )
        self._reminders = counter(
            "reminder_occurrences",
            "Reminder occurrences: posted, missed, failed, owed or disabled",
            ("platform", "outcome"),
        )
        self._breaches = counter(
            "sla_breaches", "SLA breaches claimed", ("platform", "sla_class", "stakeholder")
        )
        self._transaction_seconds = histogram(
            "db_transaction_seconds",
            "Database transactions, begin to end",
            ("kind",),
            DATABASE_BUCKETS,
        )
        self._database_errors = counter("db_errors", "Database transactions that failed", ("kind",))

    def recorded(self, items: Sequence[Item]) -> None:
        for item in items:
            priority = item.priority.value if item.priority is not None else ""
            self._items(
                item.workspace.platform.value, item.kind.value, item.stakeholder.value, priority
            ).inc()

    def voted(self, platform: Platform, action: str) -> None:
        self._votes(platform.value, action).inc()

    def status_changed(self, platform: Platform, before: Status, after: Status) -> None:
        self._status_changes(platform.value, before.value, after.value).inc()

    def delivered(self, platform: Platform, purpose: str, outcome: str, error: str = "") -> None:
        self._deliveries(platform.value, purpose, outcome, error).inc()

    def rate_limited(self, platform: Platform) -> None:
        self._rate_limited(platform.value).inc()

    def reminder(self, platform: Platform, outcome: str, count: int = 1) -> None:
        self._reminders(platform.value, outcome).inc(count)

    def sla_breached(self, platform: Platform, klass: str, stakeholder: str) -> None:
        self._breaches(platform.value, klass, stakeholder).inc()

    def request(self, platform: Platform, command: str) -> None:
        self._requests(platform.value, command).inc()

    def acked(self, platform: Platform, command: str, seconds: float, ok: bool) -> None:
        self._acks(platform.value, command, "ok" if ok else "error").inc()
        self._ack_seconds(platform.value, command).observe(seconds)

    def retried(self, platform: Platform, reason: str) -> None:
        self._retries(platform.value, reason).inc()

    def transaction(self, kind: str, seconds: float, failed: bool) -> None:
        self._transaction_seconds(kind).observe(seconds)
        if failed:
            self._database_errors(kind).inc()
