"""Notices to buyers and vendors, written by the tasks in orders/tasks.py through `notifications.notify`.

Each notice has a kind (notifications/kinds.py: its channels, its 알림톡 template and variables)
and a key naming what it is about (the order, the status event, the note), so a task that runs
twice sends nothing the second time: the message is keyed `<key>:u<user id>` for a member and
`<key>:guest` for a guest, who has no account and gets mail and 알림톡/SMS only. Vendors'
members are told through `vendors.services.vendor_notify` (every member, not only the owners:
staff ship the orders).

The mail is written as for a sale the buyer cares about and only says what is needed: what,
from whom, what happens next, the order page. Vendors get no buyer contact by mail; the
address is in their admin.
"""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import absolute_url
from ddasum.money import won
from notifications.services import Recipient, notify
from vendors.services import vendor_notify

from ..models import (
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    Settlement,
    StatusEvent,
    VendorOrder,
    VendorOrderStatus,
    carrier_tracking_url,
)
from .guest_access import guest_access_path
from .payments import bank_name
from .return_photos import vendor_order_return_photos

logger = logging.getLogger(__name__)


V = VendorOrderStatus


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _order_path(order: Order) -> str:
    """The order page's path; for a guest, the access link that opens it (guest_access)."""
    try:
        return guest_access_path(order) or order.get_absolute_url()
    except NoReverseMatch:  # the shop's pages are not there (yet): the mail goes without a link
        return ""


def _partner_path(vendor_order: VendorOrder) -> str:
    try:
        return reverse("partner:orders_vendororder_change", args=[vendor_order.pk])
    except NoReverseMatch:
        return ""


def _items(vendor_order: VendorOrder) -> str:
    return "\n".join(f"- {ln.product_name} {ln.variant_name} × {ln.quantity}" for ln in vendor_order.lines.all())


def _buyer_mail(order: Order, body: str) -> str:
    path = _order_path(order)
    parts = [_("%(name)s님, 따숨몰입니다.") % {"name": order.orderer_name}, "", body, "",
             _("주문번호: %(number)s") % {"number": order.number}]
    if path and order.buyer_id is None:
        parts.append(_("주문 조회: %(url)s") % {"url": absolute_url(path)})
        parts.append(_("이 링크를 누르면 로그인 없이 주문이 열립니다. 다른 사람에게 보내지 마세요."))
    elif path:
        parts.append(_("주문 상세: %(url)s") % {"url": absolute_url(path)})
    info = settings.OPERATOR_INFO
    parts += ["", _("따숨몰 고객센터 %(phone)s · %(email)s") % {"phone": info["phone"], "email": info["email"]}]
    return "\n".join(parts)


def buyer_notify(order: Order, *, kind: str, key: str, title: str, body: str, variables: dict | None = None) -> bool:
    """Tell the order's buyer (mail, 알림톡/SMS, and in the app when a member), once per `key`; True if sent now."""
    if order.buyer_id:
        recipient = Recipient.member(order.buyer, email=order.email, phone=order.orderer_phone,
                                     name=order.orderer_name)
        dedupe_key = f"{key}:u{order.buyer_id}"
    else:
        recipient = Recipient(email=order.email, phone=order.orderer_phone, name=order.orderer_name)
        dedupe_key = f"{key}:guest"
    context = {
        "title": title, "body": body, "url": _order_path(order),
        "email_subject": f"[따숨몰] {title}", "email_body": _buyer_mail(order, body),
        "variables": {"이름": order.orderer_name, "주문번호": order.number, **(variables or {})},
    }
    return notify(kind, recipient, context, dedupe_key)


def _vendor_tell(vendor_order: VendorOrder, *, kind: str, key: str, title: str, body: str,
                 variables: dict | None = None) -> int:
    body = f"{body}\n\n" + _("입점기업 관리자에서 확인해 주세요.")
    return vendor_notify(vendor_order.vendor, title=title, body=body, url=_partner_path(vendor_order), key=key,
                         owners_only=False, kind=kind,
                         variables={"주문번호": vendor_order.number, **(variables or {})})


def _vendor_orders(order: Order):
    return order.vendor_orders.select_related("vendor").prefetch_related("lines").order_by("pk")


def _order_of(order_id: int) -> Order:
    return Order.objects.select_related("buyer").get(pk=order_id)


