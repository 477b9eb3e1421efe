"""Quote basket, requests, quotes, the vendor's inbox and answers, messages (views.quotes)."""
from django.urls import path, re_path

from ..views import quotes as views

# Readable numbers (RQ-20261122-00042, QT-20261122-00043); the patterns keep other parts' pages
# under quotes/ and requests/ from being read as a number.
REQUEST_NUMBER = r"(?P<number>RQ-\d{8}-\d{5,})"
QUOTE_NUMBER = r"(?P<number>QT-\d{8}-\d{5,})"

urlpatterns = [
    path("basket/", views.basket, name="basket"),
    path("basket/add/", views.basket_add, name="basket_add"),
    path("basket/update/", views.basket_update, name="basket_update"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/new/custom/", views.request_custom_new, name="request_custom_new"),
    path("requests/attachments/<int:pk>/", views.request_attachment, name="request_attachment"),
    re_path(rf"^requests/{REQUEST_NUMBER}/$", views.request_detail, name="request_detail"),
    re_path(rf"^requests/{REQUEST_NUMBER}/cancel/$", views.request_cancel, name="request_cancel"),
    re_path(rf"^quotes/{QUOTE_NUMBER}/$", views.quote_detail, name="quote_detail"),
    re_path(rf"^quotes/{QUOTE_NUMBER}/messages/$", views.quote_message_post, name="quote_message_post"),
    path("messages/attachments/<int:pk>/", views.message_attachment, name="message_attachment"),
    path("vendor/quotes/", views.vendor_quote_list, name="vendor_quote_list"),
    re_path(rf"^vendor/quotes/{QUOTE_NUMBER}/answer/$", views.quote_answer, name="quote_answer"),
    re_path(rf"^vendor/quotes/{QUOTE_NUMBER}/decline/$", views.quote_decline, name="quote_decline"),
]
