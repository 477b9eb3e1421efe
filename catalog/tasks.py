"""Celery tasks of catalog: thin wrappers taking ids, safe to run twice."""
import logging

from celery import shared_task
from django.urls import reverse
from django.utils.translation import gettext as _

from vendors.services import vendor_notify

from .models import ProductStatus, ProductStatusEvent, ProductVariant
from .services import product_image_thumbnails

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def product_image_thumbnails_task(*, image_id: int) -> dict:
    thumbs = product_image_thumbnails(image_id=image_id)
    logger.info("thumbnails for image %s: %s", image_id, sorted(thumbs))
    return thumbs


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def variant_low_stock_notify_task(*, variant_id: int, stock: int) -> int:
    """Tell the vendor's members a variant runs low (once per variant and stock level)."""
    variant = ProductVariant.objects.select_related("product__vendor").filter(pk=variant_id).first()
    if variant is None:
        return 0
    product = variant.product
    title = _("재고 부족: %(name)s") % {"name": f"{product.name} · {variant.name}"}
    body = _("남은 재고가 %(stock)s개입니다 (알림 기준 %(threshold)s개). 재고를 확인해 주세요.") % {
        "stock": stock, "threshold": variant.low_stock_threshold,
    }
    return vendor_notify(
        product.vendor, title=title, body=body, owners_only=False,
        url=reverse("partner:catalog_product_change", args=[product.pk]),
        key=f"low-stock:{variant.pk}:{stock}",
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def product_reviewed_notify_task(*, event_id: int) -> int:
    event = ProductStatusEvent.objects.select_related("product__vendor").get(pk=event_id)
    product = event.product
    if event.to_status == ProductStatus.ON_SALE:
        title = _("상품 판매가 승인되었습니다: %(name)s") % {"name": product.name}
        body = _("이제 따숨몰에서 판매됩니다.")
    else:
        title = _("상품이 반려되었습니다: %(name)s") % {"name": product.name}
        body = _("사유: %(reason)s") % {"reason": event.reason}
    return vendor_notify(
        product.vendor, title=title, body=body, owners_only=False,
        url=reverse("partner:catalog_product_change", args=[product.pk]), key=f"product-event:{event.pk}",
    )
