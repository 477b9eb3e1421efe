"""Every Celery task of the workbench app: thin, safe to run twice."""
from celery import shared_task

from .services import vendor_digests_send

NOTICE_RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="workbench.vendor_digests_send_task", **NOTICE_RETRY)
def vendor_digests_send_task() -> int:
    """Mornings: each vendor's members get today's to-do once (a second run the same day sends nothing)."""
    return vendor_digests_send()
