"""The orders app's admin registrations, one module per part (imported for their side effects)."""
from . import claims, documents, orders, payments, settlements  # noqa: F401
