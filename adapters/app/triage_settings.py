"""Triage settings: the seal key, the SLAs, the triage channels and the configured admins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters.sealing import SEAL_VARIABLE, FernetSeal
from bot.errors import ConfigError
from bot.ports import Seal
from bot.slas import SLA_VARIABLE, SlaPolicy


def _names(environ: Mapping[str, str], name: str) -> frozenset[str]:
    return frozenset(part.strip() for part in environ.get(name, "").split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class TriageSettings:
    """``seal`` is ``None`` without ``FEEDBACKBOT_SEAL_KEY``: anonymous items then keep no way
    at all to reach their authors. ``discord_triage_channel`` is ``(guild id or None, channel
    id)``."""

    seal: Seal | None = None
    sla: SlaPolicy = field(default_factory=SlaPolicy.default)
    slack_triage_channel: str | None = None
    discord_triage_channel: tuple[str | None, str] | None = None
    slack_admin_users: frozenset[str] = frozenset()
    discord_admin_roles: frozenset[str] = frozenset()


def load_triage_settings(environ: Mapping[str, str]) -> TriageSettings:
    key = environ.get(SEAL_VARIABLE, "").strip()
    discord_channel = environ.get("DISCORD_TRIAGE_CHANNEL", "").strip()
    discord: tuple[str | None, str] | None = None
    if discord_channel:
        guild, sep, channel = discord_channel.rpartition(":")
        if not channel.isdigit() or (sep and not guild.isdigit()):
            raise ConfigError(
                "DISCORD_TRIAGE_CHANNEL",
                f"expected a channel id or guild_id:channel_id, got {discord_channel!r}",
            )
        discord = (guild or None, channel)
    return TriageSettings(
        seal=FernetSeal(key) if key else None,
        sla=SlaPolicy.parse(environ.get(SLA_VARIABLE, "")),
        slack_triage_channel=environ.get("SLACK_TRIAGE_CHANNEL", "").strip() or None,
        discord_triage_channel=discord,
        slack_admin_users=_names(environ, "SLACK_ADMIN_USERS"),
        discord_admin_roles=frozenset(
            name.lower() for name in _names(environ, "DISCORD_ADMIN_ROLES")
        ),
    )
