"""Payments: a registry of providers, bank transfer (무통장입금) and the Toss Payments gateway (card,
간편결제 and 가상계좌 through its payment window; cancels with refund accounts).

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
import re
import secrets
import urllib.error
import urllib.parse
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

from ddasum import jobs
from ddasum.money import TAXABLE, vat_split, won

from ..exceptions import FieldsInvalid, PaymentError
from ..models import (
    CashReceipt,
    CashReceiptStatus,
    Claim,
    Order,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentMethod,
    PaymentStatus,
    RefundAccount,
    RefundStatus,
)
from ..selectors.access import payment_access_grant

logger = logging.getLogger(__name__)


S = PaymentStatus


# PaymentEvent kinds.
CONFIRM, CANCEL, MISMATCH, EXPIRED, FAIL = "confirm", "cancel", "mismatch", "expired", "fail"
DEPOSIT, REFUND_DUE, REFUND, EXPIRE = "deposit", "refund_due", "refund", "expire"
ISSUED, WEBHOOK, LOOKUP = "va_issued", "webhook", "lookup"

# Methods paid through the PG's payment window (the rest are paid by hand: bank transfer).
PG_METHODS = (PaymentMethod.CARD, PaymentMethod.VIRTUAL_ACCOUNT)

# The PG's payment status words → ours.
PG_STATUS = {
    "READY": S.READY, "IN_PROGRESS": S.READY, "WAITING_FOR_DEPOSIT": S.WAITING_FOR_DEPOSIT, "DONE": S.DONE,
    "CANCELED": S.CANCELLED, "PARTIAL_CANCELED": S.PARTIAL_CANCELLED, "ABORTED": S.FAILED, "EXPIRED": S.EXPIRED,
}

# A payment's status only moves forward: a late or repeated notice can never take it back.
PAYMENT_TRANSITIONS = {
    S.READY: frozenset({S.WAITING_FOR_DEPOSIT, S.DONE, S.FAILED, S.EXPIRED, S.CANCELLED}),
    S.WAITING_FOR_DEPOSIT: frozenset({S.DONE, S.EXPIRED, S.CANCELLED}),
    S.DONE: frozenset({S.PARTIAL_CANCELLED, S.CANCELLED}),
    S.PARTIAL_CANCELLED: frozenset({S.PARTIAL_CANCELLED, S.CANCELLED}),
    S.FAILED: frozenset(), S.EXPIRED: frozenset(), S.CANCELLED: frozenset(),
}


def payment_status_allows(before: str, after: str) -> bool:
    return after in PAYMENT_TRANSITIONS.get(before, frozenset())

# The PG's bank codes (its documented two-digit codes) for virtual accounts and refund accounts.
BANKS = {
    "39": "경남은행", "34": "광주은행", "12": "단위농협", "32": "부산은행", "45": "새마을금고", "64": "산림조합",
    "88": "신한은행", "48": "신협", "27": "씨티은행", "20": "우리은행", "71": "우체국예금보험", "50": "저축은행중앙회",
    "37": "전북은행", "35": "제주은행", "90": "카카오뱅크", "89": "케이뱅크", "92": "토스뱅크", "81": "하나은행",
    "54": "홍콩상하이은행", "03": "IBK기업은행", "06": "KB국민은행", "31": "DGB대구은행", "02": "KDB산업은행",
    "11": "NH농협은행", "23": "SC제일은행", "07": "Sh수협은행",
}


def bank_name(code: str) -> str:
    return BANKS.get(code, code)


EVENT_LABELS = {
    CONFIRM: gettext_lazy("승인 요청"), CANCEL: gettext_lazy("취소 요청"), MISMATCH: gettext_lazy("금액 불일치"),
    EXPIRED: gettext_lazy("기한 지난 결제"), FAIL: gettext_lazy("결제 실패·거절"), DEPOSIT: gettext_lazy("입금 확인"),
    REFUND_DUE: gettext_lazy("환불 예정 (계좌 송금)"), REFUND: gettext_lazy("환불 송금"), EXPIRE: gettext_lazy("미결제 종료"),
    ISSUED: gettext_lazy("가상계좌 발급"), WEBHOOK: gettext_lazy("PG 웹훅"), LOOKUP: gettext_lazy("PG 조회"),
    "cash_receipt": gettext_lazy("현금영수증 발급"), "cash_receipt_cancel": gettext_lazy("현금영수증 취소"),
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


def _masked(body: dict) -> dict:
    """The body as stored: a refund account's number is kept to its last four digits."""
    account = body.get("refundReceiveAccount")
    if isinstance(account, dict) and account.get("accountNumber"):
        body = {**body, "refundReceiveAccount": {**account, "accountNumber": "****" + account["accountNumber"][-4:]}}
    return body


