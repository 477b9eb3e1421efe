"""Operator sales reports under /orders/reports/ (staff only)."""
from django.urls import path

from ..views import reports

urlpatterns = [
    path("", reports.report_monthly, name="reports"),
    path("<slug:kind>/", reports.report_breakdown, name="report"),
]
