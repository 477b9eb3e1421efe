"""Every Celery task of the orders app: thin wrappers that take ids and call one service.

Services queue them by name after their transaction commits (ddasum.jobs); the beat schedule
in settings names the periodic ones. Each is safe to run twice: notices are keyed, documents
are made only when what they show changed, expiry and settlement skip what is done.
"""
import logging
from datetime import datetime

from celery import shared_task

from ddasum import jobs
from ddasum.documents import document_task_run

from .models import Order, Settlement
from .services import cash_receipts, notifications, reconciliation, refunds
from .services.actions import orders_expire_due, vendor_orders_auto_complete
from .services.cart import carts_abandoned_purge
from .services.confirmations import payments_reconcile
from .services.documents import order_documents_make
from .services.exchanges import exchanges_stock_release_due
from .services.late_shipping import late_shipments_escalate
from .services.payments import payments_close_unpaid
from .services.popularity import products_popularity_refresh
from .services.settlements import settlement_pdf_make, settlements_build_due

logger = logging.getLogger(__name__)

# Mail and notices: a mail server that does not answer is tried again, with growing pauses.
NOTICE_RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}
# Documents: a storage error is tried again a few times.
DOCUMENT_RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 3}


# --- notices to buyers and vendors ---------------------------------------------------------


@shared_task(name="orders.order_placed_notify_task", **NOTICE_RETRY)
def order_placed_notify_task(*, order_id: int) -> int:
    return notifications.order_placed_notify(order_id=order_id)


@shared_task(name="orders.guest_access_mail_task", **NOTICE_RETRY)
def guest_access_mail_task(*, order_id: int, window: int) -> int:
    return notifications.guest_access_notify(order_id=order_id, window=window)


@shared_task(name="orders.order_paid_notify_task", **NOTICE_RETRY)
def order_paid_notify_task(*, order_id: int) -> int:
    return notifications.order_paid_notify(order_id=order_id)


@shared_task(name="orders.order_expired_notify_task", **NOTICE_RETRY)
def order_expired_notify_task(*, order_id: int) -> int:
    return notifications.order_expired_notify(order_id=order_id)


@shared_task(name="orders.vendor_order_cancelled_notify_task", **NOTICE_RETRY)
def vendor_order_cancelled_notify_task(*, vendor_order_id: int) -> int:
    return notifications.vendor_order_cancelled_notify(vendor_order_id=vendor_order_id)


@shared_task(name="orders.vendor_order_event_notify_task", **NOTICE_RETRY)
def vendor_order_event_notify_task(*, event_id: int) -> int:
    return notifications.vendor_order_event_notify(event_id=event_id)


@shared_task(name="orders.exchange_event_notify_task", **NOTICE_RETRY)
def exchange_event_notify_task(*, event_id: int) -> int:
    return notifications.exchange_event_notify(event_id=event_id)


@shared_task(name="orders.vendor_order_tracking_notify_task", **NOTICE_RETRY)
def vendor_order_tracking_notify_task(*, vendor_order_id: int) -> int:
    return notifications.vendor_order_tracking_notify(vendor_order_id=vendor_order_id)


@shared_task(name="orders.order_virtual_account_due_notify_task", **NOTICE_RETRY)
def order_virtual_account_due_notify_task(*, order_id: int, bank: str, account_number: str, due_at: str) -> int:
    """The virtual-account feature queues this the day before a deposit is due (due_at in ISO 8601)."""
    return notifications.order_virtual_account_due_notify(order_id=order_id, bank=bank, account_number=account_number,
                                                          due_at=datetime.fromisoformat(due_at))


@shared_task(name="orders.virtual_accounts_due_remind_task", **NOTICE_RETRY)
def virtual_accounts_due_remind_task() -> int:
    """Remind buyers of virtual accounts due within a day (hourly; once per order)."""
    return notifications.virtual_accounts_due_remind()


@shared_task(name="orders.vendor_order_note_notify_task", **NOTICE_RETRY)
def vendor_order_note_notify_task(*, vendor_order_id: int, start: int, end: int) -> int:
    return notifications.vendor_order_note_notify(vendor_order_id=vendor_order_id, start=start, end=end)


@shared_task(name="orders.claim_event_notify_task", **NOTICE_RETRY)
def claim_event_notify_task(*, event_id: int) -> int:
    """A per-line cancel, return or exchange moved a step: the buyer or the vendor is told, once."""
    return notifications.claim_event_notify(event_id=event_id)


@shared_task(name="orders.claim_refunded_notify_task", **NOTICE_RETRY)
def claim_refunded_notify_task(*, claim_id: int) -> int:
    """A claim's refund is done: the buyer is told the amount, once."""
    return notifications.claim_refunded_notify(claim_id=claim_id)


# --- the PG: cash receipts, reconciliation ---------------------------------------------------

# The PG not answering (GatewayUnanswered is an OSError) is tried again; the Idempotency-Key is the same.
PG_RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 6}


@shared_task(name="orders.cash_receipt_issue_task", **PG_RETRY)
def cash_receipt_issue_task(*, order_id: int) -> str:
    return cash_receipts.cash_receipt_issue(order_id=order_id)


