from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("구매후기·상품문의")

    def ready(self):
        # vendors (the lower app) asks this for the answer times and review average of its performance rows.
        from vendors.performance import performance_provider_register

        from .selectors import vendor_review_metrics

        performance_provider_register(vendor_review_metrics)
        # What the storefront shows of this app: a change makes the cached pages stale.
        from ddasum import page_cache

        page_cache.watch("reviews.Review", "reviews.ReviewPhoto", "reviews.Question")