def gateway_request_record(path: str, body: dict, *, idempotency_key: str, method: str = "POST") -> dict:
    """What is sent, as stored in a PaymentEvent: the Authorization header is left out."""
    url = settings.PAYMENT_GATEWAY_URL.rstrip("/") + path
    headers = {"Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return {"method": method, "url": url, "headers": headers, "body": _masked(body)}


def _authorization() -> str:
    return "Basic " + base64.b64encode(f"{settings.PAYMENT_SECRET_KEY}:".encode()).decode("ascii")


def gateway_post(path: str, body: dict, *, idempotency_key: str) -> GatewayReply:
    """POST JSON to the gateway with Basic auth (secret key + ":") and an Idempotency-Key."""
    record = gateway_request_record(path, body, idempotency_key=idempotency_key)
    request = urllib.request.Request(
        record["url"], data=json.dumps(body).encode(), method="POST",
        headers={**record["headers"], "Authorization": _authorization(), "Accept": "application/json"},
    )
    return _send(request)


def gateway_get(path: str, params: dict | None = None) -> GatewayReply:
    """GET one of the gateway's lookup endpoints (a payment, the day's transactions) with Basic auth."""
    url = settings.PAYMENT_GATEWAY_URL.rstrip("/") + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url, method="GET", headers={"Authorization": _authorization(),
                                                                 "Accept": "application/json"})
    return _send(request)


def _send(request) -> GatewayReply:
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
    if isinstance(data, list):
        return GatewayReply(status, {"items": data})
    return GatewayReply(status, data if isinstance(data, dict) else {"raw": data})


def gateway_exchange(payment: Payment, kind: str, path: str, body: dict, *, idempotency_key: str,
                      done_status: str | tuple = "") -> tuple[GatewayReply, PaymentEvent]:
    """Call the gateway and store the exchange. The request is saved first, so a crash mid-call still leaves it."""
    event = payment_event(payment, kind, request=gateway_request_record(path, body, idempotency_key=idempotency_key))
    reply = gateway_post(path, body, idempotency_key=idempotency_key)
    event.response, event.http_status = reply.as_record(), reply.http_status
    wanted = (done_status,) if isinstance(done_status, str) else done_status
    event.ok = reply.http_status == 200 and (not done_status or reply.data.get("status") in wanted)
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
    if order.payment_method in PG_METHODS:
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
    if due.request.get("claim"):
        # A claim's refund is recorded through its claim (services/refunds.py), so it counts once.
        raise PaymentError(_("취소·반품 요청의 환불은 그 요청에서 완료로 표시해 주세요."))
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
    # A 현금영수증 issued for this cash payment is cancelled by the refunded amount (services/cash_receipts.py).
    if CashReceipt.objects.filter(order_id=payment.order_id, status=CashReceiptStatus.ISSUED).exists():
        jobs.after_commit("orders.cash_receipt_cancel_task", order_id=payment.order_id)


class BankTransferProvider(PaymentProvider):
    name = PaymentMethod.BANK_TRANSFER
    label = gettext_lazy("무통장입금")

    def refund(self, payment: Payment, amount: int, reason: str) -> PaymentEvent:
        return refund_due_record(payment, amount, reason)


# --- the PG: card, 간편결제, virtual accounts ------------------------------------------------


def _cancel_key(payment: Payment, amount: int) -> str:
    # Stable across retries of the same refund (a rolled-back retry sees the same cancelled amount),
    # different for the next refund of the same payment.
    return hashlib.sha256(f"{payment.idempotency_key}:cancel:{payment.cancelled_amount}:{amount}".encode()).hexdigest()


def pg_cancel(payment: Payment, amount: int, reason: str, *, tax_free_amount: int | None = None) -> PaymentEvent:
    """Cancel `amount` of a PG payment (`POST /v1/payments/{paymentKey}/cancel`), whole or partial.

    `taxFreeAmount` is the tax-free part of the amount cancelled; a virtual-account payment sends the
    buyer's refund account (`refundReceiveAccount`), which is kept until the PG reports the refund done.
    The caller holds the payment's row lock; a refusal raises PaymentError so the caller rolls back.
    """
    left = payment.amount - payment.cancelled_amount
    if amount <= 0 or amount > left:
        raise PaymentError(_("환불할 금액(%(amount)s)이 남은 결제 금액(%(left)s)보다 큽니다.")
                           % {"amount": won(amount), "left": won(left)})
    body = {"cancelReason": str(reason)[:200], "cancelAmount": amount}
    if tax_free_amount:
        body["taxFreeAmount"] = min(int(tax_free_amount), amount)
    if payment.method == PaymentMethod.VIRTUAL_ACCOUNT:
        account = RefundAccount.objects.filter(payment=payment).first()
        if account is None:
            raise PaymentError(_("가상계좌 결제를 환불하려면 환불받을 계좌가 필요합니다."))
        body["refundReceiveAccount"] = {"bank": account.bank_code, "accountNumber": account.account_number,
                                        "holderName": account.holder_name}
    reply, event = gateway_exchange(payment, CANCEL, f"/v1/payments/{payment.provider_key}/cancel", body,
                                     idempotency_key=_cancel_key(payment, amount))
    if reply.http_status != 200:
        # The caller's transaction rolls back (event included); the log keeps the trace.
        if reply.answered:
            raise PaymentError(_("결제 취소가 거절되었습니다: %(message)s")
                               % {"message": str(reply.data.get("message") or reply.data.get("code") or "")[:300]})
        raise PaymentError(_("결제사 응답이 지연되어 환불하지 못했습니다. 잠시 후 다시 시도해 주세요."))
    _cancelled_add(payment, amount)
    payment.provider_status = str(reply.data.get("status") or payment.provider_status)[:30]
    payment.save(update_fields=["provider_status"])
    refund_account_forget_if_done(payment, reply.data)
    return event


