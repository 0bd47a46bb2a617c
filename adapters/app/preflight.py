"""``feedbackbot check``: what ``run`` needs, checked before it starts, one line per check
(adapters/app/preflight_words.py has them all); and the token checks ``run`` makes at start.

Each part lives in a module of its own (preflight_database, preflight_slack, preflight_discord,
preflight_public_url, preflight_trackers); a platform's part, and its library, is imported only
when it is configured."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import TextIO

from adapters.app import preflight_words as words
from adapters.app.preflight_words import Outcome, Verdict
from adapters.app.settings import Settings, load_settings
from bot.errors import ConfigError

log = logging.getLogger("feedbackbot")


async def run_check(environ: Mapping[str, str], out: TextIO) -> int:
    """Print each check's line, then a summary; 1 when any check failed."""
    try:
        settings = load_settings(environ)
    except ConfigError as error:
        outcomes = [words.settings_invalid(error)]
    else:
        outcomes = [words.settings_valid(_platforms(settings)), *await _checks(settings)]
    for outcome in outcomes:
        print(outcome.line, file=out)
    print(words.summary(outcomes), file=out)
    return 1 if any(each.verdict is Verdict.FAILED for each in outcomes) else 0


def _platforms(settings: Settings) -> list[str]:
    platforms = []
    if settings.slack is not None:
        platforms.append("Slack (Socket Mode)" if settings.slack.socket_mode else "Slack (HTTP)")
    if settings.discord is not None:
        platforms.append("Discord")
    return platforms


async def _checks(settings: Settings) -> list[Outcome]:
    """The parts, asked at once (each waits on the network), told in a fixed order."""
    from adapters.app.preflight_database import check_database

    parts: list[Awaitable[list[Outcome]]] = [check_database(settings)]
    if settings.slack is not None:
        from adapters.app.preflight_slack import check_slack

        parts.append(check_slack(settings.slack))
    else:
        parts.append(_told(words.not_configured(words.SLACK, words.SLACK_HOW)))
    if settings.discord is not None:
        from adapters.app.preflight_discord import check_discord

        parts.append(check_discord(settings.discord))
    else:
        parts.append(_told(words.not_configured(words.DISCORD, words.DISCORD_HOW)))
    if settings.public_url is not None:
        from adapters.app.preflight_public_url import check_public_url

        parts.append(_told(check_public_url(settings)))
    else:
        parts.append(_told(words.not_configured(words.PUBLIC_URL, words.PUBLIC_URL_HOW)))
    if settings.trackers.configured:
        from adapters.app.preflight_trackers import check_trackers

        parts.append(check_trackers(settings.trackers))
    return [outcome for part in await asyncio.gather(*parts) for outcome in part]


async def _told(outcome: Outcome | Awaitable[Outcome]) -> list[Outcome]:
    return [outcome if isinstance(outcome, Outcome) else await outcome]


async def refuse_refused_tokens(settings: Settings, timeout_s: float = 5.0) -> None:
    """``run``'s check at start: raise ``ConfigError`` naming the token Slack or Discord
    refuses. A platform that does not answer (down, slow, rate-limited) is only logged: the bot
    starts without it and reaches it when it can, as it always has."""
    checks: list[Awaitable[ConfigError | None]] = []
    if settings.slack is not None:
        checks.append(_slack_refusal(settings, timeout_s))
    if settings.discord is not None:
        checks.append(_discord_refusal(settings, timeout_s))
    for refusal in await asyncio.gather(*checks):
        if refusal is not None:
            raise refusal


async def _slack_refusal(settings: Settings, timeout_s: float) -> ConfigError | None:
    from adapters.app.preflight_slack import ask_slack

    assert settings.slack is not None
    answer = await ask_slack(settings.slack, timeout_s)
    if answer.problem is not None:
        log.warning(words.unchecked_at_start(words.SLACK, answer.problem))
    return None if answer.refused is None else words.slack_refusal(answer.refused)


async def _discord_refusal(settings: Settings, timeout_s: float) -> ConfigError | None:
    from adapters.app.preflight_discord import ask_discord

    assert settings.discord is not None
    answer = await ask_discord(settings.discord, timeout_s)
    if answer.problem is not None:
        log.warning(words.unchecked_at_start(words.DISCORD, answer.problem))
    return words.discord_refusal() if answer.refused else None
