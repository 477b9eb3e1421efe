"""Notices to buyers and vendors (email + in-app), as Celery tasks taking ids."""
import logging

from celery import shared_task

logger = logging.getLogger(__name__)

__all__ = ["order_placed_notify_task", "order_paid_task", "order_expired_notify_task",
           "vendor_order_cancelled_notify_task"]


@shared_task
def order_placed_notify_task(*, order_id: int) -> None:
    logger.info("order %s placed", order_id)


@shared_task
def order_paid_task(*, order_id: int) -> None:
    logger.info("order %s paid", order_id)


@shared_task
def order_expired_notify_task(*, order_id: int) -> None:
    logger.info("order %s expired", order_id)


@shared_task
def vendor_order_cancelled_notify_task(*, vendor_order_id: int) -> None:
    logger.info("vendor order %s cancelled", vendor_order_id)
