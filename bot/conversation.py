"""The conversation: everything a person can say to the bot, on any surface, answered once.

Surfaces that give text (a slash command's text, a console line) hand it to ``command`` or
``roadmap``, which parse it and route it here; surfaces that give typed values (Discord's
options, a form, a dashboard) call the typed entry points directly. Each entry point calls a
typed use case and words the answer for the person who asked. Reactions are decided here too:
a vote, a withdrawn vote, or a message marked for recording.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from bot import replies
from bot.acknowledgement import compose_thanks
from bot.dashboard_access import DashboardAccess, signin_url
from bot.errors import (
    DoesNotApply,
    InvalidTransition,
    ItemNotFound,
    NotAllowed,
    StorageError,
    TrackerFailed,
)
from bot.identity import MessageRef, Person, Workspace
from bot.items import Item, ItemKind, Priority, Stakeholder, Status
from bot.lists import ItemList
from bot.messages import Message
from bot.ports import Chat, Clock, DirectChat, Roles
from bot.presenting import describe
from bot.reminders import ReminderKind
from bot.roadmap import RoadmapService
from bot.schedules import ScheduleError, parse_schedule
from bot.service import FeedbackService, Recorded, Refused, Submission
from bot.survey_words import (
    COMMENT_LABEL,
    COMMENT_PLACEHOLDER,
    COMMENT_TITLE,
    NO_QUESTION,
    NOT_KEPT,
    OTHER_WORKSPACE,
    UNKNOWN_BUTTON,
    comment_not_kept,
    given_back,
)
from bot.survey_words import WENT_WRONG as PRESS_WENT_WRONG
from bot.surveying import SurveyService
from bot.surveys import PollAction, Scale, ShipAction, parse_action
from bot.syntax import leading_number, leading_status, parse_qualifiers
from bot.text import is_blank, parse_number
from bot.trackers import TrackerNotConfigured, UnknownIssue
from bot.tracking import TrackerService
from bot.triage import TriageService

log = logging.getLogger(__name__)

T = TypeVar("T")

ITEM_COMMANDS = {"/feedback": ItemKind.FEEDBACK, "/request": ItemKind.REQUEST}
# How long a confirmation waits to say where the thank-you went, on a surface that waits for
# an answer (Slack's 3 s include storing the item and the network both ways).
CONFIRM_WAIT_S = 0.8


@dataclass(frozen=True, slots=True)
class Surface:
    """What the conversation needs to know of where it speaks: the longest message it shows,
    and how people vote there (``{number}`` stands for the item's number)."""

    max_length: int
    vote_with: str


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who says something, where, and as which kind of stakeholder. ``reply_url`` is the
    platform's private way back to them for a while (a Slack command's response URL), kept
    with what is owed to them."""

    workspace: Workspace
    channel_id: str
    person: Person
    stakeholder: Stakeholder = Stakeholder.INTERNAL
    reply_url: str | None = None
    # A direct conversation (a DM): nobody else there can see a thank-you or vote for it.
    direct: bool = False


@dataclass(frozen=True, slots=True)
class Ask:
    """A ``/feedback`` or ``/request`` with its values already known."""

    kind: ItemKind
    text: str
    priority: Priority | None = None
    anonymous: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer for the person who spoke; ``private`` when only they should see it."""

    message: Message
    private: bool = True


class Waiting(Protocol):
    """An answer the surface still waits for (Slack's acknowledgement of a command)."""

    def give(self, message: Message) -> bool:
        """Answer with ``message``; ``False`` when it is too late and it was not shown."""
        ...


@dataclass(frozen=True, slots=True)
class CommentForm:
    """Open a form for a comment; its text goes to ``Conversation.comment`` with ``action``."""

    # The token to hand back unchanged (at most 100 characters).
    action: str
    # The form's title (at most 24 characters: Slack's limit).
    title: str
    # The text field's label (at most 45 characters: Discord's limit).
    label: str
    # At most 100 characters.
    placeholder: str


class Meaning(StrEnum):
    """What a reaction means, by its emoji."""

    VOTE = "vote"
    CAPTURE = "capture"


