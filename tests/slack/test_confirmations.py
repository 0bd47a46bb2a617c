"""What the bot tells the person who used a command is what actually happened: a refusal of an
oversized text says so with a short excerpt, and a confirmation says where the thank-you went."""

from __future__ import annotations

from tests.slack.conftest import SlackBot


async def test_an_oversized_command_is_refused_with_a_short_excerpt_not_an_echo(
    bot: SlackBot,
) -> None:
    # 20,000 characters: well over the limit, and under any cap on a request's body.
    text = "Our builds are slow" + " because" * 2_500
    answer = await bot.slack.command("/feedback", text)
    await bot.settled()
    said = answer.json()["text"]
    assert "too long" in said and f"{len(text):,} characters" in said
    assert "It began: “Our builds are slow because" in said
    assert len(said) < 500
    assert await bot.items() == []
