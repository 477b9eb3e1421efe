"""Admin registrations of procurement, one module per part (importing them registers them)."""
from . import agencies, needs, purchases, quotes, vendor_sales  # noqa: F401