def _vendor_order_of(vendor_order_id: int) -> VendorOrder:
    return (VendorOrder.objects.select_related("order__buyer", "vendor").prefetch_related("lines")
            .get(pk=vendor_order_id))


# --- order-level notices ---------------------------------------------------------------


def order_placed_notify(*, order_id: int) -> int:
    """A bank-transfer order was placed, or its virtual account issued: the buyer gets the account, the
    amount and the deadline.

    A card order is paid right after it is placed (or not at all); its buyer hears when it is paid.
    """
    order = _order_of(order_id)
    if order.payment_method == PaymentMethod.VIRTUAL_ACCOUNT:
        return _virtual_account_issued_notify(order)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        return 0
    bank = settings.BANK_TRANSFER_ACCOUNT
    lines = [
        _("주문이 접수되었습니다. 아래 계좌로 입금해 주시면 입금 확인 후 상품을 보내 드립니다."),
        "",
        _("입금하실 금액: %(amount)s") % {"amount": won(order.total)},
        _("입금 계좌: %(bank)s %(number)s (예금주 %(holder)s)") % bank,
    ]
    if order.expires_at:
        lines.append(_("입금 기한: %(when)s까지") % {"when": _when(order.expires_at)})
        lines.append(_("기한 안에 입금이 확인되지 않으면 주문이 자동으로 취소됩니다."))
    lines.append("")
    for vendor_order in _vendor_orders(order):
        lines += [f"[{vendor_order.vendor.name}]", _items(vendor_order)]
    variables = {"금액": won(order.total), "은행": bank["bank"], "계좌번호": bank["number"], "예금주": bank["holder"],
                 "입금기한": _when(order.expires_at) if order.expires_at else "-"}
    sent = buyer_notify(order, kind="order_received", key=f"order-placed:{order.pk}", title=_("주문이 접수되었습니다"),
                        body="\n".join(lines), variables=variables)
    logger.info("order %s placed: buyer notified=%s", order.number, sent)
    return int(sent)


def _virtual_account_issued_notify(order: Order) -> int:
    payment = (order.payments.filter(method=PaymentMethod.VIRTUAL_ACCOUNT).exclude(va_account_number="")
               .order_by("-pk").first())
    if payment is None or order.status != OrderStatus.PENDING_PAYMENT:
        return 0  # the account is not issued yet (the buyer is still in the payment window)
    lines = [
        _("주문이 접수되었습니다. 아래 가상계좌로 입금해 주시면 입금 확인 후 상품을 보내 드립니다."),
        "",
        _("입금하실 금액: %(amount)s") % {"amount": won(order.total)},
        _("입금 계좌: %(bank)s %(number)s (예금주 %(holder)s)") % {
            "bank": bank_name(payment.va_bank_code), "number": payment.va_account_number,
            "holder": payment.va_holder or order.orderer_name},
    ]
    if payment.va_due_at:
        lines.append(_("입금 기한: %(when)s까지") % {"when": _when(payment.va_due_at)})
        lines.append(_("기한 안에 입금이 확인되지 않으면 주문이 자동으로 취소됩니다."))
    lines.append("")
    for vendor_order in _vendor_orders(order):
        lines += [f"[{vendor_order.vendor.name}]", _items(vendor_order)]
    variables = {"금액": won(order.total), "은행": bank_name(payment.va_bank_code), "계좌번호": payment.va_account_number,
                 "예금주": payment.va_holder or order.orderer_name,
                 "입금기한": _when(payment.va_due_at) if payment.va_due_at else "-"}
    sent = buyer_notify(order, kind="order_received", key=f"order-placed:{order.pk}:{payment.pk}",
                        title=_("주문이 접수되었습니다"), body="\n".join(lines), variables=variables)
    return int(sent)


