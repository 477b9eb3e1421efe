"""The procurement API under /api/procurement/ (in the site's OpenAPI schema at /api/schema/)."""
from django.urls import path

from accounts.api import TokenObtainApi

from . import api

app_name = "procurement_api"

urlpatterns = [
    # Members of a verified agency or an approved vendor exchange email and password for a token.
    path("auth/token/", TokenObtainApi.as_view(token_holder_check=api.token_holder_check), name="token"),
    # Agencies.
    path("requests/", api.QuoteRequestListApi.as_view(), name="requests"),
    path("requests/<str:number>/", api.QuoteRequestDetailApi.as_view(), name="request"),
    # Agencies and vendors: a quote they hold, its bundle.
    path("quotes/<str:number>/", api.QuoteDetailApi.as_view(), name="quote"),
    path("quotes/<str:number>/bundle/", api.BundleApi.as_view(), name="bundle"),
    path("quotes/<str:number>/bundle.pdf", api.BundlePdfApi.as_view(), name="bundle_pdf"),
    # Vendors.
    path("vendor/quotes/", api.VendorQuoteListApi.as_view(), name="vendor_quotes"),
    path("vendor/quotes/<str:number>/submit/", api.VendorQuoteSubmitApi.as_view(), name="vendor_quote_submit"),
    path("vendor/quotes/<str:number>/decline/", api.VendorQuoteDeclineApi.as_view(), name="vendor_quote_decline"),
]
