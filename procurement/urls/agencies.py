"""The procurement home and agency membership pages (views.agencies)."""
from django.urls import path

from ..views import agencies as views

urlpatterns = [
    path("", views.home, name="home"),
    path("agency/join/", views.agency_join_view, name="agency_join"),
    path("agency/pending/", views.agency_pending, name="agency_pending"),
    path("agency/confirm/<str:token>/", views.agency_confirm, name="agency_confirm"),
]
