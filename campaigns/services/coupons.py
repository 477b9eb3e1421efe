"""Coupons: the rules, the choice between a code and the automatic coupons, redemption and release.

Campaigns may not import orders, so a coupon is evaluated against plain data: the buyable lines
(`CouponLine`: amount paid for the line, vendor, categories, the campaign whose price applies),
the customer ("u<id>" / "e<email>") and the moment.

The rules, in the order they are checked (the first that fails is the reason shown):

1. inactive → "사용할 수 없는 쿠폰입니다."
2. before its start → "쿠폰 사용 기간이 아닙니다."; at or after its end → "만료된 쿠폰입니다."
3. total limit reached → "선착순 수량이 모두 소진되었습니다."
4. per-user limit reached → "이미 사용한 쿠폰입니다." (checked once the customer is known)
5. scope (all / items priced by the campaign / a category or its sub-categories / a vendor) leaves
   no line → "적용 대상 상품이 없습니다."
6. the eligible lines add up to less than the minimum → "최소 주문 금액 30,000원 이상일 때 사용할 수 있습니다."

The discount is fixed won, or a percentage of the eligible amount rounded down to the won and
capped by `max_discount`; never more than the eligible amount. Shipping is never discounted.

One coupon per order. Automatic coupons (code empty) apply by themselves; when the buyer also
enters a code, the larger discount wins (the code on a tie), so typing a code never makes the
order dearer. Redemption happens inside the order's transaction with conditional UPDATEs
(`used_count + 1 <= total_limit`, the customer's `count + 1 <= per_user_limit`), so concurrent
checkouts never use a coupon more often than allowed; expiry or cancellation of the whole order
gives the use back (`coupon_release`).
"""
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from ddasum.money import won

from ..models import Coupon, CouponScope, CouponUse, DiscountKind, FundedBy

AUTOMATIC_CACHE_KEY = "campaigns:automatic-coupons"
AUTOMATIC_CACHE_SECONDS = 300


@dataclass(frozen=True)
class CouponLine:
    """One buyable line as a coupon sees it."""

    key: object  # the caller's id for the line (e.g. the variant id)
    amount: int  # what the buyer pays for the line before the coupon (campaign price × quantity)
    vendor_id: int
    category_ids: tuple[int, ...] = ()  # the product's category and its parent
    campaign_id: int | None = None  # the campaign whose price applies to the line, if any


@dataclass
class CouponResult:
    coupon: Coupon
    discount: int = 0
    eligible_amount: int = 0
    eligible_keys: tuple = ()
    reason: str = ""  # why it cannot be used (Korean), "" when it can

    @property
    def ok(self) -> bool:
        return not self.reason and self.discount > 0

    @property
    def vendor_funded(self) -> bool:
        return self.coupon.funded_by == FundedBy.VENDOR


def line_eligible(coupon: Coupon, line: CouponLine) -> bool:
    if coupon.scope == CouponScope.CAMPAIGN:
        return line.campaign_id is not None and line.campaign_id == coupon.campaign_id
    if coupon.scope == CouponScope.CATEGORY:
        return coupon.category_id in line.category_ids
    if coupon.scope == CouponScope.VENDOR:
        return line.vendor_id == coupon.vendor_id
    return True


def discount_of(coupon: Coupon, eligible_amount: int) -> int:
    """The discount on `eligible_amount` won: fixed or percent (down to the won, capped), never more than it."""
    if coupon.discount_kind == DiscountKind.PERCENT:
        discount = eligible_amount * (coupon.percent or 0) // 100
        if coupon.max_discount is not None:
            discount = min(discount, coupon.max_discount)
    else:
        discount = coupon.amount or 0
    return max(min(discount, eligible_amount), 0)


