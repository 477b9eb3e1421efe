"""Procurement pages under /procurement/; each part keeps its own urls module."""
from django.urls import include, path

app_name = "procurement"

urlpatterns = [
    path("", include("procurement.urls_agencies")),
    path("", include("procurement.urls_quotes")),
    path("", include("procurement.urls_documents")),
    path("", include("procurement.urls_purchases")),
    path("", include("procurement.urls_needs")),
    path("", include("procurement.urls_reports")),
]
