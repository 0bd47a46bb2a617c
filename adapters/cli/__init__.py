"""The ``feedbackbot`` command line: its arguments, their dispatch and its output. What runs
lives in ``adapters.app``."""
