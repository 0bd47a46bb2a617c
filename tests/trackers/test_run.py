"""``feedbackbot run`` as an operator starts it, with trackers configured: the webhook routes are
served beside the dashboard; and the commands that reach no tracker never import httpx."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, running
from tests.trackers.fake_github import FakeGitHub

pytestmark = pytest.mark.slow

SECRET = "gh-webhook-secret"


def _env(clean_env: dict[str, str], **more: str) -> dict[str, str]:
    env = {**clean_env, "LOG_LEVEL": "INFO", "HOST": "127.0.0.1", **more}
    if os.environ.get("PYTHONPATH"):
        # A worktree run with PYTHONPATH: the process runs the same code as the test.
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


async def test_run_serves_the_github_webhook_when_github_is_configured(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    async with FakeGitHub(token="ghp_run") as github:
        github.add_issue("acme/widgets", 12, "SSO")
        env = _env(
            clean_env,
            PORT=str(port),
            GITHUB_TOKEN="ghp_run",
            GITHUB_API_URL=github.api_url,
            GITHUB_WEBHOOK_SECRET=SECRET,
        )
        async with running(env, tmp_path, b"serving"):
            url = f"http://127.0.0.1:{port}/webhooks/github"
            ping = await github.send(github.ping(url, secret=SECRET))
            assert (ping.status, ping.json) == (200, {"ignored": True})
            forged = await github.deliver(url, "closed", "acme/widgets", 12, secret="guess")
            assert forged.status == 401
            closed = await github.deliver(url, "closed", "acme/widgets", 12, secret=SECRET)
            assert (closed.status, closed.json) == (202, {"issue": "acme/widgets#12", "items": []})
            async with httpx.AsyncClient() as client:
                jira = await client.post(f"http://127.0.0.1:{port}/webhooks/jira", content=b"{}")
            assert jira.status_code == 404
            assert "set JIRA_URL and JIRA_WEBHOOK_SECRET" in jira.text


async def test_run_without_trackers_serves_no_webhook(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    async with (
        running(_env(clean_env, PORT=str(port)), tmp_path, b"serving"),
        httpx.AsyncClient() as client,
    ):
        answer = await client.post(f"http://127.0.0.1:{port}/webhooks/github", content=b"{}")
    assert answer.status_code in (404, 405)


def test_a_command_that_reaches_no_tracker_never_imports_httpx(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = _env(clean_env, GITHUB_TOKEN="ghp_x", JIRA_URL="https://a.test", JIRA_BEARER_TOKEN="p")
    script = (
        "import sys\n"
        "from adapters.cli.main import main\n"
        "try:\n    main(['stats'])\nexcept SystemExit:\n    pass\n"
        "print('httpx' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
