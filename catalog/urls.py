from django.urls import path  # noqa: F401

from . import views  # noqa: F401

app_name = "catalog"

# Storefront pages (the front page itself is the root URLconf's "home").
urlpatterns = []
