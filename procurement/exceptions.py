from ddasum.exceptions import DomainError


class ProcurementError(DomainError):
    """A procurement action cannot be done as asked; the message says why."""


class NotAllowed(ProcurementError):
    """The actor may not do this (not a member of the agency or the vendor)."""


class NotVerified(NotAllowed):
    """The buyer's agency membership is not verified yet: browse, but no quote requests."""


class InvalidTransition(ProcurementError):
    """The object's status does not allow this change."""


class QuoteExpired(ProcurementError):
    """The quote's validity date has passed."""


class DirectPurchaseNotAllowed(ProcurementError):
    """The agency's kind or the amount does not allow a direct purchase."""
