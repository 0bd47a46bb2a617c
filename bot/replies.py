"""How the bot answers the person who asked: confirmations, refusals, usage, lists.

The conversation is the only caller; messages to other people (thank-yous, news, digests) are
worded where they are composed (``bot.acknowledgement``, ``bot.news``, ``bot.digest``).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dashboard_access import LINK_LIFETIME
from bot.errors import TrackerFailed, first_line
from bot.issue_links import IssueRef
from bot.items import Item, ItemKind, Status
from bot.kpis import Kpis, kpis_message
from bot.lists import ItemList
from bot.messages import Message, Part, Plain, Quote
from bot.presenting import describe_line, issue_name, issue_parts, votes
from bot.reminders import Reminder, ReminderKind
from bot.service import Recorded, VoteResult
from bot.survey_words import SURVEY_EXAMPLE
from bot.surveys import Scale
from bot.text import excerpt
from bot.trackers import UnknownIssue
from bot.tracking import Linked
from bot.triage import Told

# What a form cannot open for: the whole command typed in one go.
EXAMPLE = {
    ItemKind.FEEDBACK: "/feedback <what you think>",
    ItemKind.REQUEST: "/request must-have: <what you need>",
}
LINK_USAGE = (
    "/roadmap link <#n> <issue URL | KEY-12 | owner/repo#12> links an item to a tracker issue, "
    "/roadmap link <#n> github owner/repo or /roadmap link <#n> jira PROJ creates one from it, "
    "/roadmap unlink <#n> [issue] removes the link (admins)"
)
TRIAGE_USAGE = (
    "/roadmap status <#n> <status> [note]: new, under review, planned, in pilot, shipped, "
    "declined, or duplicate <#other>\n"
    "/roadmap priority <#n> must-have|good-to-have, /roadmap stakeholder <#n> internal|external\n"
    "/roadmap show <#n>, /roadmap list [open|mine|must-have|external], /roadmap stats\n"
    f"{LINK_USAGE}"
)
ROADMAP_USAGE = (
    "/roadmap shows the roadmap update so far (only to you).\n"
    "/roadmap remind <schedule> posts it in this channel on a schedule, e.g. "
    "/roadmap remind every monday at 09:00 in Europe/Berlin\n"
    "/roadmap remind prompt <schedule> [saying <text>] invites people to send feedback instead\n"
    f"{SURVEY_EXAMPLE}; people answer with one click\n"
    "/roadmap reminders lists this channel's reminders\n"
    "/roadmap unremind <id> removes one\n"
    "/roadmap dashboard gives you a link (only to you) that signs you in to the web dashboard\n"
    "/roadmap link <#n> <issue URL | KEY-12 | owner/repo#12> links an item to a GitHub or Jira "
    "issue, which moves it along from then on; /roadmap link <#n> github owner/repo or "
    "/roadmap link <#n> jira PROJ creates the issue from the item (admins)\n"
    "/roadmap unlink <#n> [issue] removes the link (admins)"
)
NOT_ALLOWED = Message.of(
    "Sorry, only admins can triage items (status, priority, stakeholder kind). "
    "Nothing was changed. Ask an admin, or vote for the item to show it matters to you."
)
NOT_STORED = Message.of("Sorry, I could not store that just now; nothing was changed.")
NO_DATABASE = Message.of("Sorry, I could not reach the database just now; nothing changed.")
WENT_WRONG = Message.of(
    "Something went wrong on my side and I cannot say whether that was recorded."
)
NOT_IN_A_CHANNEL = Message.of(
    "feedbackbot records feedback in server channels, so nothing was recorded here; use the "
    "command in one."
)
NOT_INSTALLED_HERE = Message.of(
    "feedbackbot is not installed in this server, so nothing was recorded here; use the "
    "command in a server that has added feedbackbot."
)
UNREADABLE = Message.of(
    "I could not read that message, so nothing was recorded. "
    "Is feedbackbot in this channel, and may it read it?"
)
NOT_A_PERSONS = Message.of(
    "That message was posted by a bot or an integration, not by a person, so there is nobody "
    "to record it for and nothing was recorded. To pass it on, say it in your own words with "
    "/feedback."
)
MESSAGE_GONE = Message.of("That message is gone (it was deleted), so nothing was recorded.")
WHICH_ITEM = Message.of("Which item? Give its number, e.g. 3 or #3.")
WHICH_ITEM_TO_TRIAGE = Message.of(f"Which item? Give its number, e.g. #3.\n{TRIAGE_USAGE}")
WHICH_STATUS = Message.of(f"Which status?\n{TRIAGE_USAGE}")
WHICH_PRIORITY = Message.of("Which priority? must-have or good-to-have.")
WHICH_STAKEHOLDER = Message.of("Which stakeholder kind? internal or external.")
WHEN = Message.of(
    "When should I post? For example: /roadmap remind every monday at 09:00 in Europe/Berlin"
)
WHICH_REMINDER = Message.of("Which reminder? Give its number from /roadmap reminders, e.g. 3.")
NO_REMINDERS = Message.of(
    "This channel has no reminders. Add one with /roadmap remind every monday at 09:00"
)


def unknown_command(name: str) -> Message:
    return Message.of("I don't know ", Quote(name), ". Type /help to see what I understand.")


def recorded(
    outcome: Recorded, vote_with: str, *, direct: bool = False, going: bool = False
) -> Message:
    """The author's own confirmation, saying where the thank-you went: in the channel, where
    others can vote; privately, and why; or still to come (``going``: being posted in a
    channel that took the last one)."""
    item = outcome.item
    how = vote_with.format(number=item.number)
    done = f"Recorded {'anonymously ' if item.author is None else ''}as #{item.number}."
    if direct:
        return Message.of(
            f"{done} This is a direct conversation, so you are thanked here and nobody else "
            "can vote for it; use the command in a channel to let others vote."
        )
    if outcome.posted is None and not outcome.later:
        return Message.of(
            f"{done} I could not post in this channel (it is not available to me), so you "
            "were thanked privately and nobody else can vote for it here."
        )
    where = (
        "goes in the channel"
        if going
        else "will be in the channel as soon as it can be posted"
        if outcome.later
        else "is in the channel"
    )
    if item.author is None:
        return Message.of(
            f"{done} The thank-you {where} with no name on it; others can vote for it with {how}."
        )
    return Message.of(f"{done} The thank-you {where}; others can vote for it with {how}.")


def no_text(hint: str) -> Message:
    """A message marked for recording that shows no text; ``hint`` says why it may not."""
    said = "That message has no text to record, so nothing was recorded."
    return Message.of(f"{said} {hint}" if hint else said)


def voted(result: VoteResult) -> Message:
    if result.counted:
        return Message.of(
            f"Your vote for #{result.number} is counted; it has {votes(result.votes)} now."
        )
    return Message.of(f"You have already voted for #{result.number} ({votes(result.votes)}).")


def unvoted(result: VoteResult) -> Message:
    if result.counted:
        return Message.of(
            f"Your vote for #{result.number} is withdrawn; it has {votes(result.votes)} now."
        )
    return Message.of(f"You had not voted for #{result.number}.")


def no_such_item(number: int) -> Message:
    return Message.of(f"There is no item #{number} here.")


def missing(problem: object) -> Message:
    return Message.of(f"Sorry, {problem}.")


def nothing_changed(problem: object) -> Message:
    return Message.of(f"Nothing was changed: {problem}.")


def listed(items: list[Item], which: ItemList) -> Message:
    if not items:
        return Message.of(f"Nothing to list ({which.value}).")
    parts: list[Part | str] = []
    for item in items:
        if parts:
            parts.append("\n")
        parts += describe_line(item).parts
    return Message.of(*parts)


def which_list(command: str) -> Message:
    return Message.of(f"List what? Try {command} {'|'.join(ItemList)}.")


def duplicate_of_what(number: int) -> Message:
    return Message.of(f"A duplicate of which item? e.g. duplicate #{number + 1}.")


def status_changed(item: Item, told: Told) -> Message:
    """What the admin reads: the new status, and who heard of it."""
    status = (
        f"a duplicate of #{item.duplicate_of}"
        if item.status is Status.DUPLICATE
        else item.status.label
    )
    ways = []
    if told.thread:
        ways.append("in the thread of its thank-you")
    if told.direct:
        ways.append("by direct message")
    if ways:
        heard = f"The requester was told {' and '.join(ways)}."
    elif told.later:
        heard = "The requester will be told as soon as the platform takes the message."
    elif item.author is None:
        heard = "It is anonymous and its author cannot be reached, so no one was told."
    else:
        heard = "The requester could not be reached; the change stands."
    if told.voters:
        heard += f" {told.voters} voter{'s' if told.voters != 1 else ''} heard the outcome."
    if told.later:
        heard += (
            f" {told.later} more message{'s' if told.later != 1 else ''} will be delivered "
            "as soon as the platform takes them."
        )
    return Message.of(f"#{item.number} is now {status}. {heard}")


def dashboard_link(url: str, *, admin: bool) -> Message:
    """The sign-in link, for the person who asked alone."""
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    role = (
        "as an admin: you can triage items there too"
        if admin
        else "as a member (not an admin): you can read the backlog, the roadmap and the KPIs"
    )
    return Message.of(
        f"Your dashboard link: {url}\nIt works once, within {minutes} minutes, and signs you "
        f"in {role}. Keep it to yourself: whoever opens it first is signed in as you."
    )


def corrected(item: Item, value: str) -> Message:
    return Message.of(f"#{item.number} is now {value}.")


def stats(kpis: Kpis) -> Message:
    return kpis_message(kpis)


def _reminder_parts(reminder: Reminder, now: datetime) -> list[Part | str]:
    what: list[Part | str] = [f"#{reminder.id} {reminder.kind.label}"]
    if reminder.kind is ReminderKind.SURVEY:
        # A survey shows its scale and question: the question is what people will be asked.
        scale = (reminder.scale or Scale.FIVE).value
        what = [f"#{reminder.id} survey ({scale}) “", Quote(excerpt(reminder.text, 80)), "”"]
    where = f", {reminder.schedule.text} ({reminder.time_zone})"
    if not reminder.active:
        # The reason carries the platform's own words, quoted like anything it sent.
        when = _when(reminder.disabled_at, reminder.zone)
        return [*what, f"{where}; DISABLED on {when}: ", Quote(reminder.disabled_reason or "")]
    upcoming = reminder.next_at(now)
    return [*what, f"{where}; next: {_when(upcoming, reminder.zone) if upcoming else 'never'}"]


def describe_reminder(reminder: Reminder, now: datetime) -> str:
    """``#3 roadmap update, every monday at 09:00 (Europe/Berlin); next: Mon 31 Mar
    09:00 CEST`` — or why it is disabled."""
    return Message.of(*_reminder_parts(reminder, now)).plain


def reminder_added(reminder: Reminder, now: datetime) -> Message:
    return Message.of("Added: ", *_reminder_parts(reminder, now), ".")


def reminders_listed(reminders: list[Reminder], now: datetime) -> Message:
    if not reminders:
        return NO_REMINDERS
    parts: list[Part | str] = []
    for reminder in reminders:
        if parts:
            parts.append("\n")
        parts += _reminder_parts(reminder, now)
    return Message.of(*parts)


def reminder_removed(reminder_id: int, removed: bool) -> Message:
    if removed:
        return Message.of(f"Reminder #{reminder_id} is removed.")
    return Message.of(f"There is no reminder #{reminder_id} here.")


def schedule_refused(problem: object) -> Message:
    # The problem repeats what was typed (``I could not read `...` as a schedule``).
    return Message.of(Quote(str(problem)), " Nothing was added.")


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "unknown"
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def text_back(refusal: Message, text: str) -> Message:
    """A refusal with what the person wrote given back, when they wrote anything, so that
    nothing they typed is lost."""
    if not text.strip():
        return refusal
    return Message((*refusal.parts, Plain(" Here is your text:\n"), Quote(text)))


def form_failed(kind: ItemKind, reason: str) -> Message:
    """The form could not open; the command typed in one go still works."""
    return Message.of(
        "I could not open the form (",
        Quote(reason),
        f"). You can also type it in one go: `{EXAMPLE[kind]}`",
    )


# -- tracker issues ---------------------------------------------------------------------------

# What to set, where feedbackbot runs, for each tracker it can link items to.
TRACKER_SETTINGS = {
    "github": (
        "GitHub",
        "GITHUB_TOKEN (a token that may read and create issues; GITHUB_API_URL too for "
        "GitHub Enterprise Server)",
    ),
    "jira": (
        "Jira",
        "JIRA_URL with JIRA_USER and JIRA_API_TOKEN (Jira Cloud), or JIRA_URL with "
        "JIRA_BEARER_TOKEN (Data Center)",
    ),
}
WHICH_ITEM_TO_LINK = Message.of(f"Which item? Give its number, e.g. #3.\n{LINK_USAGE}")
NO_TRACKERS = Message.of(
    "No issue tracker is set up, so nothing was linked. To link items to GitHub issues set "
    f"{TRACKER_SETTINGS['github'][1]}; to Jira issues set {TRACKER_SETTINGS['jira'][1]}; "
    "then restart feedbackbot."
)


def which_issue(number: int) -> Message:
    return Message.of(
        f"Which issue? e.g. /roadmap link #{number} https://github.com/owner/repo/issues/12, "
        f"/roadmap link #{number} PROJ-12, or /roadmap link #{number} github owner/repo to "
        "create one."
    )


def linked(outcome: Linked) -> Message:
    """What the admin reads: the issue linked (or created), and how the item moved."""
    item = outcome.item
    parts: list[Part | str] = [
        f"Created {'and linked ' if outcome.created else ''}"
        if outcome.created
        else f"#{item.number} is linked to ",
        *issue_parts(outcome.ref),
        f" for #{item.number}." if outcome.created else ".",
    ]
    if outcome.moved is not None:
        moved = status_changed(outcome.moved.item, outcome.moved.told)
        parts += [" It follows the issue: ", *moved.parts]
    else:
        parts.append(
            f" #{item.number} stays {item.status.label}; it follows the issue from now on."
        )
    return Message.of(*parts)


def unlinked(number: int, removed: list[IssueRef], asked: str = "") -> Message:
    if removed:
        names = ", ".join(issue_name(ref) for ref in removed)
        return Message.of(
            f"#{number} is no longer linked to ",
            Quote(names),
            "; its status stays as it is.",
        )
    if asked.strip():
        return Message.of(
            f"#{number} is not linked to ", Quote(asked.strip()), "; nothing changed."
        )
    return Message.of(f"#{number} is not linked to any issue; nothing changed.")


def tracker_failed(failed: TrackerFailed) -> Message:
    """The tracker's own one line: what it refused, or that it could not be reached."""
    return Message.of("Nothing was linked: ", Quote(first_line(failed)), ".")


def tracker_not_configured(tracker: str) -> Message:
    label, settings = TRACKER_SETTINGS.get(tracker, (tracker, f"the {tracker} settings"))
    return Message.of(
        f"{label} is not set up for feedbackbot, so nothing was linked. Set {settings} where "
        "feedbackbot runs, then restart it."
    )


def unknown_issue(unknown: UnknownIssue) -> Message:
    return Message.of(
        "Nothing was linked: ",
        Quote(str(unknown)),
        ". Give the issue's URL, KEY-12 or owner/repo#12, or github owner/repo or jira PROJ "
        "to create one.",
    )
