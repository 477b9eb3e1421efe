"""재입고 알림 and 찜 notices when a product comes back in stock, each sent once per event.

Both work from the rows on a short beat (every ten minutes), not from the code paths that
change stock (an order cancelled, a CSV import, the partner admin, a return): whatever put
the stock back, the next run sees it, and a missed run is made up by the next.

- A RestockAlert is pending until sent (`notified_at`); at most one pending alert per option
  and email. Guests give an email; members' alerts go to their account's email and inbox.
- A Wish remembers whether its member last saw the product in stock (`seen_in_stock`); the run
  marks wishes of sold-out products unseen and tells members whose product is back, once.
"""
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification
from accounts.services import absolute_url
from notifications.services import Recipient, notify

from .exceptions import NotAllowed
from .models import Product, ProductVariant, RestockAlert, Wish, WishNoticeSetting, variant_available_q

logger = logging.getLogger(__name__)


def wish_notices_enabled(user) -> bool:
    """Whether the member wants 찜 notices (on unless they turned them off)."""
    setting = WishNoticeSetting.objects.filter(user=user).first()
    return setting.enabled if setting else True


def wish_notices_set(*, user, enabled: bool) -> None:
    WishNoticeSetting.objects.update_or_create(user=user, defaults={"enabled": enabled})


def restock_alert_request(*, variant_id: int, user=None, email: str = "") -> RestockAlert:
    """Ask for one notice when a sold-out option of a product on sale is back (a second ask is the same alert)."""
    variant = (ProductVariant.objects.select_related("product")
               .filter(pk=variant_id, is_active=True, product__in=Product.objects.on_sale()).first())
    if variant is None:
        raise NotAllowed(_("판매 중인 옵션이 아닙니다."))
    if variant.is_available:
        raise NotAllowed(_("지금 구매할 수 있는 옵션입니다."))
    if user is not None and user.is_authenticated:
        email = user.email
    else:
        user = None
    email = email.strip().lower()
    if not email:
        raise NotAllowed(_("알림 받을 이메일을 적어 주세요."))
    existing = RestockAlert.objects.filter(variant=variant, email=email, notified_at__isnull=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return RestockAlert.objects.create(variant=variant, user=user, email=email)
    except IntegrityError:
        return RestockAlert.objects.get(variant=variant, email=email, notified_at__isnull=True)


def _tell(*, user, email: str, key: str, title: str, body: str, url: str) -> bool:
    """Mail (and, for a member, an in-app notice) once per key, through `notify`."""
    context = {"title": title, "body": body, "url": url, "email_body": f"{body}\n\n{absolute_url(url)}"}
    if user is not None:
        return notify("restock_notice", Recipient.member(user), context, f"{key}:u{user.pk}")
    return notify("restock_notice", Recipient(email=email), context, f"{key}:guest")


def restock_alerts_send(*, now=None) -> int:
    """Send every pending alert whose option can be bought again, once each."""
    now = now or timezone.now()
    due = (RestockAlert.objects.filter(notified_at__isnull=True)
           .filter(variant_available_q("variant__"), variant__product__in=Product.objects.on_sale())
           .select_related("variant__product", "user").order_by("pk"))
    sent = 0
    for alert in due:
        product = alert.variant.product
        body = _("재입고 알림을 신청하신 '%(product)s (%(option)s)'을(를) 다시 구매할 수 있습니다.") % {
            "product": product.name, "option": alert.variant.name}
        _tell(user=alert.user, email=alert.email, key=f"restock:{alert.pk}", title=_("재입고 알림"), body=body,
              url=product.get_absolute_url())
        sent += RestockAlert.objects.filter(pk=alert.pk, notified_at__isnull=True).update(notified_at=now)
    logger.info("restock alerts sent: %s", sent)
    return sent


def wish_in_stock_notices_send() -> int:
    """Tell members whose wished product is back in stock, once per time it comes back."""
    Wish.objects.filter(seen_in_stock=True, product__in_stock=False).update(seen_in_stock=False)
    due = (Wish.objects.filter(seen_in_stock=False, product__in_stock=True, product__in=Product.objects.on_sale())
           .select_related("product", "user").order_by("pk"))
    sent = 0
    for wish in due:
        claimed = Wish.objects.filter(pk=wish.pk, seen_in_stock=False).update(seen_in_stock=True)
        if not claimed or not wish_notices_enabled(wish.user):
            continue
        body = _("찜하신 '%(product)s'이(가) 다시 입고되었습니다.") % {"product": wish.product.name}
        # The key counts the returns already told: the next time it sells out and comes back tells again.
        told = Notification.objects.filter(key__startswith=f"wish-restock:{wish.pk}:").count()
        key = f"wish-restock:{wish.pk}:{told + 1}"
        sent += _tell(user=wish.user, email=wish.user.email, key=key, title=_("찜한 상품 재입고"), body=body,
                      url=wish.product.get_absolute_url())
    logger.info("wish back-in-stock notices: %s", sent)
    return sent
