"""The PG's webhooks: payment status changes, virtual-account deposits, cancel status changes.

One endpoint takes them all (Toss Payments' `eventType`: PAYMENT_STATUS_CHANGED, DEPOSIT_CALLBACK,
CANCEL_STATUS_CHANGED). None is trusted as it comes:

- DEPOSIT_CALLBACK carries the per-payment `secret` the PG gave us when it issued the account; it
  must equal the one stored on the payment (compared in constant time).
- PAYMENT_STATUS_CHANGED and CANCEL_STATUS_CHANGED carry no signature, so the payment is looked up
  again through the PG's API (`GET /v1/payments/{paymentKey}`, our secret key) and that answer is applied.

The PG sends a notice again until it gets a 200, and may send them in any order. Each notice is
logged once as a PaymentEvent keyed by its fingerprint (a unique column), so the same body
delivered twice changes nothing the second time; applying moves a payment forward only.
"""
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from ..models import Order, Payment, PaymentEvent, PaymentMethod
from .confirmations import payment_pg_sync, virtual_account_deposit
from .payments import LOOKUP, PG_METHODS, WEBHOOK, gateway_get, payment_event, payment_start

logger = logging.getLogger(__name__)

PAYMENT_STATUS_CHANGED, DEPOSIT_CALLBACK, CANCEL_STATUS_CHANGED = (
    "PAYMENT_STATUS_CHANGED", "DEPOSIT_CALLBACK", "CANCEL_STATUS_CHANGED")


@dataclass
class WebhookResult:
    http_status: int
    outcome: str


def _fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _stored(body: dict) -> dict:
    """The body as logged: the deposit secret is never stored twice."""
    def scrub(value):
        if isinstance(value, dict):
            return {k: ("***" if k == "secret" else scrub(v)) for k, v in value.items()}
        return value
    return scrub(body)


def _log(payment: Payment, body: dict, key: str, outcome: str, ok: bool) -> bool:
    """Write the notice's event row; False if this very notice was logged already (a repeat)."""
    try:
        with transaction.atomic():
            PaymentEvent.objects.create(payment=payment, kind=WEBHOOK, request=_stored(body),
                                        response={"outcome": outcome}, ok=ok, dedupe_key=key)
    except IntegrityError:
        return False
    return True


def _seen(key: str) -> bool:
    return PaymentEvent.objects.filter(dedupe_key=key).exists()


def webhook_receive(*, raw: bytes) -> WebhookResult:
    """Handle one webhook body; the HTTP status tells the PG whether to send it again (non-200)."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return WebhookResult(400, "bad json")
    if not isinstance(body, dict):
        return WebhookResult(400, "bad json")
    key = _fingerprint(raw)
    if _seen(key):
        return WebhookResult(200, "duplicate")
    event_type = body.get("eventType") or (DEPOSIT_CALLBACK if "secret" in body else "")
    if event_type == DEPOSIT_CALLBACK:
        return _deposit_callback(body, key)
    if event_type in (PAYMENT_STATUS_CHANGED, CANCEL_STATUS_CHANGED):
        return _status_changed(body, key)
    logger.info("webhook of type %r ignored", event_type)
    return WebhookResult(200, "ignored")


def _deposit_callback(body: dict, key: str) -> WebhookResult:
    data = body.get("data") if isinstance(body.get("data"), dict) else body
    order_number, secret = str(data.get("orderId") or ""), str(data.get("secret") or "")
    order = Order.objects.filter(number=order_number, payment_method=PaymentMethod.VIRTUAL_ACCOUNT).first()
    payment = None
    if order is not None and secret:
        for candidate in order.payments.exclude(va_secret="").order_by("-pk"):
            if hmac.compare_digest(candidate.va_secret.encode(), secret.encode()):
                payment = candidate
                break
    if payment is None:
        logger.warning("deposit callback for %r refused: unknown order or secret", order_number)
        return WebhookResult(403, "secret mismatch")
    status = data.get("status")
    if status == "DONE":
        outcome = virtual_account_deposit(payment_id=payment.pk, source="webhook", data=data)
    else:
        # WAITING_FOR_DEPOSIT again (a deposit the bank took back) or CANCELED: ask the PG what holds now.
        outcome = _lookup_and_apply(payment)
    _log(payment, body, key, outcome, ok=True)
    return WebhookResult(200, outcome)


def _status_changed(body: dict, key: str) -> WebhookResult:
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    payment_key, order_number = str(data.get("paymentKey") or "")[:200], str(data.get("orderId") or "")
    if not payment_key:
        return WebhookResult(200, "no payment key")
    payment = Payment.objects.filter(provider_key=payment_key).first()
    if payment is None:
        # The window's redirect never reached us (a closed tab): ask the PG whose payment this is
        # before it is tied to one of our orders.
        reply = gateway_get(f"/v1/payments/{payment_key}")
        if reply.http_status != 200:
            logger.info("status notice for %r: the PG does not know it (HTTP %s)", payment_key, reply.http_status)
            return WebhookResult(200 if reply.declined else 503, "unknown payment")
        order = Order.objects.filter(number=str(reply.data.get("orderId") or ""), payment_method__in=PG_METHODS).first()
        if order is None or order.number != order_number:
            return WebhookResult(200, "unknown payment")
        payment = _attach(order, payment_key)
    outcome = _lookup_and_apply(payment)
    if outcome == "no answer":
        return WebhookResult(503, outcome)  # the PG sends it again later
    _log(payment, body, key, outcome, ok=True)
    return WebhookResult(200, outcome)


@transaction.atomic
def _attach(order: Order, payment_key: str) -> Payment:
    """The order's open attempt takes the PG's paymentKey (the PG said this payment is this order's)."""
    Order.objects.select_for_update().filter(pk=order.pk).first()
    payment = Payment.objects.filter(provider_key=payment_key).first()
    if payment is not None:
        return payment
    payment = payment_start(order_id=order.pk)
    payment.provider_key = payment_key
    payment.save(update_fields=["provider_key"])
    return payment


def _lookup_and_apply(payment: Payment) -> str:
    reply = gateway_get(f"/v1/payments/{payment.provider_key}")
    if reply.http_status != 200:
        payment_event(payment, LOOKUP, response=reply.as_record(), http_status=reply.http_status)
        return "no answer"
    return payment_pg_sync(payment_id=payment.pk, pg=reply.data, source="webhook")