def coupon_evaluate(coupon: Coupon, *, lines: Sequence[CouponLine], customer: str = "", now: datetime | None = None,
                    used_by_customer: int | None = None) -> CouponResult:
    """Whether `coupon` applies to these lines for this customer now, and the discount.

    `used_by_customer`: how often the customer used it already (read here when None and the
    customer is known; pass it to avoid the query).
    """
    now = now or timezone.now()
    result = CouponResult(coupon)
    if not coupon.is_active:
        result.reason = _("사용할 수 없는 쿠폰입니다.")
    elif now < coupon.starts_at:
        result.reason = _("쿠폰 사용 기간이 아닙니다.")
    elif now >= coupon.ends_at:
        result.reason = _("만료된 쿠폰입니다.")
    elif coupon.total_limit is not None and coupon.used_count >= coupon.total_limit:
        result.reason = _("선착순 수량이 모두 소진되었습니다.")
    if result.reason:
        return result
    if coupon.per_user_limit is not None and customer:
        if used_by_customer is None:
            used_by_customer = CouponUse.objects.filter(coupon=coupon, customer=customer).values_list(
                "count", flat=True).first() or 0
        if used_by_customer >= coupon.per_user_limit:
            result.reason = _("이미 사용한 쿠폰입니다.")
            return result
    eligible = [line for line in lines if line_eligible(coupon, line)]
    result.eligible_keys = tuple(line.key for line in eligible)
    result.eligible_amount = sum(line.amount for line in eligible)
    if not eligible or not result.eligible_amount:
        result.reason = _("적용 대상 상품이 없습니다.")
    elif result.eligible_amount < coupon.min_order_amount:
        result.reason = _("최소 주문 금액 %(amount)s 이상일 때 사용할 수 있습니다.") % {
            "amount": won(coupon.min_order_amount)}
    else:
        result.discount = discount_of(coupon, result.eligible_amount)
        if not result.discount:
            result.reason = _("적용 대상 상품이 없습니다.")
    return result


# --- finding coupons -----------------------------------------------------------------------


def coupon_by_code(code: str) -> Coupon | None:
    """The coupon with this code (letters in any case), or None."""
    code = (code or "").strip()
    if not code:
        return None
    return Coupon.objects.filter(code__iexact=code).order_by("pk").first()


def _automatic_windows() -> list[tuple[int, datetime, datetime]]:
    """(id, start, end) of the active automatic coupons not ended yet, cached until a coupon changes.

    The cart and checkout pages ask on every view; with no automatic coupon running this
    costs no query. Coupon saves and deletes clear it (signals below); used counts are not
    cached (they are read fresh with the coupons themselves).
    """
    windows = cache.get(AUTOMATIC_CACHE_KEY)
    if windows is None:
        windows = list(Coupon.objects.filter(code__isnull=True, is_active=True, ends_at__gt=timezone.now())
                       .values_list("pk", "starts_at", "ends_at"))
        cache.set(AUTOMATIC_CACHE_KEY, windows, AUTOMATIC_CACHE_SECONDS)
    return windows


def automatic_coupons_changed() -> None:
    cache.delete(AUTOMATIC_CACHE_KEY)


@receiver(post_save, sender=Coupon)
@receiver(post_delete, sender=Coupon)
def _coupon_changed(sender, **kwargs):
    automatic_coupons_changed()


def automatic_coupons(now: datetime | None = None, *, cached: bool = True) -> list[Coupon]:
    """The automatic coupons running at `now` (no query when the cache says none are)."""
    now = now or timezone.now()
    live = Q(code__isnull=True, is_active=True, starts_at__lte=now, ends_at__gt=now)
    if cached:
        ids = [pk for pk, start, end in _automatic_windows() if start <= now < end]
        if not ids:
            return []
        live &= Q(pk__in=ids)
    return list(Coupon.objects.filter(live).select_related("campaign", "category", "vendor").order_by("pk"))


@dataclass
class CouponChoice:
    """The coupon applied to a checkout, and what to say about the code the buyer typed."""

    applied: CouponResult | None = None
    code: str = ""
    code_result: CouponResult | None = None
    code_message: str = ""  # the refusal, or why the automatic coupon was kept instead
    automatic: list[CouponResult] = field(default_factory=list)

    @property
    def discount(self) -> int:
        return self.applied.discount if self.applied else 0

    @property
    def code_refused(self) -> bool:
        return bool(self.code) and (self.code_result is None or not self.code_result.ok)


