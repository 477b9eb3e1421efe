"""Celery tasks of vendors: thin wrappers taking ids, safe to run twice."""
import logging

from celery import shared_task

from .performance import vendor_performance_refresh
from .services import (
    vendor_certifications_check,
    vendor_renewal_decided_notify,
    vendor_renewal_requested_notify,
    vendor_status_notify,
    vendor_warning_notify,
)

logger = logging.getLogger(__name__)


@shared_task(name="vendors.vendor_status_notify_task", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def vendor_status_notify_task(*, event_id: int) -> int:
    """Tell the vendor's owners about a status change, once per event."""
    return vendor_status_notify(event_id=event_id)


@shared_task(name="vendors.vendor_certifications_check_task")
def vendor_certifications_check_task() -> dict:
    """Daily: certification reminders and expiry (beat schedule in settings)."""
    result = vendor_certifications_check()
    logger.info("certification check: %s", result)
    return result


@shared_task(name="vendors.vendor_renewal_requested_notify_task", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def vendor_renewal_requested_notify_task(*, renewal_id: int) -> int:
    """Tell the operators a renewed certificate waits for them."""
    return vendor_renewal_requested_notify(renewal_id=renewal_id)


@shared_task(name="vendors.vendor_renewal_decided_notify_task", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def vendor_renewal_decided_notify_task(*, renewal_id: int) -> int:
    """Tell the vendor's owners the operator's decision on its renewal."""
    return vendor_renewal_decided_notify(renewal_id=renewal_id)


@shared_task(name="vendors.vendor_warning_notify_task", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def vendor_warning_notify_task(*, sanction_id: int) -> int:
    """Tell the vendor's owners about the operator's warning, once."""
    return vendor_warning_notify(sanction_id=sanction_id)


@shared_task(name="vendors.vendor_performance_refresh_task")
def vendor_performance_refresh_task() -> dict:
    """Nightly: every vendor's performance as of today, and suggestions past the thresholds."""
    result = vendor_performance_refresh()
    return {"rows": result.rows, "suggestions": result.suggestions}
