"""The schema as SQLAlchemy Core tables; Alembic's migrations must agree with it (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

# Named constraints keep migrations reproducible on every database (and SQLite batch mode happy).
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    # The organisation the workspace belongs to, when its platform says (a Slack Enterprise
    # Grid's E... id): written when the workspace is first seen or first seen with one.
    Column("organisation_id", String(64), nullable=True),
    # The last public number handed out; incremented under a row lock so replicas never clash.
    Column("last_number", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("platform", "external_id", name="uq_workspaces_platform_external_id"),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("channel_id", String(64), nullable=False),
    # Both NULL exactly when the item is anonymous: nothing else records who wrote it.
    Column("author_id", String(64), nullable=True),
    Column("author_name", String(255), nullable=True),
    # Anonymous items only, with a seal key configured: the author's id, encrypted (Fernet), so
    # that the bot alone can send them a direct message. Unreadable without the key.
    Column("author_handle", Text, nullable=True),
    Column("stakeholder", String(16), nullable=False),
    Column("priority", String(16), nullable=True),
    Column("status", String(16), nullable=False),
    Column("duplicate_of", Integer, nullable=True),
    Column("votes", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("status_changed_at", DateTime(timezone=True), nullable=True),
    Column("thanks_channel_id", String(64), nullable=True),
    Column("thanks_message_id", String(64), nullable=True),
    Column("source_channel_id", String(64), nullable=True),
    Column("source_message_id", String(64), nullable=True),
    UniqueConstraint("workspace_id", "number", name="uq_items_workspace_id_number"),
    UniqueConstraint(
        "workspace_id",
        "source_channel_id",
        "source_message_id",
        name="uq_items_workspace_id_source",
    ),
    Index("ix_items_thanks", "workspace_id", "thanks_channel_id", "thanks_message_id"),
    Index("ix_items_workspace_status", "workspace_id", "status"),
)

votes = Table(
    "votes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("voter_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("item_id", "voter_id", name="uq_votes_item_id_voter_id"),
)

# Event deliveries already handled, so a platform's retry never counts twice; pruned after a day.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("delivery_id", String(128), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("workspace_id", "delivery_id", name="uq_deliveries_workspace_id_delivery_id"),
    Index("ix_deliveries_received_at", "received_at"),
)

status_changes = Table(
    "status_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("duplicate_of", Integer, nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("by_id", String(64), nullable=True),
    Column("by_name", String(255), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

# -- roadmap reminders (issue 5) --------------------------------------------------------------

# What the digest reads by period and by state, without touching the rest of a large workspace.
Index("ix_items_workspace_created", items.c.workspace_id, items.c.created_at)
Index(
    "ix_items_workspace_triage",
    items.c.workspace_id,
    items.c.status,
    items.c.priority,
    items.c.created_at,
)
Index("ix_items_workspace_votes", items.c.workspace_id, items.c.votes)
Index("ix_status_changes_at", status_changes.c.at)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    # The schedule as it reads ("every monday at 09:00"); parsed again when loaded.
    Column("schedule", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("text", Text, nullable=False, server_default=""),
    Column("created_by_id", String(64), nullable=True),
    Column("created_by_name", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Only ever moves forward, with a compare-and-set: the guard that an older occurrence is
    # never claimed after a newer one.
    Column("last_claimed_for", DateTime(timezone=True), nullable=True),
    Column("last_posted_for", DateTime(timezone=True), nullable=True),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    Column("disabled_reason", String(255), nullable=True),
    # A survey's scale (``1-5``, ``yes/no``); NULL for the other kinds (issue 18).
    Column("scale", String(16), nullable=True),
    Index("ix_reminders_workspace_channel", "workspace_id", "channel_id"),
)

# One row per claimed occurrence: the unique key is what makes a post happen once across
# replicas. Pruned after a month.
reminder_occurrences = Table(
    "reminder_occurrences",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reminder_id", ForeignKey("reminders.id", ondelete="CASCADE"), nullable=False),
    Column("scheduled_for", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("outcome", String(255), nullable=True),
    UniqueConstraint(
        "reminder_id", "scheduled_for", name="uq_reminder_occurrences_reminder_id_scheduled_for"
    ),
    Index("ix_reminder_occurrences_claimed_at", "claimed_at"),
)

# -- SLA breaches (issue 6) ---------------------------------------------------------------------

# One row per item that stayed new past its SLA: the unique key on the item is the claim that
# makes the breach posted once, whichever replica sees it first. Handled once the item has left
# new; kept for the KPIs.
sla_breaches = Table(
    "sla_breaches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("breached_at", DateTime(timezone=True), nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=True),
    Column("outcome", String(255), nullable=True),
    # Whether the item is still new (an open breach), kept by triggers (migration 0007).
    Column("still_new", Boolean, nullable=False, server_default=true()),
    UniqueConstraint("item_id", name="uq_sla_breaches_item_id"),
    Index("ix_sla_breaches_workspace_breached", "workspace_id", "breached_at"),
    Index("ix_sla_breaches_workspace_still_new", "workspace_id", "still_new"),
)

# -- what the bot owes people (issue 13) ----------------------------------------------------------

# One row per message owed: written with the change that owes it, claimed by one process at a
# time (``claimed_until`` is the lease), done once delivered or given up. The marker ``key`` is
# carried with the post, so a post whose outcome is unknown can be looked for before a retry.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(32), nullable=False),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("item_number", Integer, nullable=True),
    Column("channel_id", String(64), nullable=True),
    Column("thread_channel_id", String(64), nullable=True),
    Column("thread_message_id", String(64), nullable=True),
    # An anonymous author's id only ever sealed (``person_sealed``), as on their item.
    Column("person_id", Text, nullable=True),
    Column("person_name", String(255), nullable=True),
    Column("person_sealed", Boolean, nullable=False, server_default=false()),
    Column("response_url", Text, nullable=True),
    Column("body", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("maybe_sent", Boolean, nullable=False, server_default=false()),
    # When the attempt that may have posted it began: where to look for it before a retry.
    Column("tried_at", DateTime(timezone=True), nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
    Column("done_at", DateTime(timezone=True), nullable=True),
    Column("outcome", String(255), nullable=True),
    Column("posted_channel_id", String(64), nullable=True),
    Column("posted_message_id", String(64), nullable=True),
    UniqueConstraint("key", name="uq_outbox_key"),
    Index("ix_outbox_pending", "done_at", "platform", "due_at"),
)


# -- metrics (issue 17) ----------------------------------------------------------------------

# Open items per workspace, status, stakeholder and priority ('' for feedback, which has none),
# kept by triggers on ``items`` (migration 0007), for the metrics' gauges (storage/gauges.py).
open_item_counts = Table(
    "open_item_counts",
    metadata,
    Column(
        "workspace_id",
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("status", String(16), primary_key=True),
    Column("stakeholder", String(16), primary_key=True),
    Column("priority", String(16), primary_key=True),
    Column("count", Integer, nullable=False),
)


# -- the dashboard's sign-in links and sessions (issue 15, migration 0008) ----------------------

# One row per sign-in link, known by the SHA-256 of its token (the token itself is only ever in
# the link). ``used_at`` is set once, by a compare-and-set: the guard that a link signs in once.
dashboard_links = Table(
    "dashboard_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("user_name", String(255), nullable=False),
    Column("admin", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("token_hash", name="uq_dashboard_links_token_hash"),
    Index("ix_dashboard_links_expires_at", "expires_at"),
)

# One row per session opened by a link, known by the SHA-256 of the cookie's token; removed when
# its visitor signs out, and a day after it expires.
dashboard_sessions = Table(
    "dashboard_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("user_name", String(255), nullable=False),
    Column("admin", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("token_hash", name="uq_dashboard_sessions_token_hash"),
    Index("ix_dashboard_sessions_expires_at", "expires_at"),
)

# Keys made once and shared by every process (``signing``: the dashboard's cookies and forms).
dashboard_keys = Table(
    "dashboard_keys",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# -- the backlog: search and voters' names (issue 15, migration 0009) ----------------------------

# Who voted, by name when their platform told it with the vote; NULL when it did not (the user
# id then stands for the name).
votes.append_column(Column("voter_name", String(255), nullable=True))

# One index per sort of the backlog, each ending in the tie-breaker ``number``, so every page
# (the 5,000th too) is read by seeking in the index from the cursor; and the filters that pick
# few items ("mine", a channel, the duplicates merged into an item).
Index("ix_items_workspace_votes_number", items.c.workspace_id, items.c.votes, items.c.number)
Index("ix_items_workspace_created_number", items.c.workspace_id, items.c.created_at, items.c.number)
Index(
    "ix_items_workspace_changed_number",
    items.c.workspace_id,
    items.c.status_changed_at,
    items.c.number,
)
Index("ix_items_workspace_author_number", items.c.workspace_id, items.c.author_id, items.c.number)
Index("ix_items_workspace_channel_number", items.c.workspace_id, items.c.channel_id, items.c.number)
# Partial: the few duplicates alone, so the planner never takes it for the whole workspace.
Index(
    "ix_items_workspace_duplicate_of",
    items.c.workspace_id,
    items.c.duplicate_of,
    sqlite_where=items.c.duplicate_of.is_not(None),
    postgresql_where=items.c.duplicate_of.is_not(None),
)

# Full-text search is not a table here: an FTS5 table on SQLite (``items_fts``, kept by
# triggers) and a GIN expression index on PostgreSQL, both made by migration 0009 alone;
# ``storage.schema.compared`` leaves them out of the schema-agrees-with-migrations check.


# -- KPI figures kept as items change (issue 15, migration 0010) ---------------------------------

# Kept by triggers on items, status_changes and sla_breaches (migration 0010), so the KPIs and
# their charts read a few hundred rows however many items there are (storage/kpis.py); rebuilt
# from the rows by storage.kpis.rebuild_kept_figures after a bulk load.

# Durations in whole milliseconds fall in buckets [low_ms, high_ms): each of 0..24 ms its own,
# then each spanning at most 4% above its low, so a bucket's geometric middle is within 2% of
# every value in it (bot/kpis.py).
kpi_buckets = Table(
    "kpi_buckets",
    metadata,
    Column("low_ms", BigInteger, primary_key=True, autoincrement=False),
    Column("high_ms", BigInteger, nullable=False),
)

# Items by the UTC day or month (``span``, from ``start``) they were created in, and their
# status, priority ('' for none), stakeholder kind and kind now.
kpi_items = Table(
    "kpi_items",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("span", String(8), primary_key=True),
    Column("start", Date, primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("priority", String(16), primary_key=True),
    Column("stakeholder", String(16), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("count", Integer, nullable=False),
)

# Events by the UTC day or month they happened in: ``acknowledge``, ``leave_new`` and ``ship``
# with the bucket of their time since the item was created; ``breach`` (by its deadline),
# bucket 0.
kpi_events = Table(
    "kpi_events",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("span", String(8), primary_key=True),
    Column("start", Date, primary_key=True),
    Column("event", String(16), primary_key=True),
    Column("bucket", BigInteger, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
)

# Open items by their number of votes.
kpi_open_votes = Table(
    "kpi_open_votes",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("votes", Integer, primary_key=True, autoincrement=False),
    Column("count", Integer, nullable=False),
)

# The exact edges of a period (the part of a day at either end) are read from the rows.
Index("ix_items_workspace_acknowledged", items.c.workspace_id, items.c.acknowledged_at)
Index("ix_sla_breaches_workspace_deadline", sla_breaches.c.workspace_id, sla_breaches.c.deadline)


# -- tracker links (issue 16, migration 0011) ----------------------------------------------------

# One row per link of an item to a tracker issue (``key``: ``owner/repo#12``, ``PROJ-12``).
# ``state`` is the issue's state last seen (``IssueState.seen``), ``read_at`` when it was last
# read: a poll reads the least recently read first. Found by issue for inbound changes.
issue_links = Table(
    "issue_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("tracker", String(16), nullable=False),
    Column("key", String(255), nullable=False),
    Column("url", Text, nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    Column("state", String(255), nullable=True),
    Column("read_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("item_id", "tracker", "key", name="uq_issue_links_item_id_tracker_key"),
    Index("ix_issue_links_tracker_key", "tracker", "key"),
    Index("ix_issue_links_read_at", "read_at"),
)

# An item's tracker history: one line per move an issue asked for that the lifecycle refused.
issue_link_notes = Table(
    "issue_link_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_issue_link_notes_item_id", "item_id"),
)


# -- outgoing webhooks (issue 16) --------------------------------------------------------------

# Where a workspace's events are sent. ``events`` is ``*`` (every item event) or the types
# between commas (``,item.created,item.voted,``) so one LIKE tells a subscription; ``secret``
# is the signing secret, sealed. ``failing_since``: the first failure since the last success.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("events", String(255), nullable=False),
    Column("secret", Text, nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_success_at", DateTime(timezone=True), nullable=True),
    Column("failing_since", DateTime(timezone=True), nullable=True),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    # What every emitted event probes: a workspace without endpoints costs this lookup alone.
    Index("ix_webhook_endpoints_workspace", "workspace_id", "enabled"),
)

# One event owed to one endpoint (the outbox of webhooks): written in the transaction of the
# change it reports, ``pending`` until delivered or given up (``failed``). No foreign keys here
# nor on the attempts: removing an endpoint deletes its rows itself, and a change that emits
# while an endpoint is removed must not fail on the check (a row left behind is never claimed:
# claims join the endpoint).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("endpoint_id", Integer, nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("workspace_id", Integer, nullable=False),
    Column("item_number", Integer, nullable=True),
    Column("type", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("last_status", Integer, nullable=True),
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
    # Claims: pending deliveries by when they are due.
    Index("ix_webhook_deliveries_due", "state", "due_at"),
    # Order: whether an older delivery of the same item to the same endpoint is pending.
    Index("ix_webhook_deliveries_order", "endpoint_id", "item_number", "state", "id"),
)

# Every attempt of a delivery, for ``feedbackbot webhooks deliveries``.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", Integer, nullable=True),
    Column("error", String(255), nullable=True),
    Column("milliseconds", Integer, nullable=False),
    Index("ix_webhook_attempts_delivery", "delivery_id"),
    Index("ix_webhook_attempts_at", "at"),
)


# -- surveys (issue 18) -------------------------------------------------------------------------

# What the people who wanted a shipped item answered to "Did this solve it?": one row per
# person per item, a later answer replacing the earlier. ``respondent`` is the user id, or
# ``requester`` for an anonymous item's requester, whose ``user_id`` is then NULL: nothing
# kept ties the answer to them. ``answered_at`` is when the answer now kept was given.
survey_answers = Table(
    "survey_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("respondent", String(64), nullable=False),
    Column("user_id", String(64), nullable=True),
    # ``requester`` or ``voter``.
    Column("role", String(16), nullable=False),
    # ``solved``, ``partly`` or ``no``.
    Column("answer", String(16), nullable=False),
    Column("comment", Text, nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("item_id", "respondent", name="uq_survey_answers_item_id_respondent"),
    Index("ix_survey_answers_workspace_answered", "workspace_id", "answered_at"),
)

# One row per posted occurrence of a survey reminder: the question as it was asked, so its
# results outlive the reminder. Created by the process that claimed the occurrence.
survey_polls = Table(
    "survey_polls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("reminder_id", ForeignKey("reminders.id", ondelete="SET NULL"), nullable=True),
    Column("channel_id", String(64), nullable=False),
    Column("question", Text, nullable=False),
    Column("scale", String(16), nullable=False),
    Column("scheduled_for", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint(
        "reminder_id", "scheduled_for", name="uq_survey_polls_reminder_id_scheduled_for"
    ),
    Index("ix_survey_polls_workspace_scheduled", "workspace_id", "scheduled_for"),
)

# One answer per person per poll, a later click replacing the earlier. ``value``: 1 to 5, or
# 1 (yes) and 0 (no). ``stakeholder`` is the answerer's kind, as the platform showed them.
survey_poll_answers = Table(
    "survey_poll_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("poll_id", ForeignKey("survey_polls.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("stakeholder", String(16), nullable=False),
    Column("value", Integer, nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("poll_id", "user_id", name="uq_survey_poll_answers_poll_id_user_id"),
)
