"""Celery tasks of catalog: thin wrappers taking ids, safe to run twice."""
import logging

from celery import shared_task

from .restock import restock_alerts_send, wish_in_stock_notices_send
from .services import product_image_thumbnails, product_reviewed_notify
from .stock import variant_low_stock_notify

logger = logging.getLogger(__name__)


@shared_task(name="catalog.product_image_thumbnails_task", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def product_image_thumbnails_task(*, image_id: int) -> dict:
    thumbs = product_image_thumbnails(image_id=image_id)
    logger.info("thumbnails for image %s: %s", image_id, sorted(thumbs))
    return thumbs


@shared_task(name="catalog.variant_low_stock_notify_task", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def variant_low_stock_notify_task(*, variant_id: int, stock: int) -> int:
    """Tell the vendor's members a variant runs low (once per variant and stock level)."""
    return variant_low_stock_notify(variant_id=variant_id, stock=stock)


@shared_task(name="catalog.product_reviewed_notify_task", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def product_reviewed_notify_task(*, event_id: int) -> int:
    """Tell the vendor's members the operator's decision on a product, once."""
    return product_reviewed_notify(event_id=event_id)


@shared_task(name="catalog.restock_notices_send_task", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def restock_notices_send_task() -> dict:
    """Every ten minutes: 재입고 알림 and 찜 back-in-stock notices for options that came back (once each)."""
    return {"alerts": restock_alerts_send(), "wishes": wish_in_stock_notices_send()}
