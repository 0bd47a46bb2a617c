"""Outlets of the platforms ``feedbackbot run`` serves, for the reminder scheduler."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from adapters.scheduler.directory import NetworkFailuresAsChatFailed, OutletFactory
from adapters.slack.app import SLACK_MAX_LENGTH
from adapters.slack.chat import SlackChat
from bot.identity import Workspace
from bot.reminders import Outlet


def slack_outlets(client: AsyncWebClient) -> OutletFactory:
    """Every Slack workspace through the one bot token's client: the Slack adapter serves the
    workspaces that installed it with a single token. A token of another team gets
    ``not_in_channel``-like answers, which disable that reminder and say why."""
    outlet = Outlet(NetworkFailuresAsChatFailed(SlackChat(client)), SLACK_MAX_LENGTH)

    def outlet_for(_: Workspace) -> Outlet:
        return outlet

    return outlet_for
