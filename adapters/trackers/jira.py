"""Jira (Cloud or Data Center) behind the ``Tracker`` port, over REST API v2; and its
``jira:issue_created`` / ``jira:issue_updated`` webhooks, verified with the secret.

Version 2 rather than 3: it is the one both Jira Cloud and Data Center serve, and it takes an
issue's description as plain text (wiki markup), where version 3 (Cloud only) wants an Atlassian
Document Format tree."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from adapters.trackers.calls import answer_object, call, message, unreadable
from adapters.trackers.signatures import (
    MalformedDelivery,
    header,
    json_object,
    object_field,
    text_field,
    verify,
)
from bot.errors import BadSignature
from bot.issue_links import IssueRef
from bot.trackers import IssueDraft, IssueState, TrackerChange

DEFAULT_ISSUE_TYPE = "Task"
SIGNATURE_HEADER = "X-Hub-Signature"
IDENTIFIER_HEADER = "X-Atlassian-Webhook-Identifier"
ISSUE_EVENTS = frozenset({"jira:issue_created", "jira:issue_updated"})
# What an issue_updated delivery must have changed to move an item: an edit of the summary
# or a comment changes nothing the bot follows.
STATE_FIELDS = frozenset({"status", "resolution"})
DONE = "done"

_PROJECT = re.compile(r"^[A-Za-z][A-Za-z0-9_]+$")
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]+)-([0-9]+)$")


class JiraTracker:
    """Jira at ``base_url`` (``https://acme.atlassian.net``, or a Data Center's URL with its
    context path). Cloud signs in with ``user`` (an email) and an API token; Data Center with
    a personal access token as ``bearer``."""

    name = "jira"
    label = "Jira"

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        user: str | None = None,
        api_token: str | None = None,
        bearer: str | None = None,
        issue_type: str = DEFAULT_ISSUE_TYPE,
    ) -> None:
        self._client = client
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self._host = parts.netloc.lower()
        self._path = parts.path.rstrip("/")
        self._issue_type = issue_type
        self._headers = {"Accept": "application/json", "User-Agent": "feedbackbot"}
        self._auth: httpx.Auth | None = None
        if bearer:
            self._headers["Authorization"] = f"Bearer {bearer}"
            self._credentials = "JIRA_BEARER_TOKEN"
        else:
            self._auth = httpx.BasicAuth(user or "", api_token or "")
            self._credentials = "JIRA_USER and JIRA_API_TOKEN"

    def __repr__(self) -> str:
        return f"JiraTracker({self.base_url!r})"

    def ref(self, key: str) -> IssueRef:
        key = key.upper()
        return IssueRef(self.name, key, f"{self.base_url}/browse/{key}")

    def parse(self, text: str) -> IssueRef | None:
        """``PROJ-12``, or an issue's URL on the configured Jira (``/browse/PROJ-12``, or a
        board's ``?selectedIssue=PROJ-12``)."""
        text = text.strip()
        if _KEY.match(text):
            return self.ref(text)
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self._host:
            return None
        path = parts.path.rstrip("/")
        browse = f"{self._path}/browse/"
        if path.startswith(browse) and _KEY.match(path[len(browse) :]):
            return self.ref(path[len(browse) :])
        selected = parse_qs(parts.query).get("selectedIssue", [""])[0]
        return self.ref(selected) if _KEY.match(selected) else None

    def project(self, text: str) -> str | None:
        """A project key: ``PROJ``."""
        text = text.strip()
        return text.upper() if _PROJECT.match(text) else None

    async def create(self, project: str, draft: IssueDraft) -> IssueRef:
        response = await self._call(
            "POST",
            "/rest/api/2/issue",
            f"project {project}",
            json={
                "fields": {
                    "project": {"key": project},
                    "summary": draft.title,
                    "description": wiki(draft.body),
                    "issuetype": {"name": self._issue_type},
                }
            },
        )
        key = answer_object(response, "Jira", "JIRA_URL").get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise unreadable(response, "Jira", "JIRA_URL")
        return self.ref(key)

    async def state(self, ref: IssueRef) -> IssueState:
        response = await self._call(
            "GET",
            f"/rest/api/2/issue/{ref.key}",
            f"issue {ref.key}",
            params={"fields": "status,resolution,summary"},
        )
        try:
            return issue_state(ref, answer_object(response, "Jira", "JIRA_URL"))
        except MalformedDelivery:
            raise unreadable(response, "Jira", "JIRA_URL") from None

    async def whoami(self) -> str:
        """Who the credentials sign in as (``GET /rest/api/2/myself``), for ``check``."""
        response = await self._call("GET", "/rest/api/2/myself", "the signed-in user")
        body = answer_object(response, "Jira", "JIRA_URL")
        name = body.get("displayName") or body.get("name") or body.get("emailAddress")
        return str(name) if name else "?"

    async def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return await call(
            self._client,
            self.label,
            method,
            f"{self.base_url}{path}",
            explain=lambda answer: self._explain(answer, what, creating=method == "POST"),
            headers=self._headers,
            auth=self._auth,
            json=json,
            params=params,
        )

    def _explain(self, response: httpx.Response, what: str, *, creating: bool) -> str | None:
        status = response.status_code
        said = message(response)
        detail = f": {said}" if said else ""
        if status == 401:
            return f"Jira refused the credentials (401); check {self._credentials}"
        if status == 403:
            return (
                f"Jira refused {self._credentials} access to {what} (403{detail}); give the "
                "account Browse projects and Create issues there"
            )
        if status == 404:
            return f"Jira has no {what}, or the account cannot see it (404)"
        if status == 400:
            hint = "; check JIRA_ISSUE_TYPE" if creating else ""
            return f"Jira refused the request for {what} (400{detail}){hint}"
        return None


