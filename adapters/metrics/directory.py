"""Where worker processes write their counts (Prometheus's multiprocess mode), so that a scrape
of any of them shows every process's: a directory made fresh by the first process before the
workers start. Imports nothing of Prometheus, which reads the directory's name when imported."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from adapters.app.settings import Settings
from bot.errors import ConfigError

DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_directory(
    settings: Settings, environ: Mapping[str, str]
) -> Iterator[Mapping[str, str]]:
    """``environ`` for the workers, naming the directory, while the block runs. Only the first
    process of several with metrics on makes one: the operator's ``PROMETHEUS_MULTIPROC_DIR``
    emptied of an earlier run's files (counts of dead processes would add up forever), else a
    new temporary directory, removed at the end."""
    if settings.worker > 0:
        yield environ  # the first process set the variable for it
        return
    if not settings.metrics.enabled or settings.workers < 2:
        # One process counts in memory. Prometheus's client would write files wherever the
        # variable points as soon as it is set, even empty (as an ``.env`` copied from
        # ``.env.example`` sets it): into the working directory.
        with _without(DIRECTORY):
            yield environ
        return
    given = settings.metrics.directory
    if given:
        path = Path(given)
        try:
            path.mkdir(parents=True, exist_ok=True)
            for old in path.glob("*.db"):
                old.unlink()
        except OSError as error:
            raise ConfigError(DIRECTORY, f"cannot use {given} ({error.strerror})") from error
    else:
        path = Path(tempfile.mkdtemp(prefix="feedbackbot-metrics-"))
    before = os.environ.get(DIRECTORY)
    # Set here too: this process's Prometheus client reads it when it is first imported.
    os.environ[DIRECTORY] = str(path)
    try:
        yield {**environ, DIRECTORY: str(path)}
    finally:
        if before is None:
            os.environ.pop(DIRECTORY, None)
        else:
            os.environ[DIRECTORY] = before
        if not given:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _without(name: str) -> Iterator[None]:
    before = os.environ.pop(name, None)
    try:
        yield
    finally:
        if before is not None:
            os.environ[name] = before
