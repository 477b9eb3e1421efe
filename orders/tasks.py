"""Celery tasks of orders: thin wrappers taking ids, safe to run twice."""
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


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


@shared_task
def orders_expire_due_task() -> int:
    from .services import orders_expire_due

    return orders_expire_due()


@shared_task
def vendor_orders_auto_complete_task() -> int:
    return 0


@shared_task
def settlements_monthly_task() -> int:
    return 0
