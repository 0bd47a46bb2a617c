"""Adapters: translate between the outside world (terminal, Slack, Discord) and the core."""