def order_paid_notify(*, order_id: int) -> int:
    """Paid: the buyer is told, each vendor's members hear of their new order."""
    order = _order_of(order_id)
    sent = 0
    if order.status == OrderStatus.PAID:
        if order.payment_method == PaymentMethod.BANK_TRANSFER:
            title, first = _("입금이 확인되었습니다"), _("입금하신 %(amount)s이 확인되었습니다.")
        else:
            title, first = _("결제가 완료되었습니다"), _("%(amount)s 결제가 완료되었습니다.")
        body = first % {"amount": won(order.total)} + "\n" + _("판매기업이 상품을 준비해 보내 드립니다.")
        sent += buyer_notify(order, kind="order_paid", key=f"order-paid:{order.pk}", title=title, body=body,
                             variables={"금액": won(order.total)})
        for vendor_order in _vendor_orders(order):
            if vendor_order.status not in (V.PAID, V.PREPARING):
                continue
            body = "\n".join([
                _("새 주문이 들어왔습니다. 상품을 준비해 발송해 주세요."), "", _items(vendor_order),
                _("합계: %(amount)s (배송비 %(fee)s 포함)") % {"amount": won(vendor_order.total),
                                                         "fee": won(vendor_order.shipping_fee)},
            ])
            sent += _vendor_tell(vendor_order, kind="vendor_new_order", key=f"vo-new:{vendor_order.pk}",
                                 title=_("새 주문 %(number)s") % {"number": vendor_order.number}, body=body,
                                 variables={"상품": _items(vendor_order), "금액": won(vendor_order.total)})
    logger.info("order %s paid: %s notified", order.number, sent)
    return sent


def order_expired_notify(*, order_id: int) -> int:
    """An unpaid order passed its deadline and was cancelled."""
    order = _order_of(order_id)
    body = _("입금 기한(%(when)s)까지 입금이 확인되지 않아 주문이 취소되었습니다. 필요하시면 다시 주문해 주세요.") % {
        "when": _when(order.expires_at) if order.expires_at else "-"}
    sent = buyer_notify(order, kind="order_expired", key=f"order-expired:{order.pk}",
                        title=_("입금 기한이 지나 주문이 취소되었습니다"), body=body,
                        variables={"입금기한": _when(order.expires_at) if order.expires_at else "-"})
    return int(sent)


# --- vendor-order notices --------------------------------------------------------------


def vendor_order_cancelled_notify(*, vendor_order_id: int) -> int:
    """A vendor order was cancelled: the buyer (with the refund) and, if it had been paid, the vendor."""
    vendor_order = _vendor_order_of(vendor_order_id)
    if vendor_order.status != V.CANCELLED:
        return 0
    order = vendor_order.order
    event = vendor_order.events.filter(to_status=V.CANCELLED).order_by("-pk").first()
    reason = event.reason if event else ""
    lines = [_("%(vendor)s 주문(%(number)s)이 취소되었습니다.") % {"vendor": vendor_order.vendor.name,
                                                           "number": vendor_order.number},
             _items(vendor_order)]
    if reason:
        lines.append(_("사유: %(reason)s") % {"reason": reason})
    if vendor_order.refunded_amount:
        lines += ["", _("환불 금액: %(amount)s") % {"amount": won(vendor_order.refunded_amount)}, _refund_hint(order)]
    sent = buyer_notify(order, kind="order_cancelled", key=f"vo-cancelled:{vendor_order.pk}",
                        title=_("주문이 취소되었습니다"), body="\n".join(lines),
                        variables={"판매기업": vendor_order.vendor.name, "주문번호": vendor_order.number,
                                   "환불금액": won(vendor_order.refunded_amount or 0)})
    if vendor_order.paid_at:
        body = "\n".join([_("결제된 주문이 취소되었습니다. 발송하지 마세요."), _items(vendor_order)]
                         + ([_("사유: %(reason)s") % {"reason": reason}] if reason else []))
        sent += _vendor_tell(vendor_order, kind="vendor_order_cancelled", key=f"vo-cancelled:{vendor_order.pk}",
                             title=_("주문 취소 %(number)s") % {"number": vendor_order.number}, body=body)
    return sent


def _refund_hint(order: Order) -> str:
    if order.payment_method == PaymentMethod.CARD:
        return _("카드 결제는 카드사에 따라 3~7영업일 안에 취소가 반영됩니다.")
    return _("무통장입금으로 결제하신 금액은 고객센터가 환불 계좌를 확인해 돌려드립니다.")


def _shipping_lines(vendor_order: VendorOrder) -> list[str]:
    if vendor_order.carrier == "direct":
        return [_("판매기업이 직접 배송합니다.")]
    lines = [_("택배사: %(carrier)s") % {"carrier": vendor_order.get_carrier_display()},
             _("송장번호: %(number)s") % {"number": vendor_order.tracking_number}]
    if vendor_order.tracking_url:
        lines.append(_("배송 조회: %(url)s") % {"url": vendor_order.tracking_url})
    return lines


