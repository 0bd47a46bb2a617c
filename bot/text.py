"""What a person typed, made safe to keep: control characters out, limits enforced, nothing lost."""

from __future__ import annotations

import unicodedata

MAX_TEXT_LENGTH = 4000
_KEPT_CONTROLS = frozenset("\n\t")


def clean(raw: str) -> str:
    """Drop control characters (keeping newlines and tabs) and trim surrounding blank space.

    Everything else, including emoji sequences with their zero-width joiners, is kept exactly.
    A Windows line ending becomes a plain newline because its carriage return is a control.
    """
    kept = "".join(ch for ch in raw if ch in _KEPT_CONTROLS or unicodedata.category(ch) != "Cc")
    return kept.strip()


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
