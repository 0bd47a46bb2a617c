"""A captured message's Slack markup, turned into the text people saw."""

from __future__ import annotations

import pytest

from adapters.slack.formatting import escape, mentioned_users, readable


@pytest.mark.parametrize(
    ("markup", "seen"),
    [
        ("<@U2> can you look?", "@Bob can you look?"),
        ("<@U7|gina> said so", "@gina said so"),
        ("see <#C1|general>", "see #general"),
        ("<!here> deploys are slow", "@here deploys are slow"),
        ("ask <!subteam^S1|@platform>", "ask @platform"),
        ("<https://ci.example.com/42|CI job> fails", "CI job (https://ci.example.com/42) fails"),
        ("<https://example.com>", "https://example.com"),
        ("<mailto:ops@example.com|ops@example.com>", "ops@example.com"),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2", "1 < 2 && 3 > 2"),
    ],
)
def test_markup_reads_as_slack_shows_it(markup: str, seen: str) -> None:
    assert readable(markup, {"U2": "Bob"}) == seen


def test_the_users_a_message_mentions_are_found_for_their_names() -> None:
    assert mentioned_users("<@U2> and <@U7|gina>, not <#C1>") == {"U2", "U7"}


def test_readable_text_posted_again_cannot_ping() -> None:
    assert "<!" not in escape(readable("<!channel> &lt;!here&gt;", {}))
