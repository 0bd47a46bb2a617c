"""Valid Discord gateway dispatches (``op`` 0, ``t``, ``d``), one of each shape the bot can
receive, written from discord/discord-api-docs (docs/events/gateway-events, docs/interactions/
receiving-and-responding, docs/resources/guild, docs/resources/message) and what discord.py's
``ConnectionState.parse_*`` reads; each names its source. Ids are the test suite's fake Discord's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]

TIMESTAMP = "2025-03-03T09:00:00.000000+00:00"


@dataclass(frozen=True, slots=True)
class Place:
    """Where the dispatches happen: a guild and its channel, a person, the bot's application,
    a message of the bot's there, and an interaction id with its token (the fake Discord
    accepts callbacks only for tokens it knows)."""

    guild_id: str
    channel_id: str
    user_id: str
    application_id: str
    message_id: str
    interaction_id: str
    token: str
    # A guild of its own for GUILD_CREATE, so that a mutated one cannot replace the others.
    other_guild_id: str


@dataclass(frozen=True, slots=True)
class DiscordShape:
    name: str
    event: str
    data: JsonDict


def _user(user_id: str) -> JsonDict:
    # docs/resources/user, "User Object"
    return {
        "id": user_id,
        "username": "alice",
        "global_name": "Alice",
        "discriminator": "0",
        "avatar": None,
        "bot": False,
        "public_flags": 0,
    }


def _member(user_id: str) -> JsonDict:
    # docs/resources/guild, "Guild Member Object" (discord.py needs user, roles and flags)
    return {
        "user": _user(user_id),
        "roles": [],
        "nick": None,
        "avatar": None,
        "joined_at": TIMESTAMP,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "permissions": "2248473465835073",
    }


def _channel(place: Place) -> JsonDict:
    # docs/resources/channel, "Example Guild Text Channel"
    return {
        "id": place.channel_id,
        "type": 0,
        "guild_id": place.guild_id,
        "name": "general",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def _interaction(place: Place, kind: int, data: JsonDict) -> JsonDict:
    # docs/interactions/receiving-and-responding, "Interaction Object"; discord.py builds an
    # Interaction only with id, application_id, type, token, version, attachment_size_limit.
    return {
        "id": place.interaction_id,
        "application_id": place.application_id,
        "type": kind,
        "data": data,
        "guild_id": place.guild_id,
        "guild": {"id": place.guild_id, "locale": "en-US", "features": []},
        "channel_id": place.channel_id,
        "channel": _channel(place),
        "member": _member(place.user_id),
        "token": place.token,
        "version": 1,
        "app_permissions": "2248473465835073",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": place.guild_id},
        "context": 0,
        "attachment_size_limit": 10485760,
    }


def _command(place: Place, name: str, options: list[JsonDict]) -> JsonDict:
    # docs/interactions/receiving-and-responding, "Application Command Data Structure";
    # option types from docs/interactions/application-commands (3 string, 5 boolean,
    # 1 subcommand).
    return _interaction(place, 2, {"id": "1", "name": name, "type": 1, "options": options})


def _question(place: Place, channel_id: str) -> JsonDict:
    # docs/resources/message, "Message Object": the bot's message the buttons are under, with
    # its action row (docs/components/reference, "Action Row" and "Button").
    tokens = [(f"fb:csat:1:{answer}:{place.guild_id}", answer) for answer in ("solved", "no")]
    return {
        "id": place.message_id,
        "channel_id": channel_id,
        "author": {**_user(place.application_id), "username": "feedbackbot", "bot": True},
        "content": "#1 shipped. Did this solve it?",
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [
            {
                "type": 1,
                "id": 1,
                "components": [
                    {"type": 2, "id": 2 + i, "style": 2, "label": label, "custom_id": token}
                    for i, (token, label) in enumerate(tokens)
                ],
            }
        ],
    }


def _pressed(place: Place) -> JsonDict:
    # docs/interactions/receiving-and-responding, "Message Component Data Structure" (a
    # button: ``component_type`` 2); ``message`` is the message the button is under.
    token = f"fb:csat:1:solved:{place.guild_id}"
    payload = _interaction(place, 3, {"custom_id": token, "component_type": 2})
    payload["message"] = _question(place, place.channel_id)
    return payload


def _pressed_in_dm(place: Place) -> JsonDict:
    # The same press in the bot's DM: no guild, ``user`` instead of ``member``, ``context`` 1
    # (BOT_DM), and the guild install's owner "0" ("Authorizing Integration Owners Object").
    payload = {
        key: value
        for key, value in _pressed(place).items()
        if key not in ("guild_id", "guild", "member", "guild_locale")
    }
    payload.update(
        user=_user(place.user_id),
        context=1,
        authorizing_integration_owners={"0": "0"},
        channel={
            "id": place.channel_id,
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [_user(place.user_id)],
        },
    )
    return payload


def _commented(place: Place) -> JsonDict:
    # A comment form opened by a button, submitted: "Modal Submit Data Structure" with the
    # form's ``custom_id`` (the button's token) and ``message`` (the button's message).
    payload = _interaction(
        place,
        5,
        {
            "custom_id": f"fb:csat:1:comment:{place.guild_id}",
            "components": [
                {
                    "type": 18,
                    "id": 1,
                    "component": {"type": 4, "id": 2, "custom_id": "text", "value": "Half of it"},
                }
            ],
        },
    )
    payload["message"] = _question(place, place.channel_id)
    return payload


def _reaction(place: Place, *, burst: bool, added: bool) -> JsonDict:
    # docs/events/gateway-events, "Message Reaction Add/Remove" (``burst`` for super
    # reactions, ``member``, ``message_author_id`` and ``burst_colors`` on add only).
    data: JsonDict = {
        "user_id": place.user_id,
        "channel_id": place.channel_id,
        "message_id": place.message_id,
        "guild_id": place.guild_id,
        "emoji": {"id": None, "name": "👍"},
        "burst": burst,
        "type": 1 if burst else 0,
    }
    if added:
        data["member"] = _member(place.user_id)
        data["message_author_id"] = place.application_id
        data["burst_colors"] = ["#ff0000"] if burst else []
    return data


def _guild(place: Place) -> JsonDict:
    # docs/events/gateway-events, "Guild Create" (a Guild Object with the extra fields)
    return {
        "id": place.other_guild_id,
        "name": "Initech",
        "unavailable": False,
        "owner_id": place.user_id,
        "member_count": 1,
        "large": False,
        "roles": [
            {
                "id": place.other_guild_id,
                "name": "@everyone",
                "color": 0,
                "hoist": False,
                "position": 0,
                "permissions": "0",
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "channels": [],
        "members": [],
        "threads": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "joined_at": TIMESTAMP,
        "premium_tier": 0,
        "preferred_locale": "en-US",
    }


def discord_shapes(place: Place) -> list[DiscordShape]:
    text = {"name": "text", "type": 3, "value": "The deploy is slow"}
    return [
        DiscordShape("/feedback", "INTERACTION_CREATE", _command(place, "feedback", [text])),
        DiscordShape(
            "/request",
            "INTERACTION_CREATE",
            _command(
                place,
                "request",
                [text, {"name": "priority", "type": 3, "value": "must-have"}],
            ),
        ),
        DiscordShape(
            "/roadmap digest",
            "INTERACTION_CREATE",
            _command(place, "roadmap", [{"name": "digest", "type": 1, "options": []}]),
        ),
        DiscordShape(
            "form submitted",
            "INTERACTION_CREATE",
            # docs/interactions/receiving-and-responding, "Modal Submit Data Structure"; a
            # text input inside a label (component 18), as current clients send.
            _interaction(
                place,
                5,
                {
                    "custom_id": "feedbackbot:feedback:-:0",
                    "components": [
                        {
                            "type": 18,
                            "id": 1,
                            "component": {
                                "type": 4,
                                "id": 2,
                                "custom_id": "text",
                                "value": "Dark mode please",
                            },
                        }
                    ],
                },
            ),
        ),
        DiscordShape("button pressed", "INTERACTION_CREATE", _pressed(place)),
        DiscordShape("button pressed in a DM", "INTERACTION_CREATE", _pressed_in_dm(place)),
        DiscordShape("comment form submitted", "INTERACTION_CREATE", _commented(place)),
        DiscordShape(
            "reaction added", "MESSAGE_REACTION_ADD", _reaction(place, burst=False, added=True)
        ),
        DiscordShape(
            "super reaction added",
            "MESSAGE_REACTION_ADD",
            _reaction(place, burst=True, added=True),
        ),
        DiscordShape(
            "reaction removed",
            "MESSAGE_REACTION_REMOVE",
            _reaction(place, burst=False, added=False),
        ),
        DiscordShape(
            "super reaction removed",
            "MESSAGE_REACTION_REMOVE",
            _reaction(place, burst=True, added=False),
        ),
        DiscordShape(
            "all reactions cleared",
            "MESSAGE_REACTION_REMOVE_ALL",
            # docs/events/gateway-events, "Message Reaction Remove All"
            {
                "channel_id": place.channel_id,
                "message_id": place.message_id,
                "guild_id": place.guild_id,
            },
        ),
        DiscordShape(
            "one emoji cleared",
            "MESSAGE_REACTION_REMOVE_EMOJI",
            # docs/events/gateway-events, "Message Reaction Remove Emoji"
            {
                "channel_id": place.channel_id,
                "guild_id": place.guild_id,
                "message_id": place.message_id,
                "emoji": {"id": None, "name": "👍"},
            },
        ),
        DiscordShape("guild joined", "GUILD_CREATE", _guild(place)),
        DiscordShape(
            "message sent",
            "MESSAGE_CREATE",
            # docs/events/gateway-events, "Message Create" (a Message Object with
            # ``guild_id`` and ``member``); docs/resources/message, "Example Message"
            {
                "id": "1300000000000009999",
                "channel_id": place.channel_id,
                "guild_id": place.guild_id,
                "author": _user(place.user_id),
                "member": {k: v for k, v in _member(place.user_id).items() if k != "user"},
                "content": "Hello @everyone",
                "timestamp": TIMESTAMP,
                "edited_timestamp": None,
                "tts": False,
                "mention_everyone": False,
                "mentions": [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "pinned": False,
                "type": 0,
                "flags": 0,
                "components": [],
            },
        ),
    ]
