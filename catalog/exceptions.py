from ddasum.exceptions import DomainError


class InvalidTransition(DomainError):
    """The product's status does not allow this change."""


class NotAllowed(DomainError):
    """The actor may not change this product."""


class ProductIncomplete(DomainError):
    """A product cannot be submitted as it is; the message says why."""


class StockShort(DomainError):
    """A variant has less stock than a take asked for; callers say which line in their own words."""

    def __init__(self, variant_id: int):
        super().__init__("품절/재고 부족")
        self.variant_id = variant_id


class DeliveryDateFull(DomainError):
    """A delivery date has less capacity left than a take asked for."""

    def __init__(self, slot_id: int):
        super().__init__("배송일 마감")
        self.slot_id = slot_id
