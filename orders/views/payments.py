"""Payment pages: the page that opens the PG's payment window, the two pages it sends the buyer back to,
and the PG's webhook."""
import base64
import hashlib
import hmac
import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ddasum.money import TAXABLE, vat_split

from ..models import Order, OrderStatus, PaymentMethod
from ..selectors.access import payment_access
from ..services import confirmations
from ..services.payments import PG_METHODS, bank_name, payment_provider, payment_start
from ..services.webhooks import webhook_receive

logger = logging.getLogger(__name__)

# The PG's fail-URL codes the buyer most often meets, said in Korean (its own message is shown otherwise).
FAIL_MESSAGES = {
    "PAY_PROCESS_CANCELED": gettext_lazy("결제 창을 닫아 결제가 취소되었습니다."),
    "PAY_PROCESS_ABORTED": gettext_lazy("결제가 진행 중에 중단되었습니다. 다시 시도해 주세요."),
    "REJECT_CARD_COMPANY": gettext_lazy("카드사에서 결제를 거절했습니다. 카드 정보나 한도를 확인하거나 다른 카드로 결제해 주세요."),
    "INVALID_CARD_EXPIRATION": gettext_lazy("카드 유효기간이 올바르지 않습니다."),
    "EXCEED_MAX_DAILY_PAYMENT_COUNT": gettext_lazy("하루 결제 가능 횟수를 넘었습니다."),
    "EXCEED_MAX_PAYMENT_AMOUNT": gettext_lazy("결제 한도를 넘었습니다."),
    "NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT": gettext_lazy("할부가 지원되지 않는 카드입니다."),
    "INVALID_STOPPED_CARD": gettext_lazy("정지된 카드입니다."),
    "BELOW_MINIMUM_AMOUNT": gettext_lazy("결제 금액이 최소 결제 금액보다 적습니다."),
}


def order_url(order: Order | None) -> str:
    """The order's page, when the order pages are there to link to."""
    if order is None:
        return ""
    try:
        return order.get_absolute_url()
    except NoReverseMatch:
        return ""


def order_name(order: Order) -> str:
    """'홍성 유기농 현미 5kg 외 2건', as the gateway's payment window shows it."""
    lines = list(order.lines.order_by("pk").values_list("product_name", "variant_name")[:1])
    count = order.lines.count()
    if not lines:
        return order.number
    first = f"{lines[0][0]} {lines[0][1]}".strip()[:80]
    return f"{first} 외 {count - 1}건" if count > 1 else first


def customer_key(order: Order) -> str:
    """The PG's customerKey: an opaque, stable key per member (never the e-mail or id); guests are ANONYMOUS."""
    if not order.buyer_id:
        return "ANONYMOUS"
    digest = hmac.new(settings.SECRET_KEY.encode(), f"pg-customer:{order.buyer_id}".encode(), hashlib.sha256)
    return "c_" + digest.hexdigest()[:40]


def escrow_products(order: Order) -> str:
    """The lines as the PG's escrowProducts (id, name, code, unitPrice, quantity), JSON for a data-attribute."""
    return json.dumps([{"id": str(line.pk), "name": line.product_name[:50], "code": line.sku or str(line.pk),
                        "unitPrice": line.unit_price, "quantity": line.quantity}
                       for line in order.lines.order_by("pk")], ensure_ascii=False)


def url_origin(url: str) -> str:
    """'https://js.tosspayments.com' of 'https://js.tosspayments.com/v2/standard' ('' for a relative URL)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


@never_cache
@require_GET
def card_view(request, number):
    """The payment page of a card/간편결제 or virtual-account order: its button opens the PG's window."""
    order = get_object_or_404(Order, number=number, payment_method__in=PG_METHODS)
    if not payment_access(request, order):
        raise Http404
    payable = order.status == OrderStatus.PENDING_PAYMENT and (order.expires_at is None
                                                                 or order.expires_at > timezone.now())
    waiting = order.payments.filter(status="waiting_for_deposit").order_by("-pk").first()
    context = {"order": order, "order_url": order_url(order), "payable": payable and waiting is None,
               "waiting": waiting, "bank_name": bank_name(waiting.va_bank_code) if waiting else "",
               "expired": not payable and order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)}
    if payable and waiting is None:
        payment_start(order_id=order.pk)
        window = {
            "sdk_url": settings.PAYMENT_SDK_URL, "client_key": settings.PAYMENT_CLIENT_KEY,
            "customer_key": customer_key(order), "method": payment_provider(order.payment_method).window_method,
            "order_name": order_name(order),
            "success_url": request.build_absolute_uri(reverse("orders:pay_card_success")),
            "fail_url": request.build_absolute_uri(reverse("orders:pay_card_fail")),
            "valid_hours": settings.PAYMENT_VIRTUAL_ACCOUNT_HOURS,
            "escrow_products": escrow_products(order) if order.use_escrow else "[]",
        }
        context.update(window=window, vat=vat_split(order.total - order.exempt_total, TAXABLE))
    response = render(request, "orders/payments/card.html", context)
    if payable and waiting is None:
        # This page loads the PG's SDK and opens its window: the CSP allows them here, from the
        # settings as they are now (PAYMENT_SDK_URL, PAYMENT_WINDOW_ORIGINS).
        sdk = url_origin(settings.PAYMENT_SDK_URL)
        window_origins = [*([sdk] if sdk else []), *settings.PAYMENT_WINDOW_ORIGINS]
        response._csp_update = {"script-src": window_origins, "frame-src": window_origins,
                                "connect-src": window_origins}
    return response


