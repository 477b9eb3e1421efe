"""Reads of the coupon box: the member's claimed coupons with their state, and what checkout may offer."""
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Coupon, CouponClaim, CouponUse


@dataclass
class BoxEntry:
    coupon: Coupon
    claimed_at: object
    state: str  # "usable" / "used" / "expired"

    @property
    def state_label(self) -> str:
        return {"usable": _("사용 가능"), "used": _("사용함"), "expired": _("기간 만료")}[self.state]


def coupon_box(user, *, now=None) -> list[BoxEntry]:
    """The member's claimed coupons, newest first, each with its state (two queries)."""
    now = now or timezone.now()
    claims = list(CouponClaim.objects.filter(user=user).select_related("coupon").order_by("-claimed_at", "-pk"))
    used = dict(CouponUse.objects.filter(customer=f"u{user.pk}", coupon_id__in=[c.coupon_id for c in claims])
                .values_list("coupon_id", "count"))
    entries = []
    for claim in claims:
        coupon = claim.coupon
        limit = coupon.per_user_limit
        if limit is not None and used.get(coupon.pk, 0) >= limit:
            state = "used"
        elif now >= coupon.ends_at or not coupon.is_active:
            state = "expired"
        else:
            state = "usable"
        entries.append(BoxEntry(coupon, claim.claimed_at, state))
    return entries


def usable_claimed_coupons(user, *, now=None) -> list[Coupon]:
    """The member's claimed coupons that can still be used and have a code (for checkout)."""
    return [e.coupon for e in coupon_box(user, now=now) if e.state == "usable" and e.coupon.code]


def coupon_box_count(user, *, now=None) -> int:
    """How many coupons in the member's box can still be used (the number on the my-page hub)."""
    return sum(1 for e in coupon_box(user, now=now) if e.state == "usable")


def claimable_coupons(campaign, *, now=None) -> list[Coupon]:
    now = now or timezone.now()
    return list(Coupon.objects.filter(campaign=campaign, claimable=True, is_active=True, ends_at__gt=now)
                .order_by("ends_at", "pk"))
