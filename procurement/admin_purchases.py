"""Admin: admin_purchases."""
