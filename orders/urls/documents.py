"""Document downloads under /orders/documents/ in the "orders" namespace."""
from django.urls import path

from ..views import documents as views

urlpatterns = [
    path("order/<str:order_number>/<slug:kind>/", views.order_document, name="order_document"),
    path("vendor-order/<str:vendor_order_number>/<slug:kind>/", views.vendor_order_document, name="vendor_order_document"),
    path("<str:number>/", views.document_download, name="document"),
]
