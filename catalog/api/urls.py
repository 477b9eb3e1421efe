"""The site's API under /api/ (the schema and docs are mounted next to it in ddasum/urls.py)."""
from django.urls import path

from accounts.api import TokenObtainApi

from . import views

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(token_holder_check=views.user_may_use_vendor_api), name="token"),
    # Public, read-only.
    path("categories/", views.CategoryListApi.as_view(), name="categories"),
    path("products/", views.ProductListApi.as_view(), name="products"),
    path("products/<int:pk>/", views.ProductDetailApi.as_view(), name="product"),
    path("vendors/", views.VendorListApi.as_view(), name="vendors"),
    path("vendors/<int:pk>/", views.VendorDetailApi.as_view(), name="vendor"),
    # A vendor's own listings (token or partner-admin session).
    path("vendor/products/", views.VendorProductListApi.as_view(), name="vendor_products"),
    path("vendor/products/<int:pk>/", views.VendorProductDetailApi.as_view(), name="vendor_product"),
    path("vendor/products/<int:pk>/submit/", views.VendorProductSubmitApi.as_view(), name="vendor_product_submit"),
    path("vendor/products/<int:pk>/images/", views.VendorProductImageApi.as_view(), name="vendor_product_images"),
    path("vendor/products/<int:product_id>/variants/", views.VendorVariantListApi.as_view(), name="vendor_variants"),
    path("vendor/variants/<int:pk>/", views.VendorVariantDetailApi.as_view(), name="vendor_variant"),
    path("vendor/stock/", views.VendorStockApi.as_view(), name="vendor_stock"),
    path("vendor/feed.csv", views.VendorFeedApi.as_view(), name="vendor_feed"),
]
