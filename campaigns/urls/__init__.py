"""Campaign pages (/campaigns/…) and the notices and events board (/board/…)."""
from django.urls import include, path

app_name = "campaigns"

urlpatterns = [
    path("", include("campaigns.urls.campaigns")),
    path("", include("campaigns.urls.board")),
]
