"""Discord's part of the pre-flight: is the bot token accepted (``GET /users/@me``, through
discord.py's own HTTP client at ``DISCORD_API_URL`` as the bot logs in), and are the privileged
intents the bot will ask for enabled for the application (its ``flags``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp
import discord

from adapters.app import preflight_words as words
from adapters.app.preflight_words import Outcome
from adapters.discord.app import apply_endpoints, intents
from adapters.discord.settings import DiscordSettings

TIMEOUT_S = 10.0

# A privileged intent the bot may ask for: its attribute on ``discord.Intents``, its name in the
# Developer Portal, the application flags that say it is enabled (the limited one is what a bot
# in fewer than 100 servers gets), and the setting that makes the bot ask for it.
PRIVILEGED: tuple[tuple[str, str, tuple[str, str], str], ...] = (
    (
        "message_content",
        "Message Content Intent",
        ("gateway_message_content", "gateway_message_content_limited"),
        "DISCORD_MESSAGE_CONTENT=true",
    ),
    (
        "members",
        "Server Members Intent",
        ("gateway_guild_members", "gateway_guild_members_limited"),
        "the member list",
    ),
    (
        "presences",
        "Presence Intent",
        ("gateway_presence", "gateway_presence_limited"),
        "presences",
    ),
)


@dataclass(frozen=True, slots=True)
class DiscordAnswer:
    """What Discord said: ``refused`` for a token it does not accept (401); ``problem`` says
    why there was no answer; otherwise the bot user and the application's flags."""

    refused: bool = False
    problem: str | None = None
    name: str = ""
    user_id: str = ""
    flags: discord.ApplicationFlags = field(default_factory=discord.ApplicationFlags)


async def ask_discord(settings: DiscordSettings, timeout_s: float = TIMEOUT_S) -> DiscordAnswer:
    apply_endpoints(settings)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        async with asyncio.timeout(timeout_s):
            me = await http.static_login(settings.token)
            application = await http.application_info()
    except discord.LoginFailure:
        return DiscordAnswer(refused=True)
    except TimeoutError:
        return DiscordAnswer(problem=f"no answer within {timeout_s:.0f} s")
    except discord.HTTPException as error:
        return DiscordAnswer(problem=f"HTTP {error.status}: {error.text or error.response.reason}")
    except (discord.DiscordException, aiohttp.ClientError, OSError) as error:
        return DiscordAnswer(problem=words.reason(error))
    finally:
        await http.close()
    flags = discord.ApplicationFlags()
    flags.value = int(application.get("flags") or 0)
    name = str(me.get("username") or "")
    return DiscordAnswer(name=name, user_id=str(me.get("id") or ""), flags=flags)


async def check_discord(settings: DiscordSettings, timeout_s: float = TIMEOUT_S) -> list[Outcome]:
    answer = await ask_discord(settings, timeout_s)
    if answer.refused:
        return [words.discord_token_refused()]
    if answer.problem is not None:
        return [words.discord_unanswered(answer.problem)]
    return [words.discord_token_accepted(answer.name, answer.user_id), _intents(settings, answer)]


def _intents(settings: DiscordSettings, answer: DiscordAnswer) -> Outcome:
    """Only the intents the bot will ask for with these settings (adapters/discord/app.py)."""
    wanted = intents(settings)
    needed = [each for each in PRIVILEGED if getattr(wanted, each[0])]
    missing = [
        (name, setting)
        for _, name, flags, setting in needed
        if not any(getattr(answer.flags, flag) for flag in flags)
    ]
    if missing:
        return words.discord_intents_missing(missing)
    return words.discord_intents_granted([name for _, name, _, _ in needed])
