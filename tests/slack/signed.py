"""Send requests to the bot's ``/slack/events`` endpoint signed exactly as Slack signs them.

The signature is computed over the exact bytes sent (``v0=HMAC-SHA256(secret,
"v0:{ts}:{body}")``), so Bolt's real verification runs. Payload shapes follow Slack's docs:
slash commands and interactions are form-encoded, Events API deliveries are JSON envelopes.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEFAULT_TRIGGER_ID = "13345224609.738474920.8088930838d88f008e0"
_TRIGGERS = itertools.count(1)


def new_trigger_id() -> str:
    """A fresh ``trigger_id`` in Slack's shape: Slack gives every command and every
    interaction its own, so the bot takes a repeated one for a replayed request."""
    return f"13345224609.738474920.{next(_TRIGGERS):019x}"


# Port 9 (discard) on the loopback: a response URL nobody listens on, never off this machine.
UNSET_RESPONSE_URL = "http://127.0.0.1:9/response/unset"
DEFAULT_MESSAGE_TS = "1700000000.000101"
VERIFICATION_TOKEN = "verification-token"


class SlackSender:
    """Signed requests to ``POST {base_url}{path}``; every method returns the ``httpx.Response``."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        now: Callable[[], int] = lambda: int(time.time()),
        *,
        path: str = "/slack/events",
        response_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = base_url.rstrip("/") + path
        self.signing_secret = signing_secret
        self.now = now
        self.response_url = response_url or UNSET_RESPONSE_URL
        self.timeout = timeout
        self._verifier = SignatureVerifier(signing_secret)

    # -- low level ---------------------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int) -> str:
        signature = self._verifier.generate_signature(timestamp=str(timestamp), body=body)
        if signature is None:  # only when the secret is empty
            raise ValueError("cannot sign without a signing secret")
        return signature

    async def raw(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send ``body`` as is; a given ``timestamp``/``signature`` replaces the correct one."""
        ts = self.now() if timestamp is None else timestamp
        sent_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature if signature is not None else self.sign(body, ts),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        sent_headers.update(headers or {})
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            return await client.post(self.url, content=body, headers=sent_headers)

    async def form(
        self, fields: Mapping[str, str], *, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return await self.raw(urlencode(fields).encode(), FORM, headers=headers)

    async def json(
        self, payload: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return await self.raw(json.dumps(payload).encode(), JSON, headers=headers)

    # -- slash commands ------------------------------------------------------------------------

    async def command(
        self,
        command: str = "/feedback",
        text: str = "",
        *,
        team_id: str = "T1",
        team_domain: str = "acme",
        user_id: str = "U1",
        user_name: str = "alice",
        channel_id: str = "C1",
        channel_name: str = "general",
        trigger_id: str | None = None,
        response_url: str | None = None,
        enterprise_id: str | None = None,
        is_enterprise_install: str = "false",
    ) -> httpx.Response:
        """A slash command as Slack posts it; on Enterprise Grid it carries the person's
        ``enterprise_id`` and ``enterprise_name`` (Slack's slash command reference), and
        ``is_enterprise_install`` ("true") says the app is installed org-wide."""
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": is_enterprise_install,
            "response_url": response_url or self.response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
        if enterprise_id is not None:
            fields["enterprise_id"] = enterprise_id
            fields["enterprise_name"] = enterprise_id
        return await self.form(fields)

    # -- Events API --------------------------------------------------------------------------

    async def event(
        self,
        event: Mapping[str, Any],
        *,
        team_id: str = "T1",
        installed_team_id: str | None = None,
        event_id: str = "Ev1",
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        enterprise_id: str | None = None,
        installed_enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> httpx.Response:
        """``team_id`` is the envelope's; in a Slack Connect channel it can be the partner's,
        while the ``authorizations`` name the team that installed the app. ``org_wide``: the
        app is installed across an Enterprise Grid (``installed_enterprise_id``), and the
        authorizations name no team, as in Slack's "organization-wide apps" reference and
        bolt-python's tests/scenario_tests_async/test_events_org_apps.py."""
        installed = installed_team_id or team_id
        installed_enterprise = installed_enterprise_id or enterprise_id
        envelope: dict[str, Any] = {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "api_app_id": "A1",
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id,
            "event_time": self.now(),
            "authorizations": [
                {
                    "enterprise_id": installed_enterprise,
                    "team_id": None if org_wide else installed,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": org_wide,
                }
            ],
            "is_ext_shared_channel": installed != team_id,
        }
        if not org_wide:
            envelope["context_team_id"] = installed
        if enterprise_id is not None:
            envelope["enterprise_id"] = enterprise_id
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return await self.json(envelope, headers=headers)

    async def reaction(
        self,
        added: bool,
        *,
        user: str = "U2",
        reaction: str = "+1",
        channel: str = "C1",
        ts: str = DEFAULT_MESSAGE_TS,
        item_user: str = "UBOT",
        team_id: str = "T1",
        installed_team_id: str | None = None,
        event_id: str = "Ev1",
        retry_num: int | None = None,
        enterprise_id: str | None = None,
        installed_enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> httpx.Response:
        event = {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": reaction,
            "item_user": item_user,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": f"{self.now()}.000200",
        }
        return await self.event(
            event,
            team_id=team_id,
            installed_team_id=installed_team_id,
            event_id=event_id,
            retry_num=retry_num,
            enterprise_id=enterprise_id,
            installed_enterprise_id=installed_enterprise_id,
            org_wide=org_wide,
        )

    # -- interactivity -------------------------------------------------------------------------

    async def interaction(self, payload: Mapping[str, Any]) -> httpx.Response:
        """Any interaction payload (block_actions, shortcut ...), sent as ``payload=<json>``."""
        return await self.form({"payload": json.dumps(payload)})

    async def view_submission(
        self,
        *,
        callback_id: str,
        private_metadata: str,
        values: Mapping[str, Any],
        team_id: str = "T1",
        installed_team_id: str | None = None,
        user_id: str = "U1",
        user_name: str = "alice",
        view_id: str = "V1",
        trigger_id: str | None = None,
        enterprise_id: str | None = None,
        is_enterprise_install: str = "false",
    ) -> httpx.Response:
        """A modal's submission. On Enterprise Grid it names the person's ``enterprise``;
        with an org-wide install (``is_enterprise_install`` "true") its ``team`` is null
        (bolt-python's slack_bolt/request/internals.py)."""
        org_wide = is_enterprise_install == "true"
        enterprise = None if enterprise_id is None else {"id": enterprise_id, "name": "Grid"}
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": None if org_wide else {"id": team_id, "domain": "acme"},
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
            "api_app_id": "A1",
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or new_trigger_id(),
            "view": {
                "id": view_id,
                "team_id": team_id,
                "type": "modal",
                "blocks": [],
                "private_metadata": private_metadata,
                "callback_id": callback_id,
                "state": {"values": dict(values)},
                "hash": "1",
                "title": {"type": "plain_text", "text": "feedbackbot"},
                "clear_on_close": False,
                "notify_on_close": False,
                "root_view_id": view_id,
                "previous_view_id": None,
                "app_id": "A1",
                "external_id": "",
                "app_installed_team_id": None if org_wide else installed_team_id or team_id,
                "bot_id": "BBOT",
            },
            "response_urls": [],
            "is_enterprise_install": org_wide,
            "enterprise": enterprise,
        }
        return await self.interaction(payload)

    async def block_actions(
        self,
        action_id: str,
        *,
        label: str = "Button",
        user_id: str = "U1",
        user_name: str = "alice",
        user_team_id: str | None = None,
        team_id: str | None = "T1",
        channel_id: str = "C1",
        message_ts: str = DEFAULT_MESSAGE_TS,
        response_url: str | None = None,
        trigger_id: str | None = None,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> httpx.Response:
        """A button pressed on one of the bot's messages, as Slack's block_actions payload
        reference and bolt-python's tests/scenario_tests_async/test_block_actions.py show it:
        ``team`` is the workspace the message is in (in a Slack Connect channel the
        installing one; Java Bolt's issue 1041), ``user.team_id`` the person's own team (an
        ``E...`` id on Enterprise Grid), and an org-wide install's payload has ``team`` null
        and ``is_enterprise_install`` true. A channel id starting with D is a direct
        message."""
        payload = self.block_actions_payload(
            action_id,
            label=label,
            user_id=user_id,
            user_name=user_name,
            user_team_id=user_team_id,
            team_id=team_id,
            channel_id=channel_id,
            message_ts=message_ts,
            response_url=response_url,
            trigger_id=trigger_id,
            enterprise_id=enterprise_id,
            org_wide=org_wide,
        )
        return await self.interaction(payload)

    def block_actions_payload(
        self,
        action_id: str,
        *,
        label: str = "Button",
        user_id: str = "U1",
        user_name: str = "alice",
        user_team_id: str | None = None,
        team_id: str | None = "T1",
        channel_id: str = "C1",
        message_ts: str = DEFAULT_MESSAGE_TS,
        response_url: str | None = None,
        trigger_id: str | None = None,
        enterprise_id: str | None = None,
        org_wide: bool = False,
    ) -> dict[str, Any]:
        """The payload ``block_actions`` sends (for a test that sends it twice, or alters it)."""
        team: dict[str, Any] | None = None
        if not org_wide and team_id is not None:
            team = {"id": team_id, "domain": "acme"}
            if enterprise_id is not None:
                team |= {"enterprise_id": enterprise_id, "enterprise_name": "Grid"}
        channel_name = "directmessage" if channel_id.startswith("D") else "general"
        return {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": user_name,
                "name": user_name,
                "team_id": user_team_id or team_id or enterprise_id,
            },
            "api_app_id": "A1",
            "token": VERIFICATION_TOKEN,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "trigger_id": trigger_id or new_trigger_id(),
            "team": team,
            "enterprise": None if enterprise_id is None else {"id": enterprise_id, "name": "Grid"},
            "is_enterprise_install": org_wide,
            "channel": {"id": channel_id, "name": channel_name},
            "message": {
                "type": "message",
                "user": "UBOT",
                "ts": message_ts,
                "bot_id": "BBOT",
                "app_id": "A1",
                "text": "feedbackbot",
                "team": team_id,
                "blocks": [],
            },
            "state": {"values": {}},
            "response_url": response_url or self.response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "text": {"type": "plain_text", "text": label, "emoji": True},
                    "value": action_id,
                    "type": "button",
                    "action_ts": f"{self.now()}.000300",
                }
            ],
        }
