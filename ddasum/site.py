"""The site's own pages: the home page, robots.txt, /favicon.ico and the sitemap index.

They sit above the apps (like urls.py): the home page shows what catalog and campaigns
offer, the sitemap lists each app's sitemaps. No app imports this module.
"""
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse

from campaigns.sitemaps import SITEMAPS as CAMPAIGN_SITEMAPS
from catalog.context_processors import category_menu
from catalog.selectors import featured_vendors, product_list
from catalog.sitemaps import SITEMAPS as CATALOG_SITEMAPS

from .page_cache import anonymous_page
from .views import seo_meta

HOME_PRODUCTS = 8
SITEMAPS = {**CATALOG_SITEMAPS, **CAMPAIGN_SITEMAPS}
ROBOTS_DISALLOW = ("/admin/", "/partner/", "/accounts/", "/api/", "/vendors/")


@anonymous_page
def home(request):
    context = {
        "categories": category_menu(),
        "new_products": list(product_list(filters={"sort": "newest"})[:HOME_PRODUCTS]),
        "popular_products": list(product_list(filters={"sort": "popular"})[:HOME_PRODUCTS]),
        "featured_vendors": featured_vendors(),
        "seo": seo_meta(request, title="", canonical=request.build_absolute_uri(reverse("home"))),
    }
    return render(request, "home.html", context)


def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW),
             f"Sitemap: {request.build_absolute_uri(reverse('django.contrib.sitemaps.views.sitemap'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send them to the static file."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))