@dataclass(frozen=True, slots=True)
class Reaction:
    """Someone added (or removed) a reaction that means something to the bot.
    ``on_bot_message`` is whether the message is the bot's own, ``None`` when the platform
    does not say."""

    workspace: Workspace
    message: MessageRef
    person: Person
    meaning: Meaning
    added: bool
    delivery_id: str | None = None
    on_bot_message: bool | None = None
    # For a removal: whether the person still holds the emoji another way (a platform with
    # more than one kind of reaction), asked only when the message carries votes.
    still_held: Callable[[], Awaitable[bool]] | None = None


@dataclass(frozen=True, slots=True)
class Marked:
    """A message someone marked to be recorded, as its platform shows it. ``author`` is
    ``None`` for a bot's or an integration's message; ``thread`` is where the thank-you goes;
    ``no_text_hint`` says why the platform may hide a message's text from the bot."""

    author: Person | None
    text: str
    stakeholder: Stakeholder
    thread: MessageRef
    no_text_hint: str = ""


@dataclass(frozen=True, slots=True)
class Gone:
    """A message marked for recording that no longer exists: it was deleted."""


class MessageReader(Protocol):
    """Reads a message on its platform, for recording it."""

    async def read(self, message: MessageRef) -> Marked | Gone | None:
        """The message, ``Gone`` when it was deleted, or ``None`` when the bot cannot read
        it."""
        ...


