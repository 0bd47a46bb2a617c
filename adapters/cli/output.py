"""Standard output that may be closed early by its reader, as in ``feedbackbot export | head``."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any, TextIO, cast

# What a shell reports for a writer that SIGPIPE ended: 128 + SIGPIPE.
OUTPUT_CLOSED = 141


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
