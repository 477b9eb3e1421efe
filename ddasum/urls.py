from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView

from vendors.admin_site import partner_admin_site

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("vendors/", include("vendors.urls")),
    path("admin/", admin.site.urls),
    path("partner/", partner_admin_site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

if settings.SERVE_MEDIA:
    # Public media only (logos, photos); private documents live outside MEDIA_ROOT.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
