"""sitemap.xml: the front pages, categories, products on sale and selling vendors."""
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from vendors.models import Vendor

from .models import Category, Product


class PageSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["home", "catalog:products"]

    def location(self, item):
        return reverse(item)


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return Category.objects.filter(is_active=True).exclude(parent__is_active=False).only("slug").order_by("position", "id")


class ProductSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Product.objects.on_sale().only("id", "slug", "updated_at").order_by("id")

    def lastmod(self, product):
        return product.updated_at


class VendorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return Vendor.objects.selling().only("id", "updated_at").order_by("id")

    def lastmod(self, vendor):
        return vendor.updated_at


SITEMAPS = {
    "pages": PageSitemap,
    "categories": CategorySitemap,
    "products": ProductSitemap,
    "vendors": VendorSitemap,
}