@dataclass(frozen=True)
class _Notice:
    to: str  # "buyer" or "vendor"
    kind: str
    title: str
    body: str
    variables: dict = field(default_factory=dict)


def _tracking_variables(vendor_order: VendorOrder) -> dict:
    if vendor_order.carrier == "direct":
        return {"택배사": _("판매기업 직접 배송"), "송장번호": "-", "배송조회": "-"}
    return {"택배사": vendor_order.get_carrier_display(), "송장번호": vendor_order.tracking_number or "-",
            "배송조회": vendor_order.tracking_url or "-"}


def _event_notice(event: StatusEvent, vendor_order: VendorOrder) -> _Notice | None:
    """Who is told what of a vendor-order event, or None when nobody is told of it."""
    vendor = vendor_order.vendor.name
    items = _items(vendor_order)
    to, came_from = event.to_status, event.from_status
    if to == V.SHIPPED:
        return _Notice("buyer", "order_shipped", _("상품이 발송되었습니다"), "\n".join(
            [_("%(vendor)s에서 상품을 보냈습니다.") % {"vendor": vendor}, *_shipping_lines(vendor_order), "", items]),
            _tracking_variables(vendor_order))
    if to == V.DELIVERED and came_from == V.SHIPPED:
        return _Notice("buyer", "order_delivered", _("배송이 완료되었습니다"), "\n".join([
            _("%(vendor)s 상품의 배송이 완료되었습니다.") % {"vendor": vendor}, items, "",
            _("상품에 문제가 없다면 주문 상세에서 구매 확정을 눌러 주세요. %(days)s일이 지나면 자동으로 구매 확정되며, "
              "그 전까지 반품을 요청할 수 있습니다.") % {"days": settings.ORDER_AUTO_COMPLETE_DAYS},
        ]))
    if to == V.DELIVERED and came_from == V.RETURN_REQUESTED:
        return _Notice("buyer", "return_rejected", _("반품 요청이 거절되었습니다"), "\n".join([
            _("%(vendor)s에서 반품 요청을 거절했습니다.") % {"vendor": vendor},
            _("사유: %(reason)s") % {"reason": event.reason or "-"}, "",
            _("궁금한 점은 고객센터로 문의해 주세요."),
        ]), {"사유": event.reason or "-"})
    if to == V.RETURN_REQUESTED:
        prefix = f"{event.pk:010d}-"
        photos = [n for n in vendor_order_return_photos(vendor_order.pk) if n.rsplit("/", 1)[-1].startswith(prefix)]
        return _Notice("vendor", "vendor_return_requested", _("반품 요청 %(number)s") % {"number": vendor_order.number},
                       "\n".join([
                           _("구매자가 반품을 요청했습니다. 반품을 승인하거나, 사유와 함께 거절해 주세요."), items,
                           _("사유: %(reason)s") % {"reason": event.reason or "-"},
                           _("사진: %(n)s장") % {"n": len(photos)},
                       ]), {"사유": event.reason or "-"})
    if to == V.RETURNED:
        return _Notice("buyer", "return_approved", _("반품이 승인되었습니다"), "\n".join([
            _("%(vendor)s에서 반품을 승인했습니다. 곧 환불해 드립니다.") % {"vendor": vendor}, items]))
    if to == V.REFUNDED:
        amount = won(vendor_order.refunded_amount or vendor_order.total)
        return _Notice("buyer", "order_refunded", _("환불이 완료되었습니다"), "\n".join([
            _("%(vendor)s 주문(%(number)s)을 환불했습니다.") % {"vendor": vendor, "number": vendor_order.number},
            _("환불 금액: %(amount)s") % {"amount": amount},
            _refund_hint(vendor_order.order),
        ]), {"환불금액": amount})
    return None


