"""Vendor-order fulfilment: preparing, shipping, delivery, completion, returns."""
from celery import shared_task

__all__ = ["vendor_orders_auto_complete_task"]


@shared_task
def vendor_orders_auto_complete_task() -> int:
    return 0
