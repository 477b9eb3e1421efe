"""Admin registrations of campaigns: one module per area, imported here so Django registers them."""
from . import board, campaigns, coupons  # noqa: F401
