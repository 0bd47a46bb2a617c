"""What a person typed, made safe to keep: control characters out, limits enforced, nothing lost."""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT_LENGTH = 4000
# Unicode's control characters (category Cc) are exactly these two ranges; newline and tab stay.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Item and reminder numbers are 64-bit integers in the database.
LARGEST_NUMBER = 2**63 - 1
_NUMBER = re.compile("#*([0-9]+)")


def clean(raw: str) -> str:
    """Drop control characters (keeping newlines and tabs) and trim surrounding blank space.

    Everything else, including emoji sequences with their zero-width joiners, is kept exactly.
    A Windows line ending becomes a plain newline because its carriage return is a control.
    """
    return _CONTROLS.sub("", raw).strip()


def excerpt(text: str, limit: int = 80) -> str:
    """One line, at most ``limit`` characters, cut at a word boundary with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    # Never end on a joiner or variation selector: half an emoji sequence renders as garbage.
    return cut.rstrip(" ,.;:-\u200d\ufe0f") + "…"


def is_blank(text: str) -> bool:
    """Nothing a person could read: only spaces and invisible format characters."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def parse_number(word: str) -> int | None:
    """An item's or reminder's number as people write it (``3`` or ``#3``); ``None`` for
    anything else, a number too large to name anything included (it would not fit the
    database), and digits other than 0-9 (``str.isdigit`` accepts superscripts)."""
    match = _NUMBER.fullmatch(word.strip())
    if match is None:
        return None
    number = int(match.group(1))
    return number if number <= LARGEST_NUMBER else None
