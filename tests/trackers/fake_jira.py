"""A fake Jira REST API v2 (Cloud or Data Center) on 127.0.0.1, and Jira's webhook sender.

Issues keep the shape of Atlassian's documentation ("Get issue" with
``fields=status,resolution,summary``; the ``jira:issue_updated`` webhook): ``key``, ``self``,
``fields.status.name``, ``fields.status.statusCategory.key`` (new, indeterminate, done),
``fields.resolution`` (null or ``{"name": ...}``), ``changelog.items``. Deliveries carry
``X-Atlassian-Webhook-Identifier`` (the same on a retry) and, with a secret, Jira Cloud's
``X-Hub-Signature: sha256=<hex>``; or the secret as ``?secret=`` in the URL (Data Center).

    async with FakeJira(user="bot@acme.test", api_token="t0ken") as jira:   # or bearer="pat"
        jira.add_issue("PROJ-12", "SSO please")
        jira.transition("PROJ-12", "Done", resolution="Done")
        await jira.deliver(url, "PROJ-12", secret="s3cret")
"""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.trackers.fake_server import Answer, Delivery, FakeServer, JsonDict, hub_signature

# The statuses of the fake's workflow and their categories (Jira's own three).
STATUSES = {
    "To Do": ("new", "To Do", 2),
    "In Progress": ("indeterminate", "In Progress", 4),
    "In Pilot": ("indeterminate", "In Progress", 4),
    "In Review": ("indeterminate", "In Progress", 4),
    "Done": ("done", "Done", 3),
}


@dataclass
class FakeJiraIssue:
    key: str
    id: int
    summary: str
    description: str = ""
    status: str = "To Do"
    resolution: str | None = None
    issue_type: str = "Task"


