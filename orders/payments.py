"""Payments: a registry of providers, bank transfer (무통장입금) and a Toss Payments-style card gateway.

Each order has Payment rows (one per bank-transfer order; one per card attempt, i.e. per
gateway `paymentKey`) and every word said with a provider is a PaymentEvent, kept so the
operator can trace a dispute: request (never the secret key), response, HTTP status.

Card flow: the browser comes back from the gateway with paymentKey, orderId and amount; we
check the order and the amount against what we stored, then confirm with the gateway
(`POST /v1/payments/confirm`, Basic auth with the secret key, an Idempotency-Key that is
the Payment's own and so the same on every retry). Only a 200 with status DONE pays the
order. The call is made outside any transaction (no row lock is held while the network
answers); the order row is locked before and after it.
"""
import base64
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPException

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.money import TAXABLE, vat_split, won

from .exceptions import PaymentError
from .models import Order, OrderStatus, Payment, PaymentEvent, PaymentMethod, PaymentStatus

logger = logging.getLogger(__name__)

S = PaymentStatus

# PaymentEvent kinds.
CONFIRM, CANCEL, MISMATCH, EXPIRED, FAIL = "confirm", "cancel", "mismatch", "expired", "fail"
DEPOSIT, REFUND_DUE, REFUND, EXPIRE = "deposit", "refund_due", "refund", "expire"
EVENT_LABELS = {
    CONFIRM: gettext_lazy("승인 요청"), CANCEL: gettext_lazy("취소 요청"), MISMATCH: gettext_lazy("금액 불일치"),
    EXPIRED: gettext_lazy("기한 지난 결제"), FAIL: gettext_lazy("결제 실패·거절"), DEPOSIT: gettext_lazy("입금 확인"),
    REFUND_DUE: gettext_lazy("환불 예정 (계좌 송금)"), REFUND: gettext_lazy("환불 송금"), EXPIRE: gettext_lazy("미결제 종료"),
}


def _new_key() -> str:
    return secrets.token_hex(32)  # 64 characters, the column's width


def _actor_record(actor) -> dict:
    if not (actor and getattr(actor, "is_authenticated", False)):
        return {}
    return {"by_id": actor.pk, "by": getattr(actor, "email", "") or str(actor)}


def _event(payment: Payment, kind: str, *, request=None, response=None, http_status=None, ok=False) -> PaymentEvent:
    return PaymentEvent.objects.create(payment=payment, kind=kind, request=request or {}, response=response or {},
                                       http_status=http_status, ok=ok)


def _tax_split(total: int, tax_free: int) -> tuple[int, int, int]:
    """(supplied amount, VAT, tax-free amount) of a payment; shipping counts as taxable."""
    tax_free = min(tax_free, total)
    split = vat_split(total - tax_free, TAXABLE)
    return split.supply, split.vat, tax_free


# --- the gateway's HTTP client --------------------------------------------------------


@dataclass
class GatewayReply:
    http_status: int | None  # None: no answer (timeout, connection refused)
    data: dict = field(default_factory=dict)
    error: str = ""  # "timeout" or "connection" when there was no answer

    @property
    def answered(self) -> bool:
        return self.http_status is not None

    @property
    def declined(self) -> bool:
        """A definite no (4xx): the request was understood and refused. 409 (the same key still being
        processed) and 429 (too many requests) are not answers yet."""
        return self.http_status is not None and 400 <= self.http_status < 500 and self.http_status not in (409, 429)

    def as_record(self) -> dict:
        return self.data if self.answered else {"error": self.error}


def gateway_request_record(path: str, body: dict, *, idempotency_key: str) -> dict:
    """What is sent, as stored in a PaymentEvent: the Authorization header is left out."""
    url = settings.PAYMENT_GATEWAY_URL.rstrip("/") + path
    return {"method": "POST", "url": url, "headers": {"Content-Type": "application/json",
                                                      "Idempotency-Key": idempotency_key}, "body": body}


