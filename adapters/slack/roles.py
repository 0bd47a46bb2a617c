"""The ``Roles`` port on Slack: who may triage items."""

from __future__ import annotations

from collections.abc import Iterable

from adapters.slack.people import SlackPeople
from bot.identity import Person, Workspace


class SlackRoles:
    """A workspace admin or owner (``users.info``, remembered a few minutes like every member)
    or a user id listed in ``SLACK_ADMIN_USERS`` may triage. When Slack cannot say who someone
    is, they are not an admin: a refusal is safer than a change nobody allowed."""

    def __init__(self, people: SlackPeople, admin_users: Iterable[str] = ()) -> None:
        self._people = people
        self._admin_users = frozenset(admin_users)

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        if person.user_id in self._admin_users:
            return True
        return (await self._people.member(person.user_id)).admin