def wiki(markdown: str) -> str:
    """The draft's Markdown as Jira wiki markup, for what the draft uses: quoted lines
    (``> ``) and links (``[text](url)``)."""
    lines: list[str] = []
    quoting = False
    for line in markdown.splitlines():
        quoted = line.startswith(">")
        if quoted != quoting:
            lines.append("{quote}")
            quoting = quoted
        lines.append(line[1:].lstrip() if quoted else line)
    if quoting:
        lines.append("{quote}")
    return re.sub(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)", r"[\1|\2]", "\n".join(lines))


def issue_state(ref: IssueRef, issue: Mapping[str, Any]) -> IssueState:
    """An issue as Jira shows it (REST or webhook: ``fields.status``, ``fields.resolution``),
    as the core reads it."""
    fields = object_field(issue, "fields", "issue")
    status = object_field(fields, "status", "issue.fields")
    name = text_field(status, "name", "issue.fields.status")
    category = status.get("statusCategory")
    category_key = category.get("key") if isinstance(category, dict) else None
    resolution = fields.get("resolution")
    reason = resolution.get("name") if isinstance(resolution, dict) else None
    summary = fields.get("summary")
    return IssueState(
        ref,
        open=category_key != DONE,
        state=name,
        reason=reason if isinstance(reason, str) and reason else None,
        category=category_key if isinstance(category_key, str) else None,
        title=summary if isinstance(summary, str) else "",
    )


def parse_jira_delivery(
    headers: Mapping[str, str],
    body: bytes,
    query: Mapping[str, str],
    secret: str | None,
) -> TrackerChange | None:
    """A webhook delivery as the change it reports; ``None`` for what moves nothing (other
    events, an update that changed neither status nor resolution). With ``secret``: checked
    as Jira Cloud signs (``X-Hub-Signature: sha256=<hex>``) when the header is there, else as
    the ``?secret=`` of the webhook's URL (Data Center, which signs nothing); ``BadSignature``
    when neither holds."""
    if secret:
        signed = header(headers, SIGNATURE_HEADER)
        if signed:
            verify(secret, body, signed, SIGNATURE_HEADER)
        else:
            given = query.get("secret", "")
            if not given:
                raise BadSignature(f"no {SIGNATURE_HEADER} header and no secret parameter")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                raise BadSignature("the secret parameter does not match")
    payload = json_object(body)
    event = payload.get("webhookEvent")
    if event not in ISSUE_EVENTS:
        return None
    issue = object_field(payload, "issue", "payload")
    changelog = payload.get("changelog")
    if event == "jira:issue_updated" and isinstance(changelog, dict):
        items = changelog.get("items")
        if isinstance(items, list) and not any(
            isinstance(each, dict) and str(each.get("field", "")).lower() in STATE_FIELDS
            for each in items
        ):
            return None
    key = text_field(issue, "key", "issue")
    if not _KEY.match(key):
        raise MalformedDelivery("issue.key is not an issue key")
    ref = IssueRef("jira", key.upper(), _browse(issue, key.upper()))
    return TrackerChange(issue_state(ref, issue), _delivery_id(headers, payload), str(event))


def _browse(issue: Mapping[str, Any], key: str) -> str:
    """The issue's page, from its REST address (``.../rest/api/2/issue/10001``)."""
    self_url = issue.get("self")
    if isinstance(self_url, str) and "/rest/api/" in self_url:
        return f"{self_url.split('/rest/api/', 1)[0]}/browse/{key}"
    return ""


def _delivery_id(headers: Mapping[str, str], payload: Mapping[str, Any]) -> str:
    """Jira Cloud names each delivery (the same on its retries); Data Center does not, so the
    event's own time, issue and change stand for it."""
    given = header(headers, IDENTIFIER_HEADER)
    if given:
        return f"jira:{given.strip()}"
    issue = payload.get("issue")
    changelog = payload.get("changelog")
    parts = [
        str(payload.get("timestamp", "")),
        str(payload.get("webhookEvent", "")),
        str(issue.get("id") or issue.get("key")) if isinstance(issue, dict) else "",
        str(changelog.get("id", "")) if isinstance(changelog, dict) else "",
    ]
    return "jira:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
