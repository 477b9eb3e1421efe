"""Confirming payments: a deposit for a bank-transfer order, the PG's approval (card, 간편결제) or a deposit
into the PG's virtual account (its webhook). Each pays the order once.

Card flow: the browser comes back from the gateway with paymentKey, orderId and amount; we
check the order and the amount against what we stored, then confirm with the gateway
(`POST /v1/payments/confirm`, Basic auth with the secret key, an Idempotency-Key that is
the Payment's own and so the same on every retry). Only a 200 with status DONE pays the
order. The call is made outside any transaction (no row lock is held while the network
answers); the order row is locked before and after it.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ddasum import jobs
from ddasum.money import won

from ..exceptions import PaymentError
from ..models import Order, OrderStatus, Payment, PaymentEvent, PaymentMethod, PaymentMismatch, PaymentStatus
from .actions import order_expire, order_mark_paid
from .cash_receipts import cash_receipt_after_paid
from .payments import (
    CONFIRM,
    DEPOSIT,
    EXPIRED,
    FAIL,
    IN_FLIGHT_GRACE,
    ISSUED,
    MISMATCH,
    PG_METHODS,
    PG_STATUS,
    GatewayReply,
    actor_record,
    card_cancel,
    gateway_exchange,
    new_idempotency_key,
    payment_event,
    payment_start,
    payment_status_allows,
    payment_tax_split,
    payments_in_doubt,
    refund_account_forget_if_done,
    refund_due_record,
)

logger = logging.getLogger(__name__)


S = PaymentStatus


# --- bank transfer ----------------------------------------------------------------------


@transaction.atomic
def payment_deposit_confirm(*, order_id: int, actor=None, amount: int | None = None, depositor: str = "",
                            deposited_at: datetime | None = None, source: str = "admin",
                            note: str = "") -> Order:
    """A deposit for a bank-transfer order arrived: record who saw it, when, how much; the order is paid.

    A second confirmation of a paid order changes nothing. A deposit for an order that expired or
    was cancelled reopens nothing: the operator sends the money back.
    """
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status == OrderStatus.PAID:
        return order
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise PaymentError(_("%(number)s: 무통장입금 주문이 아닙니다.") % {"number": order.number})
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise PaymentError(_("%(number)s: '%(status)s' 상태라 입금 확인할 수 없습니다. 입금액은 입금자에게 돌려주어야 합니다.")
                           % {"number": order.number, "status": order.get_status_display()})
    amount = order.total if amount is None else amount
    if amount != order.total:
        raise PaymentError(_("%(number)s: 입금액 %(amount)s이 결제 금액 %(total)s과 다릅니다.")
                           % {"number": order.number, "amount": won(amount), "total": won(order.total)})
    payment = payment_start(order_id=order.pk)
    now = timezone.now()
    payment.status = S.DONE
    payment.approved_at = deposited_at or now
    payment.supplied_amount, payment.vat, payment.tax_free_amount = payment_tax_split(order.total, order.exempt_total)
    payment.save(update_fields=["status", "approved_at", "supplied_amount", "vat", "tax_free_amount"])
    payment_event(payment, DEPOSIT, ok=True, request={
        "source": source, **actor_record(actor), "recorded_at": now.isoformat(), "amount": amount,
        "depositor": depositor, "deposited_at": (deposited_at or now).isoformat(), "note": note,
    })
    order_mark_paid(order_id=order.pk, actor=actor, reason=_("입금 확인"))
    cash_receipt_after_paid(order)
    order.refresh_from_db()
    return order


# --- card ---------------------------------------------------------------------------------


PAID, MISMATCH_OUTCOME, EXPIRED_OUTCOME, DECLINED, PENDING, NOT_FOUND, REFUSED, WAITING = (
    "paid", "mismatch", "expired", "declined", "pending", "not_found", "refused", "waiting")


@dataclass
class CardResult:
    """What the success page tells the buyer."""
    outcome: str
    message: str
    order: Order | None = None
    payment: Payment | None = None

    @property
    def paid(self) -> bool:
        return self.outcome == PAID


def _paid_result(order):
    return CardResult(PAID, _("결제가 완료되었습니다."), order)


def _expired_message() -> str:
    return _("결제 시간이 지났습니다. 주문이 만료되어 결제하지 않았습니다. 다시 주문해 주세요.")


def _card_payment_for(order: Order, payment_key: str) -> Payment:
    """The attempt this paymentKey belongs to: found by key, else the open attempt claims it, else a new one."""
    card = order.payments.select_for_update().filter(method=order.payment_method)
    payment = card.filter(provider_key=payment_key).first()
    if payment is not None:
        return payment
    payment = card.filter(status=S.READY, provider_key="").order_by("pk").first()
    if payment is None:
        payment = Payment(order=order, method=order.payment_method, amount=order.total,
                          idempotency_key=new_idempotency_key())
    payment.provider_key = payment_key[:200]
    payment.save()
    return payment


@dataclass
class _Prepared:
    result: CardResult | None = None
    payment: Payment | None = None
    body: dict | None = None


@transaction.atomic
def _confirm_prepare(order_id: int, payment_key: str, amount: str) -> _Prepared:
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status == OrderStatus.PAID:
        # A second callback shows the paid order, nothing is confirmed twice; only an attempt of
        # this order still in doubt is asked about again (if approved, it is cancelled as a duplicate).
        in_doubt = order.payments.filter(provider_key=payment_key, status=S.READY, events__kind=CONFIRM).first()
        if in_doubt is None:
            return _Prepared(_paid_result(order))
    payment = _card_payment_for(order, payment_key)
    tried = payment.events.filter(kind=CONFIRM).exists()
    asked = {"paymentKey": payment_key, "orderId": order.number, "amount": amount}
    try:
        amount_int = int(amount)
    except (TypeError, ValueError):
        amount_int = None
    if amount_int != order.total:
        payment_event(payment, MISMATCH, request={**asked, "expected": order.total})
        if not tried:
            payment.status = S.FAILED
            payment.save(update_fields=["status"])
        logger.warning("order %s: card amount %r does not match %s", order.number, amount, order.total)
        return _Prepared(CardResult(MISMATCH_OUTCOME, _(
            "결제 금액(%(asked)s)이 주문 금액(%(total)s)과 달라 결제를 승인하지 않았습니다. 카드 결제는 청구되지 않습니다. "
            "다시 결제해 주세요.") % {"asked": won(amount_int) if amount_int is not None else amount,
                               "total": won(order.total)}, order, payment))
    # A retry of a confirmation that went unanswered is always sent again (same Idempotency-Key):
    # the gateway may have approved it, and only its answer tells.
    if not tried:
        refusal = None
        if order.payment_method not in PG_METHODS:
            refusal = CardResult(REFUSED, _("결제 창으로 결제하는 주문이 아닙니다."), order, payment)
        elif order.status == OrderStatus.CANCELLED:
            refusal = CardResult(REFUSED, _("취소된 주문입니다. 결제하지 않았습니다."), order, payment)
        elif order.status == OrderStatus.EXPIRED or (order.expires_at and order.expires_at <= timezone.now()):
            refusal = CardResult(EXPIRED_OUTCOME, _expired_message(), order, payment)
        if refusal:
            payment_event(payment, EXPIRED if refusal.outcome == EXPIRED_OUTCOME else FAIL,
                   request={**asked, "order_status": order.status,
                            "expires_at": order.expires_at.isoformat() if order.expires_at else None})
            payment.status = S.FAILED
            payment.save(update_fields=["status"])
            return _Prepared(refusal)
    return _Prepared(payment=payment, body={"paymentKey": payment_key, "orderId": order.number,
                                            "amount": order.total})


@transaction.atomic
def _confirm_finish(payment_id: int, reply: GatewayReply) -> tuple[CardResult, bool]:
    """Apply the gateway's answer; True in the second place when the approval must be cancelled."""
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    order = Order.objects.select_for_update().get(pk=order_id)  # the order first, as every writer locks
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    data = reply.data
    if payment.status == S.DONE and order.status == OrderStatus.PAID:
        return _paid_result(order), False  # a parallel confirmation already settled it; never undo that
    if reply.http_status == 200 and data.get("status") == "DONE":
        payment.status = S.DONE
        payment.supplied_amount = data.get("suppliedAmount")
        payment.vat = data.get("vat")
        payment.tax_free_amount = data.get("taxFreeAmount")
        approved = data.get("approvedAt")
        payment.approved_at = (parse_datetime(approved) if isinstance(approved, str) else None) or timezone.now()
        payment.provider_key = data.get("paymentKey") or payment.provider_key
        payment.save()
        if order.status == OrderStatus.PENDING_PAYMENT:
            return _paid_result(order_mark_paid(order_id=order.pk, reason=_("카드 결제 승인"))), False
        # Approved after the order closed, or paid already by another attempt (two tabs): this
        # approval goes back at once.
        if order.status == OrderStatus.PAID:
            return CardResult(PAID, _("이미 결제된 주문입니다. 방금 한 번 더 승인된 결제는 취소했습니다."), order, payment), True
        return CardResult(EXPIRED_OUTCOME, _expired_message(), order, payment), True
    if reply.http_status == 200 and data.get("status") == "WAITING_FOR_DEPOSIT":
        if payment.status == S.READY:
            virtual_account_issued(order, payment, data)
        return CardResult(WAITING, _("가상계좌가 발급되었습니다. 입금 기한 안에 입금해 주세요."), order, payment), False
    if reply.declined:
        payment.status = S.FAILED
        payment.save(update_fields=["status"])
        message = str(data.get("message") or "")[:300] or _("카드사에서 결제를 승인하지 않았습니다.")
        return CardResult(DECLINED, _("결제가 승인되지 않았습니다: %(message)s 다른 카드로 다시 결제해 주세요.")
                          % {"message": message}, order, payment), False
    return CardResult(PENDING, _("결제 확인이 지연되고 있습니다. 잠시 후 '다시 확인'을 눌러 주세요. 결제가 두 번 청구되지는 않습니다."),
                      order, payment), False


