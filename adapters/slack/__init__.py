"""Slack: slash commands, a modal, reactions and posts, on the real slack-bolt ``AsyncApp``."""
