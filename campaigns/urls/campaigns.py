"""Campaign pages: /campaigns/ (on now and coming), /campaigns/archive/, /campaigns/<slug>/."""
from django.urls import path

from ..views import campaigns as views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/archive/", views.campaign_archive, name="archive"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="detail"),
    path("campaigns/<slug:slug>/coupons/<int:coupon_id>/claim/", views.coupon_claim_view, name="coupon_claim"),
]
