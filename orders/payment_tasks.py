"""Beat task of the payments part: unpaid orders past their deadline expire."""
import logging

from celery import shared_task

logger = logging.getLogger(__name__)

__all__ = ["orders_expire_due_task"]


@shared_task
def orders_expire_due_task() -> int:
    """Every 15 minutes: expire unpaid orders past their deadline (stock back), close their open payments.

    Card confirmations that went unanswered are asked about again first (same Idempotency-Key).
    Idempotent: an order already expired or paid is left alone, so a second run changes nothing.
    """
    from .payments import payments_close_unpaid, payments_reconcile
    from .services import orders_expire_due

    reconciled = payments_reconcile()
    expired = orders_expire_due()
    closed = payments_close_unpaid()
    if reconciled or expired or closed:
        logger.info("reconciled %s card payments, expired %s unpaid orders, closed %s payments",
                    reconciled, expired, closed)
    return expired
