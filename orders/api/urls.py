"""Vendors' orders API under /api/partner/ (API key, user token or partner-admin session)."""
from django.urls import path

from . import partner

app_name = "partner_api"

urlpatterns = [
    path("orders/", partner.VendorOrderFeedApi.as_view(), name="orders"),
    path("orders/confirm/", partner.VendorOrderConfirmApi.as_view(), name="orders_confirm"),
    path("orders/ship/", partner.VendorOrderShipApi.as_view(), name="orders_ship"),
    path("orders/<str:number>/", partner.VendorOrderDetailApi.as_view(), name="order"),
    path("orders/<str:number>/return/accept/", partner.VendorOrderReturnAcceptApi.as_view(), name="return_accept"),
    path("orders/<str:number>/return/refuse/", partner.VendorOrderReturnRefuseApi.as_view(), name="return_refuse"),
]