def gateway_post(path: str, body: dict, *, idempotency_key: str) -> GatewayReply:
    """POST JSON to the gateway with Basic auth (secret key + ":") and an Idempotency-Key."""
    record = gateway_request_record(path, body, idempotency_key=idempotency_key)
    secret = base64.b64encode(f"{settings.PAYMENT_SECRET_KEY}:".encode()).decode("ascii")
    request = urllib.request.Request(
        record["url"], data=json.dumps(body).encode(), method="POST",
        headers={**record["headers"], "Authorization": f"Basic {secret}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.PAYMENT_TIMEOUT_SECONDS) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except TimeoutError:
        return GatewayReply(None, error="timeout")
    except urllib.error.URLError as exc:
        return GatewayReply(None, error="timeout" if isinstance(exc.reason, TimeoutError) else "connection")
    except (OSError, HTTPException):
        return GatewayReply(None, error="connection")
    try:
        data = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        data = {"raw": raw[:2000].decode("utf-8", "replace")}
    return GatewayReply(status, data if isinstance(data, dict) else {"raw": data})


def _gateway_exchange(payment: Payment, kind: str, path: str, body: dict, *, idempotency_key: str,
                      done_status: str = "") -> tuple[GatewayReply, PaymentEvent]:
    """Call the gateway and store the exchange. The request is saved first, so a crash mid-call still leaves it."""
    event = _event(payment, kind, request=gateway_request_record(path, body, idempotency_key=idempotency_key))
    reply = gateway_post(path, body, idempotency_key=idempotency_key)
    event.response, event.http_status = reply.as_record(), reply.http_status
    event.ok = reply.http_status == 200 and (not done_status or reply.data.get("status") == done_status)
    event.save(update_fields=["response", "http_status", "ok"])
    if not event.ok:
        logger.warning("payment %s %s: HTTP %s %s", payment.pk, kind, reply.http_status, reply.as_record())
    return reply, event


# --- the registry ---------------------------------------------------------------------


class PaymentProvider:
    """A way to pay: starts a payment after checkout, confirms it, refunds it."""

    name: str = ""  # a PaymentMethod value
    label = ""

    def start(self, order: Order, *, request=None):
        """Called once the order is placed: a response to send the buyer on, or None for the usual page."""
        payment_start(order_id=order.pk)
        return None

    def confirm(self, **kwargs):
        raise NotImplementedError

    def refund(self, payment: Payment, amount: int, reason: str) -> PaymentEvent:
        raise NotImplementedError


providers: dict[str, PaymentProvider] = {}


def provider_register(provider: PaymentProvider) -> PaymentProvider:
    providers[provider.name] = provider
    return provider


def payment_provider(method: str) -> PaymentProvider:
    try:
        return providers[method]
    except KeyError:
        raise PaymentError(_("지원하지 않는 결제 수단입니다."))


# --- starting ---------------------------------------------------------------------------


@transaction.atomic
def payment_start(*, order_id: int) -> Payment:
    """The order's open Payment (status READY), made if missing. Safe to call any number of times.

    Bank transfer: one Payment per order. Card: one per attempt; this returns the attempt not yet
    sent to the gateway, whose idempotency key the confirmation will use.
    """
    order = Order.objects.select_for_update().get(pk=order_id)
    payments = order.payments.filter(method=order.payment_method)
    if order.payment_method == PaymentMethod.CARD:
        payments = payments.filter(status=S.READY, provider_key="")
    payment = payments.order_by("pk").first()
    if payment is None:
        payment = Payment.objects.create(order=order, method=order.payment_method, amount=order.total,
                                         idempotency_key=_new_key())
    return payment


# --- bank transfer ----------------------------------------------------------------------


def bank_transfer_info(order: Order) -> dict:
    """What a bank-transfer order page shows: where to send how much, by when."""
    return {**settings.BANK_TRANSFER_ACCOUNT, "amount": order.total, "amount_display": won(order.total),
            "deadline": order.expires_at, "depositor": order.orderer_name}


@transaction.atomic
def payment_deposit_confirm(*, order_id: int, actor=None, amount: int | None = None, depositor: str = "",
                            deposited_at: datetime | None = None, source: str = "admin",
                            note: str = "") -> Order:
    """A deposit for a bank-transfer order arrived: record who saw it, when, how much; the order is paid.

    A second confirmation of a paid order changes nothing. A deposit for an order that expired or
    was cancelled reopens nothing: the operator sends the money back.
    """
    from .services import order_mark_paid

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
    payment.supplied_amount, payment.vat, payment.tax_free_amount = _tax_split(order.total, order.exempt_total)
    payment.save(update_fields=["status", "approved_at", "supplied_amount", "vat", "tax_free_amount"])
    _event(payment, DEPOSIT, ok=True, request={
        "source": source, **_actor_record(actor), "recorded_at": now.isoformat(), "amount": amount,
        "depositor": depositor, "deposited_at": (deposited_at or now).isoformat(), "note": note,
    })
    order_mark_paid(order_id=order.pk, actor=actor, reason=_("입금 확인"))
    order.refresh_from_db()
    return order


def _refund_due(payment: Payment, amount: int, reason: str) -> PaymentEvent:
    """Money to send back by bank transfer: listed for the operator until marked done."""
    order = payment.order
    return _event(payment, REFUND_DUE, ok=False, request={
        "amount": amount, "reason": str(reason), "order": order.number, "orderer": order.orderer_name,
        "phone": order.orderer_phone, "email": order.email, "recorded_at": timezone.now().isoformat(),
    })


def refunds_due():
    """Refunds the operator still has to send (oldest first)."""
    return (PaymentEvent.objects.filter(kind=REFUND_DUE, ok=False)
            .select_related("payment__order").order_by("created_at", "pk"))


@transaction.atomic
def payment_refund_done(*, event_id: int, actor, note: str = "") -> PaymentEvent:
    """The operator sent a refund that was due: the payment's cancelled amount grows. Safe to repeat."""
    due = PaymentEvent.objects.select_for_update().select_related("payment").get(pk=event_id, kind=REFUND_DUE)
    if due.ok:
        return due
    payment = Payment.objects.select_for_update().get(pk=due.payment_id)
    amount = int(due.request.get("amount", 0))
    now = timezone.now()
    due.ok = True
    due.response = {**_actor_record(actor), "done_at": now.isoformat(), "note": note}
    due.save(update_fields=["ok", "response"])
    _cancelled_add(payment, amount)
    _event(payment, REFUND, ok=True, request={"due_event": due.pk, "amount": amount, **_actor_record(actor),
                                              "recorded_at": now.isoformat(), "note": note})
    return due


def _cancelled_add(payment: Payment, amount: int) -> None:
    payment.cancelled_amount = min(payment.amount, payment.cancelled_amount + amount)
    payment.status = S.CANCELLED if payment.cancelled_amount >= payment.amount else S.PARTIAL_CANCELLED
    payment.save(update_fields=["cancelled_amount", "status"])


class BankTransferProvider(PaymentProvider):
    name = PaymentMethod.BANK_TRANSFER
    label = gettext_lazy("무통장입금")

    def confirm(self, *, order_id: int, actor=None, **deposit) -> Order:
        return payment_deposit_confirm(order_id=order_id, actor=actor, **deposit)

    def refund(self, payment: Payment, amount: int, reason: str) -> PaymentEvent:
        return _refund_due(payment, amount, reason)


# --- card (Toss Payments style) -----------------------------------------------------------

PAID, MISMATCH_OUTCOME, EXPIRED_OUTCOME, DECLINED, PENDING, NOT_FOUND, REFUSED = (
    "paid", "mismatch", "expired", "declined", "pending", "not_found", "refused")


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
    card = order.payments.select_for_update().filter(method=PaymentMethod.CARD)
    payment = card.filter(provider_key=payment_key).first()
    if payment is not None:
        return payment
    payment = card.filter(status=S.READY, provider_key="").order_by("pk").first()
    if payment is None:
        payment = Payment(order=order, method=PaymentMethod.CARD, amount=order.total, idempotency_key=_new_key())
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
        _event(payment, MISMATCH, request={**asked, "expected": order.total})
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
        if order.payment_method != PaymentMethod.CARD:
            refusal = CardResult(REFUSED, _("카드 결제 주문이 아닙니다."), order, payment)
        elif order.status == OrderStatus.CANCELLED:
            refusal = CardResult(REFUSED, _("취소된 주문입니다. 결제하지 않았습니다."), order, payment)
        elif order.status == OrderStatus.EXPIRED or (order.expires_at and order.expires_at <= timezone.now()):
            refusal = CardResult(EXPIRED_OUTCOME, _expired_message(), order, payment)
        if refusal:
            _event(payment, EXPIRED if refusal.outcome == EXPIRED_OUTCOME else FAIL,
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
    from .services import order_mark_paid

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
    reply, _event_row = _gateway_exchange(payment, CONFIRM, "/v1/payments/confirm", prepared.body,
                                          idempotency_key=payment.idempotency_key, done_status="DONE")
    result, cancel = _confirm_finish(payment.pk, reply)
    if cancel:
        reason = (_("중복 결제 자동 취소") if result.outcome == PAID else _("주문 만료 후 승인된 결제 자동 취소"))
        try:
            with transaction.atomic():
                _card_cancel(Payment.objects.select_for_update().get(pk=payment.pk), payment.amount, reason)
        except PaymentError as exc:
            logger.error("payment %s approved for order %s must go back and could not be cancelled: %s",
                         payment.pk, order.number, exc.message)
            _refund_due(Payment.objects.select_related("order").get(pk=payment.pk), payment.amount,
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
    _event(payment, FAIL, request={"code": code[:100], "message": message[:300], "orderId": order_number})
    return order


def _cancel_key(payment: Payment, amount: int) -> str:
    # Stable across retries of the same refund (a rolled-back retry sees the same cancelled amount),
    # different for the next refund of the same payment.
    return hashlib.sha256(f"{payment.idempotency_key}:cancel:{payment.cancelled_amount}:{amount}".encode()).hexdigest()


def _card_cancel(payment: Payment, amount: int, reason: str) -> PaymentEvent:
    if amount > payment.amount - payment.cancelled_amount:
        raise PaymentError(_("환불할 금액(%(amount)s)이 남은 결제 금액(%(left)s)보다 큽니다.")
                           % {"amount": won(amount), "left": won(payment.amount - payment.cancelled_amount)})
    body = {"cancelReason": str(reason)[:200], "cancelAmount": amount}
    reply, event = _gateway_exchange(payment, CANCEL, f"/v1/payments/{payment.provider_key}/cancel", body,
                                     idempotency_key=_cancel_key(payment, amount))
    if reply.http_status != 200:
        # The caller's transaction rolls back (event included); the log keeps the trace.
        if reply.answered:
            raise PaymentError(_("카드 결제 취소가 거절되었습니다: %(message)s")
                               % {"message": str(reply.data.get("message") or reply.data.get("code") or "")[:300]})
        raise PaymentError(_("카드사 응답이 지연되어 환불하지 못했습니다. 잠시 후 다시 시도해 주세요."))
    _cancelled_add(payment, amount)
    return event


class CardProvider(PaymentProvider):
    name = PaymentMethod.CARD
    label = gettext_lazy("카드 결제")

    def start(self, order: Order, *, request=None):
        """Send the buyer to the card page (the gateway's widget)."""
        payment_start(order_id=order.pk)
        if request is not None:
            payment_access_grant(request, order)
        return redirect("orders:pay_card", order.number)

    def confirm(self, *, order_number: str, payment_key: str, amount: str) -> CardResult:
        return card_payment_confirm(order_number=order_number, payment_key=payment_key, amount=amount)

    def refund(self, payment: Payment, amount: int, reason: str) -> PaymentEvent:
        return _card_cancel(payment, amount, reason)


provider_register(BankTransferProvider())
provider_register(CardProvider())


# --- refunds ------------------------------------------------------------------------------


@transaction.atomic
def payment_refund(*, order, amount: int, reason: str) -> PaymentEvent | None:
    """Refund `amount` of `order` through its provider (bank transfer: recorded for the operator).

    Card: the gateway cancels that amount; if it refuses, PaymentError rolls the caller back.
    An order paid without a gateway approval (marked paid by hand) is refunded by hand too.
    """
    if amount <= 0:
        return None
    payment = (Payment.objects.select_for_update().filter(order_id=order.pk, status__in=(S.DONE, S.PARTIAL_CANCELLED))
               .order_by("-pk").first())
    if payment is None or (payment.method == PaymentMethod.CARD and not payment.provider_key):
        return _refund_due(payment or payment_start(order_id=order.pk), amount, reason)
    return payment_provider(payment.method).refund(payment, amount, reason)


# --- the beat task's part ------------------------------------------------------------------


def _in_doubt():
    """Card attempts whose confirmation was sent but got no definite answer (timeout, 5xx)."""
    return (Payment.objects.filter(method=PaymentMethod.CARD, status=S.READY, events__kind=CONFIRM)
            .exclude(provider_key="").distinct())


IN_FLIGHT_GRACE = timedelta(minutes=1)


def payments_reconcile() -> int:
    """Ask the gateway again about confirmations that went unanswered, with the same Idempotency-Key.

    Runs before expiry: a buyer whose approval we never heard of is paid, not expired; an
    approval for an order that has closed meanwhile is cancelled at once.
    """
    settled = 0
    # Leave alone a confirmation the buyer's browser may still be waiting for.
    recent = PaymentEvent.objects.filter(
        kind=CONFIRM, created_at__gt=timezone.now() - IN_FLIGHT_GRACE - timedelta(seconds=settings.PAYMENT_TIMEOUT_SECONDS))
    for payment in list(_in_doubt().exclude(events__in=recent).select_related("order")):
        result = card_payment_confirm(order_number=payment.order.number, payment_key=payment.provider_key,
                                      amount=str(payment.order.total))
        settled += result.outcome != PENDING
    return settled


def payments_close_unpaid() -> int:
    """Close the open payments of orders that expired or were cancelled unpaid (an 'expire' event each)."""
    closed = 0
    stale = (Payment.objects.filter(status=S.READY, order__status__in=(OrderStatus.EXPIRED, OrderStatus.CANCELLED))
             .exclude(pk__in=_in_doubt().values("pk")))  # still asked about until the gateway answers
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            payment = Payment.objects.select_for_update().select_related("order").get(pk=pk)
            if payment.status != S.READY:
                continue
            payment.status = S.CANCELLED
            payment.save(update_fields=["status"])
            _event(payment, EXPIRE, ok=True, request={"order_status": payment.order.status,
                                                      "recorded_at": timezone.now().isoformat()})
            closed += 1
    return closed


# --- who may open an order's payment page -------------------------------------------------

SESSION_KEY = "orders_payable"


def payment_access_grant(request, order: Order) -> None:
    """Let this browser open the order's payment page (a guest has only the session to show for it)."""
    numbers = [n for n in request.session.get(SESSION_KEY, []) if n != order.number][-9:]
    request.session[SESSION_KEY] = [*numbers, order.number]


def payment_access(request, order: Order) -> bool:
    """The buyer, an operator, or the browser that placed (or looked up) a guest order."""
    from .documents import SESSION_LOOKUP_KEY  # this session's guest orders, kept by the shop pages

    user = request.user
    if user.is_authenticated and (user.is_staff or order.buyer_id == user.pk):
        return True
    if order.buyer_id is None and order.number in request.session.get(SESSION_LOOKUP_KEY, []):
        return True
    return order.number in request.session.get(SESSION_KEY, [])