def card_payment_confirm(*, order_number: str, payment_key: str, amount: str) -> CardResult:
    """The browser came back from the gateway: check order and amount, confirm, and only then pay the order.

    Must not run inside a transaction: the gateway is called between two short ones.
    """
    order = Order.objects.filter(number=order_number).first() if order_number else None
    if order is None or not payment_key:
        return CardResult(NOT_FOUND, _("주문을 찾을 수 없습니다. 주문번호를 확인해 주세요."))
    prepared = _confirm_prepare(order.pk, payment_key, str(amount))
    if prepared.result is not None:
        return prepared.result
    payment = prepared.payment
    reply, _event_row = gateway_exchange(payment, CONFIRM, "/v1/payments/confirm", prepared.body,
                                          idempotency_key=payment.idempotency_key,
                                          done_status=("DONE", "WAITING_FOR_DEPOSIT"))
    result, cancel = _confirm_finish(payment.pk, reply)
    if cancel:
        reason = (_("중복 결제 자동 취소") if result.outcome == PAID else _("주문 만료 후 승인된 결제 자동 취소"))
        try:
            with transaction.atomic():
                card_cancel(Payment.objects.select_for_update().get(pk=payment.pk), payment.amount, reason)
        except PaymentError as exc:
            logger.error("payment %s approved for order %s must go back and could not be cancelled: %s",
                         payment.pk, order.number, exc.message)
            refund_due_record(Payment.objects.select_related("order").get(pk=payment.pk), payment.amount,
                        f"{reason}: {exc.message}")  # on the operator's list of refunds to make
            result.message = _("승인된 결제를 바로 취소하지 못했습니다. 운영자가 확인한 뒤 환불해 드립니다.")
    return result


