"""The fakes of the platforms, as the Discord and Slack tests have them."""

from tests.discord.conftest import fake, restore_discord_endpoints

__all__ = ["fake", "restore_discord_endpoints"]
