"""Correcting an item's author, or naming a voter, after it is stored, from what the platform
tells later.

A command or a vote is stored from what its request carries, so that a platform API that is
slow or down never decides whether someone's voice is recorded. What needs another call (the
display name people know, whether the author belongs to another organisation) arrives
afterwards, and is applied here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.backlog import known_name
from bot.identity import Person, Workspace
from bot.items import Item, Stakeholder, Status
from bot.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class AuthorDetails:
    """What the platform said about the author of an item, once asked."""

    person: Person
    stakeholder: Stakeholder


class Enrichment:
    """Applies late details about an item's author.

    The rule: an anonymous item is never given an author (nor a name); the author's display
    name is corrected on an item of that very author; the stakeholder kind is corrected only
    while the item is still ``new``, because once it is triaged an admin may have set it, and
    the history does not say who set it. Nothing is written when nothing differs."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def correct_author(
        self, workspace: Workspace, number: int, person: Person, stakeholder: Stakeholder
    ) -> Item | None:
        """The corrected item, or ``None`` when nothing needed (or was allowed) to change."""
        async with self._uow() as uow:
            item = await uow.items.get(workspace, number)
            if item is None or not _correct(item, AuthorDetails(person, stakeholder)):
                return None
            await uow.items.update(item)
            await uow.commit()
        return item

    async def name_voter(self, workspace: Workspace, person: Person) -> int:
        """Name ``person`` on their votes in ``workspace`` that were counted without a name (a
        reaction carries only an id), so people see who voted; a name a vote already has is
        kept. How many votes were named; none when ``person`` carries no name but their id."""
        name = known_name(person)
        if name is None:
            return 0
        async with self._uow() as uow:
            named = await uow.items.name_voter(workspace, person.user_id, name)
            await uow.commit()
        return named


def _correct(item: Item, details: AuthorDetails) -> bool:
    changed = False
    author = item.author
    if author is not None:
        if author.user_id != details.person.user_id:
            return False  # details of someone else: a mix-up, never applied
        name = details.person.display_name
        if name and author.display_name != name:
            item.author = Person(author.user_id, name)
            changed = True
    if item.status is Status.NEW and item.stakeholder is not details.stakeholder:
        item.stakeholder = details.stakeholder
        changed = True
    return changed
