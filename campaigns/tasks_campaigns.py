"""Celery tasks of campaign items: thin wrappers taking ids, safe to run twice."""
import logging

from celery import shared_task

from .services import item_event_notify

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def item_event_notify_task(*, event_id: int) -> int:
    """Tell the vendor about the operator's decision on its campaign application, once."""
    sent = item_event_notify(event_id=event_id)
    logger.info("campaign item event %s: %s notified", event_id, sent)
    return sent
