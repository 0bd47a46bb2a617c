"""A Discord adapter that counts the events it took in, so a test can wait for them: a vote
leaves no trace on Discord to wait on, and an item is noted as thanked only after its thank-you
shows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord

from adapters.discord.app import DiscordAdapter, RawClearEvent, RoadmapAsk
from bot.items import ItemKind, Priority


class Tally:
    """How many events of a kind were taken in, with a way to wait for a number of them."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def counting(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            async with self._changed:
                self.count += 1
                self._changed.notify_all()

    async def reach(self, count: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.count >= count)


class CountedDiscordAdapter(DiscordAdapter):
    """Events taken in so far (handled or ignored): ``reactions`` and ``interactions``."""

    def __init__(self, *arguments: Any, **options: Any) -> None:
        self.reactions = Tally()
        self.interactions = Tally()
        super().__init__(*arguments, **options)

    async def on_reaction(
        self, payload: discord.RawReactionActionEvent, position: str | None
    ) -> None:
        async with self.reactions.counting():
            await super().on_reaction(payload, position)

    async def on_reaction_clear(self, payload: RawClearEvent, position: str | None) -> None:
        async with self.reactions.counting():
            await super().on_reaction_clear(payload, position)

    async def on_command(
        self,
        interaction: discord.Interaction,
        kind: ItemKind,
        text: str | None,
        priority: Priority | None,
        anonymous: bool,
    ) -> None:
        async with self.interactions.counting():
            await super().on_command(interaction, kind, text, priority, anonymous)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Commands are counted where the command tree hands them over.
        if interaction.type not in (
            discord.InteractionType.modal_submit,
            discord.InteractionType.component,
        ):
            await super().on_interaction(interaction)
            return
        async with self.interactions.counting():
            await super().on_interaction(interaction)

    async def on_roadmap(self, interaction: discord.Interaction, ask: RoadmapAsk) -> None:
        async with self.interactions.counting():
            await super().on_roadmap(interaction, ask)
