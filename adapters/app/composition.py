"""The composition root: the one place that builds the engine, the storage and the core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.app.settings import Settings
from bot.clock import SystemClock
from bot.core import Core, assemble
from bot.errors import StorageError, first_line
from bot.observations import UNOBSERVED, Observations
from bot.ports import Clock, WriteTogether
from bot.trackers import Tracker
from storage.engine import create_engine
from storage.schema import ensure_schema
from storage.sqlite_writes import SqliteWriteTogether
from storage.unit_of_work import DATABASE_FAILURES, SqlStorage

if TYPE_CHECKING:
    from adapters.metrics.exposition import Metrics
    from bot.webhooks import WebhookSender


@dataclass(frozen=True, slots=True)
class App:
    settings: Settings
    engine: AsyncEngine
    core: Core
    # ``GET /metrics``, when ``run`` serves it (``METRICS``).
    metrics: Metrics | None = None

    @property
    def observations(self) -> Observations:
        return _observations(self.metrics)


def _observations(metrics: Metrics | None) -> Observations:
    """Who hears what happens: the metrics when they count, else nobody."""
    return UNOBSERVED if metrics is None else metrics.observations


@asynccontextmanager
async def open_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    try:
        yield engine
    except DATABASE_FAILURES as error:
        raise StorageError(f"cannot use the database: {first_line(error)}") from error
    finally:
        await engine.dispose()


@asynccontextmanager
async def open_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    metrics: bool = False,
    webhooks: bool = False,
    trackers: bool = False,
) -> AsyncIterator[App]:
    """The core on the configured database, its schema brought up to date (or refused); with
    ``metrics`` (``run`` asks for them), counted for ``GET /metrics`` unless ``METRICS`` is off;
    with ``webhooks`` (``run``, ``webhooks test``), able to send webhooks, through one HTTP
    client closed on the way out; with ``trackers`` (``run``, ``link``, ``unlink``,
    ``trackers`` ask for them), the configured GitHub and Jira on one HTTP client, closed on
    exit (the other commands never import httpx)."""
    async with AsyncExitStack() as stack:
        engine = await stack.enter_async_context(open_engine(settings))
        await ensure_schema(engine, auto_migrate=settings.auto_migrate)
        clock = clock or SystemClock()
        measured = _metrics(settings, engine, clock) if metrics else None
        observations = _observations(measured)
        storage = SqlStorage(engine, observations)
        writer = await stack.enter_async_context(_write_together(engine, storage, observations))
        sender = await stack.enter_async_context(_webhook_sender(settings)) if webhooks else None
        built = await stack.enter_async_context(_trackers(settings)) if trackers else {}
        core = assemble(
            storage.unit_of_work,
            clock,
            seal=settings.triage.seal,
            write_together=writer,
            policy=settings.triage.sla,
            default_zone=settings.reminders.default_zone,
            grace=settings.reminders.grace,
            lease=settings.outbox_lease,
            observations=observations,
            dashboard_url=settings.dashboard_url,
            session_lifetime=settings.dashboard_session,
            webhook_sender=sender,
            webhook_concurrency=settings.webhook_concurrency,
            trackers=built,
            state_map=settings.trackers.state_map,
            webhook_lease=settings.webhook_lease,
        )
        yield App(settings, engine, core, measured)


def _metrics(settings: Settings, engine: AsyncEngine, clock: Clock) -> Metrics | None:
    if not settings.metrics.enabled:
        return None
    # Only ``run`` counts: other commands never import the Prometheus client.
    from adapters.metrics.exposition import Metrics

    return Metrics(
        engine, clock, multiprocess=settings.workers > 1, cache_s=settings.metrics.cache_s
    )


@asynccontextmanager
async def _write_together(
    engine: AsyncEngine, storage: SqlStorage, observations: Observations
) -> AsyncIterator[WriteTogether | None]:
    """SQLite's own group-commit writer; other databases write through units of work."""
    if engine.dialect.name != "sqlite":
        yield None
        return
    async with SqliteWriteTogether(engine, storage.known, observations) as writer:
        yield writer


@asynccontextmanager
async def _webhook_sender(settings: Settings) -> AsyncIterator[WebhookSender]:
    """The webhook sender on one HTTP client, pooled up to the dispatcher's concurrency; httpx
    and standardwebhooks are imported only by the commands that send."""
    import httpx
    from httpx_aiohttp import HttpxAiohttpClient

    from adapters.webhooks.sender import HttpxWebhookSender

    # httpx's API on aiohttp's connection pool: httpcore's pool looks at every one of its
    # connections whenever a request starts or ends, about 10 ms of CPU per webhook with 64
    # under way (bench/README.md, *Outgoing webhooks*).
    size = settings.webhook_concurrency
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    async with HttpxAiohttpClient(limits=limits) as client:
        yield HttpxWebhookSender(client, settings.webhook_timeout_s)


def _trackers(settings: Settings) -> AbstractAsyncContextManager[dict[str, Tracker]]:
    # Imported here: httpx is only for the commands that reach a tracker.
    from adapters.trackers.clients import open_trackers

    return open_trackers(settings.trackers)
