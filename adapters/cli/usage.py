"""Command-line arguments that cannot be read, and ``UsageError`` for those that cannot work
together: refused with one line and exit status 2, like argparse's own usage errors."""

from __future__ import annotations

import argparse

from bot.errors import FeedbackBotError
from bot.identity import Workspace
from bot.text import parse_number

USAGE_ERROR = 2


class UsageError(FeedbackBotError):
    """Arguments that cannot work; the message says what would."""


def workspace_argument(text: str) -> Workspace:
    """``--workspace``: a workspace as ``platform:id``."""
    try:
        return Workspace.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected platform:id such as slack:T0123, discord:123456 or console:local, "
            f"got {text!r}"
        ) from None


def number_argument(text: str) -> int:
    """An item's or reminder's number, read as the chat commands read it."""
    number = parse_number(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"expected a number such as 3, got {text!r}")
    return number


def is_text(value: str) -> bool:
    """Whether an argument or environment value was text: Python keeps bytes that are not
    (in the locale's encoding) as lone surrogates, which no database or terminal takes."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_argument(text: str) -> str:
    """A name given on the command line (``--name``, ``--channel``)."""
    if not is_text(text):
        raise argparse.ArgumentTypeError(f"not UTF-8 text: {text.encode('utf-8', 'replace')!r}")
    return text
