from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("기획전")

    def ready(self):
        # What the storefront shows of this app: a change makes the cached pages stale.
        # Prices follow the clock: no cached page outlives the next campaign or coupon start or end.
        from ddasum import page_cache

        from .selectors.campaigns import campaign_next_boundary

        page_cache.watch("campaigns.Campaign", "campaigns.CampaignSection", "campaigns.CampaignItem",
                         "campaigns.CampaignApplication", "campaigns.Coupon")
        page_cache.boundary_register(campaign_next_boundary)
