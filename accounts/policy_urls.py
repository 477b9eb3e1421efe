"""The public policy pages (이용약관, 개인정보처리방침), at the site root."""
from django.urls import path

from . import views

urlpatterns = [
    path("terms/", views.policy, {"kind": "terms"}, name="terms"),
    path("privacy/", views.policy, {"kind": "privacy"}, name="privacy"),
]
