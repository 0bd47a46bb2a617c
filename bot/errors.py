"""Errors the core raises or expects its ports to raise."""


def first_line(error: BaseException) -> str:
    """What ``error`` says, in one line (its first), or its type's name when it says nothing:
    a driver's message runs on over several lines (SQL, parameters, a link to its docs)."""
    said = str(error).strip()
    return said.splitlines()[0] if said else type(error).__name__


class FeedbackBotError(Exception):
    """Base of every error the core knows how to explain to a person."""


class StorageError(FeedbackBotError):
    """The database could not do what was asked; storage adapters wrap their driver errors in it."""


class InvalidTransition(FeedbackBotError):
    """A status change that the lifecycle does not allow."""


class ItemNotFound(FeedbackBotError):
    """No item with that number in that workspace."""


class ConfigError(FeedbackBotError):
    """A configuration value is missing or wrong; names the variable so the fix is obvious."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class NotAllowed(FeedbackBotError):
    """The person may not do that (only admins triage)."""


class DoesNotApply(FeedbackBotError):
    """The change makes no sense for that item (feedback has no priority)."""


class TrackerFailed(FeedbackBotError):
    """An issue tracker refused or could not be reached; what it says is one line for people."""


class BadSignature(FeedbackBotError):
    """An inbound webhook whose signature (or shared secret) does not verify."""
