"""현금영수증 for cash payments (bank transfer, virtual account), issued through the PG's cash-receipt API.

The buyer asks at checkout or later on the order page: 소득공제 with a phone number, or 지출증빙 with a
사업자등록번호. Once the order is paid, the outbox task issues it (`POST /v1/cash-receipts`, Basic auth,
an Idempotency-Key fixed per receipt, so a repeated task gets the first answer); a refund cancels the
refunded amount of it (`POST /v1/cash-receipts/{receiptKey}/cancel`). The PG's approval number
(issueNumber) and receipt page are kept and shown. The network call is made outside any lock.
"""
import hashlib
import logging
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ddasum import jobs
from ddasum.validators import business_number_is_valid

from ..exceptions import FieldsInvalid, NotAllowed
from ..models import (
    CashReceipt,
    CashReceiptStatus,
    CashReceiptType,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from .payments import gateway_exchange

logger = logging.getLogger(__name__)

R = CashReceiptStatus
CASH_METHODS = (PaymentMethod.BANK_TRANSFER, PaymentMethod.VIRTUAL_ACCOUNT)
ISSUE, RECEIPT_CANCEL = "cash_receipt", "cash_receipt_cancel"
_MOBILE = re.compile(r"^01[016789]\d{7,8}$")


class GatewayUnanswered(OSError):
    """The PG did not answer: the task is tried again (same Idempotency-Key)."""


def cash_receipt_number_clean(receipt_type: str, number: str) -> str:
    """The digits to send for this type; ValidationError (Korean) if they cannot be right."""
    digits = re.sub(r"[\s-]", "", number or "")
    if receipt_type == CashReceiptType.INCOME:
        if not _MOBILE.match(digits):
            raise ValidationError(_("소득공제용은 휴대폰 번호(010-1234-5678)를 입력해 주세요."))
    elif receipt_type == CashReceiptType.EXPENSE:
        if not business_number_is_valid(digits):
            raise ValidationError(_("지출증빙용은 올바른 사업자등록번호 10자리를 입력해 주세요."))
    else:
        raise ValidationError(_("현금영수증 용도를 골라 주세요."))
    return digits


def order_cash_receipt_allowed(order: Order) -> bool:
    return order.payment_method in CASH_METHODS and order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)


