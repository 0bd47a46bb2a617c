"""Discord settings, read from the same injected mapping as every other setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.environment import flag
from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    token: str
    # Guilds that get the commands at once from `feedbackbot discord sync` (global otherwise).
    guild_ids: frozenset[int] = frozenset()
    # Role names (compared without case) or role ids whose members are external stakeholders.
    external_roles: frozenset[str] = frozenset()
    vote_emoji: str = "👍"
    capture_emoji: str = "📝"
    api_url: str | None = None
    gateway_url: str | None = None
    sharded: bool = False
    message_content: bool = True


def _emoji(environ: Mapping[str, str], name: str, default: str) -> str:
    """A Unicode emoji (👍) or the name of a custom emoji of the server (``:upvote:``)."""
    raw = environ.get(name, "").strip().strip(":")
    if not raw:
        return default
    if any(ch.isspace() for ch in raw):
        raise ConfigError(name, f"expected one emoji such as {default}, got {raw!r}")
    return raw


def _url(environ: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(schemes):
        raise ConfigError(name, f"expected a {'/'.join(s[:-3] for s in schemes)} URL, got {raw!r}")
    return raw


def _guild_ids(environ: Mapping[str, str]) -> frozenset[int]:
    ids = set()
    for raw in environ.get("DISCORD_GUILD_IDS", "").split(","):
        if not raw.strip():
            continue
        if not raw.strip().isdigit():
            raise ConfigError(
                "DISCORD_GUILD_IDS", f"expected comma-separated server ids, got {raw.strip()!r}"
            )
        ids.add(int(raw.strip()))
    return frozenset(ids)


def load_discord_settings(environ: Mapping[str, str]) -> DiscordSettings | None:
    """``None`` when Discord is not configured (no ``DISCORD_TOKEN``); a Discord variable set
    without the token is an error, so a half configuration never passes silently."""
    token = environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        others = sorted(k for k, v in environ.items() if k.startswith("DISCORD_") and v.strip())
        if others:
            raise ConfigError("DISCORD_TOKEN", f"missing (the bot token), but {others[0]} is set")
        return None
    if token.lower().startswith("bot "):
        raise ConfigError("DISCORD_TOKEN", "give the token alone, without the 'Bot ' prefix")
    api_url = _url(environ, "DISCORD_API_URL", ("https://", "http://"))
    return DiscordSettings(
        token=token,
        guild_ids=_guild_ids(environ),
        external_roles=frozenset(
            r.strip().casefold()
            for r in environ.get("DISCORD_EXTERNAL_ROLES", "").split(",")
            if r.strip()
        ),
        vote_emoji=_emoji(environ, "DISCORD_VOTE_EMOJI", "👍"),
        capture_emoji=_emoji(environ, "DISCORD_CAPTURE_EMOJI", "📝"),
        api_url=api_url.rstrip("/") if api_url else None,
        gateway_url=_url(environ, "DISCORD_GATEWAY_URL", ("wss://", "ws://")),
        sharded=flag(environ, "DISCORD_SHARDED", False),
        message_content=flag(environ, "DISCORD_MESSAGE_CONTENT", True),
    )
