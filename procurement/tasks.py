"""Every Celery task of procurement: thin, each takes ids and calls one service function.

Services queue them by name after their commit (`ddasum.jobs.after_commit("procurement.<task>", ...)`)
and never import this module. The names are explicit so that a move of the code renames no task.
"""
import logging

from celery import shared_task

from ddasum.documents import document_task_run

from .models import PurchaseOrder, QuoteVersion, VendorQuote
from .services import notifications
from .services.bundle import bundle_build
from .services.documents import delivery_note_pdf_make, po_pdf_make, quote_pdf_make
from .services.needs import needs_close_due
from .services.quotes import quotes_remind_unanswered

logger = logging.getLogger(__name__)

# Notices send mail: a mail server that is down is tried again later.
NOTICE_RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}
DOCUMENT_RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 3}


# --- documents -----------------------------------------------------------------------------


@shared_task(name="procurement.quote_pdf_task", **DOCUMENT_RETRY)
def quote_pdf_task(*, version_id: int) -> bool:
    return bool(document_task_run(quote_pdf_make, label=f"quote pdf of version {version_id}",
                                  missing=(QuoteVersion.DoesNotExist,), version_id=version_id))


@shared_task(name="procurement.po_pdf_task", **DOCUMENT_RETRY)
def po_pdf_task(*, po_id: int) -> bool:
    return bool(document_task_run(po_pdf_make, label=f"purchase order pdf of {po_id}",
                                  missing=(PurchaseOrder.DoesNotExist,), po_id=po_id))


@shared_task(name="procurement.delivery_note_pdf_task", **DOCUMENT_RETRY)
def delivery_note_pdf_task(*, po_id: int) -> bool:
    return bool(document_task_run(delivery_note_pdf_make, label=f"delivery note pdf of {po_id}",
                                  missing=(PurchaseOrder.DoesNotExist,), po_id=po_id))


@shared_task(name="procurement.bundle_build_task")
def bundle_build_task(*, quote_id: int) -> str:
    """Build the quote's bundle (idempotent: nothing is written when it is current)."""
    try:
        return bundle_build(quote_id=quote_id).status
    except VendorQuote.DoesNotExist:
        return ""


# --- agencies ------------------------------------------------------------------------------


@shared_task(name="procurement.agency_confirm_mail_task", **NOTICE_RETRY)
def agency_confirm_mail_task(*, membership_id: int) -> bool:
    """Mail the confirmation link to the address that qualifies for acceptance by domain."""
    return notifications.agency_confirm_mail(membership_id=membership_id)


@shared_task(name="procurement.membership_decided_notify_task", **NOTICE_RETRY)
def membership_decided_notify_task(*, membership_id: int, status: str, stamp: int = 0) -> int:
    """Tell the buyer their membership was accepted or rejected (once per decision)."""
    return notifications.membership_decided_notify(membership_id=membership_id, status=status, stamp=stamp)


# --- quotes --------------------------------------------------------------------------------


@shared_task(name="procurement.quote_request_notify_task", **NOTICE_RETRY)
def quote_request_notify_task(*, request_id: int) -> int:
    """Each vendor of a new request hears of it (email + in-app), once."""
    return notifications.quote_request_notify(request_id=request_id)


@shared_task(name="procurement.quote_answered_notify_task", **NOTICE_RETRY)
def quote_answered_notify_task(*, version_id: int) -> int:
    """The agency's members hear that a quote (or a revision) arrived."""
    return notifications.quote_answered_notify(version_id=version_id)


@shared_task(name="procurement.quote_declined_notify_task", **NOTICE_RETRY)
def quote_declined_notify_task(*, quote_id: int, stamp: int = 0) -> int:
    return notifications.quote_declined_notify(quote_id=quote_id, stamp=stamp)


@shared_task(name="procurement.quote_request_cancelled_notify_task", **NOTICE_RETRY)
def quote_request_cancelled_notify_task(*, request_id: int) -> int:
    return notifications.quote_request_cancelled_notify(request_id=request_id)


@shared_task(name="procurement.quote_message_notify_task", **NOTICE_RETRY)
def quote_message_notify_task(*, message_id: int) -> int:
    """The other side of the thread hears of a new message (once per message)."""
    return notifications.quote_message_notify(message_id=message_id)


@shared_task(name="procurement.quotes_remind_unanswered_task")
def quotes_remind_unanswered_task(*, days: int | None = None) -> int:
    """Beat: remind vendors of requests left unanswered (each once)."""
    return quotes_remind_unanswered(days=days)


# --- purchase orders and records -----------------------------------------------------------


@shared_task(name="procurement.po_issued_notify_task", **NOTICE_RETRY)
def po_issued_notify_task(*, po_id: int) -> int:
    """A new purchase order: its vendor is asked to confirm it."""
    return notifications.po_issued_notify(po_id=po_id)


@shared_task(name="procurement.po_event_notify_task", **NOTICE_RETRY)
def po_event_notify_task(*, event_id: int) -> int:
    """Tell the other side about a status change of a purchase order."""
    return notifications.po_event_notify(event_id=event_id)


@shared_task(name="procurement.po_notice_task", **NOTICE_RETRY)
def po_notice_task(*, po_id: int, notice: str, side: str, key: str) -> int:
    """Payment recorded, tax invoice asked for or issued: the other side hears of it."""
    return notifications.po_notice(po_id=po_id, notice=notice, side=side, key=key)


@shared_task(name="procurement.record_decided_notify_task", **NOTICE_RETRY)
def record_decided_notify_task(*, record_id: int) -> int:
    """The agency hears whether its outside-purchase record was confirmed or rejected."""
    return notifications.record_decided_notify(record_id=record_id)


# --- the needs board -----------------------------------------------------------------------


@shared_task(name="procurement.need_posted_notify_task", **NOTICE_RETRY)
def need_posted_notify_task(*, need_id: int) -> int:
    """Tell every vendor selling in the need's category, once per need."""
    return notifications.need_posted_notify(need_id=need_id)


@shared_task(name="procurement.proposal_notify_task", **NOTICE_RETRY)
def proposal_notify_task(*, proposal_id: int, key: str, revised: bool = False) -> int:
    """The need's agency hears of a new (or revised) proposal."""
    return notifications.proposal_notify(proposal_id=proposal_id, key=key, revised=revised)


@shared_task(name="procurement.needs_close_due_task")
def needs_close_due_task() -> int:
    """Beat: close the open needs whose deadline has passed."""
    closed = needs_close_due()
    logger.info("needs closed past their deadline: %s", closed)
    return closed
