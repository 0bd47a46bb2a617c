"""``feedbackbot`` as an operator starts it: a real process of the installed command."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from tests.cli import Result

FEEDBACKBOT = str(Path(sys.executable).parent / "feedbackbot")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def running(
    env: Mapping[str, str], cwd: Path, marker: bytes, start_timeout_s: float = 60
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``feedbackbot run``, once it logs ``marker`` (it serves); stopped with SIGTERM at the
    end of the block, after which it must have exited 0."""
    process = await asyncio.create_subprocess_exec(
        FEEDBACKBOT, "run", env=dict(env), cwd=cwd, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        # Wait for the line that says it serves, not for time to pass.
        async with asyncio.timeout(start_timeout_s):
            while marker not in (line := await process.stderr.readline()):
                assert line, "feedbackbot run ended before serving"
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
    assert code == 0


async def installed(
    *argv: str, env: Mapping[str, str], cwd: Path, typed: str = "", timeout_s: float = 60
) -> Result:
    """The installed ``feedbackbot ARGV`` as a new process, ``typed`` piped to it; once it ended."""
    process = await asyncio.create_subprocess_exec(
        FEEDBACKBOT,
        *argv,
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(typed.encode()), timeout_s)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())
