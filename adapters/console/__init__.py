"""A terminal chat on the same core and database, for trying the bot with no platform account."""
