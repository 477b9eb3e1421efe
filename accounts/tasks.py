"""Celery tasks of accounts: thin wrappers, safe to retry."""
import logging

from celery import shared_task

from .services import email_send

logger = logging.getLogger(__name__)


@shared_task(name="accounts.email_send_task", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_send_task(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    """Send one rendered mail (password reset and other mails rendered in the request)."""
    email_send(to=to, subject=subject, body=body, html=html)
    logger.info("mail sent to %s: %s", to, subject)
