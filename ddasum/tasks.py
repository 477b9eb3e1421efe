"""Celery tasks of the kernel: the outbox sweeper and the generated-documents sweep (beat)."""
import logging

from celery import shared_task

from .documents import documents_orphans_sweep
from .jobs import outbox_sweep

logger = logging.getLogger(__name__)


@shared_task(name="ddasum.outbox_sweep_task")
def outbox_sweep_task() -> dict:
    """Every minute: send again the committed tasks not done yet; give up on the hopeless ones."""
    result = outbox_sweep()
    if result.sent or result.gave_up:
        logger.info("outbox sweep: %s sent again, %s given up, %s old rows deleted", result.sent, result.gave_up,
                    result.deleted)
    return {"sent": result.sent, "gave_up": result.gave_up, "deleted": result.deleted}


@shared_task(name="ddasum.documents_orphans_sweep_task")
def documents_orphans_sweep_task() -> int:
    """Daily: remove generated files no row points to (older than the grace period)."""
    removed = documents_orphans_sweep()
    logger.info("generated documents sweep: %s orphan file(s) removed", len(removed))
    return len(removed)
