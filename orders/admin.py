"""The orders app's admin registrations, one module per part (imported for their side effects)."""
from . import admin_documents, admin_orders, admin_payments, admin_settlements  # noqa: F401
