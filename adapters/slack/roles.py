"""The ``Roles`` port on Slack: who may triage items."""

from __future__ import annotations

from collections.abc import Iterable

from adapters.slack.people import Organisation, SlackPeople
from bot.identity import Person, Workspace


class SlackRoles:
    """An admin or owner of the organisation that installed the app (``users.info``,
    remembered a few minutes like every member) or a user id listed in ``SLACK_ADMIN_USERS``
    may triage. The admin of a Slack Connect partner administers their own team, not this one.
    When Slack cannot say who someone is, they are not an admin: a refusal is safer than a
    change nobody allowed."""

    def __init__(
        self, people: SlackPeople, installer: Organisation, admin_users: Iterable[str] = ()
    ) -> None:
        self._people = people
        self._installer = installer
        self._admin_users = frozenset(admin_users)

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        if person.user_id in self._admin_users:
            return True
        return (await self._people.member(person.user_id)).administers(self._installer)
