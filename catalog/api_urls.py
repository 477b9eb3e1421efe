"""The site's API under /api/ (the schema and docs are mounted next to it in ddasum/urls.py)."""
from django.urls import path

from accounts.api import TokenObtainApi

from . import api

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(token_holder_check=api.user_may_use_vendor_api), name="token"),
    # Public, read-only.
    path("categories/", api.CategoryListApi.as_view(), name="categories"),
    path("products/", api.ProductListApi.as_view(), name="products"),
    path("products/<int:pk>/", api.ProductDetailApi.as_view(), name="product"),
    path("vendors/", api.VendorListApi.as_view(), name="vendors"),
    path("vendors/<int:pk>/", api.VendorDetailApi.as_view(), name="vendor"),
    # A vendor's own listings (token or partner-admin session).
    path("vendor/products/", api.VendorProductListApi.as_view(), name="vendor_products"),
    path("vendor/products/<int:pk>/", api.VendorProductDetailApi.as_view(), name="vendor_product"),
    path("vendor/products/<int:pk>/submit/", api.VendorProductSubmitApi.as_view(), name="vendor_product_submit"),
    path("vendor/products/<int:pk>/images/", api.VendorProductImageApi.as_view(), name="vendor_product_images"),
    path("vendor/products/<int:product_id>/variants/", api.VendorVariantListApi.as_view(), name="vendor_variants"),
    path("vendor/variants/<int:pk>/", api.VendorVariantDetailApi.as_view(), name="vendor_variant"),
    path("vendor/stock/", api.VendorStockApi.as_view(), name="vendor_stock"),
    path("vendor/feed.csv", api.VendorFeedApi.as_view(), name="vendor_feed"),
]
