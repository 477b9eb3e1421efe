"""Sending a claim's refund: never inside a transaction holding row locks.

    claim's transaction   refund_status = pending (card; virtual account with the buyer's refund account)
                          or manual (bank transfer, a payment approved by hand): listed for the operator
    after the commit      orders.claim_refund_task(claim_id) → claim_refund_send: the PG's cancel API,
                          outside any lock, with an Idempotency-Key derived from the claim number (the same
                          on every retry, so the PG cancels once however often it is asked)
    then                  one short transaction records it once: Payment.cancelled_amount and its
                          PaymentEvent, the claim refunded, VendorOrder.refunded_amount increased
    beat                  claim_refunds_sweep re-queues pending refunds a dead worker left behind

A refusal (4xx) marks the claim failed with the PG's message (the operator sees it in the admin and
may send it again: a new attempt, a new key); no answer (timeout, 5xx) raises so the task is retried.
Bank transfer: the operator sends the money to the buyer's refund account and marks it done in the
admin. The refund account is deleted once the refund is done.
"""
import hashlib
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ddasum import jobs

from ..exceptions import OrderError, PaymentError
from ..models import Claim, Payment, PaymentMethod, PaymentStatus, RefundAccount, RefundStatus, VendorOrder
from .cash_receipts import GatewayUnanswered
from .payments import (
    CANCEL,
    PG_METHODS,
    _cancelled_add,
    actor_record,
    gateway_exchange,
    payment_event,
    refund_account_forget_if_done,
    refund_due_record,
)

logger = logging.getLogger(__name__)

R = RefundStatus

# A pending refund not done after this long is queued again by the sweeper.
SWEEP_AFTER = timedelta(minutes=10)


def claim_payment(claim: Claim) -> Payment | None:
    """The payment a claim's refund comes out of: the order's paid one."""
    return (Payment.objects.filter(order_id=claim.order_id,
                                   status__in=(PaymentStatus.DONE, PaymentStatus.PARTIAL_CANCELLED))
            .order_by("-pk").first())


def refund_account_needed(order) -> bool:
    """Cash payments are refunded to an account the buyer gives (cards go back to the card)."""
    return order.payment_method in (PaymentMethod.VIRTUAL_ACCOUNT, PaymentMethod.BANK_TRANSFER)


def refund_account_of(order) -> RefundAccount | None:
    return RefundAccount.objects.filter(payment__order_id=order.pk).order_by("-pk").first()


def claim_refund_key(claim: Claim, attempt: int = 0) -> str:
    """The Idempotency-Key of the claim's cancel call: the same on every retry of one attempt."""
    return hashlib.sha256(f"claim-refund:{claim.number}:{attempt}".encode()).hexdigest()


def _attempt(claim: Claim, payment: Payment) -> int:
    """A retry after a refusal is a new attempt (the PG keeps the refusal under the old key); after a
    timeout it is the same attempt, the same key."""
    return payment.events.filter(kind=CANCEL, http_status__gte=400, http_status__lt=500,
                                 request__body__cancelReason=_cancel_reason(claim)).count()


def _cancel_reason(claim: Claim) -> str:
    return f"{claim.get_kind_display()} {claim.number}"[:200]


def claim_refund_request(claim: Claim, *, require_account: bool = True, check_only: bool = False) -> None:
    """Inside the claim's transaction: mark its refund to be sent (pending) or sent by hand (manual).

    A cash payment needs the buyer's refund account first (OrderError asks for it); a vendor's cancel
    does not wait for it (the refund waits instead, and the buyer's page asks for the account). With
    `check_only` nothing is written (a return request checks the account before the vendor is asked).
    """
    order = claim.order
    if require_account and refund_account_needed(order) and refund_account_of(order) is None:
        raise OrderError(_("환불받을 계좌를 먼저 입력해 주세요."))
    if check_only or claim.refund_amount <= 0:
        return
    payment = claim_payment(claim)
    if payment is None:
        raise PaymentError(_("환불할 결제가 없습니다."))
    by_hand = payment.method not in PG_METHODS or not payment.provider_key
    claim.refund_status = R.MANUAL if by_hand else R.PENDING
    claim.refund_error = ""
    claim.save(update_fields=["refund_status", "refund_error"])
    if by_hand:
        event = refund_due_record(payment, claim.refund_amount, _("%(kind)s %(number)s") % {
            "kind": claim.get_kind_display(), "number": claim.number})
        event.request = {**event.request, "claim": claim.number}
        event.save(update_fields=["request"])
    else:
        jobs.after_commit("orders.claim_refund_task", claim_id=claim.pk)