def coupon_choose(*, lines: Sequence[CouponLine], customer: str = "", code: str = "", now: datetime | None = None,
                  cached: bool = True) -> CouponChoice:
    """The coupon for this checkout: the best automatic one, or the code if its discount is at least as large."""
    now = now or timezone.now()
    choice = CouponChoice(code=(code or "").strip())
    candidates = automatic_coupons(now, cached=cached)
    code_coupon = None
    if choice.code:
        code_coupon = coupon_by_code(choice.code)
        if code_coupon is None:
            choice.code_message = _("없는 쿠폰 코드입니다. 코드를 확인해 주세요.")
    everything = candidates + ([code_coupon] if code_coupon else [])
    uses = {}
    if customer and everything:
        uses = dict(CouponUse.objects.filter(coupon__in=[c.pk for c in everything], customer=customer)
                    .values_list("coupon_id", "count"))
    choice.automatic = [coupon_evaluate(c, lines=lines, customer=customer, now=now, used_by_customer=uses.get(c.pk, 0))
                        for c in candidates]
    best = None
    for result in choice.automatic:
        if result.ok and (best is None or result.discount > best.discount):
            best = result
    if code_coupon is not None:
        result = coupon_evaluate(code_coupon, lines=lines, customer=customer, now=now,
                                 used_by_customer=uses.get(code_coupon.pk, 0))
        choice.code_result = result
        if not result.ok:
            choice.code_message = result.reason
        elif best is not None and best.discount > result.discount:
            choice.code_message = _("자동 적용 쿠폰 '%(name)s'의 할인(%(amount)s)이 더 커서 그 쿠폰을 적용했습니다.") % {
                "name": best.coupon.name, "amount": won(best.discount)}
        else:
            best = result
    choice.applied = best
    return choice


# --- dividing a discount --------------------------------------------------------------------


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """`amount` split pro rata to `weights` in whole won (largest remainder): the parts add up exactly.

    No part exceeds its weight when amount <= sum(weights); ties in the remainders go to the
    earlier weight.
    """
    total = sum(weights)
    if amount <= 0 or total <= 0:
        return [0] * len(weights)
    amount = min(amount, total)
    floors = [amount * w // total for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in remainders[: amount - sum(floors)]:
        floors[i] += 1
    return floors


# --- redemption -----------------------------------------------------------------------------


class _Undo(Exception):
    pass


def coupon_redeem(*, coupon_id: int, customer: str, now: datetime | None = None) -> str:
    """Use the coupon once for `customer`: "" when done, else the Korean reason (nothing changed).

    Call inside the order's transaction: the coupon's row stays locked until it commits.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            taken = Coupon.objects.filter(
                Q(total_limit__isnull=True) | Q(total_limit__gte=F("used_count") + 1),
                pk=coupon_id, is_active=True, starts_at__lte=now, ends_at__gt=now,
            ).update(used_count=F("used_count") + 1)
            if not taken:
                coupon = Coupon.objects.filter(pk=coupon_id).first()
                if coupon is None or not coupon.is_active:
                    return _("사용할 수 없는 쿠폰입니다.")
                if now < coupon.starts_at:
                    return _("쿠폰 사용 기간이 아닙니다.")
                if now >= coupon.ends_at:
                    return _("만료된 쿠폰입니다.")
                return _("선착순 수량이 모두 소진되었습니다.")
            limit = Coupon.objects.filter(pk=coupon_id).values_list("per_user_limit", flat=True).first()
            CouponUse.objects.bulk_create([CouponUse(coupon_id=coupon_id, customer=customer, count=0)],
                                          ignore_conflicts=True)
            uses = CouponUse.objects.filter(coupon_id=coupon_id, customer=customer)
            if limit is not None:
                uses = uses.filter(count__lte=limit - 1)
            if not uses.update(count=F("count") + 1):
                raise _Undo
            return ""
    except _Undo:
        return _("이미 사용한 쿠폰입니다.")


def coupon_release(*, coupon_id: int, customer: str) -> None:
    """Give one use back (the order expired or was cancelled); never below zero.

    The caller makes it happen once per order (orders marks the order with a conditional UPDATE).
    """
    with transaction.atomic():
        Coupon.objects.filter(pk=coupon_id, used_count__gte=1).update(used_count=F("used_count") - 1)
        CouponUse.objects.filter(coupon_id=coupon_id, customer=customer, count__gte=1).update(count=F("count") - 1)

