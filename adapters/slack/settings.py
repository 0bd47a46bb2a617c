"""Slack settings, read from the same injected mapping as every other setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.slack.formatting import emoji_name
from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class SlackSettings:
    bot_token: str
    signing_secret: str | None
    app_token: str | None = None
    api_url: str | None = None
    vote_emoji: str = "+1"
    capture_emoji: str = "memo"
    external_channels: frozenset[str] = frozenset()
    # The bot's own user id (U...) and bot id (B...): given, the bot never needs auth.test.
    bot_user_id: str | None = None
    bot_id: str | None = None
    # The installing organisation, given with the bot's ids (auth.test says it otherwise): its
    # workspace (T...) and its Enterprise Grid (E...).
    team_id: str | None = None
    enterprise_id: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None


def _emoji(environ: Mapping[str, str], name: str, default: str) -> str:
    raw = environ.get(name, "").strip().strip(":")
    if not raw:
        return default
    if any(ch.isspace() for ch in raw):
        raise ConfigError(name, f"expected an emoji name such as {default}, got {raw!r}")
    # Slack sends reactions under an emoji's canonical name, whichever alias was picked.
    return emoji_name(raw)


def load_slack_settings(environ: Mapping[str, str]) -> SlackSettings | None:
    """``None`` when Slack is not configured at all; half a configuration is an error."""
    token = environ.get("SLACK_BOT_TOKEN", "").strip()
    secret = environ.get("SLACK_SIGNING_SECRET", "").strip()
    if not token:
        if secret or environ.get("SLACK_APP_TOKEN"):
            raise ConfigError("SLACK_BOT_TOKEN", "missing (the bot token, xoxb-...)")
        return None
    if not token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN", "expected a bot token starting with xoxb-")
    app_token = environ.get("SLACK_APP_TOKEN", "").strip() or None
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN", "expected an app-level token starting with xapp-")
    # Socket Mode needs no signature: its requests come over the bot's own connection.
    if not secret and app_token is None:
        raise ConfigError("SLACK_SIGNING_SECRET", "missing (Basic Information > App Credentials)")
    api_url = environ.get("SLACK_API_URL", "").strip() or None
    if api_url is not None:
        if not api_url.startswith(("https://", "http://")):
            raise ConfigError("SLACK_API_URL", f"expected an http(s) URL, got {api_url!r}")
        api_url = api_url.rstrip("/") + "/"
    channels = environ.get("SLACK_EXTERNAL_CHANNELS", "")
    bot_user_id = _slack_id(environ, "SLACK_BOT_USER_ID", ("U", "W"))
    bot_id = _slack_id(environ, "SLACK_BOT_ID", ("B",))
    team_id = _slack_id(environ, "SLACK_TEAM_ID", ("T",))
    enterprise_id = _slack_id(environ, "SLACK_ENTERPRISE_ID", ("E",))
    for name, given in (
        ("SLACK_BOT_ID", bot_id),
        ("SLACK_TEAM_ID", team_id),
        ("SLACK_ENTERPRISE_ID", enterprise_id),
    ):
        if given is not None and bot_user_id is None:
            raise ConfigError(name, "given without SLACK_BOT_USER_ID, which it goes with")
    return SlackSettings(
        bot_token=token,
        signing_secret=secret or None,
        app_token=app_token,
        api_url=api_url,
        vote_emoji=_emoji(environ, "SLACK_VOTE_EMOJI", "+1"),
        capture_emoji=_emoji(environ, "SLACK_CAPTURE_EMOJI", "memo"),
        external_channels=frozenset(c.strip() for c in channels.split(",") if c.strip()),
        bot_user_id=bot_user_id,
        bot_id=bot_id,
        team_id=team_id,
        enterprise_id=enterprise_id,
    )


def _slack_id(environ: Mapping[str, str], name: str, prefixes: tuple[str, ...]) -> str | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(prefixes) or not raw.isalnum():
        raise ConfigError(name, f"expected a Slack id starting with {' or '.join(prefixes)}")
    return raw
