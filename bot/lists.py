"""The lists people can ask for, the same on every surface."""

from __future__ import annotations

from enum import StrEnum

from bot.identity import Person
from bot.items import OPEN_STATUSES, Priority, Stakeholder
from bot.ports import ItemQuery

# A list is read in a chat message: the newest this many are enough to find an item by.
LIST_LIMIT = 20


class ItemList(StrEnum):
    """``open`` (the default), ``mine``, ``must-have`` and ``external`` (both open items only),
    and ``all``."""

    OPEN = "open"
    MINE = "mine"
    MUST_HAVE = "must-have"
    EXTERNAL = "external"
    ALL = "all"

    def query(self, person: Person, limit: int = LIST_LIMIT) -> ItemQuery:
        """The items of this list as ``person`` sees it, newest first."""
        if self is ItemList.OPEN:
            return ItemQuery(statuses=OPEN_STATUSES, limit=limit)
        if self is ItemList.MINE:
            return ItemQuery(author_id=person.user_id, limit=limit)
        if self is ItemList.MUST_HAVE:
            return ItemQuery(priority=Priority.MUST_HAVE, statuses=OPEN_STATUSES, limit=limit)
        if self is ItemList.EXTERNAL:
            return ItemQuery(stakeholder=Stakeholder.EXTERNAL, statuses=OPEN_STATUSES, limit=limit)
        return ItemQuery(limit=limit)
