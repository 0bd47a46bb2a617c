"""The ``feedbackbot`` command: settings, the composition root and the subcommands."""
