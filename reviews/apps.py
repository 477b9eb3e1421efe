from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("구매후기·상품문의")

    def ready(self):
        # What the storefront shows of this app: a change makes the cached pages stale.
        from ddasum import page_cache

        page_cache.watch("reviews.Review", "reviews.ReviewPhoto", "reviews.Question")
