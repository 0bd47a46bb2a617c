"""What people type: cleaning, excerpts, qualifiers before a colon, and message rendering."""

from __future__ import annotations

import pytest

from bot.identity import Person, Platform, Workspace
from bot.items import Item, ItemKind, Priority
from bot.messages import Mention, Message, Plain, Quote
from bot.syntax import USAGE, parse_qualifiers
from bot.text import MAX_TEXT_LENGTH, clean, excerpt, parse_number
from tests.fakes import ACME, build, request, submission

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # ZWJ sequence
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"
THUMBS_UP_DARK = "\U0001f44d\U0001f3ff"
FLAG_FR = "\U0001f1eb\U0001f1f7"
KEYCAP_ONE = "1\ufe0f\u20e3"

# -- clean ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kept",
    [
        FAMILY,
        RAINBOW_FLAG,
        THUMBS_UP_DARK,
        FLAG_FR,
        KEYCAP_ONE,
        "日本語のフィードバック",
        "שלום עולם",
        "e\u0301 (combining accent)",
        "Ünïcödé ß ǅ",
        "first line\nsecond line",
        "col\tumn",
    ],
)
def test_clean_keeps_every_character_that_is_not_a_control(kept: str) -> None:
    assert clean(kept) == kept


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\r"])
def test_clean_drops_control_characters(control: str) -> None:
    assert clean(f"dep{control}loy") == "deploy"


def test_clean_trims_surrounding_blank_space_but_not_inner_lines() -> None:
    assert clean("  \n a\n\n b \n ") == "a\n\n b"


def test_clean_turns_windows_line_endings_into_newlines() -> None:
    assert clean("one\r\ntwo\r\n") == "one\ntwo"


def test_limit_is_four_thousand_characters() -> None:
    assert MAX_TEXT_LENGTH == 4000


async def test_emoji_sequences_count_and_survive_storage_exactly() -> None:
    h = build()
    text = f"{FAMILY} {RAINBOW_FLAG} {THUMBS_UP_DARK} {FLAG_FR} {KEYCAP_ONE}"

    await h.service.submit(submission(text))

    stored = h.uow.stored(ACME, 1)
    assert stored is not None and stored.text == text


# -- excerpt ----------------------------------------------------------------------------------


def test_excerpt_leaves_short_text_alone() -> None:
    assert excerpt("Dark mode please") == "Dark mode please"


def test_excerpt_of_exactly_the_limit_is_not_cut() -> None:
    text = "a" * 80
    assert excerpt(text) == text


def test_excerpt_puts_everything_on_one_line() -> None:
    assert excerpt("one\ntwo\t three\n\nfour") == "one two three four"


def test_excerpt_cuts_long_text_at_a_word_with_an_ellipsis() -> None:
    text = "The deploy pipeline waits for the slow integration suite every single time we merge"

    cut = excerpt(text, limit=40)

    assert cut == "The deploy pipeline waits for the slow…"
    assert len(cut) <= 40


def test_excerpt_cuts_one_long_word_hard_at_the_limit() -> None:
    cut = excerpt("x" * 200)

    assert cut == "x" * 79 + "…"
    assert len(cut) == 80


def test_excerpt_drops_trailing_punctuation_before_the_ellipsis() -> None:
    cut = excerpt("Kubernetes-everywhere, please and thanks", limit=23)

    assert cut == "Kubernetes-everywhere…"


# -- qualifiers before a colon ----------------------------------------------------------------


def test_must_have_before_a_colon_makes_a_must_have_request() -> None:
    q = parse_qualifiers(ItemKind.REQUEST, "must-have: single sign-on for the dashboard")

    assert q.priority is Priority.MUST_HAVE
    assert not q.anonymous
    assert q.text.strip() == "single sign-on for the dashboard"


@pytest.mark.parametrize("head", ["must have", "Must Have", "MUST-HAVE", "musthave", "must"])
def test_must_have_is_understood_however_it_is_written(head: str) -> None:
    q = parse_qualifiers(ItemKind.REQUEST, f"{head}: audit logs")

    assert q.priority is Priority.MUST_HAVE
    assert q.text.strip() == "audit logs"


@pytest.mark.parametrize("head", ["good-to-have", "good to have", "nice to have", "nice-to-have"])
def test_good_to_have_is_understood_however_it_is_written(head: str) -> None:
    q = parse_qualifiers(ItemKind.REQUEST, f"{head}: dark mode")

    assert q.priority is Priority.GOOD_TO_HAVE
    assert q.text.strip() == "dark mode"


