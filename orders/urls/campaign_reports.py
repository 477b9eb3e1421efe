"""Campaign reports under /orders/reports/campaigns/ (operators: every vendor; vendors: their own items)."""
from django.urls import path

from ..views import campaign_reports

urlpatterns = [
    path("", campaign_reports.campaign_report_list, name="campaign_reports"),
    path("<slug:slug>/", campaign_reports.campaign_report_view, name="campaign_report"),
    path("<slug:slug>/csv/", campaign_reports.campaign_report_csv, name="campaign_report_csv"),
]
