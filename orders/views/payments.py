"""Card payment pages: the page that hands over to the gateway, and the two pages it sends the buyer back to."""
import base64
import json
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ddasum.money import TAXABLE, vat_split

from ..models import Order, OrderStatus, PaymentMethod
from ..selectors.access import payment_access
from ..services import confirmations
from ..services.payments import payment_start


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


def card_checkout_url() -> str:
    """The gateway's hosted payment window (in production its widget script does the same)."""
    return settings.PAYMENT_GATEWAY_URL.rstrip("/") + "/v1/checkout"


@never_cache
@require_GET
def card_view(request, number):
    order = get_object_or_404(Order, number=number, payment_method=PaymentMethod.CARD)
    if not payment_access(request, order):
        raise Http404
    payable = order.status == OrderStatus.PENDING_PAYMENT and (order.expires_at is None
                                                                 or order.expires_at > timezone.now())
    context = {"order": order, "order_url": order_url(order), "payable": payable,
               "expired": not payable and order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)}
    if payable:
        payment_start(order_id=order.pk)
        success_url = request.build_absolute_uri(reverse("orders:pay_card_success"))
        fields = {
            "clientKey": settings.PAYMENT_CLIENT_KEY, "method": "CARD", "orderId": order.number,
            "orderName": order_name(order), "amount": order.total, "taxFreeAmount": order.exempt_total,
            "customerName": order.orderer_name, "customerEmail": order.email,
            "successUrl": success_url, "failUrl": request.build_absolute_uri(reverse("orders:pay_card_fail")),
        }
        context.update(checkout_url=card_checkout_url(), fields=fields,
                       vat=vat_split(order.total - order.exempt_total, TAXABLE))
        if settings.DEBUG:
            # The local demo has no gateway window: pretend it approved and sent the buyer back.
            context["test_url"] = success_url + "?" + urlencode(
                {"paymentKey": f"dev_{secrets.token_hex(12)}", "orderId": order.number, "amount": order.total})
    response = render(request, "orders/payments/card.html", context)
    if payable:
        # The form posts to the gateway's window: the CSP's form-action allows its origin here only.
        gateway = urlsplit(card_checkout_url())
        response._csp_update = {"form-action": [f"{gateway.scheme}://{gateway.netloc}"]}
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
    status = 404 if result.outcome == confirmations.NOT_FOUND else 200
    return render(request, "orders/payments/result.html", context, status=status)


@never_cache
@require_GET
def card_fail_view(request):
    code = request.GET.get("code", "")[:100]
    message = request.GET.get("message", "")[:300]
    order = confirmations.card_payment_fail_record(order_number=request.GET.get("orderId", "")[:64], code=code,
                                              message=message)
    context = {"order": order, "order_url": order_url(order), "code": code, "message": message,
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