@transaction.atomic
def cash_receipt_request(*, order_id: int, receipt_type: str, number: str) -> CashReceipt:
    """The buyer asks for a 현금영수증 (the caller checked the buyer may act on the order). Issued once paid."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if not order_cash_receipt_allowed(order):
        raise NotAllowed(_("무통장입금·가상계좌로 결제하는 주문만 현금영수증을 신청할 수 있습니다."))
    try:
        digits = cash_receipt_number_clean(receipt_type, number)
    except ValidationError as exc:
        raise FieldsInvalid(exc.messages[0], fields={"number": exc.messages[0]}) from None
    receipt = CashReceipt.objects.filter(order=order).first()
    if receipt is not None and receipt.status in (R.ISSUED, R.CANCELLED):
        raise NotAllowed(_("이미 발급된 현금영수증은 바꿀 수 없습니다."))
    if receipt is None:
        receipt = CashReceipt(order=order)
    receipt.type, receipt.identity_number, receipt.status, receipt.last_error = receipt_type, digits, R.REQUESTED, ""
    receipt.save()
    if order.status == OrderStatus.PAID:
        jobs.after_commit("orders.cash_receipt_issue_task", order_id=order.pk)
    return receipt


def cash_receipt_after_paid(order: Order) -> None:
    """Called where a cash order becomes paid (inside that transaction): queue the issue if one was asked for."""
    if CashReceipt.objects.filter(order=order, status=R.REQUESTED).exists():
        jobs.after_commit("orders.cash_receipt_issue_task", order_id=order.pk)


def _paid_payment(order: Order) -> Payment | None:
    return (order.payments.filter(status__in=(PaymentStatus.DONE, PaymentStatus.PARTIAL_CANCELLED,
                                              PaymentStatus.CANCELLED)).order_by("-pk").first())


def _order_name(order: Order) -> str:
    first = order.lines.order_by("pk").first()
    count = order.lines.count()
    if first is None:
        return order.number
    name = first.product_name[:80]
    return f"{name} 외 {count - 1}건" if count > 1 else name


def cash_receipt_issue(*, order_id: int) -> str:
    """Issue the order's requested 현금영수증 through the PG. Safe to repeat: issued once, then nothing."""
    receipt = CashReceipt.objects.select_related("order").filter(order_id=order_id).first()
    if receipt is None or receipt.status != R.REQUESTED or receipt.order.status != OrderStatus.PAID:
        return "nothing"
    order = receipt.order
    payment = _paid_payment(order)
    if payment is None:
        return "nothing"
    amount = payment.amount - payment.cancelled_amount
    body = {"amount": amount, "orderId": order.number, "orderName": _order_name(order),
            "customerIdentityNumber": receipt.identity_number, "type": receipt.type,
            "taxFreeAmount": min(order.exempt_total, amount)}
    key = hashlib.sha256(f"cash-receipt:{receipt.pk}:{receipt.identity_number}:{amount}".encode()).hexdigest()
    reply, _event = gateway_exchange(payment, ISSUE, "/v1/cash-receipts", body, idempotency_key=key)
    if not reply.answered or (reply.http_status or 0) >= 500 or reply.http_status in (409, 429):
        raise GatewayUnanswered(f"cash receipt of order {order.number}: {reply.as_record()}")
    with transaction.atomic():
        receipt = CashReceipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.status != R.REQUESTED:
            return "already"
        if reply.http_status == 200:
            data = reply.data
            receipt.status = R.ISSUED
            receipt.receipt_key = str(data.get("receiptKey") or "")[:200]
            receipt.issue_number = str(data.get("issueNumber") or "")[:40]
            receipt.receipt_url = str(data.get("receiptUrl") or "")[:500]
            receipt.amount = int(data.get("amount") or amount)
            receipt.issued_at = timezone.now()
            receipt.last_error = ""
        else:
            receipt.status = R.FAILED
            receipt.last_error = str(reply.data.get("message") or reply.data.get("code") or "")[:300]
        receipt.save()
    return receipt.status


def cash_receipt_cancel(*, order_id: int) -> str:
    """Cancel the part of an issued receipt that was refunded since. Safe to repeat."""
    receipt = CashReceipt.objects.select_related("order").filter(order_id=order_id, status=R.ISSUED).first()
    if receipt is None:
        return "nothing"
    payment = _paid_payment(receipt.order)
    if payment is None:
        return "nothing"
    due = min(payment.cancelled_amount, receipt.amount) - receipt.cancelled_amount
    if due <= 0:
        return "nothing"
    before = receipt.cancelled_amount
    key = hashlib.sha256(f"cash-receipt-cancel:{receipt.pk}:{before}:{due}".encode()).hexdigest()
    reply, _event = gateway_exchange(payment, RECEIPT_CANCEL, f"/v1/cash-receipts/{receipt.receipt_key}/cancel",
                                     {"amount": due}, idempotency_key=key)
    if reply.http_status != 200:
        if not reply.declined:
            raise GatewayUnanswered(f"cash receipt cancel of order {receipt.order.number}: {reply.as_record()}")
        CashReceipt.objects.filter(pk=receipt.pk).update(last_error=str(reply.data.get("message") or "")[:300])
        return "refused"
    with transaction.atomic():
        receipt = CashReceipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.cancelled_amount != before:
            return "already"  # a parallel run applied this same cancel (the PG answered both alike)
        receipt.cancelled_amount += due
        if receipt.cancelled_amount >= receipt.amount:
            receipt.status = R.CANCELLED
        receipt.save(update_fields=["cancelled_amount", "status"])
    return "cancelled"
