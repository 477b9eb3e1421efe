"""Admin registrations of campaigns: each part keeps its own module."""
from . import admin_board, admin_campaigns, admin_coupons  # noqa: F401
