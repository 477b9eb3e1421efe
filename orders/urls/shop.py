"""The buyer's pages: cart, checkout, orders (in the "orders" namespace of orders/urls.py)."""
from django.urls import path, re_path

from ..views import addresses, claims, exchanges
from ..views import shop as views

# Order numbers are date + sequence (20261122-00042); the pattern keeps /orders/reports/ and the
# other parts' pages from being read as an order number.
NUMBER = r"(?P<number>\d{8}-\d{5,})"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("cart/", views.cart, name="cart"),
    path("visitor/", views.visitor, name="visitor"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("cart/remove/", views.cart_remove, name="cart_remove"),
    path("cart/postal-code/", views.cart_postal_code, name="cart_postal_code"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/now/", views.checkout, {"buy_now": True}, name="checkout_now"),
    path("buy-now/", views.buy_now, name="buy_now"),
    path("lookup/", views.order_lookup, name="lookup"),
    path("addresses/", addresses.address_book, name="addresses"),
    path("addresses/delete/", addresses.address_remove, name="address_delete"),
    path("addresses/default/", addresses.address_default, name="address_default"),
    re_path(rf"^{NUMBER}/$", views.order_detail, name="detail"),
    re_path(rf"^{NUMBER}/access/(?P<token>[0-9a-f]{{40}})/$", views.guest_access, name="guest_access"),
    re_path(rf"^{NUMBER}/cash-receipt/$", views.cash_receipt_request_view, name="cash_receipt_request"),
    re_path(rf"^{NUMBER}/refund-account/$", views.refund_account_view, name="refund_account"),
    re_path(rf"^{NUMBER}/(?P<vendor_order_id>\d+)/claim/(?P<kind>cancel|return)/$", claims.claim_start,
            name="claim_start"),
    re_path(rf"^{NUMBER}/claims/(?P<claim_id>\d+)/withdraw/$", claims.claim_withdraw_view, name="claim_withdraw"),
    re_path(rf"^{NUMBER}/(?P<vendor_order_id>\d+)/cancel/$", views.vendor_order_cancel_view, name="vendor_order_cancel"),
    re_path(rf"^{NUMBER}/(?P<vendor_order_id>\d+)/return/$", views.vendor_order_return_view, name="vendor_order_return"),
    re_path(rf"^{NUMBER}/(?P<vendor_order_id>\d+)/complete/$", views.vendor_order_complete_view,
            name="vendor_order_complete"),
    re_path(rf"^{NUMBER}/(?P<vendor_order_id>\d+)/exchange/$", exchanges.exchange_request_view,
            name="exchange_request"),
    re_path(rf"^{NUMBER}/exchanges/(?P<claim_id>\d+)/withdraw/$", exchanges.exchange_withdraw_view,
            name="exchange_withdraw"),
]
