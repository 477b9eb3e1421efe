"""Admin: admin_coupons."""
