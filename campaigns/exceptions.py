from ddasum.exceptions import DomainError


class CampaignError(DomainError):
    """A campaign action cannot be done as asked; the message says why."""


class NotAllowed(CampaignError):
    """The actor may not do this."""


class InvalidTransition(CampaignError):
    """The item's status does not allow this change."""


class CouponRefused(CampaignError):
    """The coupon cannot be applied; the message says why (expired, below minimum, used up …)."""


class CampaignLimitReached(CampaignError):
    """The campaign quantity or the per-customer limit is used up."""
