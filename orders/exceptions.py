from ddasum.exceptions import DomainError


class OrderError(DomainError):
    """The order cannot be placed or changed as asked; the message says why."""


class CartError(OrderError):
    """The cart cannot take this line as it is."""


class OutOfStock(OrderError):
    """품절/재고 부족: not enough stock left for a line."""


class InvalidTransition(OrderError):
    """The order's status does not allow this change."""


class NotAllowed(OrderError):
    """The actor may not do this to this order."""


class PaymentError(OrderError):
    """The payment provider refused, failed or did not answer."""


class FieldsInvalid(PaymentError):
    """Input that fails its format check; `fields` maps each field to its Korean message."""

    def __init__(self, message: str = "", *, fields: dict | None = None):
        super().__init__(message)
        self.fields = fields or {}
