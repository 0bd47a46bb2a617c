"""Who someone is on Slack: a display name, and whether they belong to another organisation."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.chat import slack_error
from bot.identity import Person
from bot.items import Stakeholder

log = logging.getLogger(__name__)

REMEMBER_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Member:
    person: Person
    team_id: str | None
    enterprise_id: str | None
    # A workspace admin or owner (``is_admin``/``is_owner`` of ``users.info``): may triage.
    admin: bool = False

    def stakeholder_in(self, team_id: str, enterprise_id: str | None) -> Stakeholder:
        """External when the person's home organisation is not the installing one: a Slack
        Connect guest has another team (and, on Enterprise Grid, another enterprise)."""
        if self.team_id is None or self.team_id == team_id:
            return Stakeholder.INTERNAL
        if enterprise_id is not None and self.enterprise_id == enterprise_id:
            return Stakeholder.INTERNAL
        return Stakeholder.EXTERNAL


def _display_name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name")):
        if name:
            return str(name)
    return str(user.get("name") or user.get("id"))


class SlackPeople:
    """``users.info`` with a short memory, so a busy channel does not spend the rate limit."""

    def __init__(
        self, client: AsyncWebClient, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._client = client
        self._monotonic = monotonic
        self._known: dict[str, tuple[float, Member]] = {}

    async def member(self, user_id: str, fallback_name: str | None = None) -> Member:
        remembered = self._known.get(user_id)
        if remembered is not None and self._monotonic() - remembered[0] < REMEMBER_SECONDS:
            return remembered[1]
        try:
            user = (await self._client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            # Without users:read (or for a user Slack will not describe) fall back to what the
            # payload said; the person is then treated as internal unless the channel says not.
            log.warning("users.info failed: %s", slack_error(error))
            return Member(Person(user_id, fallback_name or user_id), None, None)
        enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")
        member = Member(
            Person(user_id, _display_name(user)),
            user.get("team_id"),
            enterprise,
            admin=bool(user.get("is_admin") or user.get("is_owner")),
        )
        self._known[user_id] = (self._monotonic(), member)
        return member
