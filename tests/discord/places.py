"""Where the published Discord payload shapes (``tests/payloads/discord.py``) happen on the fake
Discord: its guild, channel, person and application, with an interaction it will accept."""

from __future__ import annotations

from tests.discord.conftest import ACME_CHANNEL, ACME_GUILD, ALICE
from tests.discord.fake_discord import APPLICATION_ID, FakeDiscord
from tests.payloads.discord import Place

# The guild of GUILD_CREATE, so that a mutated one cannot replace the others.
OTHER_GUILD = "133333333333333333"


def place_for(fake: FakeDiscord, message_id: str) -> Place:
    """Alice in Acme's channel, reacting on ``message_id`` or using a new interaction."""
    interaction_id, token = fake.new_id(), f"token-{fake.new_id()}"
    fake.expect_interaction(interaction_id, token)
    return Place(
        guild_id=ACME_GUILD,
        channel_id=ACME_CHANNEL,
        user_id=ALICE,
        application_id=APPLICATION_ID,
        message_id=message_id,
        interaction_id=interaction_id,
        token=token,
        other_guild_id=OTHER_GUILD,
    )
