"""Issue trackers (GitHub Issues, Jira) behind the core's ``Tracker`` port: their REST APIs over
httpx, their inbound webhooks, and their settings. Imported only by the commands that use them."""
