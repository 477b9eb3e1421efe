"""Admin: admin_quotes."""
