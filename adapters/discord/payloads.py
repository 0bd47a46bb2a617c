"""Whether discord.py can route and answer an interaction as it arrived.

discord.py keeps an interaction's ``token`` and ``data`` as the gateway sent them and reads
them later, deep inside the command tree or a response, where another type or a missing key
ends in an exception nobody can handle. Discord's own payloads always pass; anything else is
ignored with one log line, before the tree or a handler touches it.
"""

from __future__ import annotations

import logging

import discord

log = logging.getLogger(__name__)

# Application command option types (docs/interactions/application-commands): subcommands and
# groups hold options; strings, integers, booleans and numbers hold a value.
NESTING = (1, 2)
VALUED = (3, 4, 5, 10)
DEEPEST = 3  # a group, its subcommand, the subcommand's options


def routable(interaction: discord.Interaction) -> bool:
    """Whether the command tree and the handlers can take the interaction: a token to answer
    with, ids that are numbers, and command data shaped as Discord documents it."""
    token: object = interaction.token
    data: object = interaction.data
    # discord.py reads an absent or empty id as it was sent (``[]`` stays ``[]``).
    places: tuple[object, ...] = (interaction.guild_id, interaction.channel_id)
    fine = (
        isinstance(token, str)
        and bool(token)
        and isinstance(data, dict)
        and all(place is None or _is_int(place) for place in places)
    )
    if fine and interaction.type in (
        discord.InteractionType.application_command,
        discord.InteractionType.autocomplete,
    ):
        assert isinstance(data, dict)
        fine = (
            isinstance(data.get("name"), str)
            and _command_type(data.get("type", 1))
            and isinstance(data.get("resolved", {}), dict)
            and _options(data.get("options", []), DEEPEST)
        )
    if not fine:
        log.info("ignored an interaction whose token or data is not what Discord sends")
    return fine


def _options(options: object, depth: int) -> bool:
    if not isinstance(options, list) or depth < 0:
        return False
    for option in options:
        if not isinstance(option, dict) or not isinstance(option.get("name"), str):
            return False
        kind = option.get("type")
        if not _is_int(kind):
            return False
        if kind in NESTING and not _options(option.get("options", []), depth - 1):
            return False
        if kind in VALUED and "value" not in option:
            return False
    return True


def _command_type(value: object) -> bool:
    # discord.py turns the type into its enum, and raises on a value it does not know.
    return _is_int(value) and any(value == kind.value for kind in discord.AppCommandType)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