@transaction.atomic
def card_payment_fail_record(*, order_number: str, code: str, message: str) -> Order | None:
    """The gateway sent the buyer back without a payment (cancelled, refused): noted on the open attempt."""
    order = Order.objects.filter(number=order_number, payment_method=PaymentMethod.CARD).first()
    if order is None:
        return None
    payment = payment_start(order_id=order.pk)
    payment_event(payment, FAIL, request={"code": code[:100], "message": message[:300], "orderId": order_number})
    return order


# --- the beat task's part ------------------------------------------------------------------


def payments_reconcile() -> int:
    """Ask the gateway again about confirmations that went unanswered, with the same Idempotency-Key.

    Runs before expiry: a buyer whose approval we never heard of is paid, not expired; an
    approval for an order that has closed meanwhile is cancelled at once.
    """
    settled = 0
    # Leave alone a confirmation the buyer's browser may still be waiting for.
    recent = PaymentEvent.objects.filter(
        kind=CONFIRM, created_at__gt=timezone.now() - IN_FLIGHT_GRACE - timedelta(seconds=settings.PAYMENT_TIMEOUT_SECONDS))
    for payment in list(payments_in_doubt().exclude(events__in=recent).select_related("order")):
        result = card_payment_confirm(order_number=payment.order.number, payment_key=payment.provider_key,
                                      amount=str(payment.order.total))
        settled += result.outcome != PENDING
    return settled