class FakeJira(FakeServer):
    def __init__(
        self,
        *,
        user: str | None = None,
        api_token: str | None = None,
        bearer: str | None = None,
        projects: tuple[str, ...] = ("PROJ",),
        issue_types: tuple[str, ...] = ("Task", "Story", "Bug"),
    ) -> None:
        super().__init__()
        self.user, self.api_token, self.bearer = user, api_token, bearer
        self.projects = set(projects)
        self.issue_types = set(issue_types)
        self.issues: dict[str, FakeJiraIssue] = {}
        self._ids = itertools.count(10001)
        self._changes = itertools.count(50001)

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/rest/api/2/issue/{key}", self._get_issue)
        app.router.add_post("/rest/api/2/issue", self._create_issue)
        app.router.add_get("/rest/api/2/myself", self._myself)

    # -- the issues it holds ----------------------------------------------------------------

    def add_issue(self, key: str, summary: str, *, status: str = "To Do") -> FakeJiraIssue:
        self.projects.add(key.rsplit("-", 1)[0])
        issue = FakeJiraIssue(key, next(self._ids), summary, status=status)
        self.issues[key] = issue
        return issue

    def transition(
        self, key: str, status: str, *, resolution: str | None = None
    ) -> tuple[str, str]:
        """Move the issue; its status before and after (for the changelog)."""
        issue = self.issues[key]
        before = issue.status
        issue.status, issue.resolution = status, resolution
        return before, status

    def issue_json(self, issue: FakeJiraIssue) -> JsonDict:
        category, category_name, category_id = STATUSES[issue.status]
        return {
            "expand": "renderedFields,names,schema,transitions",
            "id": str(issue.id),
            "self": f"{self.base_url}/rest/api/2/issue/{issue.id}",
            "key": issue.key,
            "fields": {
                "summary": issue.summary,
                "status": {
                    "self": f"{self.base_url}/rest/api/2/status/1",
                    "description": "",
                    "name": issue.status,
                    "id": "1",
                    "statusCategory": {
                        "self": f"{self.base_url}/rest/api/2/statuscategory/{category_id}",
                        "id": category_id,
                        "key": category,
                        "colorName": "green" if category == "done" else "yellow",
                        "name": category_name,
                    },
                },
                "resolution": (
                    None
                    if issue.resolution is None
                    else {
                        "self": f"{self.base_url}/rest/api/2/resolution/1",
                        "id": "10000",
                        "description": "",
                        "name": issue.resolution,
                    }
                ),
            },
        }

    # -- the REST API -----------------------------------------------------------------------

    def _refused(self, request: web.Request) -> web.Response | None:
        given = request.headers.get("Authorization", "")
        if self.bearer is not None:
            ok = given == f"Bearer {self.bearer}"
        elif self.user is not None:
            basic = base64.b64encode(f"{self.user}:{self.api_token}".encode()).decode()
            ok = given == f"Basic {basic}"
        else:
            ok = True
        if ok:
            return None
        # Jira answers a wrong API token with 401 and an empty body.
        return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="protected"'})

    async def _get_issue(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        issue = self.issues.get(request.match_info["key"])
        if issue is None:
            return web.json_response(
                {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ],
                    "errors": {},
                },
                status=404,
            )
        return web.json_response(self.issue_json(issue))

    async def _create_issue(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        given: Any = await request.json()
        fields = given.get("fields", {}) if isinstance(given, dict) else {}
        project = (fields.get("project") or {}).get("key")
        issue_type = (fields.get("issuetype") or {}).get("name")
        errors: dict[str, str] = {}
        if project not in self.projects:
            errors["project"] = "valid project is required"
        if issue_type not in self.issue_types:
            errors["issuetype"] = "Specify a valid issue type"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if errors:
            return web.json_response({"errorMessages": [], "errors": errors}, status=400)
        number = 1 + sum(1 for key in self.issues if key.startswith(f"{project}-"))
        issue = self.add_issue(f"{project}-{number}", str(fields["summary"]))
        issue.description = str(fields.get("description") or "")
        issue.issue_type = str(issue_type)
        return web.json_response(
            {
                "id": str(issue.id),
                "key": issue.key,
                "self": f"{self.base_url}/rest/api/2/issue/{issue.id}",
            },
            status=201,
        )

    async def _myself(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        return web.json_response(
            {"accountId": "5b10a2844c20165700ede21g", "displayName": "Feedback Bot", "active": True}
        )

    # -- the webhook sender -----------------------------------------------------------------

    def delivery(
        self,
        url: str,
        key: str,
        *,
        secret: str | None = None,
        event: str = "jira:issue_updated",
        changed: tuple[str, str] | None = None,
        field: str = "status",
        in_query: bool = False,
        identifier: bool = True,
        signature: str | None = None,
    ) -> Delivery:
        """The delivery Jira would send now for the issue as it stands. ``changed``: the
        status before and after, for the changelog; ``in_query``: the secret as
        ``?secret=`` (Data Center) instead of the signature (Cloud)."""
        issue = self.issues[key]
        payload: JsonDict = {
            "timestamp": int(time.time() * 1000),
            "webhookEvent": event,
            "issue_event_type_name": "issue_generic"
            if event.endswith("updated")
            else "issue_created",
            "user": {
                "self": f"{self.base_url}/rest/api/2/user?accountId=5b10a2844c20165700ede21g",
                "accountId": "5b10a2844c20165700ede21g",
                "displayName": "Ada Admin",
                "active": True,
            },
            "issue": self.issue_json(issue),
        }
        if event == "jira:issue_updated":
            before, after = changed or (issue.status, issue.status)
            payload["changelog"] = {
                "id": str(next(self._changes)),
                "items": [
                    {
                        "field": field,
                        "fieldtype": "jira",
                        "from": "1",
                        "fromString": before,
                        "to": "3",
                        "toString": after,
                    }
                ],
            }
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Atlassian Webhook HTTP Client",
        }
        if identifier:
            headers["X-Atlassian-Webhook-Identifier"] = str(uuid.uuid4())
            headers["X-Atlassian-Webhook-Flow"] = "Primary"
        if signature is not None:
            headers["X-Hub-Signature"] = signature
        elif secret is not None and not in_query:
            headers["X-Hub-Signature"] = hub_signature(secret, body)
        if in_query and secret is not None:
            url = f"{url}?secret={secret}"
        return Delivery(url, headers, body)

    async def deliver(self, url: str, key: str, **options: Any) -> Answer:
        return await self.send(self.delivery(url, key, **options))
