"""Report pages: the agency dashboard, the vendor's agency sales, the operator's totals (with exports)."""
from django.urls import path

from ..views import reports as views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export/", views.dashboard_export, name="dashboard_export"),
    path("vendor/report/", views.vendor_report, name="vendor_report"),
    path("vendor/report/export/", views.vendor_report_export, name="vendor_report_export"),
    path("operator/report/", views.operator_report, name="operator_report"),
    path("operator/report/export/", views.operator_report_export, name="operator_report_export"),
]
