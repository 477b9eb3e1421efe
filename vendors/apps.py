from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = _("입점기업")

    def ready(self):
        # What the storefront shows of this app: a change makes the cached pages stale.
        from ddasum import page_cache

        page_cache.watch("vendors.Vendor", "vendors.VendorApplication", "vendors.VendorPhoto", "vendors.VendorSocialFact")
