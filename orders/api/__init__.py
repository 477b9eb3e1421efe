"""The orders app's API: vendors read and handle their orders (partner.py, mounted at /api/partner/)."""
