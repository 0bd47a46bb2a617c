"""GitHub Issues (github.com, or GitHub Enterprise Server through ``GITHUB_API_URL``) behind the
``Tracker`` port, over its REST API; and its ``issues`` webhook deliveries, verified with
``X-Hub-Signature-256``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

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
from bot.issue_links import IssueRef
from bot.trackers import IssueDraft, IssueState, TrackerChange

GITHUB_API = "https://api.github.com"
GITHUB_WEB = "https://github.com"
API_VERSION = "2022-11-28"
SIGNATURE_HEADER = "X-Hub-Signature-256"
# The issue actions that change an issue's state; the others (edited, labeled, assigned...)
# leave it as it was, so they move nothing.
STATE_ACTIONS = frozenset({"opened", "closed", "reopened"})

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_REPO = r"[A-Za-z0-9._-]+"
_SHORT = re.compile(rf"^({_NAME})/({_REPO})#(\d+)$")
_PROJECT = re.compile(rf"^({_NAME})/({_REPO})$")
_ISSUE_PATH = re.compile(rf"^/({_NAME})/({_REPO})/issues/(\d+)/?$")
_REPO_PATH = re.compile(rf"^/({_NAME})/({_REPO}?)(?:\.git)?/?$")


def web_url_of(api_url: str) -> str:
    """Where people open issues, from where the API is: github.com for api.github.com, the
    host itself for GitHub Enterprise Server (``https://ghe.example.com/api/v3``)."""
    api_url = api_url.rstrip("/")
    if api_url == GITHUB_API:
        return GITHUB_WEB
    if api_url.endswith("/api/v3"):
        return api_url[: -len("/api/v3")]
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}"


def _key(owner: str, repo: str, number: int | str) -> str:
    # GitHub's owner and repository names are case-insensitive; webhooks name them as the
    # repository spells them, people as they remember them: one spelling for both.
    return f"{owner}/{repo}#{int(number)}".lower()


class GitHubTracker:
    """GitHub Issues through ``client``. ``token`` is a personal access token (fine-grained:
    Issues read and write) or an app's installation token; without one, public repositories
    are still read (at GitHub's lower rate)."""

    name = "github"
    label = "GitHub"

    def __init__(
        self,
        client: httpx.AsyncClient,
        token: str | None,
        api_url: str = GITHUB_API,
        web_url: str | None = None,
    ) -> None:
        self._client = client
        self._api = api_url.rstrip("/")
        self.web_url = (web_url or web_url_of(self._api)).rstrip("/")
        self._hosts = {urlsplit(self.web_url).netloc.lower()}
        if self.web_url == GITHUB_WEB:
            self._hosts.add("www.github.com")
        self._headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "feedbackbot",
        }
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def __repr__(self) -> str:
        return f"GitHubTracker({self._api!r})"

    def ref(self, owner: str, repo: str, number: int | str) -> IssueRef:
        key = _key(owner, repo, number)
        owner_repo = key.rpartition("#")[0]
        return IssueRef(self.name, key, f"{self.web_url}/{owner_repo}/issues/{int(number)}")

    def parse(self, text: str) -> IssueRef | None:
        """``owner/repo#12``, or an issue's URL on github.com or on the configured host."""
        text = text.strip()
        short = _SHORT.match(text)
        if short:
            return self.ref(*short.groups())
        path = self._path(text)
        found = _ISSUE_PATH.match(path) if path is not None else None
        return self.ref(*found.groups()) if found else None

    def project(self, text: str) -> str | None:
        """``owner/repo``, or a repository's URL."""
        text = text.strip()
        if _PROJECT.match(text):
            return text
        path = self._path(text)
        found = _REPO_PATH.match(path) if path is not None else None
        return f"{found.group(1)}/{found.group(2)}" if found and found.group(2) else None

    def _path(self, text: str) -> str | None:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() not in self._hosts:
            return None
        return parts.path

    async def create(self, project: str, draft: IssueDraft) -> IssueRef:
        owner, _, repo = project.partition("/")
        response = await call(
            self._client,
            self.label,
            "POST",
            f"{self._api}/repos/{owner}/{repo}/issues",
            explain=lambda answer: _explain(answer, f"repository {project}", creating=True),
            headers=self._headers,
            json={"title": draft.title, "body": draft.body},
        )
        issue = answer_object(response, "GitHub", "GITHUB_API_URL")
        number = issue.get("number")
        if not isinstance(number, int):
            raise unreadable(response, "GitHub", "GITHUB_API_URL")
        return self.ref(owner, repo, number)

    async def state(self, ref: IssueRef) -> IssueState:
        owner_repo, _, number = ref.key.rpartition("#")
        response = await call(
            self._client,
            self.label,
            "GET",
            f"{self._api}/repos/{owner_repo}/issues/{number}",
            explain=lambda answer: _explain(answer, f"issue {ref.key}"),
            headers=self._headers,
            follow_redirects=True,  # a transferred issue answers 301 to where it went
        )
        issue = answer_object(response, "GitHub", "GITHUB_API_URL")
        try:
            return issue_state(ref, issue)
        except MalformedDelivery:
            raise unreadable(response, "GitHub", "GITHUB_API_URL") from None

    async def whoami(self) -> str:
        """The login the token belongs to (``GET /user``), for ``feedbackbot check``."""
        response = await call(
            self._client,
            self.label,
            "GET",
            f"{self._api}/user",
            explain=lambda answer: _explain(answer, "the user of GITHUB_TOKEN"),
            headers=self._headers,
        )
        login = answer_object(response, "GitHub", "GITHUB_API_URL").get("login")
        return str(login) if login else "?"