def test_anonymous_before_a_colon_hides_the_author() -> None:
    q = parse_qualifiers(ItemKind.FEEDBACK, "anonymous: the on-call rota is exhausting")

    assert q.anonymous
    assert q.priority is None
    assert q.text.strip() == "the on-call rota is exhausting"


@pytest.mark.parametrize(
    "head", ["anonymous must-have", "must-have anonymous", "anon, must have", "Anonymously must"]
)
def test_anonymous_and_must_have_combine(head: str) -> None:
    q = parse_qualifiers(ItemKind.REQUEST, f"{head}: audit logs")

    assert q.anonymous
    assert q.priority is Priority.MUST_HAVE
    assert q.text.strip() == "audit logs"


@pytest.mark.parametrize(
    "sentence",
    [
        "Note: the deploy failed twice today",
        "The build is slow: it takes 40 minutes",
        "https://status.example.com is down",
        "Anonymous feedback: nobody reads the runbook",
        "Ratio 3:1 of alerts to incidents",
        ":) thanks for the fix",
        "Good: the new dashboard is fast",
        "Nice: the release notes",
    ],
)
def test_an_ordinary_sentence_with_a_colon_is_kept_whole(sentence: str) -> None:
    for kind in ItemKind:
        q = parse_qualifiers(kind, sentence)

        assert (q.text, q.priority, q.anonymous) == (sentence, None, False)


def test_text_without_a_colon_is_kept_whole() -> None:
    q = parse_qualifiers(ItemKind.REQUEST, "must have dark mode")

    assert (q.text, q.priority, q.anonymous) == ("must have dark mode", None, False)


def test_priority_words_mean_nothing_before_feedback() -> None:
    q = parse_qualifiers(ItemKind.FEEDBACK, "must-have: more coffee")

    assert (q.text, q.priority, q.anonymous) == ("must-have: more coffee", None, False)


def test_only_the_first_colon_separates_the_qualifiers() -> None:
    q = parse_qualifiers(ItemKind.REQUEST, "must-have: retries: three by default")

    assert q.text.strip() == "retries: three by default"


async def test_parsed_request_is_stored_with_its_qualifiers_and_bare_text() -> None:
    h = build()
    q = parse_qualifiers(ItemKind.REQUEST, "anonymous must-have:   audit logs")

    outcome = await h.service.submit(request(q.text, priority=q.priority, anonymous=q.anonymous))

    assert isinstance(outcome, Item)
    stored = h.uow.stored(ACME, 1)
    assert stored is not None
    assert (stored.text, stored.priority, stored.author) == (
        "audit logs",
        Priority.MUST_HAVE,
        None,
    )


def test_usage_shows_the_qualifiers_of_each_command() -> None:
    assert USAGE[ItemKind.FEEDBACK].startswith("/feedback")
    assert "anonymous" in USAGE[ItemKind.FEEDBACK]
    assert USAGE[ItemKind.REQUEST].startswith("/request")
    assert "must-have" in USAGE[ItemKind.REQUEST]


# -- messages and identities ------------------------------------------------------------------


def test_message_escapes_only_what_people_typed() -> None:
    ada = Person("U1", "Ada")
    message = Message.of("Thanks, ", Mention(ada), "! You said: ", Quote("<!channel> & co"))

    rendered = message.render(
        lambda text: text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
        lambda person: f"<@{person.user_id}>",
    )

    assert rendered == "Thanks, <@U1>! You said: &lt;!channel&gt; &amp; co"


def test_plain_rendering_shows_people_by_name_and_text_as_typed() -> None:
    message = Message((Plain("Hi "), Mention(Person("U1", "Ada")), Quote(" <b>")))

    assert message.plain == "Hi Ada <b>"


def test_workspace_reads_back_what_it_writes() -> None:
    workspace = Workspace(Platform.SLACK, "T123:odd")

    assert str(workspace) == "slack:T123:odd"
    assert Workspace.parse(str(workspace)) == workspace


@pytest.mark.parametrize("bad", ["slack", "slack:", "teams:T1"])
def test_workspace_parse_refuses_what_it_cannot_read(bad: str) -> None:
    with pytest.raises(ValueError):
        Workspace.parse(bad)


@pytest.mark.parametrize(("word", "number"), [("3", 3), ("#3", 3), (" #12 ", 12)])
def test_a_number_is_read_with_or_without_its_hash(word: str, number: int) -> None:
    assert parse_number(word) == number


@pytest.mark.parametrize("word", ["", "#", "3a", "-1", "²", "٣", "9223372036854775808"])
def test_what_cannot_name_an_item_is_no_number(word: str) -> None:
    assert parse_number(word) is None
