"""Who someone is on Slack: a display name, and whether they belong to another organisation."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.chat import slack_error
from bot.folding import Folding
from bot.identity import Person
from bot.items import Stakeholder

log = logging.getLogger(__name__)

REMEMBER_SECONDS = 600.0
# users.info only ever improves what the request said, so a slow Slack is not waited out.
LOOKUP_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Organisation:
    """The organisation that installed the app: its workspace (``team_id``) and, on Enterprise
    Grid, its enterprise. Who is external and who may triage are decided against it, never
    against what a payload says of the person's own organisation. An org-wide install has an
    enterprise and no single team."""

    team_id: str | None
    enterprise_id: str | None = None

    def includes(self, member: Member) -> bool:
        """Whether ``member`` belongs to this organisation; ``None`` when Slack did not say
        which team they are in."""
        if member.team_id is None:
            return False
        if member.team_id == self.team_id:
            return True
        return self.enterprise_id is not None and member.enterprise_id == self.enterprise_id


@dataclass(frozen=True, slots=True)
class Member:
    person: Person
    team_id: str | None
    enterprise_id: str | None
    # An admin or owner (``is_admin``/``is_owner`` of ``users.info``) of the person's OWN team:
    # for a Slack Connect partner, of the partner's.
    admin: bool = False

    def stakeholder_in(self, installer: Organisation) -> Stakeholder:
        """External when the person's home organisation is not the installing one: a Slack
        Connect partner has another team and, when their company is on Enterprise Grid too,
        another enterprise. Someone Slack did not describe counts as internal."""
        if self.team_id is None or installer.includes(self):
            return Stakeholder.INTERNAL
        return Stakeholder.EXTERNAL

    def administers(self, installer: Organisation) -> bool:
        """An admin or owner of the installing organisation; a partner's admin is not."""
        return self.admin and installer.includes(self)


def _display_name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name")):
        if name:
            return str(name)
    return str(user.get("name") or user.get("id"))


class SlackPeople:
    """``users.info`` with a short memory, so a busy channel does not spend the rate limit.
    Slack being down, slow or refusing never fails a caller: the payload's word stands."""

    def __init__(
        self,
        client: AsyncWebClient,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        timeout_s: float = LOOKUP_TIMEOUT_S,
    ) -> None:
        self._client = client
        self._monotonic = monotonic
        self._timeout_s = timeout_s
        self._known: dict[str, tuple[float, Member]] = {}
        self._failures = Folding()

    def _say(self, failure: str) -> None:
        # Every request asks about its author: Slack in trouble would write a line for each.
        folded = self._failures.say(failure, self._monotonic())
        if folded is not None:
            log.warning("%s%s", failure, self._failures.more(folded))

    def remembered(self, user_id: str) -> Member | None:
        """What an earlier ``users.info`` said, however old, without calling Slack."""
        remembered = self._known.get(user_id)
        return None if remembered is None else remembered[1]

    async def member(self, user_id: str, fallback_name: str | None = None) -> Member:
        """Who ``user_id`` is; when Slack cannot say, the payload's name and no team (the
        person is then treated as internal unless the channel says not)."""
        found = await self.look_up(user_id)
        return found or Member(Person(user_id, fallback_name or user_id), None, None)

    async def look_up(self, user_id: str) -> Member | None:
        """Who ``user_id`` is, as Slack says (remembered a while); ``None`` when it cannot."""
        remembered = self._known.get(user_id)
        if remembered is not None and self._monotonic() - remembered[0] < REMEMBER_SECONDS:
            return remembered[1]
        try:
            answer = await asyncio.wait_for(self._client.users_info(user=user_id), self._timeout_s)
            user = answer["user"]
        except SlackApiError as error:
            # Without users:read, or for a user Slack will not describe.
            self._say(f"users.info failed: {slack_error(error)}")
            return None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            self._say(f"users.info failed: Slack unreachable ({type(error).__name__})")
            return None
        grid = user.get("enterprise_user") or {}
        member = Member(
            Person(user_id, _display_name(user)),
            user.get("team_id"),
            grid.get("enterprise_id"),
            # A workspace's admin or owner, or (Enterprise Grid) the organisation's.
            admin=any(
                flags.get(flag) for flags in (user, grid) for flag in ("is_admin", "is_owner")
            ),
        )
        self._known[user_id] = (self._monotonic(), member)
        return member
