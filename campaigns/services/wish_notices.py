"""찜 notices for a campaign price: a member whose wished product is in a live campaign hears once per campaign item."""
import logging

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification
from accounts.services import absolute_url, email_send, notification_create
from catalog.models import Wish
from catalog.restock import wish_notices_enabled

from ..models import CampaignItem
from ..selectors.pricing import live_item_q

logger = logging.getLogger(__name__)


def wish_campaign_notices_send(*, now=None) -> int:
    """For each live campaign item, tell the product's wishers who were not told about this item yet."""
    now = now or timezone.now()
    sent = 0
    items = CampaignItem.objects.filter(live_item_q(now)).select_related("campaign", "product").order_by("pk")
    for item in items:
        wishes = (Wish.objects.filter(product_id=item.product_id)
                  .filter(Q(notified_campaign_item_id__isnull=True) | ~Q(notified_campaign_item_id=item.pk))
                  .select_related("user").order_by("pk"))
        for wish in wishes:
            claimed = Wish.objects.filter(pk=wish.pk).exclude(notified_campaign_item_id=item.pk).update(
                notified_campaign_item_id=item.pk)
            if not claimed or not wish_notices_enabled(wish.user):
                continue
            key = f"wish-campaign:{item.pk}:u{wish.user_id}"
            if Notification.objects.filter(key=key).exists():
                continue
            title = _("찜한 상품이 기획전 가격으로 나왔습니다")
            body = _("찜하신 '%(product)s'을(를) '%(campaign)s' 기획전에서 %(end)s까지 특별한 가격에 만날 수 있습니다.") % {
                "product": item.product.name, "campaign": item.campaign.title,
                "end": timezone.localtime(item.campaign.ends_at).strftime("%m월 %d일 %H:%M")}
            url = item.product.get_absolute_url()
            email_send(to=[wish.user.email], subject=f"[따숨몰] {title}", body=f"{body}\n\n{absolute_url(url)}")
            notification_create(user=wish.user, title=title, body=body, url=url, key=key)
            sent += 1
    logger.info("wish campaign notices: %s", sent)
    return sent
