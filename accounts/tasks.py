"""Celery tasks of accounts: thin wrappers, safe to retry."""
import logging

from celery import shared_task

from ddasum import jobs

from .services import email_send

logger = logging.getLogger(__name__)


# outbox_forget_kwargs: once sent, the outbox row forgets the mail (a reset link is not kept in the database).
@shared_task(name="accounts.email_send_task", bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5,
             outbox_forget_kwargs=True)
def email_send_task(self, *, to: list[str], subject: str, body: str, html: str | None = None) -> bool:
    """Send one rendered mail (password reset and other mails rendered in the request).

    A mail has no key of its own: when the outbox sends it again (its first send waited in a
    long queue), the row already marked done says it went, and nothing is sent twice.
    """
    if jobs.outbox_done(self.request.id):
        logger.info("mail to %s already sent (%s)", to, self.request.id)
        return False
    email_send(to=to, subject=subject, body=body, html=html)
    logger.info("mail sent to %s: %s", to, subject)
    return True