def vendor_order_event_notify(*, event_id: int) -> int:
    """Tell whoever needs to know of a vendor order's status change (shipped, delivered, returns)."""
    event = StatusEvent.objects.select_related("vendor_order").get(pk=event_id)
    if event.vendor_order_id is None:
        return 0
    vendor_order = _vendor_order_of(event.vendor_order_id)
    notice = _event_notice(event, vendor_order)
    if notice is None:
        return 0
    key = f"vo-event:{event.pk}"
    if notice.to == "vendor":
        return _vendor_tell(vendor_order, kind=notice.kind, key=key, title=notice.title, body=notice.body,
                            variables=notice.variables)
    variables = {"판매기업": vendor_order.vendor.name, "주문번호": vendor_order.number, **notice.variables}
    return int(buyer_notify(vendor_order.order, kind=notice.kind, key=key, title=notice.title, body=notice.body,
                            variables=variables))


def vendor_order_tracking_notify(*, vendor_order_id: int) -> int:
    """A shipped vendor order's tracking number was corrected: the buyer gets the right one."""
    vendor_order = _vendor_order_of(vendor_order_id)
    if vendor_order.status != V.SHIPPED:
        return 0
    body = "\n".join([_("%(vendor)s에서 송장번호를 바로잡았습니다.") % {"vendor": vendor_order.vendor.name},
                      *_shipping_lines(vendor_order)])
    key = f"vo-tracking:{vendor_order.pk}:{vendor_order.carrier}:{vendor_order.tracking_number}"
    return int(buyer_notify(vendor_order.order, kind="order_message", key=key, title=_("송장번호가 바뀌었습니다"),
                            body=body))


def vendor_order_note_notify(*, vendor_order_id: int, start: int, end: int) -> int:
    """The vendor left a note for the buyer (the text between `start` and `end` of its notes)."""
    vendor_order = _vendor_order_of(vendor_order_id)
    note = vendor_order.vendor_note[start:end].strip()
    if not note:
        return 0
    body = "\n".join([_("%(vendor)s에서 주문(%(number)s)에 메시지를 남겼습니다.") % {
        "vendor": vendor_order.vendor.name, "number": vendor_order.number}, "", note])
    return int(buyer_notify(vendor_order.order, kind="order_message", key=f"vo-note:{vendor_order.pk}:{start}",
                            title=_("판매기업의 메시지가 도착했습니다"), body=body))


# --- exchanges (교환): the steps only an exchange has ---------------------------------------


def _exchange_items(claim: Claim) -> str:
    return "\n".join(
        f"- {cl.line.product_name} {cl.original_variant_name or cl.line.variant_name} → {cl.new_variant_name} × {cl.quantity}"
        for cl in claim.lines.select_related("line"))


def exchange_event_notify(*, event_id: int) -> int:
    """Tell of an exchange's own steps: the vendor of a request, the buyer of the replacement's
    shipment (carrier, tracking number and link) and of the end. Other steps are the claims notices'."""
    event = ClaimEvent.objects.select_related("claim").filter(pk=event_id, claim__kind=ClaimKind.EXCHANGE).first()
    if event is None or event.from_status == event.to_status:
        return 0
    claim = event.claim
    vendor_order = _vendor_order_of(claim.vendor_order_id)
    vendor, items, key = vendor_order.vendor.name, _exchange_items(claim), f"claim-event:{event.pk}"
    reason = claim.get_reason_display() + (f" — {claim.reason_detail}" if claim.reason_detail else "")
    if event.to_status == ClaimStatus.REQUESTED:
        lines = [_("구매자가 교환을 요청했습니다 (%(number)s). 승인하거나 사유와 함께 거절해 주세요.") % {"number": claim.number},
                 items, _("사유: %(reason)s") % {"reason": reason}]
        if claim.return_fee:
            lines.append(_("교환 배송비 %(fee)s: 구매자 부담 (%(how)s)") % {
                "fee": won(claim.return_fee), "how": claim.get_fee_payment_display() or "-"})
        return _vendor_tell(vendor_order, kind="vendor_exchange_requested", key=key,
                            title=_("교환 요청 %(number)s") % {"number": vendor_order.number}, body="\n".join(lines),
                            variables={"판매기업": vendor, "사유": reason})
    variables = {"판매기업": vendor, "주문번호": vendor_order.number}
    if event.to_status == ClaimStatus.RESHIPPED:
        if claim.reship_carrier == "direct":
            carrier, number, link = _("판매기업 직접 배송"), "-", "-"
        else:
            carrier, number = claim.get_reship_carrier_display(), claim.reship_tracking_number or "-"
            link = carrier_tracking_url(claim.reship_carrier, claim.reship_tracking_number) or "-"
        body = "\n".join([_("%(vendor)s에서 교환 상품을 보냈습니다.") % {"vendor": vendor}, items,
                          _("택배사: %(carrier)s") % {"carrier": carrier}, _("송장번호: %(number)s") % {"number": number},
                          _("배송 조회: %(url)s") % {"url": link}])
        return int(buyer_notify(vendor_order.order, kind="exchange_shipped", key=key, title=_("교환 상품이 발송되었습니다"),
                                body=body, variables={**variables, "택배사": carrier, "송장번호": number, "배송조회": link}))
    if event.to_status == ClaimStatus.COMPLETED:
        lines = [_("%(vendor)s 주문의 교환이 완료되었습니다.") % {"vendor": vendor}, items]
        if claim.refund_amount:
            lines.append(_("옵션 차액 %(amount)s은 결제 수단으로 환불됩니다.") % {"amount": won(claim.refund_amount)})
        return int(buyer_notify(vendor_order.order, kind="exchange_done", key=key, title=_("교환이 완료되었습니다"),
                                body="\n".join(lines), variables=variables))
    return 0


