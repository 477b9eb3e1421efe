from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from vendors.admin_site import partner_admin_site

from . import views
from .site import SITEMAPS, favicon, home, robots_txt

urlpatterns = [
    path("", home, name="home"),
    path("", include("catalog.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("robots.txt", robots_txt, name="robots"),
    path("favicon.ico", favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/messages/", include("notifications.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("accounts.policy_urls")),
    path("vendors/", include("vendors.urls")),
    path("orders/", include("orders.urls")),
    path("procurement/", include("procurement.urls")),
    path("reviews/", include("reviews.urls")),
    path("mypage/", include("mypage.urls")),
    path("", include("campaigns.urls")),
    path("admin/", admin.site.urls),
    # Exchange steps the Claim admin's change form posts to (before the partner admin's catch-all).
    path("partner/exchanges/", include("orders.admin.exchanges")),
    path("partner/", partner_admin_site.urls),
    path("api/", include("catalog.api.urls")),
    path("api/procurement/", include("procurement.api.urls")),
    path("api/partner/", include("orders.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api_docs.html"), name="api-docs"),
]

if settings.SERVE_MEDIA:
    # Public media only (logos, photos), from disk or the object store; private documents are
    # elsewhere and only streamed by the views that check the reader.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", views.media, name="media"),
    ]

# Korean error pages (JSON under /api/): ddasum.errors.
handler400 = "ddasum.errors.bad_request"
handler403 = "ddasum.errors.permission_denied"
handler404 = "ddasum.errors.page_not_found"
handler500 = "ddasum.errors.server_error"
