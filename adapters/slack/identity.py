"""Who the bot is on Slack, known without asking Slack on a request's way.

Bolt's single-workspace mode calls ``auth.test`` on a process's first requests: with Slack
unreachable every command then fails, and with Slack answering 429 people are told to reinstall
the app. Here Bolt's ``authorize`` answers from memory instead: the identity comes from the
settings (``SLACK_BOT_USER_ID``), or from an ``auth.test`` made in the background at start-up
and retried until Slack answers. Until then requests go on without the bot's user id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.chat import slack_error

log = logging.getLogger(__name__)

FIRST_RETRY_S = 1.0
LONGEST_RETRY_S = 60.0
# A token Slack refuses for good: asking again cannot help, and commands still work meanwhile.
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked"})

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """The bot user's id (``U...``) and, when known, its bot id (``B...``) and the
    organisation that installed it: its workspace (``T...``; none for an org-wide install)
    and, on Enterprise Grid, its enterprise (``E...``)."""

    user_id: str
    bot_id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None


class SlackIdentity:
    """Open it with ``async with`` to learn the identity in the background when the settings
    did not give it; ``authorize`` is Bolt's ``authorize=`` and never calls Slack. ``client``
    should not retry by itself: a 429's ``Retry-After`` is waited out here, between attempts."""

    def __init__(
        self,
        client: AsyncWebClient,
        given: BotIdentity | None = None,
        *,
        first_retry_s: float = FIRST_RETRY_S,
        longest_retry_s: float = LONGEST_RETRY_S,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._client = client
        self._identity = given
        self._first_retry_s = first_retry_s
        self._longest_retry_s = longest_retry_s
        self._sleep = sleep
        self._known = asyncio.Event()
        if given is not None:
            self._known.set()
        self._learning: asyncio.Task[None] | None = None

    @property
    def identity(self) -> BotIdentity | None:
        return self._identity

    async def known(self) -> BotIdentity:
        """The identity, once it is known."""
        await self._known.wait()
        assert self._identity is not None
        return self._identity

    async def __aenter__(self) -> Self:
        if self._identity is None:
            self._learning = asyncio.create_task(self._learn(), name="slack auth.test")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._learning is not None:
            self._learning.cancel()
            await asyncio.wait([self._learning])

    @property
    def authorize(self) -> AsyncAuthorize:
        """Bolt's ``authorize=``, as Bolt's own class: a plain function would have Bolt work out
        its arguments by name on every request."""
        return _FromMemory(self)

    def result(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        # Never None and never raising: either makes Bolt tell people to reinstall.
        identity = self._identity
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_user_id=identity.user_id if identity else None,
            bot_id=identity.bot_id if identity else None,
            bot_token=self._client.token,
            user_id=user_id,
        )

    async def _learn(self) -> None:
        wait = self._first_retry_s
        while True:
            try:
                answer = await self._client.auth_test()
            except SlackApiError as error:
                code = slack_error(error)
                if code in REFUSED:
                    log.error("auth.test: Slack refuses the bot token (%s)", code)
                    return
                wait = max(wait, _retry_after(error))
                log.warning("auth.test failed (%s); trying again in %.0f s", code, wait)
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                log.warning(
                    "auth.test failed: Slack unreachable (%s); trying again in %.0f s",
                    type(error).__name__,
                    wait,
                )
            else:
                self._identity = BotIdentity(
                    str(answer["user_id"]),
                    answer.get("bot_id"),
                    # An org-wide install's token answers with the enterprise and no team.
                    answer.get("team_id") or None,
                    answer.get("enterprise_id") or None,
                )
                self._known.set()
                return
            await self._sleep(wait)
            wait = min(wait * 2, self._longest_retry_s)


class _FromMemory(AsyncAuthorize):
    def __init__(self, identity: SlackIdentity) -> None:
        self._identity = identity

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult:
        return self._identity.result(enterprise_id, team_id, user_id)


def _retry_after(error: SlackApiError) -> float:
    try:
        return float(error.response.headers.get("Retry-After", 0))
    except (TypeError, ValueError):
        return 0.0