def claim_refund_send(*, claim_id: int) -> str:
    """Send a pending refund to the PG (outside any lock) and record it once. Safe to run any number of times."""
    claim = Claim.objects.select_related("order").get(pk=claim_id)
    if claim.refund_status != R.PENDING:
        return "skipped"
    payment = claim_payment(claim)
    if payment is None:
        _failed(claim.pk, _("환불할 결제가 없습니다."))
        return "failed"
    body = {"cancelReason": _cancel_reason(claim), "cancelAmount": claim.refund_amount}
    if claim.tax_free_amount:
        body["taxFreeAmount"] = min(claim.tax_free_amount, claim.refund_amount)
    if payment.method == PaymentMethod.VIRTUAL_ACCOUNT:
        account = RefundAccount.objects.filter(payment=payment).first()
        if account is None:
            return "waiting"  # for the buyer's refund account; setting it queues this again
        body["refundReceiveAccount"] = {"bank": account.bank_code, "accountNumber": account.account_number,
                                        "holderName": account.holder_name}
    reply, event = gateway_exchange(payment, CANCEL, f"/v1/payments/{payment.provider_key}/cancel", body,
                                    idempotency_key=claim_refund_key(claim, _attempt(claim, payment)))
    if reply.http_status == 200:
        return "done" if _recorded(claim.pk, payment.pk, event.pk, reply.data) else "skipped"
    if reply.declined:
        message = str(reply.data.get("message") or reply.data.get("code") or reply.http_status)[:300]
        _failed(claim.pk, _("결제사가 환불을 거절했습니다: %(message)s") % {"message": message})
        return "failed"
    raise GatewayUnanswered(f"refund of claim {claim.number}: {reply.as_record()}")


@transaction.atomic
def _recorded(claim_id: int, payment_id: int, event_id: int, data: dict) -> bool:
    """The PG cancelled: record it on the payment, the claim and the vendor order, exactly once."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    if claim.refund_status != R.PENDING:
        return False  # another run recorded it
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    _cancelled_add(payment, claim.refund_amount)
    payment.provider_status = str(data.get("status") or payment.provider_status)[:30]
    payment.save(update_fields=["provider_status"])
    refund_account_forget_if_done(payment, data)
    _done(claim)
    logger.info("claim %s refunded %s (payment event %s)", claim.number, claim.refund_amount, event_id)
    return True


def _done(claim: Claim) -> None:
    claim.refund_status, claim.refunded_at, claim.refund_error = R.DONE, timezone.now(), ""
    claim.save(update_fields=["refund_status", "refunded_at", "refund_error"])
    VendorOrder.objects.filter(pk=claim.vendor_order_id).update(refunded_amount=F("refunded_amount") + claim.refund_amount)
    jobs.after_commit("orders.claim_refunded_notify_task", claim_id=claim.pk)
    jobs.after_commit("orders.order_documents_task", order_id=claim.order_id)


@transaction.atomic
def _failed(claim_id: int, message: str) -> None:
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    if claim.refund_status != R.PENDING:
        return
    claim.refund_status, claim.refund_error = R.FAILED, message
    claim.save(update_fields=["refund_status", "refund_error"])
    logger.warning("claim %s refund failed: %s", claim.number, message)


@transaction.atomic
def claim_refund_retry(*, claim_id: int, actor) -> Claim:
    """The operator sends a failed refund again (a new attempt, a new Idempotency-Key)."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    if not (actor and actor.is_authenticated and actor.is_staff):
        raise OrderError(_("운영자만 환불을 다시 보낼 수 있습니다."))
    if claim.refund_status != R.FAILED:
        raise OrderError(_("실패한 환불만 다시 보낼 수 있습니다."))
    claim.refund_status, claim.refund_error = R.PENDING, ""
    claim.save(update_fields=["refund_status", "refund_error"])
    logger.info("claim %s refund sent again by %s", claim.number, actor.pk)
    jobs.after_commit("orders.claim_refund_task", claim_id=claim.pk)
    return claim


@transaction.atomic
def claim_refund_manual_done(*, claim_id: int, actor, note: str = "") -> Claim:
    """The operator sent a bank-transfer refund by hand: recorded once, the refund account deleted."""
    if not (actor and actor.is_authenticated and actor.is_staff):
        raise OrderError(_("운영자만 수동 환불을 완료로 표시할 수 있습니다."))
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    if claim.refund_status == R.DONE:
        return claim
    if claim.refund_status != R.MANUAL:
        raise OrderError(_("수동 환불 대기 중인 요청이 아닙니다."))
    payment = Payment.objects.select_for_update().get(pk=claim_payment(claim).pk)
    due = payment.events.filter(kind="refund_due", ok=False, request__claim=claim.number).first()
    now = timezone.now()
    if due is not None:
        due.ok = True
        due.response = {**actor_record(actor), "done_at": now.isoformat(), "note": note}
        due.save(update_fields=["ok", "response"])
    _cancelled_add(payment, claim.refund_amount)
    payment_event(payment, "refund", ok=True, request={"claim": claim.number, "amount": claim.refund_amount,
                                                      **actor_record(actor), "recorded_at": now.isoformat(),
                                                      "note": note})
    RefundAccount.objects.filter(payment__order_id=claim.order_id).delete()
    _done(claim)
    return claim


def claim_refunds_sweep(*, now=None) -> int:
    """Queue again the pending refunds older than SWEEP_AFTER (a worker died after the commit; beat)."""
    now = now or timezone.now()
    due = list(Claim.objects.filter(refund_status=R.PENDING, completed_at__lte=now - SWEEP_AFTER)
               .order_by("pk").values_list("pk", flat=True))
    for pk in due:
        jobs.after_commit("orders.claim_refund_task", claim_id=pk)
    return len(due)
