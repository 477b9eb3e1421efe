"""Payments: a registry of providers, bank transfer (무통장입금) and a Toss Payments-style card gateway.

Each order has Payment rows (one per bank-transfer order; one per card attempt, i.e. per
gateway `paymentKey`) and every word said with a provider is a PaymentEvent, kept so the
operator can trace a dispute: request (never the secret key), response, HTTP status.

This module starts payments, talks to the gateway and refunds. Confirming a payment moves
the order, so it is one layer up, in services/confirmations.py (deposits and card approvals).
"""
import base64
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from http.client import HTTPException

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.money import TAXABLE, vat_split, won

from ..exceptions import PaymentError
from ..models import Order, OrderStatus, Payment, PaymentEvent, PaymentMethod, PaymentStatus
from ..selectors.access import payment_access_grant

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


def new_idempotency_key() -> str:
    return secrets.token_hex(32)  # 64 characters, the column's width


def actor_record(actor) -> dict:
    if not (actor and getattr(actor, "is_authenticated", False)):
        return {}
    return {"by_id": actor.pk, "by": getattr(actor, "email", "") or str(actor)}


def payment_event(payment: Payment, kind: str, *, request=None, response=None, http_status=None, ok=False) -> PaymentEvent:
    return PaymentEvent.objects.create(payment=payment, kind=kind, request=request or {}, response=response or {},
                                       http_status=http_status, ok=ok)


def payment_tax_split(total: int, tax_free: int) -> tuple[int, int, int]:
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


def gateway_exchange(payment: Payment, kind: str, path: str, body: dict, *, idempotency_key: str,
                      done_status: str = "") -> tuple[GatewayReply, PaymentEvent]:
    """Call the gateway and store the exchange. The request is saved first, so a crash mid-call still leaves it."""
    event = payment_event(payment, kind, request=gateway_request_record(path, body, idempotency_key=idempotency_key))
    reply = gateway_post(path, body, idempotency_key=idempotency_key)
    event.response, event.http_status = reply.as_record(), reply.http_status
    event.ok = reply.http_status == 200 and (not done_status or reply.data.get("status") == done_status)
    event.save(update_fields=["response", "http_status", "ok"])
    if not event.ok:
        logger.warning("payment %s %s: HTTP %s %s", payment.pk, kind, reply.http_status, reply.as_record())
    return reply, event


# --- the registry ---------------------------------------------------------------------


class PaymentProvider:
    """A way to pay: starts a payment after checkout and refunds it (confirming is services/confirmations.py)."""
    name: str = ""  # a PaymentMethod value
    label = ""

    def start(self, order: Order, *, request=None):
        """Called once the order is placed: a response to send the buyer on, or None for the usual page."""
        payment_start(order_id=order.pk)
        return None

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
                                         idempotency_key=new_idempotency_key())
    return payment


# --- bank transfer ----------------------------------------------------------------------


def bank_transfer_info(order: Order) -> dict:
    """What a bank-transfer order page shows: where to send how much, by when."""
    return {**settings.BANK_TRANSFER_ACCOUNT, "amount": order.total, "amount_display": won(order.total),
            "deadline": order.expires_at, "depositor": order.orderer_name}


def refund_due_record(payment: Payment, amount: int, reason: str) -> PaymentEvent:
    """Money to send back by bank transfer: listed for the operator until marked done."""
    order = payment.order
    return payment_event(payment, REFUND_DUE, ok=False, request={
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
    due.response = {**actor_record(actor), "done_at": now.isoformat(), "note": note}
    due.save(update_fields=["ok", "response"])
    _cancelled_add(payment, amount)
    payment_event(payment, REFUND, ok=True, request={"due_event": due.pk, "amount": amount, **actor_record(actor),
                                              "recorded_at": now.isoformat(), "note": note})
    return due


def _cancelled_add(payment: Payment, amount: int) -> None:
    payment.cancelled_amount = min(payment.amount, payment.cancelled_amount + amount)
    payment.status = S.CANCELLED if payment.cancelled_amount >= payment.amount else S.PARTIAL_CANCELLED
    payment.save(update_fields=["cancelled_amount", "status"])


class BankTransferProvider(PaymentProvider):
    name = PaymentMethod.BANK_TRANSFER
    label = gettext_lazy("무통장입금")

    def refund(self, payment: Payment, amount: int, reason: str) -> PaymentEvent:
        return refund_due_record(payment, amount, reason)


# --- card ---------------------------------------------------------------------------------


def _cancel_key(payment: Payment, amount: int) -> str:
    # Stable across retries of the same refund (a rolled-back retry sees the same cancelled amount),
    # different for the next refund of the same payment.
    return hashlib.sha256(f"{payment.idempotency_key}:cancel:{payment.cancelled_amount}:{amount}".encode()).hexdigest()


def card_cancel(payment: Payment, amount: int, reason: str) -> PaymentEvent:
    if amount > payment.amount - payment.cancelled_amount:
        raise PaymentError(_("환불할 금액(%(amount)s)이 남은 결제 금액(%(left)s)보다 큽니다.")
                           % {"amount": won(amount), "left": won(payment.amount - payment.cancelled_amount)})
    body = {"cancelReason": str(reason)[:200], "cancelAmount": amount}
    reply, event = gateway_exchange(payment, CANCEL, f"/v1/payments/{payment.provider_key}/cancel", body,
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

    def refund(self, payment: Payment, amount: int, reason: str) -> PaymentEvent:
        return card_cancel(payment, amount, reason)


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
        return refund_due_record(payment or payment_start(order_id=order.pk), amount, reason)
    return payment_provider(payment.method).refund(payment, amount, reason)


# --- open payments ------------------------------------------------------------------------


def payments_in_doubt():
    """Card attempts whose confirmation was sent but got no definite answer (timeout, 5xx)."""
    return (Payment.objects.filter(method=PaymentMethod.CARD, status=S.READY, events__kind=CONFIRM)
            .exclude(provider_key="").distinct())


IN_FLIGHT_GRACE = timedelta(minutes=1)


def payments_close_unpaid() -> int:
    """Close the open payments of orders that expired or were cancelled unpaid (an 'expire' event each)."""
    closed = 0
    stale = (Payment.objects.filter(status=S.READY, order__status__in=(OrderStatus.EXPIRED, OrderStatus.CANCELLED))
             .exclude(pk__in=payments_in_doubt().values("pk")))  # still asked about until the gateway answers
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            payment = Payment.objects.select_for_update().select_related("order").get(pk=pk)
            if payment.status != S.READY:
                continue
            payment.status = S.CANCELLED
            payment.save(update_fields=["status"])
            payment_event(payment, EXPIRE, ok=True, request={"order_status": payment.order.status,
                                                      "recorded_at": timezone.now().isoformat()})
            closed += 1
    return closed
