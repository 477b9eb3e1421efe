"""Celery tasks of mypage: thin wrappers, safe to retry."""
import logging

from celery import shared_task

from .services import retention_purge

logger = logging.getLogger(__name__)


@shared_task(name="mypage.retention_purge_task")
def retention_purge_task() -> int:
    """Daily: scrub the records of members who left once the law no longer asks to keep them."""
    changed = retention_purge()
    logger.info("retention purge: %s records", changed)
    return changed
