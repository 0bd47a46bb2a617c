"""Every line ``feedbackbot check`` prints, and the one ``feedbackbot run`` stops with when a
token is refused: the wording is kept here, in one place, so each check only says what it found.

A failed line always ends with what to do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from bot.errors import ConfigError, first_line


class Verdict(Enum):
    PASSED = "✓"
    FAILED = "✗"
    NOT_CONFIGURED = "-"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One check's line: ``verdict``, what was checked, and what was found (or what to do)."""

    verdict: Verdict
    subject: str
    said: str

    @property
    def line(self) -> str:
        return f"{self.verdict.value} {self.subject}: {self.said}"


def passed(subject: str, said: str) -> Outcome:
    return Outcome(Verdict.PASSED, subject, said)


def failed(subject: str, said: str) -> Outcome:
    return Outcome(Verdict.FAILED, subject, said)


def not_configured(subject: str, how: str) -> Outcome:
    return Outcome(Verdict.NOT_CONFIGURED, subject, f"not configured ({how})")


def reason(error: BaseException) -> str:
    """An exception in a few words: its type, and the first line of what it says."""
    name = type(error).__name__
    return f"{name}: {first_line(error)}" if str(error).strip() else name


def summary(outcomes: Sequence[Outcome]) -> str:
    failures = sum(each.verdict is Verdict.FAILED for each in outcomes)
    if failures:
        return (
            f"{failures} check(s) failed: fix the ✗ lines above, then run `feedbackbot check` again"
        )
    return "all checks passed: `feedbackbot run` is ready to start"


# -- settings ---------------------------------------------------------------------------------

SETTINGS = "settings"


def settings_invalid(error: object) -> Outcome:
    # The same words `feedbackbot run` stops with (adapters/cli/commands.py).
    return failed(SETTINGS, f"configuration error: {error}")


def settings_valid(platforms: Sequence[str]) -> Outcome:
    if not platforms:
        return passed(
            SETTINGS,
            "valid; no chat platform is configured, so `feedbackbot run` serves the dashboard "
            "alone (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for Slack, or DISCORD_TOKEN "
            "for Discord)",
        )
    return passed(SETTINGS, f"valid; serving {', '.join(platforms)}")


# -- database ---------------------------------------------------------------------------------

DATABASE = "database"
SCHEMA = "schema"


def database_reachable(where: str) -> Outcome:
    return passed(DATABASE, f"reachable ({where})")


def database_created_later(path: str) -> Outcome:
    return passed(DATABASE, f"the SQLite file {path} does not exist yet; the first start makes it")


def database_unreachable(problem: str) -> Outcome:
    return failed(
        DATABASE,
        f"cannot use it ({problem}); check DATABASE_URL and that the database is up",
    )


def schema_current(revision: str) -> Outcome:
    return passed(SCHEMA, f"current ({revision})")


def schema_newer(revision: str) -> Outcome:
    return failed(
        SCHEMA,
        f"the database is at {revision}, newer than this feedbackbot knows; run the newer "
        "version that wrote it",
    )


def _migrations(pending: Sequence[tuple[str, str]]) -> str:
    """``pending``: each migration's revision and description, in the order they run."""
    if len(pending) > 3:
        return f"{len(pending)} migrations ({pending[0][0]} to {pending[-1][0]})"
    return f"{len(pending)} migration(s): {'; '.join(f'{r} ({doc})' for r, doc in pending)}"


def schema_migrated_at_start(pending: Sequence[tuple[str, str]]) -> Outcome:
    return passed(
        SCHEMA,
        f"behind by {_migrations(pending)}; `feedbackbot run` applies them at start "
        "(AUTO_MIGRATE=true)",
    )


def schema_behind(pending: Sequence[tuple[str, str]]) -> Outcome:
    return failed(
        SCHEMA,
        f"behind by {_migrations(pending)}; run `feedbackbot db upgrade` (AUTO_MIGRATE=false, "
        "so `feedbackbot run` would stop)",
    )


# -- Slack ------------------------------------------------------------------------------------

SLACK = "Slack"
SLACK_TOKEN = "Slack token"
SLACK_SCOPES = "Slack scopes"
SLACK_MODE = "Slack mode"
SLACK_HOW = "set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to serve Slack"


def slack_token_accepted(team: str, team_id: str, user: str, user_id: str) -> Outcome:
    return passed(SLACK_TOKEN, f"valid; team {team} ({team_id}), bot user @{user} ({user_id})")


def slack_token_refused(code: str) -> Outcome:
    return failed(SLACK_TOKEN, str(slack_refusal(code)))


def slack_refusal(code: str) -> ConfigError:
    """What `run` stops with (status 2, as for every configuration error)."""
    return ConfigError(
        "SLACK_BOT_TOKEN",
        f"Slack refused the token ({code}); copy the Bot User OAuth Token (xoxb-...) from "
        "OAuth & Permissions of your Slack app (reinstall the app if it was revoked)",
    )


def slack_unanswered(problem: str) -> Outcome:
    return failed(
        SLACK_TOKEN,
        f"Slack did not answer auth.test ({problem}); check the network to Slack "
        "(or SLACK_API_URL) and try again",
    )


