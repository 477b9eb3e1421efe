"""Admin: admin_campaigns."""