def issue_state(ref: IssueRef, issue: Mapping[str, object]) -> IssueState:
    """An issue as GitHub shows it (REST or webhook), as the core reads it."""
    state = issue.get("state")
    if state not in ("open", "closed"):
        raise MalformedDelivery("issue.state is neither open nor closed")
    reason = issue.get("state_reason")
    title = issue.get("title")
    return IssueState(
        ref,
        open=state == "open",
        state=str(state),
        reason=reason if isinstance(reason, str) and reason else None,
        title=title if isinstance(title, str) else "",
    )


def _explain(response: httpx.Response, what: str, *, creating: bool = False) -> str | None:
    status = response.status_code
    said = message(response)
    detail = f": {said}" if said else ""
    if status == 401:
        return (
            "GitHub refused GITHUB_TOKEN (401 Bad credentials); make a new token with "
            "Issues read and write"
        )
    if status == 403:
        return (
            f"GitHub refused GITHUB_TOKEN access to {what} (403{detail}); give the token "
            "Issues read and write on that repository"
        )
    if status == 404:
        return f"GitHub has no {what}, or GITHUB_TOKEN cannot see it (404)"
    if status == 410:
        return f"GitHub says {what} is gone (410: issues are off there, or it was deleted)"
    if status == 422:
        doing = "creating an issue in" if creating else "the request for"
        return f"GitHub refused {doing} {what} (422{detail})"
    return None


def parse_github_delivery(
    headers: Mapping[str, str], body: bytes, secret: str | None
) -> TrackerChange | None:
    """A webhook delivery as the change it reports, ``None`` for what moves nothing (``ping``,
    other events, issue actions that leave the state as it was). With ``secret``, the body
    must carry its ``X-Hub-Signature-256`` (``BadSignature`` otherwise), checked before
    anything of it is read."""
    if secret:
        verify(secret, body, header(headers, SIGNATURE_HEADER), SIGNATURE_HEADER)
    event = header(headers, "X-GitHub-Event")
    if not event:
        raise MalformedDelivery("no X-GitHub-Event header")
    if event != "issues":
        return None
    payload = json_object(body, header(headers, "Content-Type"))
    action = payload.get("action")
    if action not in STATE_ACTIONS:
        return None
    delivery = header(headers, "X-GitHub-Delivery")
    if not delivery:
        raise MalformedDelivery("no X-GitHub-Delivery header")
    issue = object_field(payload, "issue", "payload")
    repository = object_field(payload, "repository", "payload")
    full_name = text_field(repository, "full_name", "repository")
    number = issue.get("number")
    if not isinstance(number, int) or "/" not in full_name:
        raise MalformedDelivery("issue.number or repository.full_name is not what GitHub sends")
    url = issue.get("html_url")
    owner, repo = full_name.split("/", 1)
    # Spelled as ``GitHubTracker.ref`` spells it (lower case), the same issue the same ref.
    ref = IssueRef("github", _key(owner, repo, number), url.lower() if isinstance(url, str) else "")
    return TrackerChange(issue_state(ref, issue), f"github:{delivery}", str(action))
