"""The bot token scopes the bot needs: those ``oauth_config.scopes.bot`` of both manifests
(adapters/slack/manifest.yml, manifest.socket-mode.yml) ask for. Kept here as data, since the
manifests are not installed with the package; a test keeps the three the same."""

from __future__ import annotations

BOT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "reactions:read",
    "channels:history",
    "groups:history",
    "users:read",
)
