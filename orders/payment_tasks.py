from celery import shared_task

__all__ = ["orders_expire_due_task"]


@shared_task
def orders_expire_due_task() -> int:
    """Every 15 minutes: expire unpaid orders past their deadline, returning their stock."""
    from .services import orders_expire_due

    return orders_expire_due()
