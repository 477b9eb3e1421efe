"""The catalog's API: public reads through the storefront's one filter path, and vendors' own listings.

Public endpoints need no authentication and show only what the shop shows
(Product.objects.on_sale(), Vendor.objects.selling()). Vendor endpoints take a DRF token
(or the partner admin's session) and see only the products of the user's approved or
suspended vendors; another vendor's id is a 404, never a 403 that would confirm it exists.

serializers.py (public, then vendors'), views.py (public, then vendors'), urls.py (mounted at /api/).
"""
