"""``/roadmap`` on Discord: the application command group, who may triage, and the outlet the
reminder scheduler posts through. Each subcommand hands its typed options to the
conversation's entry point of the same name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from adapters.discord.chat import ChannelChat
from adapters.discord.formatting import MESSAGE_LIMIT
from adapters.scheduler.directory import NetworkFailuresAsChatFailed, OutletFactory
from bot.identity import Person, Platform, Workspace
from bot.items import Priority, Stakeholder, Status
from bot.lists import ItemList
from bot.reminders import Outlet, ReminderKind
from bot.slas import TriageChannels
from bot.surveys import Scale

if TYPE_CHECKING:
    from adapters.discord.app import DiscordAdapter

StatusChoice = Literal[
    "new", "under review", "planned", "in pilot", "shipped", "declined", "duplicate"
]
FilterChoice = Literal["open", "mine", "must-have", "external"]
PriorityChoice = Literal["must-have", "good-to-have"]
StakeholderChoice = Literal["internal", "external"]
KindChoice = Literal["roadmap", "prompt", "survey"]
ScaleChoice = Literal["1-5", "yes/no"]


class InteractionRoles:
    """The ``Roles`` port for one interaction: Discord sends the member's permissions and roles
    with it. Manage Server (or Administrator) or one of ``DISCORD_ADMIN_ROLES`` (names without
    case, or ids) makes an admin."""

    def __init__(self, interaction: discord.Interaction, admin_roles: frozenset[str]) -> None:
        self._interaction = interaction
        self._admin_roles = frozenset(role.casefold() for role in admin_roles)

    async def may_triage(self, workspace: Workspace, person: Person) -> bool:
        interaction = self._interaction
        if interaction.guild_id is None or str(interaction.guild_id) != workspace.id:
            return False
        if str(interaction.user.id) != person.user_id:
            return False
        permissions = interaction.permissions
        if permissions.manage_guild or permissions.administrator:
            return True
        user = interaction.user
        if not isinstance(user, discord.Member):
            return False
        return any(
            role.name.casefold() in self._admin_roles or str(role.id) in self._admin_roles
            for role in user.roles
        )


def discord_outlets(client: discord.Client) -> OutletFactory:
    """Every Discord server through the running client: reminders are channel messages of 2000
    characters at most, and a network error is a passing failure (retried)."""
    outlet = Outlet(NetworkFailuresAsChatFailed(ChannelChat(client)), MESSAGE_LIMIT)

    def outlet_for(_: Workspace) -> Outlet:
        return outlet

    return outlet_for


def serve_triage_channel(
    channels: TriageChannels, client: discord.Client, channel: tuple[str | None, str] | None
) -> None:
    """SLA breaches of Discord items go to ``DISCORD_TRIAGE_CHANNEL`` (``(guild id or None,
    channel id)``); without it Discord is served and its breaches only recorded."""
    guild_id, channel_id = channel if channel is not None else (None, None)
    channels.serve(Platform.DISCORD, ChannelChat(client), channel_id, guild_id)


def roadmap_group(adapter: DiscordAdapter) -> app_commands.Group:
    """``/roadmap`` and its subcommands; Discord cannot run a bare group, so the digest is
    ``/roadmap digest``."""
    group = app_commands.Group(
        name="roadmap",
        description="The roadmap: digest, reminders and triage",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )
    answer = adapter.on_roadmap

    @group.command(name="digest", description="The current roadmap digest (only you see it)")
    async def digest(interaction: discord.Interaction) -> None:
        await answer(interaction, lambda talk, speaker: talk.digest(speaker))

    @group.command(name="remind", description="Post roadmap updates in this channel on a schedule")
    @app_commands.describe(
        schedule="e.g. every monday at 09:00 in Europe/Berlin, or a cron expression",
        kind="roadmap update (the default), a feedback prompt, or a pulse survey",
        text="What a feedback prompt says (leave out for the default), or a survey's question",
        scale="A survey's answers: 1-5 (the default) or yes/no",
    )
    async def remind(
        interaction: discord.Interaction,
        schedule: app_commands.Range[str, 1, 200],
        kind: KindChoice = "roadmap",
        text: app_commands.Range[str, 1, 1000] | None = None,
        scale: ScaleChoice | None = None,
    ) -> None:
        # discord.py passes an option's value as sent, choice or not: one that is not a scale
        # (which Discord's clients never send) leaves the default.
        chosen = Scale(scale) if scale in (Scale.FIVE.value, Scale.YES_NO.value) else None
        await answer(
            interaction,
            lambda talk, speaker: talk.remind(
                speaker, schedule, ReminderKind(kind), text or "", scale=chosen
            ),
        )

    @group.command(name="reminders", description="This channel's reminders and their next time")
    async def reminders(interaction: discord.Interaction) -> None:
        await answer(interaction, lambda talk, speaker: talk.reminders(speaker))

    @group.command(name="unremind", description="Remove a reminder of this channel")
    @app_commands.describe(id="The reminder's number from /roadmap reminders")
    async def unremind(interaction: discord.Interaction, id: int) -> None:
        await answer(interaction, lambda talk, speaker: talk.unremind(speaker, id))

    @group.command(name="status", description="Move an item along (admins)")
    @app_commands.describe(
        number="The item's number",
        status="Its new status",
        duplicate_of="The item it duplicates (with status duplicate)",
        note="A note told to the requester",
    )
    async def status(
        interaction: discord.Interaction,
        number: int,
        status: StatusChoice,
        duplicate_of: int | None = None,
        note: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        roles, chat = adapter.roles(interaction), adapter.channel_chat()
        await answer(
            interaction,
            lambda talk, speaker: talk.change_status(
                speaker,
                roles,
                chat,
                number,
                Status.parse(status),
                note=note or "",
                duplicate_of=duplicate_of if status == "duplicate" else None,
            ),
        )

    @group.command(name="show", description="One item with its history")
    @app_commands.describe(number="The item's number")
    async def show(interaction: discord.Interaction, number: int) -> None:
        await answer(interaction, lambda talk, speaker: talk.show(speaker, number))

    @group.command(name="list", description="List items")
    @app_commands.describe(filter="Which items (open by default)")
    async def list_items(
        interaction: discord.Interaction,
        filter: FilterChoice = "open",
    ) -> None:
        await answer(interaction, lambda talk, speaker: talk.list_items(speaker, ItemList(filter)))

    @group.command(name="priority", description="Correct an item's priority (admins)")
    @app_commands.describe(number="The item's number", priority="Its priority")
    async def priority(
        interaction: discord.Interaction, number: int, priority: PriorityChoice
    ) -> None:
        roles = adapter.roles(interaction)
        await answer(
            interaction,
            lambda talk, speaker: talk.set_priority(speaker, roles, number, Priority(priority)),
        )

    @group.command(name="stakeholder", description="Correct an item's stakeholder kind (admins)")
    @app_commands.describe(number="The item's number", kind="internal or external")
    async def stakeholder(
        interaction: discord.Interaction, number: int, kind: StakeholderChoice
    ) -> None:
        roles = adapter.roles(interaction)
        await answer(
            interaction,
            lambda talk, speaker: talk.set_stakeholder(speaker, roles, number, Stakeholder(kind)),
        )

    @group.command(name="stats", description="KPIs: counts, times to acknowledge and ship, SLAs")
    async def stats(interaction: discord.Interaction) -> None:
        await answer(interaction, lambda talk, speaker: talk.stats(speaker))

    @group.command(name="dashboard", description="A link that signs you in to the web dashboard")
    async def dashboard(interaction: discord.Interaction) -> None:
        roles = adapter.roles(interaction)
        await answer(interaction, lambda talk, speaker: talk.dashboard(speaker, roles))

    @group.command(name="link", description="Link an item to a GitHub or Jira issue (admins)")
    @app_commands.describe(
        number="The item's number",
        issue="The issue's URL, KEY-12 or owner/repo#12; or github owner/repo, jira PROJ to "
        "create one",
    )
    async def link(
        interaction: discord.Interaction, number: int, issue: app_commands.Range[str, 1, 500]
    ) -> None:
        roles = adapter.roles(interaction)
        await answer(interaction, lambda talk, speaker: talk.link(speaker, roles, number, issue))

    @group.command(name="unlink", description="Unlink an item from its tracker issues (admins)")
    @app_commands.describe(
        number="The item's number", issue="The issue to unlink (leave out for every one)"
    )
    async def unlink(
        interaction: discord.Interaction,
        number: int,
        issue: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        roles = adapter.roles(interaction)
        await answer(
            interaction, lambda talk, speaker: talk.unlink(speaker, roles, number, issue or "")
        )

    return group