@never_cache
@require_GET
def card_success_view(request):
    result = confirmations.card_payment_confirm(order_number=request.GET.get("orderId", "")[:64],
                                           payment_key=request.GET.get("paymentKey", "")[:200],
                                           amount=request.GET.get("amount", "")[:20])
    order = result.order
    context = {"result": result, "order": order, "order_url": order_url(order)}
    if result.outcome == confirmations.PENDING:
        context["retry_url"] = request.get_full_path()
    if (order and result.outcome in (confirmations.DECLINED, confirmations.MISMATCH_OUTCOME)
            and order.status == OrderStatus.PENDING_PAYMENT):
        context["pay_again_url"] = reverse("orders:pay_card", args=[order.number])
    if result.outcome == confirmations.WAITING and result.payment is not None:
        context["waiting"] = result.payment
        context["bank_name"] = bank_name(result.payment.va_bank_code)
    status = 404 if result.outcome == confirmations.NOT_FOUND else 200
    return render(request, "orders/payments/result.html", context, status=status)


@never_cache
@require_GET
def card_fail_view(request):
    code = request.GET.get("code", "")[:100]
    message = request.GET.get("message", "")[:300]
    order = confirmations.card_payment_fail_record(order_number=request.GET.get("orderId", "")[:64], code=code,
                                              message=message)
    context = {"order": order, "order_url": order_url(order), "code": code,
               "message": str(FAIL_MESSAGES[code]) if code in FAIL_MESSAGES else message,
               "cancelled_by_buyer": code == "PAY_PROCESS_CANCELED"}
    if order and order.status == OrderStatus.PENDING_PAYMENT:
        context["pay_again_url"] = reverse("orders:pay_card", args=[order.number])
    return render(request, "orders/payments/fail.html", context)


# --- a stand-in gateway for the local demo (DEBUG only) -----------------------------------
# Point PAYMENT_GATEWAY_URL at http://127.0.0.1:8000/orders/payments/dev-gateway and the
# "테스트 결제" button completes a card payment without any network.


def _dev_gateway_check(request):
    if not settings.DEBUG:
        raise Http404
    expected = "Basic " + base64.b64encode(f"{settings.PAYMENT_SECRET_KEY}:".encode()).decode()
    if request.headers.get("Authorization") != expected:
        return JsonResponse({"code": "UNAUTHORIZED_KEY", "message": "인증되지 않은 시크릿 키입니다."}, status=401)
    return None


@csrf_exempt
@require_POST
def dev_gateway_confirm(request):
    refused = _dev_gateway_check(request)
    if refused:
        return refused
    body = json.loads(request.body or b"{}")
    order = Order.objects.filter(number=body.get("orderId", "")).first()
    tax_free = order.exempt_total if order else 0
    amount = int(body.get("amount", 0))
    split = vat_split(amount - tax_free, TAXABLE)
    if order is not None and order.payment_method == PaymentMethod.VIRTUAL_ACCOUNT:
        due = timezone.localtime() + timedelta(hours=settings.PAYMENT_VIRTUAL_ACCOUNT_HOURS)
        return JsonResponse({
            "paymentKey": body.get("paymentKey"), "orderId": body.get("orderId"), "status": "WAITING_FOR_DEPOSIT",
            "method": "가상계좌", "totalAmount": amount, "balanceAmount": amount, "secret": f"dev_{order.number}",
            "virtualAccount": {"accountType": "일반", "accountNumber": "X" + order.number[-12:], "bankCode": "20",
                               "customerName": order.orderer_name, "dueDate": due.isoformat(timespec="seconds"),
                               "refundStatus": "NONE", "expired": False, "settlementStatus": "INCOMPLETED"},
        })
    return JsonResponse({
        "paymentKey": body.get("paymentKey"), "orderId": body.get("orderId"), "status": "DONE", "method": "카드",
        "totalAmount": amount, "suppliedAmount": split.supply, "vat": split.vat, "taxFreeAmount": tax_free,
        "approvedAt": timezone.localtime().isoformat(timespec="seconds"),
    })


@csrf_exempt
@require_POST
def dev_gateway_cancel(request, payment_key):
    refused = _dev_gateway_check(request)
    if refused:
        return refused
    body = json.loads(request.body or b"{}")
    return JsonResponse({"paymentKey": payment_key, "status": "CANCELED",
                         "cancels": [{"cancelAmount": body.get("cancelAmount"), "cancelReason": body.get("cancelReason"),
                                      "canceledAt": timezone.localtime().isoformat(timespec="seconds")}]})


# --- the PG's webhook ---------------------------------------------------------------------


@csrf_exempt
@require_POST
def pg_webhook_view(request):
    """Payment status changes, virtual-account deposits and cancel status changes from the PG (JSON)."""
    result = webhook_receive(raw=request.body[:100_000])
    return JsonResponse({"result": result.outcome}, status=result.http_status)
