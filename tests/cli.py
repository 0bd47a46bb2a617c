"""``feedbackbot`` as a person runs it, in this process: ``main`` with the arguments, the
environment, the folder, typed input; what it printed and its exit status come back. The same
code path as the installed command, without starting an interpreter for each call (the
installed command itself is tried in ``tests/console/test_installed_command.py``)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Mapping
from contextlib import chdir, contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from adapters.cli.main import main


@dataclass(frozen=True)
class Result:
    status: int
    stdout: str
    stderr: str


def run_cli(*argv: str, env: Mapping[str, str], cwd: Path, typed: str | bytes = "") -> Result:
    """``feedbackbot ARGV`` in ``cwd`` (where it reads ``.env`` and puts the default SQLite
    file), with ``typed`` as its standard input (not a terminal); bytes come through a UTF-8
    text stream over them, as a process's standard input does."""
    out, err = io.StringIO(), io.StringIO()
    stdin = (
        io.TextIOWrapper(io.BytesIO(typed), encoding="utf-8")
        if isinstance(typed, bytes)
        else io.StringIO(typed)
    )
    with chdir(cwd), redirect_stdout(out), redirect_stderr(err), own_logging():
        try:
            status = main(list(argv), environ=env, stdin=stdin, stdout=out)
        except SystemExit as exit_:  # argparse: a usage error, --help, --version
            status = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    return Result(status, out.getvalue(), err.getvalue())


@contextmanager
def own_logging() -> Iterator[None]:
    """The root logger as a new process has it (no handlers), so that ``main`` configures it
    as it would there (its log lines go to the redirected standard error); as it was, after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
