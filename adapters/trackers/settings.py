"""Tracker settings: GitHub (``GITHUB_TOKEN``, ``GITHUB_API_URL``, ``GITHUB_WEBHOOK_SECRET``),
Jira (``JIRA_URL``, ``JIRA_USER`` + ``JIRA_API_TOKEN`` or ``JIRA_BEARER_TOKEN``,
``JIRA_WEBHOOK_SECRET``, ``JIRA_ISSUE_TYPE``), the state map (``TRACKER_STATUS_MAP``) and the
poll (``TRACKER_POLL_MINUTES``). A tracker is configured by its token (GitHub) or its URL
(Jira); a wrong value raises ``ConfigError`` naming the variable. Secrets never show in a
``repr``, so they are never logged with the settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from adapters.environment import whole_number
from bot.errors import ConfigError, FeedbackBotError
from bot.state_map import StateMap

GITHUB_API = "https://api.github.com"
STATUS_MAP_VARIABLE = "TRACKER_STATUS_MAP"
POLL_VARIABLE = "TRACKER_POLL_MINUTES"
DEFAULT_POLL_MINUTES = 5
MAX_POLL_MINUTES = 24 * 60


@dataclass(frozen=True, slots=True)
class GitHubSettings:
    token: str = field(repr=False)
    api_url: str = GITHUB_API
    # Without it, ``/webhooks/github`` is not served: an unsigned delivery could move items.
    webhook_secret: str | None = field(default=None, repr=False)

    @property
    def enterprise(self) -> bool:
        return self.api_url != GITHUB_API


@dataclass(frozen=True, slots=True)
class JiraSettings:
    url: str
    user: str | None = None
    api_token: str | None = field(default=None, repr=False)
    bearer: str | None = field(default=None, repr=False)
    # Without it, ``/webhooks/jira`` is not served.
    webhook_secret: str | None = field(default=None, repr=False)
    issue_type: str = "Task"


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    github: GitHubSettings | None = None
    jira: JiraSettings | None = None
    # ``TRACKER_STATUS_MAP`` as written, and as read (compared by what was written: a
    # ``StateMap`` has no equality of its own).
    status_map: str = ""
    state_map: StateMap = field(default_factory=lambda: StateMap.parse(""), compare=False)
    # 0: no poll (webhooks alone).
    poll_minutes: int = DEFAULT_POLL_MINUTES

    @property
    def configured(self) -> bool:
        return self.github is not None or self.jira is not None

    @property
    def names(self) -> list[str]:
        """The configured trackers, as people name them."""
        named = []
        if self.github is not None:
            named.append("GitHub Enterprise Server" if self.github.enterprise else "GitHub")
        if self.jira is not None:
            named.append("Jira")
        return named


def _text(environ: Mapping[str, str], name: str) -> str | None:
    return environ.get(name, "").strip() or None


def _secret(environ: Mapping[str, str], name: str) -> str | None:
    value = _text(environ, name)
    if value is not None and any(c.isspace() or not c.isprintable() for c in value):
        raise ConfigError(name, "expected one word of printable characters (no spaces)")
    return value


def _url(environ: Mapping[str, str], name: str, example: str) -> str | None:
    raw = _text(environ, name)
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
        raise ConfigError(name, f"expected an http(s) URL such as {example}, got {raw!r}")
    return raw.rstrip("/")


def _without(environ: Mapping[str, str], needed: str, names: tuple[str, ...]) -> None:
    """Refuse the other variables of a tracker that is not configured: they would be ignored
    without a word."""
    given = [name for name in names if _text(environ, name) is not None]
    if given:
        raise ConfigError(needed, f"is needed with {', '.join(given)} (or unset those)")


def _github(environ: Mapping[str, str]) -> GitHubSettings | None:
    token = _secret(environ, "GITHUB_TOKEN")
    if token is None:
        _without(environ, "GITHUB_TOKEN", ("GITHUB_API_URL", "GITHUB_WEBHOOK_SECRET"))
        return None
    api_url = _url(environ, "GITHUB_API_URL", "https://ghe.example.com/api/v3") or GITHUB_API
    return GitHubSettings(token, api_url, _secret(environ, "GITHUB_WEBHOOK_SECRET"))


def _jira(environ: Mapping[str, str]) -> JiraSettings | None:
    url = _url(environ, "JIRA_URL", "https://acme.atlassian.net")
    # Not JIRA_ISSUE_TYPE: its default may be written out (as .env.example does).
    others = ("JIRA_USER", "JIRA_API_TOKEN", "JIRA_BEARER_TOKEN", "JIRA_WEBHOOK_SECRET")
    if url is None:
        _without(environ, "JIRA_URL", others)
        return None
    user = _text(environ, "JIRA_USER")
    api_token = _secret(environ, "JIRA_API_TOKEN")
    bearer = _secret(environ, "JIRA_BEARER_TOKEN")
    if bearer is not None and (user is not None or api_token is not None):
        raise ConfigError(
            "JIRA_BEARER_TOKEN",
            "set either it (Data Center) or JIRA_USER and JIRA_API_TOKEN (Cloud), not both",
        )
    if bearer is None:
        if user is None:
            raise ConfigError(
                "JIRA_USER", "is needed with JIRA_URL (with JIRA_API_TOKEN, or JIRA_BEARER_TOKEN)"
            )
        if api_token is None:
            raise ConfigError("JIRA_API_TOKEN", "is needed with JIRA_USER")
    return JiraSettings(
        url,
        user=user,
        api_token=api_token,
        bearer=bearer,
        webhook_secret=_secret(environ, "JIRA_WEBHOOK_SECRET"),
        issue_type=_text(environ, "JIRA_ISSUE_TYPE") or "Task",
    )


def _state_map(environ: Mapping[str, str]) -> StateMap:
    raw = environ.get(STATUS_MAP_VARIABLE, "")
    try:
        return StateMap.parse(raw)
    except ConfigError:
        raise
    except (FeedbackBotError, ValueError) as error:
        raise ConfigError(STATUS_MAP_VARIABLE, str(error)) from None


def load_tracker_settings(environ: Mapping[str, str]) -> TrackerSettings:
    return TrackerSettings(
        github=_github(environ),
        jira=_jira(environ),
        status_map=environ.get(STATUS_MAP_VARIABLE, "").strip(),
        state_map=_state_map(environ),
        poll_minutes=whole_number(
            environ, POLL_VARIABLE, DEFAULT_POLL_MINUTES, 0, MAX_POLL_MINUTES
        ),
    )