card_cancel = pg_cancel  # the name the card flow has always used


def refund_account_forget_if_done(payment: Payment, data: dict) -> bool:
    """Delete the refund account once the PG says the money went back (virtualAccount.refundStatus)."""
    va = data.get("virtualAccount") if isinstance(data, dict) else None
    if isinstance(va, dict) and va.get("refundStatus") == "COMPLETED":
        return RefundAccount.objects.filter(payment=payment).delete()[0] > 0
    return False


ACCOUNT_NUMBER = re.compile(r"^\d{10,16}$")


@transaction.atomic
def refund_account_set(*, order_id: int, bank_code: str, account_number: str, holder_name: str) -> RefundAccount:
    """Record where a virtual-account or bank-transfer payment is refunded to (checked: a known bank, 10–16 digits).

    Refunds of the order's claims that waited for it are sent now.
    """
    number = re.sub(r"[\s-]", "", account_number or "")
    errors = {}
    if bank_code not in BANKS:
        errors["bank_code"] = _("은행을 골라 주세요.")
    if not ACCOUNT_NUMBER.match(number):
        errors["account_number"] = _("계좌번호는 숫자 10~16자리로 적어 주세요.")
    holder = (holder_name or "").strip()
    if not holder or len(holder) > 60:
        errors["holder_name"] = _("예금주 이름을 적어 주세요.")
    if errors:
        raise FieldsInvalid(" ".join(str(v) for v in errors.values()), fields=errors)
    payment = (Payment.objects.select_for_update()
               .filter(order_id=order_id, method__in=(PaymentMethod.VIRTUAL_ACCOUNT, PaymentMethod.BANK_TRANSFER),
                       status__in=(S.DONE, S.PARTIAL_CANCELLED, S.WAITING_FOR_DEPOSIT, S.READY))
               .order_by("-pk").first())
    if payment is None:
        raise PaymentError(_("환불 계좌를 받을 가상계좌·무통장입금 결제가 없습니다."))
    account, _created = RefundAccount.objects.update_or_create(
        payment=payment, defaults={"bank_code": bank_code, "account_number": number, "holder_name": holder})
    for claim_id in Claim.objects.filter(order_id=order_id, refund_status=RefundStatus.PENDING).values_list("pk", flat=True):
        jobs.after_commit("orders.claim_refund_task", claim_id=claim_id)
    return account


class PgWindowProvider(PaymentProvider):
    """Paid in the PG's payment window: the buyer goes to our payment page, which opens it."""

    def start(self, order: Order, *, request=None):
        payment_start(order_id=order.pk)
        if request is not None:
            payment_access_grant(request, order)
        return redirect("orders:pay_card", order.number)

    def refund(self, payment: Payment, amount: int, reason: str, *, tax_free_amount: int | None = None) -> PaymentEvent:
        return pg_cancel(payment, amount, reason, tax_free_amount=tax_free_amount)


class CardProvider(PgWindowProvider):
    name = PaymentMethod.CARD
    label = gettext_lazy("카드 결제")
    window_method = "CARD"  # the window offers cards and 간편결제 (토스페이, 네이버페이, 카카오페이 …)


class VirtualAccountProvider(PgWindowProvider):
    name = PaymentMethod.VIRTUAL_ACCOUNT
    label = gettext_lazy("가상계좌")
    window_method = "VIRTUAL_ACCOUNT"

    def refund(self, payment: Payment, amount: int, reason: str, *, tax_free_amount: int | None = None) -> PaymentEvent:
        # Without the buyer's refund account the PG cannot send the money: the operator is told instead.
        if not RefundAccount.objects.filter(payment=payment).exists():
            return refund_due_record(payment, amount, reason)
        return pg_cancel(payment, amount, reason, tax_free_amount=tax_free_amount)


