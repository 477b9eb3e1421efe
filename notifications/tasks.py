import logging

from celery import shared_task

from accounts.models import User

from . import services

logger = logging.getLogger(__name__)

# A provider or mail server that does not answer is tried again, with growing pauses.
SEND_RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "retry_backoff_max": 600, "max_retries": 6}


@shared_task(name="notifications.notify_task", **SEND_RETRY)
def notify_task(*, kind: str, user_id: int | None, email: str, phone: str, name: str, context: dict,
                dedupe_key: str) -> bool:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    recipient = services.Recipient(user=user, email=email, phone=phone, name=name)
    return services.notify(kind, recipient, context, dedupe_key)


@shared_task(name="notifications.delivery_send_task", **SEND_RETRY)
def delivery_send_task(*, delivery_id: int) -> int:
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.deliveries_due_task")
def deliveries_due_task() -> int:
    """Send what waited for the morning and what a failed task left behind."""
    due = services.deliveries_due()
    for delivery_id in due:
        delivery_send_task.delay(delivery_id=delivery_id)
    if due:
        logger.info("%s deliveries queued", len(due))
    return len(due)
