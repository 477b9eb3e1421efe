"""Procurement pages under /procurement/ (namespace "procurement"); each part keeps its own module here."""
from django.urls import include, path

app_name = "procurement"

urlpatterns = [
    path("", include("procurement.urls.agencies")),
    path("", include("procurement.urls.quotes")),
    path("", include("procurement.urls.documents")),
    path("", include("procurement.urls.purchases")),
    path("", include("procurement.urls.needs")),
    path("", include("procurement.urls.reports")),
]
