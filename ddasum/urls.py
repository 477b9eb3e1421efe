from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from vendors.admin_site import partner_admin_site

from . import views
from .site import SITEMAPS, home, robots_txt

urlpatterns = [
    path("", home, name="home"),
    path("", include("catalog.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/messages/", include("notifications.urls")),
    path("accounts/", include("accounts.urls")),
    path("vendors/", include("vendors.urls")),
    path("orders/", include("orders.urls")),
    path("procurement/", include("procurement.urls")),
    path("", include("campaigns.urls")),
    path("admin/", admin.site.urls),
    path("partner/", partner_admin_site.urls),
    path("api/", include("catalog.api.urls")),
    path("api/procurement/", include("procurement.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.SERVE_MEDIA:
    # Public media only (logos, photos); private documents live outside MEDIA_ROOT.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
