"""TEMPORARY: orders still imports `campaigns.coupons`; the names now live in campaigns.services.coupons.

Delete this module when orders' imports are rewritten (wave 2 merge); nothing in campaigns uses it.
"""
from .services.coupons import (  # noqa: F401
    CouponChoice,
    CouponLine,
    allocate,
    coupon_choose,
    coupon_redeem,
    coupon_release,
)
