"""``feedbackbot``: the command line. Every failure a person can fix ends in one clear line.

Only what reading the arguments needs is imported here, so that ``--help``, ``--version`` and
argparse's own refusals answer at once; the commands, and the libraries each one needs, are
imported once the arguments are read (adapters/cli/commands.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TextIO

from adapters.cli.usage import number_argument, text_argument, workspace_argument


class _Version(argparse.Action):
    """``--version``: the installed version, read from the package's metadata only when asked,
    since finding it costs more than the rest of ``--help``."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, **kwargs
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        from importlib.metadata import version

        print(version("feedbackbot"))
        parser.exit()


def _since(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {text!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _item_arguments(parser: argparse.ArgumentParser) -> None:
    """``--workspace W N``: the item a command acts on."""
    parser.add_argument(
        "--workspace", type=workspace_argument, required=True, help="the item's, as platform:id"
    )
    parser.add_argument("number", type=number_argument, metavar="N", help="the item's number")


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedbackbot",
        description="Record /feedback and /request from Slack, Discord or a terminal.",
    )
    parser.add_argument("-V", "--version", action=_Version, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    console = commands.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--name", type=text_argument, help="your display name (default: $USER)")
    console.add_argument(
        "--channel", type=text_argument, default="general", help="channel name (default: general)"
    )
    console.add_argument(
        "--workspace",
        type=text_argument,
        default="local",
        help="workspace id, to keep trials apart (default: local)",
    )
    console.add_argument("--external", action="store_true", help="speak as an external stakeholder")

    commands.add_parser("run", help="serve the configured chat platforms")
    commands.add_parser(
        "check",
        help="pre-flight for run: settings, database, tokens, public URL (status 1 on a failure)",
    )

    discord = commands.add_parser("discord", help="Discord set-up").add_subparsers(
        dest="discord_command", required=True, metavar="ACTION"
    )
    discord.add_parser(
        "sync",
        help="register /feedback and /request with Discord (in DISCORD_GUILD_IDS, or globally)",
    )

    export = commands.add_parser("export", help="write every item (or survey answer) to stdout")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument(
        "--what",
        choices=("items", "answers"),
        default="items",
        help="items (default), or survey answers (no user id for anonymous items)",
    )
    export.add_argument(
        "--workspace", type=workspace_argument, help="only this workspace, as platform:id"
    )

    stats = commands.add_parser("stats", help="KPIs: counts, times to acknowledge and ship, SLAs")
    stats.add_argument(
        "--workspace", type=workspace_argument, help="only this workspace, as platform:id"
    )
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.add_argument(
        "--since", type=_since, help="from this day (YYYY-MM-DD, UTC; default: from the start)"
    )

    dashboard = commands.add_parser("dashboard", help="the web dashboard").add_subparsers(
        dest="dashboard_command", required=True, metavar="ACTION"
    )
    link = dashboard.add_parser(
        "link", help="print a link that signs someone in to the dashboard (once, within minutes)"
    )
    link.add_argument(
        "--workspace", type=workspace_argument, required=True, help="where, as platform:id"
    )
    link.add_argument(
        "--as",
        dest="name",
        type=text_argument,
        required=True,
        metavar="NAME",
        help="the display name to sign in as",
    )
    link.add_argument("--admin", action="store_true", help="sign in as an admin (who may triage)")
    link.add_argument(
        "--user-id",
        type=text_argument,
        help="their platform user id (default: NAME; in a console workspace console:NAME)",
    )

    commands.add_parser(
        "seal-key", help="print a new key for FEEDBACKBOT_SEAL_KEY (anonymous authors' handles)"
    )

    reminders = commands.add_parser(
        "reminders", help="scheduled roadmap updates and feedback prompts"
    )
    if "reminders" in argv:
        # Its actions name the kinds of reminder and give examples of schedules, whose modules
        # import APScheduler: built only for this command, so the others' parsing stays quick.
        from adapters.scheduler.cli import add_reminder_actions

        add_reminder_actions(reminders)

    link_issue = commands.add_parser(
        "link", help="link an item to a GitHub or Jira issue, or create one from it"
    )
    _item_arguments(link_issue)
    link_issue.add_argument(
        "issue",
        type=text_argument,
        nargs="+",
        metavar="ISSUE",
        help="an issue's URL, KEY-12 or owner/repo#12; or github owner/repo, jira PROJ to "
        "create one",
    )
    unlink_issue = commands.add_parser("unlink", help="unlink an item from its tracker issues")
    _item_arguments(unlink_issue)
    unlink_issue.add_argument(
        "issue",
        type=text_argument,
        nargs="*",
        metavar="ISSUE",
        help="the issue to unlink (default: every issue the item is linked to)",
    )
    delete = commands.add_parser(
        "delete",
        help="delete an item and everything kept about it, for good (asks nothing)",
    )
    _item_arguments(delete)
    trackers = commands.add_parser("trackers", help="GitHub and Jira issues linked to items")
    trackers.add_subparsers(dest="trackers_command", required=True, metavar="ACTION").add_parser(
        "poll", help="read every linked issue now and move the items whose issue changed"
    )

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    upgrade = db.add_parser("upgrade", help="apply migrations (default: to the newest)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db.add_parser("downgrade", help="undo migrations down to REVISION")
    downgrade.add_argument("revision")
    db.add_parser("current", help="show the schema revision of the database")

    webhooks = commands.add_parser(
        "webhooks", help="signed outgoing webhooks: endpoints and their deliveries"
    ).add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    add = webhooks.add_parser(
        "add", help="register an endpoint (prints its id and its signing secret, once)"
    )
    add.add_argument(
        "--workspace", type=workspace_argument, required=True, help="whose events, as platform:id"
    )
    add.add_argument("url", type=text_argument, help="where to POST them (http or https)")
    add.add_argument(
        "--events",
        type=text_argument,
        help="comma-separated: item.created, item.status_changed, item.voted, item.merged, "
        "item.linked (default: all)",
    )
    listing = webhooks.add_parser("list", help="the endpoints, enabled or not")
    listing.add_argument(
        "--workspace", type=workspace_argument, help="only this workspace, as platform:id"
    )
    remove = webhooks.add_parser("remove", help="remove an endpoint and what it is still owed")
    remove.add_argument("id", type=int, help="the endpoint's id (see list)")
    test = webhooks.add_parser("test", help="send a signed webhook.test event now")
    test.add_argument("id", type=int, help="the endpoint's id (see list)")
    deliveries = webhooks.add_parser(
        "deliveries", help="recent delivery attempts with their status codes, newest first"
    )
    deliveries.add_argument(
        "--workspace", type=workspace_argument, help="only this workspace, as platform:id"
    )
    deliveries.add_argument("--endpoint", type=int, help="only this endpoint's")
    deliveries.add_argument("--limit", type=int, default=50, help="how many (default: 50)")
    return parser


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    arguments = build_parser(args).parse_args(args)
    from adapters.cli.commands import run_command

    return run_command(arguments, environ, stdin, stdout)