provider_register(BankTransferProvider())
provider_register(CardProvider())
provider_register(VirtualAccountProvider())


# --- refunds ------------------------------------------------------------------------------


@transaction.atomic
def payment_refund(*, order, amount: int, reason: str, tax_free_amount: int | None = None) -> PaymentEvent | None:
    """Refund `amount` of `order` through its provider (bank transfer: recorded for the operator).

    Card and virtual account: the PG cancels that amount (partial amounts too, with the tax-free part
    when given); if it refuses, PaymentError rolls the caller back. An order paid without a PG approval
    (marked paid by hand) is refunded by hand too.
    """
    if amount <= 0:
        return None
    payment = (Payment.objects.select_for_update().filter(order_id=order.pk, status__in=(S.DONE, S.PARTIAL_CANCELLED))
               .order_by("-pk").first())
    if payment is None or (payment.method in PG_METHODS and not payment.provider_key):
        return refund_due_record(payment or payment_start(order_id=order.pk), amount, reason)
    provider = payment_provider(payment.method)
    if isinstance(provider, PgWindowProvider):
        return provider.refund(payment, amount, reason, tax_free_amount=tax_free_amount)
    return provider.refund(payment, amount, reason)


@transaction.atomic
def payment_cancel(*, payment_id: int, amount: int, reason: str, tax_free_amount: int | None = None) -> PaymentEvent:
    """Cancel part or all of one PG payment (per-line cancels call this with the lines' amount and tax-free part)."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.method not in PG_METHODS or not payment.provider_key:
        raise PaymentError(_("PG로 결제된 건이 아니어서 취소를 요청할 수 없습니다."))
    if payment.status not in (S.DONE, S.PARTIAL_CANCELLED):
        raise PaymentError(_("결제 완료된 건만 취소할 수 있습니다."))
    return pg_cancel(payment, amount, reason, tax_free_amount=tax_free_amount)


# --- open payments ------------------------------------------------------------------------


def payments_in_doubt():
    """PG attempts whose confirmation was sent but got no definite answer (timeout, 5xx)."""
    return (Payment.objects.filter(method__in=PG_METHODS, status=S.READY, events__kind=CONFIRM)
            .exclude(provider_key="").distinct())


IN_FLIGHT_GRACE = timedelta(minutes=1)


def _virtual_account_closed_at_pg(payment_id: int) -> bool:
    """An issued virtual account of an order cancelled unpaid is cancelled at the PG too, so a late
    deposit is refused by the bank rather than paid into a closed order. False: the PG did not answer."""
    payment = Payment.objects.select_related("order").get(pk=payment_id)
    if (payment.status != S.WAITING_FOR_DEPOSIT or payment.order.status != OrderStatus.CANCELLED
            or not payment.provider_key):
        return True
    # A 5xx answer is kept by the PG under its key: the next try after one gets a new key (a timeout keeps it).
    errors = payment.events.filter(kind=CANCEL, http_status__gte=500).count()
    key = hashlib.sha256(f"{payment.idempotency_key}:close:{errors}".encode()).hexdigest()
    reply, _event = gateway_exchange(payment, CANCEL, f"/v1/payments/{payment.provider_key}/cancel",
                                     {"cancelReason": "주문 취소 (입금 전)"}, idempotency_key=key)
    return reply.answered and (reply.http_status == 200 or reply.declined)  # refused: closed already (expired)


def payments_close_unpaid() -> int:
    """Close the open payments of orders that expired or were cancelled unpaid (an 'expire' event each)."""
    closed = 0
    stale = (Payment.objects.filter(status__in=(S.READY, S.WAITING_FOR_DEPOSIT),
                                    order__status__in=(OrderStatus.EXPIRED, OrderStatus.CANCELLED))
             .exclude(pk__in=payments_in_doubt().values("pk")))  # still asked about until the gateway answers
    for pk in list(stale.values_list("pk", flat=True)):
        if not _virtual_account_closed_at_pg(pk):
            continue  # the PG did not answer: asked again on the next run
        with transaction.atomic():
            payment = Payment.objects.select_for_update().select_related("order").get(pk=pk)
            if payment.status not in (S.READY, S.WAITING_FOR_DEPOSIT):
                continue
            # A virtual account of an expired order is EXPIRED (as the PG calls it); of a cancelled one,
            # CANCELED at the PG too; an unused attempt is closed.
            if payment.status == S.WAITING_FOR_DEPOSIT and payment.order.status == OrderStatus.EXPIRED:
                payment.status = S.EXPIRED
            else:
                payment.status = S.CANCELLED
            payment.save(update_fields=["status"])
            payment_event(payment, EXPIRE, ok=True, request={"order_status": payment.order.status,
                                                      "recorded_at": timezone.now().isoformat()})
            closed += 1
    return closed
