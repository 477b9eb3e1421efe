from ddasum.exceptions import DomainError


class InvalidTransition(DomainError):
    """The product's status does not allow this change."""


class NotAllowed(DomainError):
    """The actor may not change this product."""


class ProductIncomplete(DomainError):
    """A product cannot be submitted as it is; the message says why."""
