from ddasum.exceptions import DomainError


class NotAllowed(DomainError):
    """The user may not do this to this review or question; the message says why."""


class InvalidTransition(DomainError):
    """The review's status does not allow this change."""
