"""A Slack payload read into the typed values the adapter uses, or ``None`` when it lacks them.

Slack signs what it sends, but a payload can still miss a field or carry another type (a
changed API, a proxy, a test tool): it is read here, once, at the edge, so that the handlers
work with values they can trust and a malformed payload is acknowledged and ignored instead
of ending in a ``KeyError`` deep inside a handler.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandPayload:
    """A slash command's form fields (api.slack.com/interactivity/slash-commands)."""

    command: str
    channel_id: str
    user_id: str
    user_name: str | None
    response_url: str | None
    trigger_id: str | None
    text: str


@dataclass(frozen=True, slots=True)
class ReactionPayload:
    """A ``reaction_added``/``reaction_removed`` event on a message."""

    user_id: str
    reaction: str
    channel_id: str
    ts: str
    item_user: str | None
    added: bool
    event_id: str | None


@dataclass(frozen=True, slots=True)
class SubmitterPayload:
    """Who submitted a view (``view_submission``'s ``user``); ``team_id`` is their own team
    as the payload says it (an ``E...`` id on Enterprise Grid)."""

    user_id: str
    user_name: str | None
    team_id: str | None = None


def text_of(value: object) -> str | None:
    """``value`` when it is a non-empty string without NUL (no Slack id or name has one)."""
    return value if isinstance(value, str) and value and "\x00" not in value else None


# Slack's ids are a letter and a few more letters and digits (``T0123ABC``, ``U0G9QF9C6``);
# storage keeps 64 characters of an id, and a name up to 255.
ID_LENGTH = 64
NAME_LENGTH = 255


def id_of(value: object) -> str | None:
    """``value`` when it can be a Slack id (or a message ``ts``): short, and printable."""
    found = text_of(value)
    return found if found is not None and len(found) <= ID_LENGTH and found.isprintable() else None


def name_of(value: object) -> str | None:
    found = text_of(value)
    return found if found is not None and len(found) <= NAME_LENGTH else None


def url_of(value: object) -> str | None:
    """``value`` when it is an HTTP(S) URL, as a ``response_url`` is."""
    found = text_of(value)
    return found if found and found.startswith(("https://", "http://")) else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def ignored(what: str, lacking: str) -> None:
    # Never the payload itself: it may hold anything, NUL bytes and escapes included.
    log.info("ignored a Slack %s without %s", what, lacking)


def read_command(command: Mapping[str, Any]) -> CommandPayload | None:
    fields = {
        "command": text_of(command.get("command")),
        "channel_id": id_of(command.get("channel_id")),
        "user_id": id_of(command.get("user_id")),
    }
    lacking = [name for name, value in fields.items() if value is None]
    if lacking:
        ignored("command", " or ".join(lacking))
        return None
    text = command.get("text")
    return CommandPayload(
        command=str(fields["command"]),
        channel_id=str(fields["channel_id"]),
        user_id=str(fields["user_id"]),
        user_name=name_of(command.get("user_name")),
        response_url=url_of(command.get("response_url")),
        trigger_id=id_of(command.get("trigger_id")),
        text=text if isinstance(text, str) else "",
    )


def read_reaction(event: Mapping[str, Any], body: Mapping[str, Any]) -> ReactionPayload | None:
    """The reaction, or ``None`` when it is not on a message or lacks who or where."""
    item = _mapping(event.get("item"))
    if item.get("type") != "message":
        return None
    user_id, reaction = id_of(event.get("user")), name_of(event.get("reaction"))
    channel_id, ts = id_of(item.get("channel")), id_of(item.get("ts"))
    if user_id is None or reaction is None or channel_id is None or ts is None:
        ignored("reaction", "user, reaction, channel or ts")
        return None
    return ReactionPayload(
        user_id=user_id,
        reaction=reaction,
        channel_id=channel_id,
        ts=ts,
        item_user=id_of(event.get("item_user")),
        added=event.get("type") == "reaction_added",
        event_id=id_of(body.get("event_id")),
    )


def read_submitter(body: Mapping[str, Any]) -> SubmitterPayload | None:
    user = _mapping(body.get("user"))
    user_id = id_of(user.get("id"))
    if user_id is None:
        ignored("form submission", "user")
        return None
    return SubmitterPayload(
        user_id,
        name_of(user.get("name")) or name_of(user.get("username")),
        id_of(user.get("team_id")),
    )


@dataclass(frozen=True, slots=True)
class ActionPayload:
    """A press on a button (``block_actions``, Slack's interaction payload reference).
    ``user_team`` is the person's own team as the payload says it (an ``E...`` id on
    Enterprise Grid); ``channel_id`` is empty for a surface without a channel."""

    action: str
    user_id: str
    user_name: str | None
    user_team: str | None
    channel_id: str
    response_url: str | None
    trigger_id: str | None


def read_action(body: Mapping[str, Any]) -> ActionPayload | None:
    """The first action of a ``block_actions`` payload (a button press carries one), or
    ``None`` when it lacks the button's ``action_id`` or who pressed it."""
    actions = body.get("actions")
    first = _mapping(actions[0]) if isinstance(actions, list) and actions else {}
    user = _mapping(body.get("user"))
    action, user_id = text_of(first.get("action_id")), id_of(user.get("id"))
    if action is None or user_id is None:
        ignored("button press", "action_id or user")
        return None
    channel = id_of(_mapping(body.get("channel")).get("id")) or id_of(
        _mapping(body.get("container")).get("channel_id")
    )
    return ActionPayload(
        action=action,
        user_id=user_id,
        user_name=name_of(user.get("name")) or name_of(user.get("username")),
        user_team=id_of(user.get("team_id")),
        channel_id=channel or "",
        response_url=url_of(body.get("response_url")),
        trigger_id=id_of(body.get("trigger_id")),
    )


def names_no_workspace(body: Mapping[str, Any]) -> bool:
    """Whether an interaction comes from an org-wide install with no ``team``: Slack then says
    only the person's own team (or enterprise), not the workspace the button was in."""
    installed = body.get("is_enterprise_install")
    return body.get("team") is None and (installed is True or installed == "true")