def slack_scopes_granted(count: int) -> Outcome:
    return passed(SLACK_SCOPES, f"the {count} the manifest asks for are granted")


def slack_scopes_missing(missing: Iterable[str]) -> Outcome:
    return failed(
        SLACK_SCOPES,
        f"missing {', '.join(missing)}; add them under OAuth & Permissions > Bot Token Scopes "
        "(as in adapters/slack/manifest.yml) and reinstall the app",
    )


def slack_scopes_unknown() -> Outcome:
    return passed(
        SLACK_SCOPES,
        "not told (no x-oauth-scopes header in Slack's answer); compare OAuth & Permissions "
        "with adapters/slack/manifest.yml by hand",
    )


def slack_http_mode() -> Outcome:
    return passed(
        SLACK_MODE, "HTTP; requests to /slack/events are verified with SLACK_SIGNING_SECRET"
    )


def slack_socket_mode() -> Outcome:
    return passed(SLACK_MODE, "Socket Mode; SLACK_APP_TOKEN accepted, no public URL needed")


def slack_app_token_refused(code: str) -> Outcome:
    return failed(
        SLACK_MODE,
        f"Socket Mode; Slack refused SLACK_APP_TOKEN ({code}); make an app-level token with "
        "connections:write (Basic Information > App-Level Tokens)",
    )


def slack_app_token_unanswered(problem: str) -> Outcome:
    return failed(
        SLACK_MODE,
        f"Socket Mode; Slack did not answer apps.connections.open ({problem}); check the "
        "network to Slack and try again",
    )


# -- Discord ----------------------------------------------------------------------------------

DISCORD = "Discord"
DISCORD_TOKEN = "Discord token"
DISCORD_INTENTS = "Discord intents"
DISCORD_HOW = "set DISCORD_TOKEN to serve Discord"


def discord_token_accepted(name: str, user_id: str) -> Outcome:
    return passed(DISCORD_TOKEN, f"valid; bot user {name} ({user_id})")


def discord_token_refused() -> Outcome:
    return failed(DISCORD_TOKEN, str(discord_refusal()))


def discord_refusal() -> ConfigError:
    """What `run` stops with; the words of adapters/discord/app.py's ``login``, which would
    refuse it a moment later."""
    return ConfigError(
        "DISCORD_TOKEN",
        "Discord refused the token (401 Unauthorized); reset it under Bot in the Developer "
        "Portal and set the new one",
    )


def discord_unanswered(problem: str) -> Outcome:
    return failed(
        DISCORD_TOKEN,
        f"Discord did not answer ({problem}); check the network to Discord "
        "(or DISCORD_API_URL) and try again",
    )


def discord_intents_granted(names: Sequence[str]) -> Outcome:
    if not names:
        return passed(DISCORD_INTENTS, "the settings need no privileged intent")
    return passed(DISCORD_INTENTS, f"{', '.join(names)} enabled, as the settings need")


def discord_intents_missing(missing: Iterable[tuple[str, str]]) -> Outcome:
    """``missing``: each intent's name in the Developer Portal, and the setting that needs it."""
    said = "; ".join(f"{name} (for {setting})" for name, setting in missing)
    return failed(
        DISCORD_INTENTS,
        f"{said} not enabled; enable it under Bot > Privileged Gateway Intents in the "
        "Developer Portal, or turn the setting off",
    )


# -- public URL -------------------------------------------------------------------------------

PUBLIC_URL = "public URL"
PUBLIC_URL_HOW = "set PUBLIC_URL to have it checked"


def public_url_answers(url: str, port: int, standing_in: bool) -> Outcome:
    if standing_in:
        return passed(PUBLIC_URL, f"GET {url} reaches port {port} (`check` answered there)")
    return passed(PUBLIC_URL, f"GET {url} answered")


def public_url_silent(url: str, problem: str, port: int) -> Outcome:
    return failed(
        PUBLIC_URL,
        f"GET {url} got {problem}; make PUBLIC_URL reach this host's port {port} (the proxy, "
        "tunnel or load balancer in front of it)",
    )


# -- trackers ---------------------------------------------------------------------------------


def tracker_accepted(label: str, where: str, who: str, webhook: str, poll: str) -> Outcome:
    return passed(label, f"{where}; signed in as {who}; {webhook}; {poll}")


def tracker_refused(label: str, where: str, problem: str) -> Outcome:
    return failed(label, f"{where}; {problem}")


def tracker_webhook(path: str, variable: str, secret: bool) -> str:
    if secret:
        return f"webhooks at <PUBLIC_URL>{path} verified with {variable}"
    return f"no webhooks ({variable} is not set), so the poll alone moves items"


def tracker_poll(minutes: int) -> str:
    if minutes == 0:
        return "no poll (TRACKER_POLL_MINUTES=0)"
    return f"polled every {minutes} min"


# -- `feedbackbot run` ------------------------------------------------------------------------


def unchecked_at_start(platform: str, problem: str) -> str:
    """The warning `run` logs when it could not check a token: it starts anyway."""
    return f"could not check the {platform} token at start ({problem}); starting anyway"
