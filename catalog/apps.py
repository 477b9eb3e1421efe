from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("상품")

    def ready(self):
        # What the storefront shows of this app: a change makes the cached pages stale.
        from ddasum import page_cache

        page_cache.watch("catalog.Product", "catalog.ProductVariant", "catalog.ProductImage", "catalog.Category",
                         "catalog.ShippingPolicy", "catalog.DeliverySlot", "catalog.Wish")
