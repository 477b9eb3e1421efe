"""Admin registrations of procurement, one module per part (importing them registers them)."""
from . import agencies, needs, purchases, quotes  # noqa: F401
