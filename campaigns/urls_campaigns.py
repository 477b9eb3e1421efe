"""Campaign pages: /campaigns/ (on now and coming), /campaigns/archive/, /campaigns/<slug>/."""
from django.urls import path

from . import views_campaigns

urlpatterns = [
    path("campaigns/", views_campaigns.campaign_list, name="list"),
    path("campaigns/archive/", views_campaigns.campaign_archive, name="archive"),
    path("campaigns/<slug:slug>/", views_campaigns.campaign_detail, name="detail"),
]
