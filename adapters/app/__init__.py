"""The running application: its settings, the composition root, and what ``feedbackbot run``
serves (the HTTP server, the chat platforms, the scheduler, the worker processes)."""
