"""The coupon box (쿠폰함): a member takes a claimable coupon once; taking it again changes nothing."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import CouponRefused
from ..models import Coupon, CouponClaim


@transaction.atomic
def coupon_claim(user, coupon_id: int, *, now=None) -> tuple[CouponClaim, bool]:
    """Put the coupon in the member's box: (claim, created). Only active, not ended, claimable coupons."""
    now = now or timezone.now()
    coupon = Coupon.objects.filter(pk=coupon_id).first()
    if coupon is None or not coupon.claimable or not coupon.is_active:
        raise CouponRefused(_("받을 수 없는 쿠폰입니다."))
    if now >= coupon.ends_at:
        raise CouponRefused(_("만료된 쿠폰입니다."))
    claim, created = CouponClaim.objects.get_or_create(user=user, coupon=coupon, defaults={"claimed_at": now})
    return claim, created
