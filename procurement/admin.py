"""Admin registrations of procurement: each part keeps its own module."""
from . import (  # noqa: F401
    admin_agencies,
    admin_needs,  # noqa: F401
    admin_purchases,
    admin_quotes,
)
