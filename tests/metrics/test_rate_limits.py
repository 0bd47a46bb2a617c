"""Rate limits as operators see them: every 429 a platform answers, and what was retried."""

from __future__ import annotations

from tests.metrics.conftest import Bot


async def test_slack_rate_limits_are_counted(bot: Bot) -> None:
    bot.fake.rate_limit("chat.postMessage", retry_after=0)

    await bot.slack.command("/feedback", "posted after one 429")
    await bot.served.settled()
    samples = await bot.scrape()

    # The thank-you is kept, owed, and tried again by the outbox after Retry-After.
    assert samples.value("feedbackbot_platform_rate_limited_total", platform="slack") == 1
    retried = {"purpose": "thanks", "outcome": "retry", "error": "ratelimited"}
    assert samples.value("feedbackbot_deliveries_total", platform="slack", **retried) == 1


async def test_a_web_api_call_slack_sdk_retries_is_counted(bot: Bot) -> None:
    bot.fake.rate_limit("users.info", retry_after=0)

    await bot.slack.command("/feedback", "who am I, after one 429")
    await bot.served.settled()
    samples = await bot.scrape()

    assert samples.value("feedbackbot_platform_rate_limited_total", platform="slack") == 1
    assert samples.value("feedbackbot_platform_retries_total", platform="slack", reason="429") == 1
