"""``feedbackbot run`` with no chat platform, as someone trying the bot with the console does:
the dashboard is served alone, and a link from the terminal signs them in."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.processes import free_port, installed, running


async def test_run_with_no_platform_serves_the_dashboard_and_a_terminal_link_signs_in(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**clean_env, "PORT": str(port), "LOG_LEVEL": "INFO"}
    said = await installed(
        "console", env=env, cwd=tmp_path, typed="/request must-have: SSO for Grafana\n"
    )
    assert said.status == 0, said.stderr
    async with (
        running(env, tmp_path, b"the dashboard alone"),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as browser,
    ):
        made = await installed(
            *("dashboard", "link", "--workspace", "console:local", "--as", "alice", "--admin"),
            env=env,
            cwd=tmp_path,
        )
        link = made.stdout.strip()
        assert link.startswith(f"http://127.0.0.1:{port}/signin/"), made
        path = re.sub(r"^http://[^/]+", "", link)
        assert "Sign in" in (await browser.get(path)).text
        signed_in = await browser.post(path, follow_redirects=True)
        assert signed_in.status_code == 200
        assert "SSO for Grafana" in signed_in.text
        assert (await browser.get("/healthz")).json() == {"status": "ok"}
