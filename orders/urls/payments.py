"""Payment pages, under /orders/payments/ in the "orders" namespace."""
from django.urls import path

from ..views import payments as views

urlpatterns = [
    # success/ and fail/ before <number>/, which would take them for order numbers.
    path("card/success/", views.card_success_view, name="pay_card_success"),
    path("card/fail/", views.card_fail_view, name="pay_card_fail"),
    path("webhook/", views.pg_webhook_view, name="pay_webhook"),
    path("card/<str:number>/", views.card_view, name="pay_card"),
    # DEBUG only (404 otherwise): a stand-in gateway for the local demo.
    path("dev-gateway/v1/payments/confirm", views.dev_gateway_confirm, name="pay_dev_gateway_confirm"),
    path("dev-gateway/v1/payments/<str:payment_key>/cancel", views.dev_gateway_cancel, name="pay_dev_gateway_cancel"),
]
