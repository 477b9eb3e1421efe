"""Admin registrations of procurement: each part keeps its own module."""
from . import admin_agencies, admin_purchases, admin_quotes  # noqa: F401