class Conversation:
    """The bot's side of every exchange on one surface."""

    def __init__(
        self,
        feedback: FeedbackService,
        triage: TriageService,
        roadmap: RoadmapService,
        clock: Clock,
        surface: Surface,
        *,
        access: DashboardAccess,
        dashboard_url: str,
        trackers: TrackerService | None = None,
        surveys: SurveyService | None = None,
    ) -> None:
        self._feedback = feedback
        self._trackers = trackers
        self._surveys = surveys
        self._clock = clock
        self._triage = triage
        self._roadmap = roadmap
        self._access = access
        self._dashboard_url = dashboard_url
        self.surface = surface
        # Channels where this process last posted a thank-you without trouble: a confirmation
        # there need not wait for the next one to say where it goes.
        self._open_channels: set[tuple[Workspace, str]] = set()

    # -- what people type -------------------------------------------------------------------

    async def command(
        self, speaker: Speaker, name: str, text: str, chat: DirectChat, roles: Roles
    ) -> Reply | None:
        """Answer ``/<name> <text>``; ``None`` when everything was said through ``chat``."""
        name = name.lower()
        if name in ITEM_COMMANDS:
            await self.record_said(speaker, ITEM_COMMANDS[name], text, chat)
            return None
        if name == "/roadmap":
            return Reply(await self.roadmap(speaker, text, chat, roles))
        number = parse_number(text)
        if name in ("/vote", "/unvote", "/show"):
            if number is None:
                return Reply(replies.WHICH_ITEM, private=False)
            if name == "/show":
                return Reply(await self.show(speaker, number), private=False)
            return Reply(await self.vote(speaker, number, withdraw=name == "/unvote"), False)
        if name == "/list":
            which = _item_list(text)
            message = (
                replies.which_list("/list")
                if which is None
                else await self.list_items(speaker, which)
            )
            return Reply(message, private=False)
        return Reply(replies.unknown_command(name), private=False)

    async def roadmap(self, speaker: Speaker, text: str, chat: DirectChat, roles: Roles) -> Message:
        """Answer ``/roadmap <text>``: the digest, reminders, a triage subcommand, or a link
        to the dashboard."""
        verb, _, rest = text.strip().partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if not verb:
            return await self.digest(speaker)
        if verb == "remind":
            return await self._remind_said(speaker, " ".join(rest.split()))
        if verb == "reminders":
            return await self.reminders(speaker)
        if verb == "unremind":
            return await self.unremind(speaker, parse_number(rest))
        if verb == "list":
            which = _item_list(rest)
            if which is None:
                return replies.which_list("/roadmap list")
            return await self.list_items(speaker, which)
        if verb == "stats":
            return await self.stats(speaker)
        if verb == "dashboard":
            return await self.dashboard(speaker, roles)
        if verb in ("link", "unlink"):
            number, rest = leading_number(rest)
            if number is None:
                return replies.WHICH_ITEM_TO_LINK
            if verb == "link":
                return await self.link(speaker, roles, number, rest)
            return await self.unlink(speaker, roles, number, rest)
        if verb not in ("show", "status", "priority", "stakeholder"):
            return Message.of(replies.ROADMAP_USAGE)
        number, rest = leading_number(rest)
        if number is None:
            return replies.WHICH_ITEM_TO_TRIAGE
        if verb == "show":
            return await self.show(speaker, number)
        if verb == "priority":
            try:
                priority = Priority(rest.lower().replace(" ", "-"))
            except ValueError:
                return replies.WHICH_PRIORITY
            return await self.set_priority(speaker, roles, number, priority)
        if verb == "stakeholder":
            try:
                stakeholder = Stakeholder(rest.lower())
            except ValueError:
                return replies.WHICH_STAKEHOLDER
            return await self.set_stakeholder(speaker, roles, number, stakeholder)
        status, note = leading_status(rest)
        if status is None:
            return replies.WHICH_STATUS
        duplicate_of = None
        if status is Status.DUPLICATE:
            duplicate_of, note = leading_number(note.removeprefix("of "))
            if duplicate_of is None:
                return replies.duplicate_of_what(number)
        return await self.change_status(
            speaker, roles, chat, number, status, note=note, duplicate_of=duplicate_of
        )

    async def _remind_said(self, speaker: Speaker, rest: str) -> Message:
        kind = ReminderKind.ROADMAP
        first, _, after = rest.partition(" ")
        if first.lower() == "survey":
            return await self._survey_said(speaker, after)
        if first.lower() in ("prompt", "feedback"):
            kind, rest = ReminderKind.PROMPT, after
        schedule, _, text = rest.partition(" saying ")
        return await self.remind(speaker, schedule, kind, text)

    async def _survey_said(self, speaker: Speaker, rest: str) -> Message:
        """``survey [1-5|yes/no] <schedule> [saying] <question>``: the schedule is the longest
        run of leading words that reads as one, the question the rest."""
        scale = Scale.FIVE
        first, _, after = rest.partition(" ")
        chosen = _SCALES.get(first.lower())
        if chosen is not None:
            scale, rest = chosen, after
        said = rest.split(" ")
        for end in range(len(said), 0, -1):
            try:
                parse_schedule(" ".join(said[:end]))
            except ScheduleError:
                continue
            schedule, question = " ".join(said[:end]), " ".join(said[end:])
            if question.lower().startswith("saying "):
                question = question[len("saying ") :]
            if is_blank(question):
                return Message.of(NO_QUESTION)
            return await self.remind(speaker, schedule, ReminderKind.SURVEY, question, scale=scale)
        # No leading words read as a schedule: the whole says why.
        return await self.remind(speaker, rest, ReminderKind.SURVEY, "", scale=scale)

    # -- recording ----------------------------------------------------------------------------

    async def record_said(
        self,
        speaker: Speaker,
        kind: ItemKind,
        text: str,
        chat: Chat,
        waiting: Waiting | None = None,
        *,
        delivery_id: str | None = None,
    ) -> Recorded | Refused | None:
        """Record what someone typed after ``/feedback`` or ``/request``, qualifiers and all."""
        qualified = parse_qualifiers(kind, text)
        ask = Ask(kind, qualified.text, qualified.priority, qualified.anonymous)
        return await self.record(speaker, ask, chat, waiting, delivery_id=delivery_id)

    async def record(
        self,
        speaker: Speaker,
        ask: Ask,
        chat: Chat,
        waiting: Waiting | None = None,
        *,
        delivery_id: str | None = None,
    ) -> Recorded | Refused | None:
        """Store the item, then thank its author in the channel, where others can vote on it.

        The author is confirmed through ``waiting`` when the surface still waits for an
        answer; otherwise privately, when the thank-you does not show them it was theirs
        (it is anonymous, or the surface wanted an answer of its own that came too late). A
        refusal gives the text back. A delivery the platform repeats (``delivery_id``) is
        recorded once. ``None`` when something unforeseen failed: the person is told that,
        since they cannot know whether it was recorded."""
        try:
            return await self._record(speaker, ask, chat, waiting, delivery_id)
        except Exception:
            log.exception("recording a %s failed", ask.kind.value)
            await self._tell_privately(chat, speaker, replies.WENT_WRONG)
            return None

    async def _record(
        self,
        speaker: Speaker,
        ask: Ask,
        chat: Chat,
        waiting: Waiting | None,
        delivery_id: str | None,
    ) -> Recorded | Refused:
        outcome = await self._feedback.submit(
            Submission(
                workspace=speaker.workspace,
                channel_id=speaker.channel_id,
                author=speaker.person,
                kind=ask.kind,
                text=ask.text,
                stakeholder=speaker.stakeholder,
                priority=ask.priority,
                anonymous=ask.anonymous,
                delivery_id=delivery_id,
            )
        )
        if isinstance(outcome, Refused):
            if waiting is None or not waiting.give(outcome.message):
                await self._tell_privately(chat, speaker, outcome.message)
            return outcome
        thanked, confirmation, told = await self._thank_and_confirm(outcome, speaker, chat, waiting)
        wanted = waiting is not None or outcome.author is None
        # A thank-you given privately (the channel would not take it) told them already.
        thanked_privately = thanked.posted is None and not thanked.later
        if wanted and not told and not thanked_privately:
            await self._tell_privately(chat, speaker, confirmation, anonymous=outcome.anonymous)
        return thanked

    async def _thank_and_confirm(
        self, item: Item, speaker: Speaker, chat: Chat, waiting: Waiting | None
    ) -> tuple[Recorded, Message, bool]:
        """Thank the author, and confirm to them where the thank-you went; whether the
        confirmation was ``told`` through ``waiting``. A surface that waits for an answer gets
        it at once in a channel where the last thank-you went without trouble (it goes in the
        channel; should it not, the private thank-you says why); elsewhere as soon as the
        platform has taken the thank-you or refused it, or, when that takes longer than
        ``CONFIRM_WAIT_S``, saying it is on its way."""
        confirmation: Message | None = None
        told = False
        channel = (item.workspace, item.channel_id)

        def confirm(thanked: Recorded, *, going: bool = False) -> None:
            nonlocal confirmation, told
            if confirmation is None:
                confirmation = replies.recorded(
                    thanked, self.surface.vote_with, direct=speaker.direct, going=going
                )
                told = waiting is not None and waiting.give(confirmation)

        def heard(thanked: Recorded) -> None:
            if thanked.posted is not None:
                self._open_channels.add(channel)
            elif not thanked.later:
                self._open_channels.discard(channel)  # it would not take the thank-you
            confirm(thanked)

        def on_its_way(*, going: bool = False) -> None:
            confirm(Recorded(item, compose_thanks(item), None, later=True), going=going)

        timer = None
        if waiting is not None and not speaker.direct and channel in self._open_channels:
            on_its_way(going=True)
        elif waiting is not None:
            # A timer, not a task: one per command, and most never fire.
            timer = asyncio.get_running_loop().call_later(CONFIRM_WAIT_S, on_its_way)
        try:
            thanked = await self._feedback.thank(item, speaker.person, chat, known=heard)
        finally:
            if timer is not None:
                timer.cancel()
        confirm(thanked)  # no attempt was made (its channel is held): it is owed
        assert confirmation is not None
        return thanked, confirmation, told

    async def _tell_privately(
        self, chat: Chat, speaker: Speaker, message: Message, *, anonymous: bool = False
    ) -> None:
        """Tell the speaker privately; owed, and so delivered however long it takes."""
        delivery = self._feedback.delivery
        owed = delivery.privately(
            speaker.workspace, speaker.channel_id, speaker.person, message, anonymous=anonymous
        )
        owed.response_url = speaker.reply_url
        await delivery.tell(owed, chat, author=speaker.person)

    # -- votes and items ----------------------------------------------------------------------

    async def vote(self, speaker: Speaker, number: int, *, withdraw: bool = False) -> Message:
        """Vote for an item, or take the vote back."""
        try:
            if withdraw:
                result = await self._feedback.withdraw_vote(
                    speaker.workspace, number, speaker.person
                )
                return replies.unvoted(result)
            return replies.voted(
                await self._feedback.vote(speaker.workspace, number, speaker.person)
            )
        except ItemNotFound as error:
            return replies.missing(error)

    async def show(self, speaker: Speaker, number: int) -> Message:
        """One item with its history."""
        item = await self._feedback.find(speaker.workspace, number)
        return describe(item) if item else replies.no_such_item(number)

    async def list_items(self, speaker: Speaker, which: ItemList) -> Message:
        """One list, newest first."""
        found = await self._feedback.list_items(speaker.workspace, which.query(speaker.person))
        return replies.listed(found, which)

    async def stats(self, speaker: Speaker) -> Message:
        return replies.stats(await self._triage.stats(speaker.workspace))

    # -- triage -------------------------------------------------------------------------------

    async def change_status(
        self,
        speaker: Speaker,
        roles: Roles,
        chat: DirectChat,
        number: int,
        to: Status,
        *,
        note: str = "",
        duplicate_of: int | None = None,
    ) -> Message:
        """Move an item along its lifecycle (admins only); the requester and voters hear."""
        if to is Status.DUPLICATE and duplicate_of is None:
            return replies.duplicate_of_what(number)
        changed = await _triaged(
            self._triage.change_status(
                speaker.workspace,
                speaker.person,
                roles,
                chat,
                number,
                to,
                note=note,
                duplicate_of=duplicate_of,
            )
        )
        if isinstance(changed, Message):
            return changed
        return replies.status_changed(changed.item, changed.told)

    async def set_priority(
        self, speaker: Speaker, roles: Roles, number: int, priority: Priority
    ) -> Message:
        item = await _triaged(
            self._triage.set_priority(speaker.workspace, speaker.person, roles, number, priority)
        )
        return item if isinstance(item, Message) else replies.corrected(item, priority.value)

    async def set_stakeholder(
        self, speaker: Speaker, roles: Roles, number: int, stakeholder: Stakeholder
    ) -> Message:
        item = await _triaged(
            self._triage.set_stakeholder(
                speaker.workspace, speaker.person, roles, number, stakeholder
            )
        )
        return item if isinstance(item, Message) else replies.corrected(item, stakeholder.value)

    # -- tracker issues -----------------------------------------------------------------------

    async def link(self, speaker: Speaker, roles: Roles, number: int, issue: str) -> Message:
        """Link an item to a tracker issue, or create one from it (admins only); the item
        follows the issue from now on, starting with the issue's state now."""
        if is_blank(issue):
            return replies.which_issue(number)
        if self._trackers is None or not self._trackers.trackers:
            # Refused as any triage first: only admins need to know what to set up.
            admin = await _triaged(roles.may_triage(speaker.workspace, speaker.person))
            if admin is not True:
                return admin if isinstance(admin, Message) else replies.NOT_ALLOWED
            return replies.NO_TRACKERS
        linked = await _tracked(
            self._trackers.link(speaker.workspace, speaker.person, roles, number, issue)
        )
        return linked if isinstance(linked, Message) else replies.linked(linked)

    async def unlink(self, speaker: Speaker, roles: Roles, number: int, issue: str = "") -> Message:
        """Unlink one issue (or every issue) from an item (admins only); its status stays."""
        if self._trackers is None:
            return replies.NO_TRACKERS
        removed = await _tracked(
            self._trackers.unlink(speaker.workspace, speaker.person, roles, number, issue)
        )
        return removed if isinstance(removed, Message) else replies.unlinked(number, removed, issue)

    # -- the dashboard ------------------------------------------------------------------------

    async def dashboard(self, speaker: Speaker, roles: Roles) -> Message:
        """A one-time link that signs the speaker in to their workspace's dashboard, as an
        admin when they may triage here now. Only they must see it: whoever opens it first is
        signed in as them."""
        try:
            admin = await roles.may_triage(speaker.workspace, speaker.person)
            token = await self._access.link(speaker.workspace, speaker.person, admin=admin)
        except StorageError:
            log.exception("a dashboard link could not be stored")
            return replies.NO_DATABASE
        return replies.dashboard_link(signin_url(self._dashboard_url, token), admin=admin)

    # -- the roadmap --------------------------------------------------------------------------

    async def digest(self, speaker: Speaker) -> Message:
        """The roadmap update so far, for the person who asked."""
        return await _read(
            self._roadmap.current_digest(
                speaker.workspace, speaker.channel_id, self.surface.max_length
            )
        )

    async def remind(
        self,
        speaker: Speaker,
        schedule: str,
        kind: ReminderKind = ReminderKind.ROADMAP,
        text: str = "",
        *,
        scale: Scale | None = None,
    ) -> Message:
        """Post the roadmap update (or a feedback prompt, or a survey's question with
        ``scale``) in this channel on a schedule."""
        if not schedule.strip():
            return replies.WHEN
        try:
            reminder = await self._roadmap.add_reminder(
                speaker.workspace,
                speaker.channel_id,
                schedule,
                kind=kind,
                text=text,
                created_by=speaker.person,
                scale=scale,
            )
        except ScheduleError as error:
            return replies.schedule_refused(error)
        except StorageError:
            log.exception("/roadmap remind failed in %s", speaker.workspace)
            return replies.NO_DATABASE
        return replies.reminder_added(reminder, self._clock.now())

    async def reminders(self, speaker: Speaker) -> Message:
        """The channel's reminders and when each posts next."""
        found = await _read(self._roadmap.reminders(speaker.workspace, speaker.channel_id))
        if isinstance(found, Message):
            return found
        return replies.reminders_listed(found, self._clock.now())

    async def unremind(self, speaker: Speaker, reminder_id: int | None) -> Message:
        """Remove a reminder of this workspace."""
        if reminder_id is None:
            return replies.WHICH_REMINDER
        removed = await _read(self._roadmap.remove_reminder(speaker.workspace, reminder_id))
        if isinstance(removed, Message):
            return removed
        return replies.reminder_removed(reminder_id, removed)

    # -- buttons ------------------------------------------------------------------------------

    async def press(self, speaker: Speaker, action: str) -> Message | CommentForm:
        """Someone pressed one of the core's buttons (``action``: its token). The answer is
        stored (a later press replaces it; the same press again changes nothing) and the
        returned Message is shown to that person alone (privately). "Add a comment" returns a
        ``CommentForm`` for the adapter to open. Never raises: a token it cannot read, an item
        or poll of another workspace, a person who was not asked, a database failure: each is
        a Message saying so. A press in a direct message whose platform does not say the
        workspace passes one with an empty id; a shipped item's token then says which."""
        pressed = parse_action(action)
        if pressed is None or self._surveys is None:
            return UNKNOWN_BUTTON
        try:
            if isinstance(pressed, PollAction):
                return await self._surveys.answer_poll(
                    speaker.workspace,
                    speaker.person,
                    speaker.stakeholder,
                    pressed.poll_id,
                    pressed.value,
                )
            workspace = _pressed_in(speaker.workspace, pressed)
            if workspace is None:
                return OTHER_WORKSPACE
            if pressed.answer is None:
                refused = await self._surveys.may_comment(workspace, speaker.person, pressed.number)
                if refused is not None:
                    return refused
                return CommentForm(action, COMMENT_TITLE, COMMENT_LABEL, COMMENT_PLACEHOLDER)
            return await self._surveys.answer_shipped(
                workspace, speaker.person, pressed.number, pressed.answer
            )
        except StorageError:
            log.exception("a survey answer could not be kept")
            return NOT_KEPT
        except Exception:
            log.exception("a press of %r failed", action)
            return PRESS_WENT_WRONG

    async def comment(self, speaker: Speaker, action: str, text: str) -> Message:
        """The text typed into the ``CommentForm`` opened for ``action``; the private answer.
        When it could not be kept, the answer says why and gives the text back."""
        pressed = parse_action(action)
        if not isinstance(pressed, ShipAction) or self._surveys is None:
            return given_back(UNKNOWN_BUTTON, text)
        workspace = _pressed_in(speaker.workspace, pressed)
        if workspace is None:
            return given_back(OTHER_WORKSPACE, text)
        try:
            return await self._surveys.comment_shipped(
                workspace, speaker.person, pressed.number, text
            )
        except Exception:
            log.exception("a survey comment could not be kept")
            return comment_not_kept(text)

    # -- reactions ----------------------------------------------------------------------------

    async def react(self, reaction: Reaction, chat: Chat, reader: MessageReader) -> None:
        """A vote emoji on a thank-you votes (removing it withdraws the vote); the capture
        emoji on someone's message records it as their feedback. A storage failure of a
        vote propagates, so a platform that retries deliveries tries again."""
        if reaction.meaning is Meaning.VOTE:
            await self._vote_by_reaction(reaction)
        elif reaction.added and not reaction.on_bot_message:
            await self._capture(reaction, chat, reader)

    async def votes_cleared(
        self, workspace: Workspace, message: MessageRef, delivery_id: str | None = None
    ) -> None:
        """Someone cleared the vote emoji, or every reaction, from a message: when it is an
        item's thank-you, the votes cast there are withdrawn."""
        cleared = await self._feedback.item_for_thanks(workspace, message)
        if cleared is not None and cleared.number is not None:
            await self._feedback.withdraw_all_votes(workspace, cleared.number, delivery_id)

    async def _vote_by_reaction(self, reaction: Reaction) -> None:
        if reaction.added and reaction.on_bot_message is False:
            return  # only the bot's thank-yous carry votes
        workspace = reaction.workspace
        voted = await self._feedback.item_for_thanks(workspace, reaction.message)
        if voted is None or voted.number is None:
            return
        if reaction.added:
            await self._feedback.vote(
                workspace, voted.number, reaction.person, reaction.delivery_id
            )
        elif reaction.still_held is not None and await reaction.still_held():
            return  # a vote stands while the person holds the vote emoji in any kind
        else:
            await self._feedback.withdraw_vote(
                workspace, voted.number, reaction.person, reaction.delivery_id
            )

    async def _capture(self, reaction: Reaction, chat: Chat, reader: MessageReader) -> None:
        channel_id = reaction.message.channel_id
        found = await reader.read(reaction.message)
        if found is None or isinstance(found, Gone):
            unread = replies.UNREADABLE if found is None else replies.MESSAGE_GONE
            await chat.post_private(channel_id, reaction.person, unread)
            return
        if found.author is None:
            # A bot's message is nobody's feedback; the person who marked it hears why.
            await chat.post_private(channel_id, reaction.person, replies.NOT_A_PERSONS)
            return
        if found.no_text_hint and is_blank(found.text):
            await chat.post_private(
                channel_id, reaction.person, replies.no_text(found.no_text_hint)
            )
            return
        submission = Submission(
            workspace=reaction.workspace,
            channel_id=channel_id,
            author=found.author,
            kind=ItemKind.FEEDBACK,
            text=found.text,
            stakeholder=found.stakeholder,
            source=reaction.message,
            delivery_id=reaction.delivery_id,
        )
        await self._feedback.capture(submission, reaction.person, chat, found.thread)


