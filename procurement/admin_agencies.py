"""Admin: admin_agencies."""
