"""Outgoing webhooks over HTTP: the signing sender (``bot.webhooks.WebhookSender``)."""
