"""The web dashboard: the backlog, the roadmap board, items, KPIs and reminders in a browser,
signed in from chat. Server-rendered HTML on the bot's own aiohttp server; every asset ships in
the package, so it works air-gapped."""
