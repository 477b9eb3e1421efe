"""The procurement API under /api/procurement/ (in the site's OpenAPI schema at /api/schema/)."""
from django.urls import path

from accounts.api import TokenObtainApi

from . import views

app_name = "procurement_api"

urlpatterns = [
    # Members of a verified agency or an approved vendor exchange email and password for a token.
    path("auth/token/", TokenObtainApi.as_view(token_holder_check=views.token_holder_check), name="token"),
    # Agencies.
    path("requests/", views.QuoteRequestListApi.as_view(), name="requests"),
    path("requests/<str:number>/", views.QuoteRequestDetailApi.as_view(), name="request"),
    # Agencies and vendors: a quote they hold, its bundle.
    path("quotes/<str:number>/", views.QuoteDetailApi.as_view(), name="quote"),
    path("quotes/<str:number>/bundle/", views.BundleApi.as_view(), name="bundle"),
    path("quotes/<str:number>/bundle.pdf", views.BundlePdfApi.as_view(), name="bundle_pdf"),
    # Vendors.
    path("vendor/quotes/", views.VendorQuoteListApi.as_view(), name="vendor_quotes"),
    path("vendor/quotes/<str:number>/submit/", views.VendorQuoteSubmitApi.as_view(), name="vendor_quote_submit"),
    path("vendor/quotes/<str:number>/decline/", views.VendorQuoteDeclineApi.as_view(), name="vendor_quote_decline"),
]