# --- virtual accounts (가상계좌) ---------------------------------------------------------------


def _parsed(value) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def virtual_account_issued(order: Order, payment: Payment, data: dict) -> None:
    """The PG issued the account: keep where and by when to pay, and the secret its deposit webhook repeats.

    The order waits for the deposit until the account's due date (then it expires, stock back, as bank
    transfer does); the buyer is sent the account. The caller holds the order's and the payment's locks.
    """
    va = data.get("virtualAccount") or {}
    payment.status = S.WAITING_FOR_DEPOSIT
    payment.provider_status = "WAITING_FOR_DEPOSIT"
    payment.provider_key = data.get("paymentKey") or payment.provider_key
    payment.va_bank_code = str(va.get("bankCode") or "")[:4]
    payment.va_account_number = str(va.get("accountNumber") or "")[:30]
    payment.va_holder = str(va.get("customerName") or "")[:60]
    payment.va_due_at = _parsed(va.get("dueDate"))
    payment.va_secret = str(data.get("secret") or "")[:100]
    payment.save()
    payment_event(payment, ISSUED, ok=True, request={"bankCode": payment.va_bank_code,
                                                      "accountNumber": payment.va_account_number,
                                                      "dueDate": va.get("dueDate")})
    if payment.va_due_at:
        order.expires_at = payment.va_due_at
        order.save(update_fields=["expires_at"])
    jobs.after_commit("orders.order_placed_notify_task", order_id=order.pk)


@transaction.atomic
def virtual_account_deposit(*, payment_id: int, source: str, data: dict) -> str:
    """The PG says the money arrived in the virtual account: the order is paid, once.

    Returns what happened: "paid", "already" (paid before: nothing changes) or "closed" (the order
    expired or was cancelled meanwhile: the money is listed for the operator to send back).
    """
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status in (S.DONE, S.PARTIAL_CANCELLED, S.CANCELLED) and payment.events.filter(kind=DEPOSIT).exists():
        return "already"
    if order.status != OrderStatus.PENDING_PAYMENT:
        if not payment.events.filter(kind=DEPOSIT).exists():
            payment_event(payment, DEPOSIT, ok=False, request={"source": source, "order_status": order.status,
                                                                "transactionKey": data.get("transactionKey", "")})
            if order.status != OrderStatus.PAID:
                refund_due_record(payment, payment.amount, _("만료·취소된 주문에 들어온 가상계좌 입금"))
        return "closed"
    now = timezone.now()
    payment.status = S.DONE
    payment.provider_status = "DONE"
    payment.approved_at = _parsed(data.get("approvedAt")) or now
    payment.supplied_amount, payment.vat, payment.tax_free_amount = payment_tax_split(order.total, order.exempt_total)
    payment.save()
    payment_event(payment, DEPOSIT, ok=True, request={"source": source, "recorded_at": now.isoformat(),
                                                       "amount": payment.amount,
                                                       "transactionKey": data.get("transactionKey", "")})
    order_mark_paid(order_id=order.pk, reason=_("가상계좌 입금 확인"))
    cash_receipt_after_paid(order)
    return "paid"


