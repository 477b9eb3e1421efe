"""Product feeds for other channels: /feeds/naver-ep.tsv."""
from django.urls import path

from ..views import feeds as views

urlpatterns = [
    path("feeds/naver-ep.tsv", views.naver_feed, name="naver_feed"),
]