_SCALES = {"1-5": Scale.FIVE, "yes/no": Scale.YES_NO, "yes-no": Scale.YES_NO}


def _pressed_in(pressed: Workspace, action: ShipAction) -> Workspace | None:
    """The workspace a press on a shipped item's question belongs to: the one the platform
    said, or (a direct message that does not say) the one the token carries; ``None`` when
    the two differ."""
    if not pressed.id:
        return Workspace(pressed.platform, action.workspace_id) if action.workspace_id else None
    return pressed if pressed.id == action.workspace_id else None


def _item_list(text: str) -> ItemList | None:
    try:
        return ItemList(text.strip().lower() or ItemList.OPEN)
    except ValueError:
        return None


async def _triaged(change: Awaitable[T]) -> T | Message:
    """The change, or the message that says why nothing was changed."""
    try:
        return await change
    except NotAllowed:
        return replies.NOT_ALLOWED
    except (InvalidTransition, ItemNotFound, DoesNotApply) as refused:
        return replies.nothing_changed(refused)
    except StorageError:
        log.exception("a triage change could not be stored")
        return replies.NOT_STORED


async def _tracked(change: Awaitable[T]) -> T | Message:
    """A link's change, or the message that says why nothing was linked: the tracker's own
    one line, a tracker this bot is not set up for, or an issue it cannot tell."""
    try:
        return await _triaged(change)
    except TrackerFailed as failed:
        return replies.tracker_failed(failed)
    except TrackerNotConfigured as missing:
        return replies.tracker_not_configured(missing.tracker)
    except UnknownIssue as unknown:
        return replies.unknown_issue(unknown)


async def _read(reading: Awaitable[T]) -> T | Message:
    """What was read, or the message that says the database could not be reached."""
    try:
        return await reading
    except StorageError:
        log.exception("the roadmap could not be read")
        return replies.NO_DATABASE
