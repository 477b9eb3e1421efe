"""Campaign pages (/campaigns/…) the notices and events board (/board/…), the product feeds (/feeds/…)."""
from django.urls import include, path

app_name = "campaigns"

urlpatterns = [
    path("", include("campaigns.urls.campaigns")),
    path("", include("campaigns.urls.board")),
    path("", include("campaigns.urls.feeds")),
]
