"""최근 본 상품: the last RECENT_MAX products a shopper opened, newest first.

Guests keep the list in a signed cookie (no database write per page view); members in
RecentView rows. A guest's list joins the member's list the first time they come back signed
in (the product page or the 최근 본 상품 page merges it and drops the cookie).
"""
from datetime import timedelta

from django.utils import timezone

from .models import Product, RecentView

RECENT_MAX = 20
COOKIE = "ds_recent"
SALT = "catalog.recent"
COOKIE_SECONDS = 60 * 60 * 24 * 30


def _cookie_ids(request) -> list[int]:
    raw = request.get_signed_cookie(COOKIE, default="", salt=SALT)
    ids = []
    for part in raw.split(","):
        if part.isdigit() and int(part) not in ids:
            ids.append(int(part))
    return ids[:RECENT_MAX]


def _trim(user) -> None:
    stale = RecentView.objects.filter(user=user).order_by("-viewed_at", "-id").values_list("pk", flat=True)[RECENT_MAX:]
    RecentView.objects.filter(pk__in=list(stale)).delete()


def recent_merge(*, user, product_ids: list[int], now=None) -> None:
    """Add a guest's list (newest first) under the member's own, keeping the newer time of each."""
    now = now or timezone.now()
    existing = set(RecentView.objects.filter(user=user, product_id__in=product_ids).values_list("product_id", flat=True))
    live = set(Product.objects.filter(pk__in=product_ids).values_list("pk", flat=True))
    RecentView.objects.bulk_create([
        RecentView(user=user, product_id=pk, viewed_at=now - timedelta(seconds=i + 1))
        for i, pk in enumerate(product_ids) if pk in live and pk not in existing
    ], ignore_conflicts=True)
    _trim(user)


class RecentList:
    """Reads and records one request's recently viewed products; `apply(response)` writes the cookie."""

    def __init__(self, request):
        self.request = request
        self.member = request.user.is_authenticated
        self.ids = _cookie_ids(request)
        self._cookie_change = None
        if self.member and self.ids:
            recent_merge(user=request.user, product_ids=self.ids)
            self._cookie_change = ""  # merged: drop the cookie

    def record(self, product_id: int) -> None:
        if self.member:
            RecentView.objects.update_or_create(user=self.request.user, product_id=product_id,
                                                defaults={"viewed_at": timezone.now()})
            _trim(self.request.user)
            return
        if self.ids[:1] == [product_id]:
            return
        self.ids = [product_id] + [pk for pk in self.ids if pk != product_id][: RECENT_MAX - 1]
        self._cookie_change = ",".join(map(str, self.ids))

    def products(self):
        """The products on sale in the list, newest view first (for cards)."""
        if self.member:
            ids = list(RecentView.objects.filter(user=self.request.user).order_by("-viewed_at", "-id")
                       .values_list("product_id", flat=True)[:RECENT_MAX])
        else:
            ids = self.ids
        found = Product.objects.on_sale().filter(pk__in=ids).for_cards().in_bulk()
        return [found[pk] for pk in ids if pk in found]

    def apply(self, response):
        if self._cookie_change == "":
            response.delete_cookie(COOKIE)
        elif self._cookie_change is not None:
            response.set_signed_cookie(COOKIE, self._cookie_change, salt=SALT, max_age=COOKIE_SECONDS,
                                       httponly=True, samesite="Lax", secure=self.request.is_secure())
        return response



