"""Admin: admin_board."""