def order_virtual_account_due_notify(*, order_id: int, bank: str, account_number: str, due_at) -> int:
    """A virtual account's deposit is due tomorrow: the buyer is reminded once (for the virtual-account feature)."""
    order = _order_of(order_id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return 0
    due = _when(due_at)
    body = "\n".join([
        _("입금 기한이 내일(%(when)s)입니다. 기한이 지나면 주문이 자동으로 취소됩니다.") % {"when": due}, "",
        _("입금하실 금액: %(amount)s") % {"amount": won(order.total)},
        _("가상계좌: %(bank)s %(number)s") % {"bank": bank, "number": account_number},
    ])
    return int(buyer_notify(order, kind="virtual_account_due", key=f"va-due:{order.pk}",
                            title=_("입금 기한이 내일입니다"), body=body,
                            variables={"금액": won(order.total), "은행": bank, "계좌번호": account_number,
                                       "입금기한": due}))


def virtual_accounts_due_remind(*, now=None) -> int:
    """Remind each buyer whose virtual-account deposit falls due within a day (once per order; beat, hourly).

    Works from the payments' due times, so a missed run is made up by the next one while the account is open.
    """
    now = now or timezone.now()
    due = (Payment.objects.filter(method=PaymentMethod.VIRTUAL_ACCOUNT, order__status=OrderStatus.PENDING_PAYMENT,
                                  va_due_at__gt=now, va_due_at__lte=now + timedelta(days=1))
           .exclude(va_account_number="").order_by("pk"))
    return sum(order_virtual_account_due_notify(order_id=p.order_id, bank=bank_name(p.va_bank_code),
                                                account_number=p.va_account_number, due_at=p.va_due_at)
               for p in due)


# --- after-sales claims: per-line cancels, returns, exchanges -------------------------------


def _claim_items(claim: Claim) -> str:
    return "\n".join(f"- {cl.line.product_name} {cl.line.variant_name} × {cl.quantity}" for cl in claim.lines.all())


def _claim_notice(event: ClaimEvent, claim: Claim) -> _Notice | None:
    """Who is told what of a claim's step, or None when nobody is told of it."""
    vendor = claim.vendor_order.vendor.name
    items = _claim_items(claim)
    to, kind = event.to_status, claim.kind
    label = claim.get_kind_display()
    if to == ClaimStatus.REQUESTED and kind in (ClaimKind.RETURN, ClaimKind.EXCHANGE):
        code = "vendor_return_requested" if kind == ClaimKind.RETURN else "vendor_exchange_requested"
        reason = claim.get_reason_display() + (f" — {claim.reason_detail}" if claim.reason_detail else "")
        return _Notice("vendor", code, _("%(kind)s 요청 %(number)s") % {"kind": label, "number": claim.number},
                       "\n".join([_("구매자가 %(kind)s을 요청했습니다. 승인하거나, 사유와 함께 거절해 주세요.")
                                  % {"kind": label}, items, _("사유: %(reason)s") % {"reason": reason}]),
                       {"사유": reason})
    if to == ClaimStatus.ACCEPTED:
        lines = [_("%(vendor)s에서 %(kind)s 요청을 승인했습니다.") % {"vendor": vendor, "kind": label}, items]
        if claim.pickup_tracking_number:
            lines.append(_("회수 송장: %(carrier)s %(number)s") % {"carrier": claim.get_pickup_carrier_display(),
                                                                "number": claim.pickup_tracking_number})
        code = "return_approved" if kind == ClaimKind.RETURN else "exchange_accepted"
        return _Notice("buyer", code, _("%(kind)s 요청이 승인되었습니다") % {"kind": label}, "\n".join(lines))
    if to == ClaimStatus.COLLECTED:
        follow = (_("확인 후 환불해 드립니다.") if kind == ClaimKind.RETURN else _("새 상품을 보내 드립니다."))
        return _Notice("buyer", "order_message", _("반품 상품을 회수했습니다"), "\n".join([
            _("%(vendor)s에서 상품을 돌려받았습니다. %(follow)s") % {"vendor": vendor, "follow": follow}, items]))
    if to == ClaimStatus.REJECTED:
        lines = [_("%(vendor)s에서 %(kind)s 요청을 거절했습니다.") % {"vendor": vendor, "kind": label}, items,
                 _("사유: %(reason)s") % {"reason": event.reason or "-"}, "", _("궁금한 점은 고객센터로 문의해 주세요.")]
        code = "return_rejected" if kind == ClaimKind.RETURN else "order_message"
        return _Notice("buyer", code, _("%(kind)s 요청이 거절되었습니다") % {"kind": label}, "\n".join(lines),
                       {"사유": event.reason or "-"})
    if to == ClaimStatus.WITHDRAWN:
        return _Notice("vendor", "vendor_notice", _("%(kind)s 요청 철회 %(number)s") % {"kind": label,
                                                                                   "number": claim.number},
                       "\n".join([_("구매자가 %(kind)s 요청을 철회했습니다.") % {"kind": label}, items]))
    if to == ClaimStatus.RESHIPPED:
        return _Notice("buyer", "exchange_shipped", _("교환 상품을 보냈습니다"), "\n".join([
            _("%(vendor)s에서 교환 상품을 보냈습니다.") % {"vendor": vendor},
            _("택배사: %(carrier)s") % {"carrier": claim.get_reship_carrier_display() or "-"},
            _("송장번호: %(number)s") % {"number": claim.reship_tracking_number or "-"}, items]),
            {"택배사": claim.get_reship_carrier_display() or "-", "송장번호": claim.reship_tracking_number or "-",
             "배송조회": carrier_tracking_url(claim.reship_carrier, claim.reship_tracking_number) or "-"})
    if to == ClaimStatus.COMPLETED and kind == ClaimKind.EXCHANGE:
        return _Notice("buyer", "exchange_done", _("교환이 완료되었습니다"), "\n".join([
            _("%(vendor)s 주문의 교환이 완료되었습니다.") % {"vendor": vendor}, items]))
    if to == ClaimStatus.COMPLETED and kind == ClaimKind.CANCEL:
        amount = won(claim.refund_amount)
        return _Notice("buyer", "order_cancelled", _("주문 상품이 취소되었습니다"), "\n".join([
            _("%(vendor)s 주문(%(number)s)의 상품이 취소되었습니다.") % {"vendor": vendor,
                                                                "number": claim.vendor_order.number},
            items, _("사유: %(reason)s") % {"reason": claim.get_reason_display()}, "",
            _("환불 금액: %(amount)s") % {"amount": amount}]), {"환불금액": amount})
    return None  # a completed return is told when its refund is done (claim_refunded_notify)


def claim_event_notify(*, event_id: int) -> int:
    """Tell whoever needs to know of a claim's step (requested, accepted, collected, rejected, …), once."""
    event = ClaimEvent.objects.get(pk=event_id)
    claim = (Claim.objects.select_related("order__buyer", "vendor_order__vendor")
             .prefetch_related("lines__line").get(pk=event.claim_id))
    notice = _claim_notice(event, claim)
    if notice is None:
        return 0
    key = f"claim-event:{event.pk}"
    variables = {"판매기업": claim.vendor_order.vendor.name, "주문번호": claim.vendor_order.number, **notice.variables}
    if notice.to == "vendor":
        return _vendor_tell(claim.vendor_order, kind=notice.kind, key=key, title=notice.title, body=notice.body,
                            variables=variables)
    sent = int(buyer_notify(claim.order, kind=notice.kind, key=key, title=notice.title, body=notice.body,
                            variables=variables))
    if claim.kind == ClaimKind.CANCEL and claim.vendor_order.paid_at:
        # Lines cancelled before shipping: the vendor must not send them.
        body = "\n".join([_("결제된 주문의 상품이 취소되었습니다. 아래 상품은 발송하지 마세요."), _claim_items(claim)])
        sent += _vendor_tell(claim.vendor_order, kind="vendor_order_cancelled", key=key,
                             title=_("주문 상품 취소 %(number)s") % {"number": claim.vendor_order.number}, body=body)
    return sent


def claim_refunded_notify(*, claim_id: int) -> int:
    """A claim's refund is done: the buyer hears the amount (and what was deducted), once."""
    claim = (Claim.objects.select_related("order__buyer", "vendor_order__vendor")
             .prefetch_related("lines__line").get(pk=claim_id))
    if claim.refund_status != "done":
        return 0
    amount = won(claim.refund_amount)
    lines = [_("%(vendor)s 주문(%(number)s)의 %(kind)s 환불을 마쳤습니다.") % {
        "vendor": claim.vendor_order.vendor.name, "number": claim.vendor_order.number, "kind": claim.get_kind_display()},
        _claim_items(claim), "", _("환불 금액: %(amount)s") % {"amount": amount}]
    if claim.return_fee or claim.shipping_charge:
        lines.append(_("차감: 반품 배송비 %(fee)s, 추가 배송비 %(charge)s") % {"fee": won(claim.return_fee),
                                                                     "charge": won(claim.shipping_charge)})
    lines.append(_refund_hint(claim.order))
    return int(buyer_notify(claim.order, kind="order_refunded", key=f"claim-refunded:{claim.pk}",
                            title=_("환불이 완료되었습니다"), body="\n".join(lines),
                            variables={"판매기업": claim.vendor_order.vendor.name,
                                       "주문번호": claim.vendor_order.number, "환불금액": amount}))


# --- settlement notices ----------------------------------------------------------------


def settlements_built_notify(*, settlement_ids: list[int]) -> int:
    """Tell each vendor its statement is ready (once per settlement)."""
    sent = 0
    for settlement in Settlement.objects.filter(pk__in=settlement_ids).select_related("vendor"):
        if not settlement.order_count:
            continue
        sent += vendor_notify(
            settlement.vendor,
            title=_("%(period)s 정산서가 나왔습니다") % {"period": f"{settlement.period_start:%Y-%m}"},
            body=_("정산번호 %(number)s, 지급 예정액 %(payout)s원 (구매 확정 %(count)s건).") % {
                "number": settlement.number, "payout": f"{settlement.payout:,}", "count": settlement.order_count},
            url=reverse("partner:orders_settlement_change", args=[settlement.pk]),
            key=f"settlement-built:{settlement.pk}",
        )
    return sent


def settlement_paid_notify(*, settlement_id: int) -> int:
    """The operator paid the settlement: the vendor is told, once."""
    settlement = Settlement.objects.select_related("vendor").get(pk=settlement_id)
    return vendor_notify(
        settlement.vendor,
        title=_("정산금 %(payout)s원을 보냈습니다") % {"payout": f"{settlement.payout:,}"},
        body=_("%(number)s (%(start)s ~ %(end)s) 정산금을 등록하신 계좌로 보냈습니다.") % {
            "number": settlement.number, "start": settlement.period_start, "end": settlement.period_end},
        url=reverse("partner:orders_settlement_change", args=[settlement.pk]),
        key=f"settlement-paid:{settlement.pk}",
    )


def guest_access_notify(*, order_id: int, window: int) -> int:
    """Mail a guest their order's link again (the lookup page); once per order in each lookup window."""
    order = _order_of(order_id)
    if order.buyer_id is not None:
        return 0
    title = _("비회원 주문 조회 링크")
    body = _("요청하신 %(number)s 주문의 조회 링크입니다. 요청하지 않으셨다면 이 메일은 지워도 됩니다.") % {
        "number": order.number}
    return int(buyer_notify(order, kind="order_access", key=f"order:{order.pk}:access:{window}", title=title, body=body))
