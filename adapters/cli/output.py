"""Standard output that may be closed early by its reader, as in ``feedbackbot export | head``."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO, cast

# What a shell reports for a writer that SIGPIPE ended: 128 + SIGPIPE.
OUTPUT_CLOSED = 141


# What a terminal would act on instead of showing: escape sequences (CSI ``ESC [ ... m``,
# OSC ``ESC ] ... BEL`` that sets titles and clipboards, DCS, APC, and their 8-bit forms, up to
# their terminator or the end of the text), then any control character left but the line break
# and the tab (``\r`` and backspace could overwrite what was shown), and the bidirectional
# overrides that make text read in another order than it is.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|\Z)"
    r"|\x1b[ -/]*[0-~]",
    re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """``text`` as a terminal can only show it: no escape sequence or control character that
    could clear the screen, retitle the window or move the cursor, only what they surrounded."""
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def show(text: str, out: TextIO, *, end: str = "\n") -> None:
    """Print what may hold names and text from people (or another platform) to a terminal."""
    print(terminal_text(text), end=end, file=out, flush=True)


class OutputClosed(Exception):
    """The reader of standard output has gone. Not an ``OSError``, so that nothing on the way
    out (the database's error handling, say) takes it for a failure of its own."""


class _Guarded:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError as error:
            raise OutputClosed() from error

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError as error:
            raise OutputClosed() from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guarded(stream: TextIO) -> TextIO:
    """``stream``, whose writes raise ``OutputClosed`` instead of ``BrokenPipeError``."""
    return cast(TextIO, _Guarded(stream))


def silence_stdout() -> None:
    """Point the process's standard output at the null device, so that Python's flush at exit
    of what is still buffered does not report the broken pipe again (the Python documentation's
    "Note on SIGPIPE", in the ``signal`` module)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
