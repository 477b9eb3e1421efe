from django.urls import include, path

app_name = "orders"

# One URL module per part of the app, all in the "orders" namespace.
urlpatterns = [
    path("", include("orders.urls.shop")),
    path("payments/", include("orders.urls.payments")),
    path("documents/", include("orders.urls.documents")),
    path("reports/campaigns/", include("orders.urls.campaign_reports")),  # before reports/<kind>/
    path("reports/", include("orders.urls.reports")),
]
