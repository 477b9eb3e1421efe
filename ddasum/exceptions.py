"""The base of every domain error; views map it to a message or an HTTP status in one place."""


class DomainError(Exception):
    """A rule refused an action; `message` is shown to the user as it is."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = str(message)

    def __str__(self):
        return self.message


class InvalidTransition(DomainError):
    """A status change the transition table refuses (StateMachine's default; each app passes its own class)."""
