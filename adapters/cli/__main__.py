"""``python -m adapters.cli``: the ``feedbackbot`` command, used to start worker processes with
the same interpreter as the first one."""

from adapters.cli.main import main

raise SystemExit(main())