@shared_task(name="orders.cash_receipt_cancel_task", **PG_RETRY)
def cash_receipt_cancel_task(*, order_id: int) -> str:
    return cash_receipts.cash_receipt_cancel(order_id=order_id)


@shared_task(name="orders.claim_refund_task", **PG_RETRY)
def claim_refund_task(*, claim_id: int) -> str:
    """Send a claim's pending refund to the PG (same Idempotency-Key on every retry) and record it once."""
    return refunds.claim_refund_send(claim_id=claim_id)


@shared_task(name="orders.claim_refunds_sweep_task")
def claim_refunds_sweep_task() -> int:
    """Every 10 minutes: queue again the refunds still pending (a worker died after the commit)."""
    return refunds.claim_refunds_sweep()


@shared_task(name="orders.payments_reconcile_daily_task")
def payments_reconcile_daily_task() -> int:
    """Daily: compare every day not reconciled yet with the PG's transactions; mismatches go to the admin."""
    days = reconciliation.payments_reconcile_due()
    logger.info("reconciled %s day(s), %s mismatch(es)", len(days), sum(d.mismatches for d in days))
    return len(days)


# --- documents -------------------------------------------------------------------------------


@shared_task(name="orders.order_documents_task", **DOCUMENT_RETRY)
def order_documents_task(*, order_id: int) -> int:
    """(Re)make the order's documents that changed; running it twice writes nothing."""
    made = document_task_run(order_documents_make, label=f"documents of order {order_id}",
                             missing=(Order.DoesNotExist,), order_id=order_id)
    if made is False:
        return 0
    logger.info("order %s: %s document(s) made", order_id, len(made))
    return len(made)


# --- the clock -------------------------------------------------------------------------------


@shared_task(name="orders.orders_expire_due_task")
def orders_expire_due_task() -> int:
    """Every 15 minutes: expire unpaid orders past their deadline (stock back), close their open payments.

    Card confirmations that went unanswered are asked about again first (same Idempotency-Key).
    Idempotent: an order already expired or paid is left alone, so a second run changes nothing.
    """
    reconciled = payments_reconcile()
    expired = orders_expire_due()
    # Stock held by exchanges that were rejected or withdrawn goes back too (services/exchanges.py).
    released = exchanges_stock_release_due()
    closed = payments_close_unpaid()
    if reconciled or expired or closed or released:
        logger.info("reconciled %s card payments, expired %s unpaid orders, closed %s payments, "
                    "gave back %s units held by closed exchanges", reconciled, expired, closed, released)
    return expired


@shared_task(name="orders.carts_abandoned_purge_task")
def carts_abandoned_purge_task() -> int:
    """Daily: delete visitors' carts nobody came back to and finished-with 바로구매 carts."""
    deleted = carts_abandoned_purge()
    logger.info("abandoned carts purged: %s", deleted)
    return deleted


@shared_task(name="orders.vendor_orders_auto_complete_task")
def vendor_orders_auto_complete_task() -> int:
    """Daily: confirm the purchases nobody confirmed (beat schedule in settings)."""
    done = vendor_orders_auto_complete()
    logger.info("auto-complete: %s vendor orders confirmed", done)
    return done


@shared_task(name="orders.late_shipments_escalate_task", **NOTICE_RETRY)
def late_shipments_escalate_task() -> dict:
    """Daily: remind, escalate and apologise for vendor orders past their shipping day, each step once."""
    return late_shipments_escalate()


# --- settlements -----------------------------------------------------------------------------


@shared_task(name="orders.settlements_monthly_task")
def settlements_monthly_task() -> int:
    """Daily: settle every ended month with completed, unsettled vendor orders (not only the last one).

    Safe to run again; a day the beat or the worker missed is made up by the next run.
    """
    return sum(result.created_count for result in settlements_build_due())


@shared_task(name="orders.settlements_built_task")
def settlements_built_task(*, settlement_ids: list[int]) -> int:
    """After a build: tell the vendors, then queue each statement's PDF (one task each, for the workers).

    The PDFs go through the outbox too: a worker killed after the notices still has them made.
    """
    sent = notifications.settlements_built_notify(settlement_ids=settlement_ids)
    for pk in settlement_ids:
        jobs.after_commit("orders.settlement_pdf_task", settlement_id=pk)
    return sent


@shared_task(name="orders.settlement_paid_notify_task")
def settlement_paid_notify_task(*, settlement_id: int) -> int:
    return notifications.settlement_paid_notify(settlement_id=settlement_id)


@shared_task(name="orders.settlement_pdf_task", **DOCUMENT_RETRY)
def settlement_pdf_task(*, settlement_id: int) -> bool:
    """(Re)make the settlement's PDF statement if it changed; running it twice writes nothing."""
    return bool(document_task_run(settlement_pdf_make, label=f"settlement {settlement_id} statement",
                                  missing=(Settlement.DoesNotExist,), settlement_id=settlement_id))


@shared_task(name="orders.products_popularity_refresh_task")
def products_popularity_refresh_task() -> int:
    """Hourly: drain the page-view counters and recompute every product's popularity (idempotent)."""
    return products_popularity_refresh()
