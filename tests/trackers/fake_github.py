"""A fake GitHub REST API (github.com, or GitHub Enterprise Server under ``/api/v3``) on
127.0.0.1, and GitHub's webhook sender.

The issue object and the ``issues`` delivery keep the shape of GitHub's own documentation
(REST "Get an issue", webhook event ``issues``): ``state`` open/closed, ``state_reason``
(completed, not_planned, reopened or null), ``html_url``, ``repository.full_name``; deliveries
carry ``X-GitHub-Event``, ``X-GitHub-Delivery`` (a GUID, the same when redelivered),
``X-Hub-Signature-256`` and GitHub-Hookshot's user agent.

    async with FakeGitHub(token="ghp_test") as github:      # or prefix="/api/v3" (GHES)
        github.add_issue("acme/widgets", 12, "SSO please")
        github.close("acme/widgets", 12, "completed")
        answer = await github.deliver(url, "closed", "acme/widgets", 12, secret="s3cret")
        await github.send(answer_delivery)                   # a redelivery: same bytes
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.trackers.fake_server import Answer, Delivery, FakeServer, JsonDict, hub_signature

CREATED = "2025-03-03T09:00:00Z"


@dataclass
class FakeIssue:
    repo: str  # owner/repo as the repository spells it
    number: int
    title: str
    body: str = ""
    state: str = "open"
    state_reason: str | None = None
    id: int = 0
    labels: list[str] = field(default_factory=list)


class FakeGitHub(FakeServer):
    def __init__(
        self, *, token: str | None = None, prefix: str = "", web_url: str = "https://github.com"
    ) -> None:
        super().__init__()
        self.token = token
        self.prefix = prefix.rstrip("/")
        self.web_url = web_url
        self.issues: dict[tuple[str, int], FakeIssue] = {}
        self.repos: set[str] = set()
        self._ids = itertools.count(1001)
        self.deliveries: list[Delivery] = []

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{self.prefix}"

    def routes(self, app: web.Application) -> None:
        p = self.prefix
        app.router.add_get(f"{p}/repos/{{owner}}/{{repo}}/issues/{{number}}", self._get_issue)
        app.router.add_post(f"{p}/repos/{{owner}}/{{repo}}/issues", self._create_issue)
        app.router.add_get(f"{p}/user", self._user)

    # -- the issues it holds ----------------------------------------------------------------

    def add_repo(self, repo: str) -> None:
        self.repos.add(repo.lower())

    def add_issue(self, repo: str, number: int, title: str, *, state: str = "open") -> FakeIssue:
        self.add_repo(repo)
        issue = FakeIssue(repo, number, title, state=state, id=next(self._ids))
        self.issues[(repo.lower(), number)] = issue
        return issue

    def issue(self, repo: str, number: int) -> FakeIssue:
        return self.issues[(repo.lower(), number)]

    def close(self, repo: str, number: int, reason: str | None = "completed") -> FakeIssue:
        issue = self.issue(repo, number)
        issue.state, issue.state_reason = "closed", reason
        return issue

    def reopen(self, repo: str, number: int) -> FakeIssue:
        issue = self.issue(repo, number)
        issue.state, issue.state_reason = "open", "reopened"
        return issue

    def issue_json(self, issue: FakeIssue) -> JsonDict:
        api = f"{self.api_url}/repos/{issue.repo}"
        closed = issue.state == "closed"
        return {
            "id": issue.id,
            "node_id": f"I_kw{issue.id}",
            "url": f"{api}/issues/{issue.number}",
            "repository_url": api,
            "comments_url": f"{api}/issues/{issue.number}/comments",
            "html_url": f"{self.web_url}/{issue.repo}/issues/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "title": issue.title,
            "body": issue.body,
            "user": {"login": "octocat", "id": 1, "type": "User"},
            "labels": [{"name": name} for name in issue.labels],
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "locked": False,
            "active_lock_reason": None,
            "comments": 0,
            "closed_at": CREATED if closed else None,
            "created_at": CREATED,
            "updated_at": CREATED,
            "closed_by": {"login": "octocat", "id": 1} if closed else None,
            "author_association": "OWNER",
        }

    # -- the REST API -----------------------------------------------------------------------

    def _refused(self, request: web.Request) -> web.Response | None:
        if self.token is None:
            return None
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(
                {
                    "message": "Bad credentials",
                    "documentation_url": "https://docs.github.com/rest",
                },
                status=401,
            )
        return None

    async def _get_issue(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        repo = f"{request.match_info['owner']}/{request.match_info['repo']}".lower()
        issue = self.issues.get((repo, int(request.match_info["number"])))
        if issue is None:
            return web.json_response({"message": "Not Found"}, status=404)
        return web.json_response(self.issue_json(issue))

    async def _create_issue(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        repo = f"{request.match_info['owner']}/{request.match_info['repo']}"
        if repo.lower() not in self.repos:
            return web.json_response({"message": "Not Found"}, status=404)
        given: Any = await request.json()
        if not isinstance(given, dict) or not given.get("title"):
            return web.json_response(
                {
                    "message": "Validation Failed",
                    "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
                },
                status=422,
            )
        number = 1 + max((n for (r, n) in self.issues if r == repo.lower()), default=0)
        issue = self.add_issue(repo, number, str(given["title"]))
        issue.body = str(given.get("body") or "")
        return web.json_response(self.issue_json(issue), status=201)

    async def _user(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        return web.json_response({"login": "feedbackbot-ci", "id": 7, "type": "User"})

    # -- the webhook sender -----------------------------------------------------------------

    def delivery(
        self,
        url: str,
        action: str,
        repo: str,
        number: int,
        *,
        secret: str | None,
        event: str = "issues",
        signature: str | None = None,
    ) -> Delivery:
        """The ``issues`` delivery GitHub would send now for the issue as it stands."""
        issue = self.issue(repo, number)
        owner = issue.repo.split("/")[0]
        payload: JsonDict = {
            "action": action,
            "issue": self.issue_json(issue),
            "repository": {
                "id": 42,
                "node_id": "R_kgDO42",
                "name": issue.repo.split("/")[1],
                "full_name": issue.repo,
                "private": False,
                "owner": {"login": owner, "id": 2, "type": "Organization"},
                "html_url": f"{self.web_url}/{issue.repo}",
                "url": f"{self.api_url}/repos/{issue.repo}",
            },
            "sender": {"login": "octocat", "id": 1, "type": "User"},
        }
        return self._signed(url, event, payload, secret, signature)

    def ping(self, url: str, *, secret: str | None) -> Delivery:
        payload: JsonDict = {
            "zen": "Design for failure.",
            "hook_id": 123,
            "hook": {"type": "Repository", "id": 123, "events": ["issues"], "active": True},
        }
        return self._signed(url, "ping", payload, secret, None)

    def _signed(
        self, url: str, event: str, payload: JsonDict, secret: str | None, signature: str | None
    ) -> Delivery:
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/044aadd",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": "123",
        }
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        elif secret is not None:
            headers["X-Hub-Signature-256"] = hub_signature(secret, body)
        delivery = Delivery(url, headers, body)
        self.deliveries.append(delivery)
        return delivery

    async def deliver(
        self,
        url: str,
        action: str,
        repo: str,
        number: int,
        *,
        secret: str | None,
        signature: str | None = None,
    ) -> Answer:
        """Send the ``issues`` delivery for the issue as it stands; the bot's answer."""
        return await self.send(
            self.delivery(url, action, repo, number, secret=secret, signature=signature)
        )
