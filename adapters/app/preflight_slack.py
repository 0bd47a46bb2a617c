"""Slack's part of the pre-flight: is the bot token accepted (``auth.test``, through slack_sdk
against ``SLACK_API_URL`` as the bot calls it), with the scopes the manifest asks for, and
can Slack's requests reach the bot (a signing secret in HTTP mode, an accepted app-level token
in Socket Mode)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.app import preflight_words as words
from adapters.app.preflight_words import Outcome
from adapters.slack.app import DEFAULT_API_URL
from adapters.slack.chat import slack_error
from adapters.slack.identity import REFUSED
from adapters.slack.scopes import BOT_SCOPES
from adapters.slack.settings import SlackSettings

TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class SlackAnswer:
    """What ``auth.test`` said: ``refused`` names Slack's error for a token it will never
    accept; ``problem`` says why there was no answer at all (unreachable, rate-limited ...)."""

    refused: str | None = None
    problem: str | None = None
    team: str = ""
    team_id: str = ""
    user: str = ""
    user_id: str = ""
    scopes: frozenset[str] | None = None


def _client(settings: SlackSettings, token: str | None, timeout_s: float) -> AsyncWebClient:
    # No retries: a check asks once, and says what it got.
    return AsyncWebClient(
        token=token,
        base_url=settings.api_url or DEFAULT_API_URL,
        timeout=max(1, round(timeout_s)),
        retry_handlers=[],
    )


async def ask_slack(settings: SlackSettings, timeout_s: float = TIMEOUT_S) -> SlackAnswer:
    client = _client(settings, settings.bot_token, timeout_s)
    try:
        async with asyncio.timeout(timeout_s):
            answer = await client.auth_test()
    except SlackApiError as error:
        code = slack_error(error)
        if code in REFUSED:
            return SlackAnswer(refused=code)
        return SlackAnswer(problem=f"{code}, HTTP {error.response.status_code}")
    except TimeoutError:
        return SlackAnswer(problem=f"no answer within {timeout_s:.0f} s")
    except (aiohttp.ClientError, OSError) as error:
        return SlackAnswer(problem=words.reason(error))
    # Slack names the scopes a token has in a header of every Web API answer.
    granted = answer.headers.get("x-oauth-scopes")
    return SlackAnswer(
        team=str(answer.get("team") or ""),
        # An org-wide install's token has no team, only its enterprise.
        team_id=str(answer.get("team_id") or answer.get("enterprise_id") or ""),
        user=str(answer.get("user") or ""),
        user_id=str(answer.get("user_id") or ""),
        scopes=None
        if granted is None
        else frozenset(s.strip() for s in str(granted).split(",") if s.strip()),
    )


async def check_slack(settings: SlackSettings, timeout_s: float = TIMEOUT_S) -> list[Outcome]:
    answer = await ask_slack(settings, timeout_s)
    if answer.refused is not None:
        return [words.slack_token_refused(answer.refused)]
    if answer.problem is not None:
        return [words.slack_unanswered(answer.problem)]
    outcomes = [
        words.slack_token_accepted(answer.team, answer.team_id, answer.user, answer.user_id),
        _scopes(answer.scopes),
    ]
    if settings.socket_mode:
        outcomes.append(await _app_token(settings, timeout_s))
    else:
        # Loading the settings refused HTTP mode without a secret already.
        outcomes.append(words.slack_http_mode())
    return outcomes


def _scopes(granted: frozenset[str] | None) -> Outcome:
    if granted is None:
        return words.slack_scopes_unknown()
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    if missing:
        return words.slack_scopes_missing(missing)
    return words.slack_scopes_granted(len(BOT_SCOPES))


async def _app_token(settings: SlackSettings, timeout_s: float) -> Outcome:
    """Asks for a Socket Mode URL, as `run` does before it connects; nothing connects to it."""
    client = _client(settings, settings.app_token, timeout_s)
    try:
        async with asyncio.timeout(timeout_s):
            await client.apps_connections_open(app_token=settings.app_token or "")
    except SlackApiError as error:
        code = slack_error(error)
        if code == "ratelimited" or error.response.status_code >= 500:
            return words.slack_app_token_unanswered(code)
        return words.slack_app_token_refused(code)
    except TimeoutError:
        return words.slack_app_token_unanswered(f"no answer within {timeout_s:.0f} s")
    except (aiohttp.ClientError, OSError) as error:
        return words.slack_app_token_unanswered(words.reason(error))
    return words.slack_socket_mode()
