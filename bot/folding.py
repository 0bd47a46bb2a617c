"""Saying the same thing once in a while: a platform or a database in trouble fails the same
way for every message, and a line for each buries everything else in the log."""

from __future__ import annotations

# How often one reason is said again.
EVERY_S = 10.0


class Folding:
    """Decides, for each reason, whether to say it now: the first time, then once every
    ``every_s`` seconds, with how many times it happened meanwhile without being said."""

    def __init__(self, every_s: float = EVERY_S) -> None:
        self._every_s = every_s
        self._said: dict[str, tuple[float, int]] = {}

    def say(self, reason: str, now: float) -> int | None:
        """``None`` to stay quiet; else how many times it was not said since it last was."""
        since, folded = self._said.get(reason, (None, 0))
        if since is not None and now - since < self._every_s:
            self._said[reason] = (since, folded + 1)
            return None
        self._said[reason] = (now, 0)
        return folded

    def more(self, folded: int) -> str:
        """What a line adds about the times it was not said: nothing, or how many."""
        return f" (and {folded} more in the last {self._every_s:.0f} s)" if folded else ""
