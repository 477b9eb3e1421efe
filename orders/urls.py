from django.urls import include, path

app_name = "orders"

# One URL module per part of the app, all in the "orders" namespace.
urlpatterns = [
    path("", include("orders.urls_shop")),
    path("payments/", include("orders.urls_payments")),
    path("documents/", include("orders.urls_documents")),
    path("reports/campaigns/", include("orders.urls_campaign_reports")),  # before reports/<kind>/
    path("reports/", include("orders.urls_reports")),
]
