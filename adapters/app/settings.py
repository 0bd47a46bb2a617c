"""Settings read from an injected mapping (the environment plus an optional ``.env``), checked
once at start. A wrong value raises ``ConfigError`` naming the variable; nothing here exits."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from adapters.app.log_folding import FoldDatabaseFailures, FoldReconnects
from adapters.app.log_format import JsonFormatter
from adapters.app.log_quiet import QUIET_BELOW_WARNING, DropMisleading, quiet_libraries
from adapters.app.metrics_settings import MetricsSettings, load_metrics_settings
from adapters.app.triage_settings import TriageSettings, load_triage_settings
from adapters.app.workers import WORKER
from adapters.discord.settings import DiscordSettings, load_discord_settings
from adapters.environment import flag, whole_number
from adapters.scheduler.settings import ReminderSettings, load_reminder_settings
from adapters.slack.settings import SlackSettings, load_slack_settings
from adapters.trackers.settings import TrackerSettings, load_tracker_settings
from bot.dashboard_access import SESSION_LIFETIME
from bot.delivery import LEASE
from bot.errors import ConfigError
from bot.webhook_dispatch import CONCURRENCY as WEBHOOK_CONCURRENCY
from bot.webhook_dispatch import LEASE as WEBHOOK_LEASE
from storage.url import database_url

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("plain", "json")
MAX_WORKERS = 64
MAX_LEASE_S = 3600
# A dashboard session lasts at most a month: a sign-in from chat is meant for a working day.
MAX_SESSION_HOURS = 24 * 31
WEBHOOK_TIMEOUT_S = 10
MAX_WEBHOOK_CONCURRENCY = 1024
MAX_WEBHOOK_TIMEOUT_S = 60
# Addresses that mean "every interface": a link must name one a browser can open.
_EVERY_INTERFACE = ("0.0.0.0", "::", "")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    auto_migrate: bool
    log_level: str | None
    host: str
    port: int
    slack: SlackSettings | None
    discord: DiscordSettings | None
    # Processes serving the HTTP port (``WORKERS``); ``worker`` is this one's number, 0 for the
    # process people start (see adapters/app/workers.py).
    workers: int = 1
    worker: int = 0
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    triage: TriageSettings = field(default_factory=TriageSettings)
    # How long a process's claim on an owed message keeps the others off it (a process killed
    # mid-delivery holds its messages this long).
    outbox_lease: timedelta = LEASE
    # Where people and Slack reach the bot from outside (``PUBLIC_URL``); ``check`` asks it.
    public_url: str | None = None
    # ``plain`` (for people) or ``json`` (one object per line, for log collectors).
    log_format: str = "plain"
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    # How long a dashboard session lasts once a sign-in link is used (``DASHBOARD_SESSION_HOURS``).
    dashboard_session: timedelta = SESSION_LIFETIME
    # Outgoing webhooks: sends under way at once per process (``WEBHOOK_CONCURRENCY``), and how
    # long an endpoint has to answer one (``WEBHOOK_TIMEOUT_S``).
    webhook_concurrency: int = WEBHOOK_CONCURRENCY
    webhook_timeout_s: float = WEBHOOK_TIMEOUT_S
    # GitHub and Jira (adapters/trackers/settings.py).
    trackers: TrackerSettings = field(default_factory=TrackerSettings)
    # How long a process's claim on a webhook delivery keeps the others off it
    # (``WEBHOOK_LEASE_S``): a process killed mid-send holds its deliveries this long.
    webhook_lease: timedelta = WEBHOOK_LEASE

    @property
    def dashboard_url(self) -> str:
        """Where people open the dashboard: ``PUBLIC_URL``, or this server's own address
        (127.0.0.1 when it listens on every interface)."""
        if self.public_url is not None:
            return self.public_url
        host = "127.0.0.1" if self.host in _EVERY_INTERFACE else self.host
        if ":" in host:
            host = f"[{host}]"  # an IPv6 address
        return f"http://{host}:{self.port}"


def _log_level(environ: Mapping[str, str]) -> str | None:
    raw = environ.get("LOG_LEVEL", "").strip().upper()
    if not raw:
        return None
    if raw not in _LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"expected one of {', '.join(_LOG_LEVELS)}, got {raw!r}")
    return raw


def _log_format(environ: Mapping[str, str]) -> str:
    raw = environ.get("LOG_FORMAT", "").strip().lower() or "plain"
    if raw not in LOG_FORMATS:
        raise ConfigError("LOG_FORMAT", f"expected plain or json, got {raw!r}")
    return raw


def load_settings(environ: Mapping[str, str]) -> Settings:
    return Settings(
        database_url=database_url(environ.get("DATABASE_URL", "").strip() or None),
        auto_migrate=flag(environ, "AUTO_MIGRATE", True),
        log_level=_log_level(environ),
        log_format=_log_format(environ),
        host=environ.get("HOST", "").strip() or "0.0.0.0",
        port=whole_number(environ, "PORT", 3000, 0, 65535),
        workers=whole_number(environ, "WORKERS", 1, 1, MAX_WORKERS),
        worker=whole_number(environ, WORKER, 0, 0, MAX_WORKERS),
        slack=load_slack_settings(environ),
        discord=load_discord_settings(environ),
        reminders=load_reminder_settings(environ),
        triage=load_triage_settings(environ),
        outbox_lease=timedelta(
            seconds=whole_number(
                environ, "OUTBOX_LEASE_SECONDS", int(LEASE.total_seconds()), 1, MAX_LEASE_S
            )
        ),
        public_url=_public_url(environ),
        metrics=load_metrics_settings(environ),
        dashboard_session=timedelta(
            hours=whole_number(
                environ,
                "DASHBOARD_SESSION_HOURS",
                int(SESSION_LIFETIME.total_seconds() // 3600),
                1,
                MAX_SESSION_HOURS,
            )
        ),
        webhook_concurrency=whole_number(
            environ, "WEBHOOK_CONCURRENCY", WEBHOOK_CONCURRENCY, 1, MAX_WEBHOOK_CONCURRENCY
        ),
        webhook_timeout_s=whole_number(
            environ, "WEBHOOK_TIMEOUT_S", WEBHOOK_TIMEOUT_S, 1, MAX_WEBHOOK_TIMEOUT_S
        ),
        trackers=load_tracker_settings(environ),
        webhook_lease=timedelta(
            seconds=whole_number(
                environ, "WEBHOOK_LEASE_S", int(WEBHOOK_LEASE.total_seconds()), 1, MAX_LEASE_S
            )
        ),
    )


def _public_url(environ: Mapping[str, str]) -> str | None:
    raw = environ.get("PUBLIC_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(
            "PUBLIC_URL", f"expected an http(s) URL such as https://bot.example.com, got {raw!r}"
        )
    return raw.rstrip("/")


def configure_logging(settings: Settings, default: str) -> None:
    """Log to standard error, as plain lines or JSON objects (``LOG_FORMAT``), with database
    failures and the platform libraries' reconnect attempts folded
    (adapters/app/log_folding.py), and the libraries' noise left out unless ``LOG_LEVEL=DEBUG``
    (adapters/app/log_quiet.py)."""
    level = settings.log_level or default
    several = settings.workers > 1
    process = f" [worker {settings.worker}]" if several else ""
    logging.basicConfig(
        level=level, format=f"%(asctime)s %(levelname)s %(name)s{process}: %(message)s"
    )
    if level == "DEBUG":
        for name in QUIET_BELOW_WARNING:
            logging.getLogger(name).setLevel(logging.NOTSET)
    else:
        quiet_libraries()
    for handler in logging.getLogger().handlers:
        if settings.log_format == "json":
            handler.setFormatter(JsonFormatter(settings.worker if several else None))
        if level != "DEBUG":
            handler.addFilter(DropMisleading())
        # One each: a handler counts what it would have written.
        handler.addFilter(FoldDatabaseFailures())
        handler.addFilter(FoldReconnects())
