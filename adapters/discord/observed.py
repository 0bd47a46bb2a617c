"""Discord's interactions told to ``bot.observations``: each one as it arrives from the gateway,
and its acknowledgement (the first interaction response: an answer, a deferral or a form) with
the time it took, as Discord's 3 s clock counts it from our side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import discord

from bot.identity import Platform
from bot.observations import Observations

# Kept with the interaction itself (discord.py gives each one an ``extras`` dict for this).
_ARRIVAL = "feedbackbot.arrival"
# Every command label is one of these: an interaction's own words never become a label.
_COMMANDS = frozenset({"feedback", "request", "roadmap"})


@dataclass(frozen=True, slots=True)
class _Arrival:
    observations: Observations
    command: str
    at: float


def command_of(interaction: discord.Interaction) -> str:
    """``/feedback``, ``/request``, ``/roadmap``, ``form`` (a modal's submission), ``button``
    (a component pressed) or ``other``."""
    if interaction.type is discord.InteractionType.modal_submit:
        return "form"
    if interaction.type is discord.InteractionType.component:
        return "button"
    if interaction.type is discord.InteractionType.application_command:
        data: Mapping[str, Any] = interaction.data or {}
        name = data.get("name")
        return f"/{name}" if name in _COMMANDS else "other"
    return "other"


def arrived(interaction: discord.Interaction, observations: Observations) -> None:
    """Count the interaction, and note when it arrived for ``answered``."""
    command = command_of(interaction)
    observations.request(Platform.DISCORD, command)
    interaction.extras[_ARRIVAL] = _Arrival(observations, command, perf_counter())


def answered(interaction: discord.Interaction, ok: bool = True) -> None:
    """The interaction's first response went (``ok``) or was refused; later ones count not."""
    arrival = interaction.extras.pop(_ARRIVAL, None)
    if isinstance(arrival, _Arrival):
        seconds = perf_counter() - arrival.at
        arrival.observations.acked(Platform.DISCORD, arrival.command, seconds, ok)