@transaction.atomic
def _pg_record_apply(payment_id: int, pg: dict) -> str:
    """Bring our payment up to the PG's record of it, forward only (cancels, expiry, a missed issue)."""
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    status = PG_STATUS.get(str(pg.get("status")))
    if status is None or status == payment.status and status not in (S.PARTIAL_CANCELLED,):
        return "same"
    if status == S.WAITING_FOR_DEPOSIT and payment.status == S.READY:
        virtual_account_issued(order, payment, pg)
        return "issued"
    if status in (S.CANCELLED, S.PARTIAL_CANCELLED):
        cancelled = int(pg.get("totalAmount") or payment.amount) - int(pg.get("balanceAmount") or 0)
        if payment.status == S.WAITING_FOR_DEPOSIT:
            cancelled = 0  # an unpaid account closed by the PG: nothing to give back
        refund_account_forget_if_done(payment, pg)
        if not payment_status_allows(payment.status, status) or cancelled < payment.cancelled_amount:
            return "ignored"
        if cancelled > payment.cancelled_amount and order.status == OrderStatus.PAID:
            # Cancelled at the PG (its dashboard), not through the shop: the order did not move. The
            # operator sees it with the reconciliation's findings and settles the order by hand.
            PaymentMismatch.objects.get_or_create(
                transaction_key=f"pg-cancel:{payment.pk}:{cancelled}", problem=_("PG에서 취소되었지만 주문은 그대로입니다"),
                defaults={"day": timezone.localdate(), "order_number": order.number, "payment_key": payment.provider_key,
                          "ours": {"status": payment.status, "cancelled_amount": payment.cancelled_amount},
                          "theirs": {"status": pg.get("status"), "balanceAmount": pg.get("balanceAmount")}})
        payment.status, payment.cancelled_amount = status, min(cancelled, payment.amount)
        payment.provider_status = str(pg.get("status"))
        payment.save(update_fields=["status", "cancelled_amount", "provider_status"])
        return "cancelled"
    if status in (S.EXPIRED, S.FAILED) and payment_status_allows(payment.status, status):
        payment.status, payment.provider_status = status, str(pg.get("status"))
        payment.save(update_fields=["status", "provider_status"])
        if status == S.EXPIRED and order.status == OrderStatus.PENDING_PAYMENT:
            if order.expires_at is None or order.expires_at > timezone.now():
                order.expires_at = timezone.now()
                order.save(update_fields=["expires_at"])
            order_expire(order_id=order.pk)
        return "expired" if status == S.EXPIRED else "failed"
    return "ignored"


def payment_pg_sync(*, payment_id: int, pg: dict, source: str) -> str:
    """Apply the PG's record of a payment (from its lookup API, never from a browser). Safe to repeat.

    DONE pays the order (a card approval we never heard of, or a virtual-account deposit); other
    states move the payment forward only. Must not run inside a transaction (a card approval for a
    closed order is cancelled at the PG at once, outside the locks).
    """
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    if pg.get("status") == "DONE":
        if payment.method == PaymentMethod.VIRTUAL_ACCOUNT:
            return virtual_account_deposit(payment_id=payment.pk, source=source, data=pg)
        if payment.status == S.DONE:
            return "already"
        result, cancel = _confirm_finish(payment.pk, GatewayReply(200, pg))
        if cancel:
            try:
                with transaction.atomic():
                    card_cancel(Payment.objects.select_for_update().get(pk=payment.pk), payment.amount,
                                _("주문 만료 후 승인된 결제 자동 취소"))
            except PaymentError as exc:
                refund_due_record(Payment.objects.select_related("order").get(pk=payment.pk), payment.amount,
                                  exc.message)
        return result.outcome
    return _pg_record_apply(payment.pk, pg)
