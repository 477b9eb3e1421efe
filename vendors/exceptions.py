from ddasum.exceptions import DomainError


class InvalidTransition(DomainError):
    """The vendor's current status does not allow the asked-for change."""


class ApplicationIncomplete(DomainError):
    """A required document or field is missing; the message names it."""


class NotAllowed(DomainError):
    """The actor may not do this to this vendor."""


class VendorError(DomainError):
    """A vendor's request that cannot be done as asked (an API key or webhook setting); the message says why."""
