"""Valid Slack payloads, one of each shape the bot can receive, written from Slack's own
documentation and the fixtures of slackapi/bolt-python and slackapi/python-slack-sdk (each
shape names where it comes from). Values are this test suite's workspace: team ``T1``, people
``U1``/``U2``, channel ``C1``, the bot ``UBOT``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

JsonDict = dict[str, Any]
Encoding = Literal["form", "interaction", "json"]

# Slack's are https://hooks.slack.com/commands/...; tests give their fake's, never Slack's.
TRIGGER_ID = "13345224609.738474920.8088930838d88f008e0"
MESSAGE_TS = "1700000000.000101"


@dataclass(frozen=True, slots=True)
class SlackShape:
    """A published payload and how Slack sends it: ``form`` (slash commands: fields),
    ``interaction`` (a form whose ``payload`` field is the JSON), ``json`` (Events API)."""

    name: str
    encoding: Encoding
    payload: JsonDict


def _command(command: str, text: str, response_url: str) -> JsonDict:
    # api.slack.com/interactivity/slash-commands, "app receives" example; the same fields as
    # bolt-python tests/scenario_tests_async/test_slash_command.py.
    return {
        "token": "verification-token",
        "team_id": "T1",
        "team_domain": "acme",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U1",
        "user_name": "alice",
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": TRIGGER_ID,
    }


def _envelope(event: JsonDict, event_id: str) -> JsonDict:
    # api.slack.com/apis/events-api, "Callback field overview"; bolt-python
    # tests/scenario_tests_async/test_events.py (with ``authorizations``).
    return {
        "token": "verification-token",
        "team_id": "T1",
        "context_team_id": "T1",
        "context_enterprise_id": None,
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": "T1",
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-eyJldCI6InJlYWN0aW9uX2FkZGVkIn0",
    }


def _reaction(kind: str) -> JsonDict:
    # api.slack.com/events/reaction_added and /events/reaction_removed, "Example payload".
    return {
        "type": kind,
        "user": "U2",
        "reaction": "+1",
        "item_user": "UBOT",
        "item": {"type": "message", "channel": "C1", "ts": MESSAGE_TS},
        "event_ts": "1700000001.000200",
    }


def _user() -> JsonDict:
    # The ``user`` of interaction payloads: api.slack.com/reference/interaction-payloads.
    return {"id": "U1", "username": "alice", "name": "alice", "team_id": "T1"}


def _view_submission(response_url: str) -> JsonDict:
    # api.slack.com/reference/interaction-payloads/views, "view_submission" example; the
    # state values as bolt-python tests/scenario_tests_async/test_view_submission.py sends.
    return {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "acme"},
        "user": _user(),
        "api_app_id": "A1",
        "token": "verification-token",
        "trigger_id": TRIGGER_ID,
        "view": {
            "id": "V1",
            "team_id": "T1",
            "type": "modal",
            "blocks": [],
            "private_metadata": (
                '{"kind": "request", "channel": "C1", "response_url": "' + response_url + '"}'
            ),
            "callback_id": "feedbackbot_submit",
            "state": {
                "values": {
                    "text": {"value": {"type": "plain_text_input", "value": "Dark mode please"}},
                    "priority": {
                        "value": {
                            "type": "radio_buttons",
                            "selected_option": {
                                "text": {"type": "plain_text", "text": "Must-have"},
                                "value": "must-have",
                            },
                        }
                    },
                    "anonymous": {"value": {"type": "checkboxes", "selected_options": []}},
                }
            },
            "hash": "156663117.cd33ad1f",
            "title": {"type": "plain_text", "text": "Send request"},
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": "V1",
            "previous_view_id": None,
            "app_id": "A1",
            "external_id": "",
            "app_installed_team_id": "T1",
            "bot_id": "BBOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slack_shapes(response_url: str) -> list[SlackShape]:
    """A fresh copy of every shape, answering to ``response_url``."""
    return [
        SlackShape(
            "/feedback with text", "form", _command("/feedback", "The deploy is slow", response_url)
        ),
        SlackShape(
            "/request with text", "form", _command("/request", "must-have SSO", response_url)
        ),
        SlackShape("bare /feedback", "form", _command("/feedback", "", response_url)),
        SlackShape("/roadmap", "form", _command("/roadmap", "", response_url)),
        SlackShape("reaction_added", "json", _envelope(_reaction("reaction_added"), "Ev01")),
        SlackShape("reaction_removed", "json", _envelope(_reaction("reaction_removed"), "Ev02")),
        SlackShape(
            "message",
            "json",
            # api.slack.com/events/message, "Example event payload"
            _envelope(
                {
                    "type": "message",
                    "channel": "C1",
                    "user": "U1",
                    "text": "Hello world",
                    "ts": MESSAGE_TS,
                    "channel_type": "channel",
                    "event_ts": MESSAGE_TS,
                },
                "Ev03",
            ),
        ),
        SlackShape(
            "app_mention",
            "json",
            # api.slack.com/events/app_mention, "Example event payload"
            _envelope(
                {
                    "type": "app_mention",
                    "user": "U1",
                    "text": "<@UBOT> is it everything a river should be?",
                    "ts": "1515449522.000016",
                    "channel": "C1",
                    "event_ts": "1515449522000016",
                },
                "Ev04",
            ),
        ),
        SlackShape(
            "url_verification",
            "json",
            # api.slack.com/events/url_verification
            {
                "token": "verification-token",
                "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                "type": "url_verification",
            },
        ),
        SlackShape(
            "block_actions",
            "interaction",
            # api.slack.com/reference/interaction-payloads/block-actions; bolt-python
            # tests/scenario_tests_async/test_block_actions.py
            {
                "type": "block_actions",
                "team": {"id": "T1", "domain": "acme"},
                "user": _user(),
                "api_app_id": "A1",
                "token": "verification-token",
                "container": {
                    "type": "message",
                    "message_ts": MESSAGE_TS,
                    "channel_id": "C1",
                    "is_ephemeral": False,
                },
                "trigger_id": TRIGGER_ID,
                "channel": {"id": "C1", "name": "general"},
                "message": {"type": "message", "user": "UBOT", "ts": MESSAGE_TS, "text": "hi"},
                "response_url": response_url,
                "actions": [
                    {
                        "action_id": "a",
                        "block_id": "b",
                        "text": {"type": "plain_text", "text": "Button"},
                        "value": "click_me_123",
                        "type": "button",
                        "action_ts": "1700000002.000300",
                    }
                ],
            },
        ),
        SlackShape("view_submission", "interaction", _view_submission(response_url)),
        SlackShape(
            "shortcut",
            "interaction",
            # api.slack.com/reference/interaction-payloads/shortcuts, global shortcut
            {
                "type": "shortcut",
                "token": "verification-token",
                "action_ts": "1700000002.000300",
                "team": {"id": "T1", "domain": "acme"},
                "user": _user(),
                "callback_id": "a_global_shortcut",
                "trigger_id": TRIGGER_ID,
            },
        ),
        SlackShape(
            "message_action",
            "interaction",
            # api.slack.com/reference/interaction-payloads/shortcuts, message shortcut
            {
                "type": "message_action",
                "token": "verification-token",
                "action_ts": "1700000002.000300",
                "team": {"id": "T1", "domain": "acme"},
                "user": _user(),
                "channel": {"id": "C1", "name": "general"},
                "callback_id": "a_message_shortcut",
                "trigger_id": TRIGGER_ID,
                "message_ts": MESSAGE_TS,
                "message": {"type": "message", "user": "U1", "ts": MESSAGE_TS, "text": "hi"},
                "response_url": response_url,
            },
        ),
    ]
