"""The buyer's pages: cart, checkout, order list and detail, guest lookup, cancel / return / confirm.

Every figure on these pages comes from `cart_summary` (the cart and checkout) or from the
order's own rows, never from arithmetic in a template. The cart, checkout and order list
run a fixed number of queries whatever the number of lines or orders.

Guests check out with an email and an order password (hashed by `order_place`); they read
their order again through the lookup page, which allows that order in their session only.
"""
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from campaigns.selectors.claims import usable_claimed_coupons
from campaigns.services.limits import customer_key
from catalog.models import Product, ProductImage, ProductVariant
from ddasum import jobs
from ddasum.money import EXEMPT, TAXABLE, won
from ddasum.ratelimit import client_ip, posted, ratelimit
from ddasum.views import call_service

from ..context_processors import cart_line_count, cart_line_count_set
from ..forms import (
    NEW_ADDRESS,
    CancelForm,
    CartAddForm,
    CartQuantityForm,
    CashReceiptForm,
    CheckoutForm,
    OrderLookupForm,
    PostalCodeForm,
    RefundAccountForm,
    ReturnRequestForm,
)
from ..models import (
    Cart,
    Claim,
    DocumentKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    StatusEvent,
    VendorOrder,
    VendorOrderStatus,
)
from ..selectors.access import SESSION_LOOKUP_KEY as GUEST_ORDERS_SESSION_KEY
from ..selectors.exchanges import exchanges_attach
from ..selectors.mypage import BUYER_STATES, buyer_state_q
from ..services.actions import vendor_order_cancel, vendor_order_complete, vendor_order_return_request
from ..services.addresses import address_save
from ..services.cart import (
    BUY_NOW_PREFIX,
    CartSummary,
    buy_now_cart_create,
    cart_for,
    cart_line_set,
    cart_lines_remove,
    cart_look,
    cart_summary,
    problems_message,
    summary_apply_coupon,
)
from ..services.cash_receipts import CASH_METHODS, cash_receipt_request, order_cash_receipt_allowed
from ..services.checkout import Checkout, idempotency_key_for, order_place
from ..services.documents import document_url, documents_apply
from ..services.exchanges import exchange_available, exchange_lines, vendor_account
from ..services.guest_access import guest_access_valid
from ..services.payments import PG_METHODS, bank_name, refund_account_set
from ..signals import CART_SESSION_KEY

V = VendorOrderStatus

POSTAL_SESSION_KEY = "orders:postal_code"
PLACED_SESSION_KEY = "orders:placed"
GUEST_ORDERS_MAX = 20
ORDERS_PER_PAGE = 20
# Failed guest lookups allowed per order number in the window, against guessing its password.
# The lookup mails an order's link at most this often (a retry in the window sends nothing more).
LOOKUP_MAIL_SECONDS = 10 * 60
# Before shipping the buyer may cancel; after delivery, return or confirm.
CANCELLABLE = frozenset({V.PENDING_PAYMENT, V.PAID, V.PREPARING})


# --- helpers --------------------------------------------------------------------------------


def _cart(request, *, create: bool = False):
    """The request's cart; an anonymous cart's session key is remembered for the merge on login."""
    cart = cart_for(request, create=create)
    if cart is not None and cart.session_key and request.session.get(CART_SESSION_KEY) != cart.session_key:
        request.session[CART_SESSION_KEY] = cart.session_key
    return cart


def _preview_postal_code(request, addresses=None) -> str:
    """The postal code shipping is shown for: the one typed on the cart page, else the default address."""
    code = request.session.get(POSTAL_SESSION_KEY, "")
    if code or not request.user.is_authenticated:
        return code
    if addresses is not None:
        default = next((a for a in addresses if a.is_default), None)
    else:
        default = request.user.addresses.filter(is_default=True).only("postal_code").first()
    return default.postal_code if default else ""


def _thumbnails(summary: CartSummary) -> dict:
    """product id → its main image, for every line of the cart, in one query."""
    ids = {line.product.pk for line in summary.buyable_lines} | {line.product.pk for line in summary.problems}
    images = {}
    if ids:
        for image in ProductImage.objects.filter(product_id__in=ids).order_by("product_id", "position", "id"):
            images.setdefault(image.product_id, image)
    return images


def _groups_for_page(summary: CartSummary, thumbs: dict) -> list[dict]:
    groups = []
    for group in summary.groups:
        policy = getattr(group.vendor, "shipping_policy", None)
        to_free = 0
        if policy and policy.free_threshold is not None and policy.base_fee and group.shipping:
            to_free = max(policy.free_threshold - group.items_total, 0)
        for line in group.lines:
            line.image = thumbs.get(line.product.pk)
        groups.append({"group": group, "policy": policy, "to_free": to_free})
    for line in summary.problems:
        line.image = thumbs.get(line.product.pk)
    return groups


def _totals(summary: CartSummary) -> dict:
    vat = summary.vat
    coupon = summary.coupon.applied if summary.coupon else None
    return {"items": summary.items_total, "shipping": summary.shipping_total, "discount": summary.discount_total,
            "coupon": coupon.coupon if coupon else None, "savings": summary.regular_savings,
            "total": summary.total, "taxable": vat[TAXABLE], "exempt": vat[EXEMPT]}


def _customer(request, email: str = "") -> str:
    """The customer key for campaign limits and coupon uses: the user, else the email typed (guests)."""
    return customer_key(user=request.user, email=email)


def _first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return _("입력한 내용을 확인해 주세요.")


def _guest_allow(request, order: Order) -> None:
    """Let this session read a guest order (after placing it, or after the lookup)."""
    numbers = [n for n in request.session.get(GUEST_ORDERS_SESSION_KEY, []) if n != order.number]
    request.session[GUEST_ORDERS_SESSION_KEY] = [order.number, *numbers][:GUEST_ORDERS_MAX]


def _order_for(request, number: str) -> tuple[Order, bool]:
    """The order if the requester may read it, and whether that is as its guest; else 404.

    The buyer, the operator, or a guest session that placed or looked it up. A vendor's
    members read their vendor orders in the partner admin, never here.
    """
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise Http404
    user = request.user
    if user.is_authenticated and (user.is_staff or (order.buyer_id and order.buyer_id == user.pk)):
        return order, False
    if order.buyer_id is None and order.number in request.session.get(GUEST_ORDERS_SESSION_KEY, []):
        return order, True
    raise Http404


def _card_payment_url(order: Order) -> str:
    return reverse("orders:pay_card", args=[order.number])


# --- cart -----------------------------------------------------------------------------------


@never_cache
@never_cache
def visitor(request):
    """The personal bits of a page served from the page cache (ddasum.page_cache): never cached."""
    return JsonResponse({"cart_count": cart_line_count(request), "signed_in": request.user.is_authenticated})


def cart(request):
    basket = _cart(request)
    postal_code = _preview_postal_code(request)
    customer = _customer(request)
    summary = cart_summary(basket, postal_code=postal_code, customer=customer)
    summary_apply_coupon(summary, customer=customer)  # the automatic coupon, if one applies
    cart_line_count_set(request, len(summary.buyable_lines) + len(summary.problems))
    thumbs = _thumbnails(summary)
    context = {
        "summary": summary,
        "groups": _groups_for_page(summary, thumbs),
        "totals": _totals(summary),
        "postal_form": PostalCodeForm(initial={"postal_code": postal_code}),
        "postal_code": postal_code,
        "seo": {"title": _("장바구니"), "noindex": True},
    }
    return render(request, "orders/cart.html", context)


@require_POST
def cart_add(request):
    """Put a variant in the cart; a refusal goes back to the product page as a message."""
    form = CartAddForm(request.POST)
    variant = None
    if form.is_valid():
        variant = ProductVariant.objects.select_related("product").filter(pk=form.cleaned_data["variant"]).first()
    product_id = variant.product_id if variant else request.POST.get("product", "")
    product = variant.product if variant else (
        Product.objects.filter(pk=product_id).first() if str(product_id).isdigit() else None
    )
    back = product.get_absolute_url() if product else reverse("catalog:products")
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(back)
    if variant is None:
        messages.error(request, _("없는 상품입니다."))
        return redirect(back)
    basket = _cart(request, create=True)
    quantity = form.cleaned_data["quantity"]
    _line, ok = call_service(request, cart_line_set, cart=basket, variant_id=variant.pk, quantity=quantity, add=True,
                             delivery_slot_id=form.cleaned_data.get("delivery_slot"))
    if not ok:
        return redirect(back)
    messages.success(request, _("장바구니에 담았습니다: %(name)s %(option)s %(n)s개")
                     % {"name": variant.product.name, "option": variant.name, "n": quantity})
    return redirect("orders:cart")


@require_POST
def cart_update(request):
    """Change a line's quantity (respecting stock and the product's min/max)."""
    form = CartQuantityForm(request.POST)
    basket = _cart(request)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    elif basket is None or not basket.lines.filter(variant_id=form.cleaned_data["variant"]).exists():
        messages.error(request, _("장바구니에 없는 상품입니다."))
    else:
        _line, ok = call_service(request, cart_line_set, cart=basket, variant_id=form.cleaned_data["variant"],
                                 quantity=form.cleaned_data["quantity"])
        if ok:
            messages.success(request, _("수량을 바꿨습니다."))
    return redirect("orders:cart")


@require_POST
def cart_remove(request):
    """Remove one line, or several (the unavailable ones at once)."""
    basket = _cart(request)
    ids = [int(v) for v in request.POST.getlist("variant") if v.isdigit()]
    if basket is not None and ids:
        cart_lines_remove(cart=basket, variant_ids=ids)
        messages.success(request, _("장바구니에서 뺐습니다."))
    return redirect("orders:cart")


@require_POST
def cart_postal_code(request):
    """Keep a postal code in the session to preview shipping (도서산간·제주 extra) before checkout."""
    form = PostalCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    elif form.cleaned_data["postal_code"]:
        request.session[POSTAL_SESSION_KEY] = form.cleaned_data["postal_code"]
    else:
        request.session.pop(POSTAL_SESSION_KEY, None)
    return redirect("orders:cart")


# --- checkout -------------------------------------------------------------------------------


def _checkout_initial(request, addresses) -> dict:
    postal_code = request.session.get(POSTAL_SESSION_KEY, "")
    user = request.user
    if not user.is_authenticated:
        return {"postal_code": postal_code, "payment_method": PaymentMethod.BANK_TRANSFER}
    initial = {"orderer_name": user.name, "orderer_phone": user.phone, "email": user.email,
               "payment_method": PaymentMethod.BANK_TRANSFER}
    default = next((a for a in addresses if a.is_default), None) or (addresses[0] if addresses else None)
    if default:
        initial.update(address_choice=str(default.pk), recipient_name=default.recipient, recipient_phone=default.phone,
                       postal_code=default.postal_code, address=default.address, address_detail=default.address_detail)
    else:
        initial.update(address_choice=NEW_ADDRESS, recipient_name=user.name, recipient_phone=user.phone,
                       postal_code=postal_code)
    return initial


def _checkout_scope(request) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"session:{request.session.session_key}"


def _after_place(request, order: Order):
    if order.buyer_id is None:
        _guest_allow(request, order)
    request.session[PLACED_SESSION_KEY] = order.number
    if order.payment_method in PG_METHODS and order.status == OrderStatus.PENDING_PAYMENT:
        return redirect(_card_payment_url(order))
    return redirect(order.get_absolute_url())


def _checkout_place(request, form: CheckoutForm, basket):
    """Place the order from a valid form: a redirect, or None to show the page again with a message."""
    data = form.cleaned_data
    key = idempotency_key_for(_checkout_scope(request), data["checkout_key"])
    # A double click, a retry or the back button: the order this key already made is the answer.
    existing = Order.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _after_place(request, existing)
    look = cart_look(basket)
    if look.sold_out_message:
        # Everything in it sold out since the page was shown (a sell-out's many late buyers): back
        # to the cart, each item named with what is left, without building the order's summary.
        messages.error(request, look.sold_out_message)
        return redirect("orders:cart")
    if not look.all_buyable:
        # Something else changed (off sale, some lines short, an emptied cart): read the cart in
        # full and say why, or place what can still be bought.
        return _checkout_place_checked(request, data, basket, key, _customer(request, data["email"]))
    # Every line looked buyable a moment ago: the order's transaction reads the cart once, at the
    # total the buyer was shown, and refuses with the reason if anything changed in between.
    order = _checkout_order_place(request, data, basket, key, expected_total=data.get("expected_total"))
    return _checkout_placed(request, data, order) if order is not None else None


def _checkout_place_checked(request, data, basket, key, customer):
    """Place after reading the whole cart first, its problems said the way the cart page says them."""
    summary = cart_summary(basket, postal_code=data["postal_code"], customer=customer)
    if summary.is_empty:
        # A concurrent submit with this key may have just emptied the cart: its order is the answer.
        existing = Order.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _after_place(request, existing)
        if summary.problems:
            # Sold out (or short) since the page was shown: say which item and how many are left.
            messages.error(request, problems_message(summary.problems))
        else:
            messages.error(request, _("주문할 수 있는 상품이 없습니다. 장바구니를 확인해 주세요."))
        return redirect("orders:cart")
    if summary.limit_problems:
        for line in summary.limit_problems:
            messages.error(request, line.limit_note)
        return None
    choice = summary_apply_coupon(summary, code=data.get("coupon_code", ""), customer=customer)
    if choice.code_refused:
        messages.error(request, _("쿠폰을 적용할 수 없습니다: %(reason)s") % {"reason": choice.code_message})
        return None
    expected = data.get("expected_total")
    if expected is not None and expected != summary.total:
        if summary.problems:
            messages.error(request, problems_message(summary.problems))
        messages.warning(request, _("배송지나 장바구니가 바뀌어 결제 금액이 %(total)s으로 달라졌습니다. "
                                    "금액을 확인하고 다시 주문해 주세요.") % {"total": won(summary.total)})
        return None
    order = _checkout_order_place(request, data, basket, key, expected_total=summary.total)
    return _checkout_placed(request, data, order) if order is not None else None


def _checkout_order_place(request, data, basket, key, *, expected_total):
    """The order, or None for a refusal: the page again with the reason, everything typed kept."""
    checkout = Checkout(
        email=data["email"], orderer_name=data["orderer_name"], orderer_phone=data["orderer_phone"],
        recipient_name=data["recipient_name"], recipient_phone=data["recipient_phone"],
        postal_code=data["postal_code"], address=data["address"], address_detail=data.get("address_detail", ""),
        memo=data.get("memo", ""), payment_method=data["payment_method"],
        business_number=data.get("business_number", ""), business_name=data.get("business_name", ""),
        coupon_code=data.get("coupon_code", ""), expected_total=expected_total,
        use_escrow=bool(data.get("use_escrow")),
    )
    buyer = request.user if request.user.is_authenticated else None
    order, _ok = call_service(request, order_place, cart=basket, buyer=buyer, checkout=checkout, idempotency_key=key)
    return order


def _checkout_placed(request, data, order: Order):
    """What follows a placed order on the page: the cash receipt asked for, the address saved."""
    buyer = request.user if request.user.is_authenticated else None
    if data.get("cash_receipt_type") and order.payment_method in CASH_METHODS and not hasattr(order, "cash_receipt"):
        call_service(request, cash_receipt_request, order_id=order.pk, receipt_type=data["cash_receipt_type"],
                     number=data["cash_receipt_number"])
    if buyer and data.get("save_address"):
        address_save(user=buyer, recipient=data["recipient_name"], phone=data["recipient_phone"],
                     postal_code=data["postal_code"], address=data["address"],
                     address_detail=data.get("address_detail", ""), label=data.get("address_label", ""),
                     make_default=data.get("make_default", False))
    return _after_place(request, order)


BUY_NOW_SESSION_KEY = "orders:buy-now-cart"


def _buy_now_cart(request):
    """The 바로구매 cart this session made (None once ordered or never made)."""
    pk = request.session.get(BUY_NOW_SESSION_KEY)
    return Cart.objects.filter(pk=pk, user__isnull=True, session_key__startswith=BUY_NOW_PREFIX).first() if pk else None


@require_POST
def buy_now(request):
    """바로구매: this option and quantity straight to checkout, the cart left as it was."""
    form = CartAddForm(request.POST)
    variant = None
    if form.is_valid():
        variant = ProductVariant.objects.select_related("product").filter(pk=form.cleaned_data["variant"]).first()
    back = variant.product.get_absolute_url() if variant else reverse("catalog:products")
    if not form.is_valid() or variant is None:
        messages.error(request, _first_error(form) if not form.is_valid() else _("없는 상품입니다."))
        return redirect(back)
    basket, ok = call_service(request, buy_now_cart_create, variant_id=variant.pk,
                              quantity=form.cleaned_data["quantity"])
    if not ok:
        return redirect(back)
    request.session[BUY_NOW_SESSION_KEY] = basket.pk
    return redirect("orders:checkout_now")


@never_cache
def checkout(request, buy_now: bool = False):
    basket = _buy_now_cart(request) if buy_now else _cart(request)
    user = request.user if request.user.is_authenticated else None
    addresses = list(user.addresses.all()) if user else []
    coupon_code = email = ""
    if request.method == "POST" and "apply_coupon" in request.POST:
        # "적용" next to the coupon field: the page again with the discount (or the reason), the
        # rest of what was typed kept and not yet checked; nothing is ordered.
        posted = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "apply_coupon")}
        if request.POST["apply_coupon"] != "1":  # a coupon from the member's 쿠폰함, chosen by its button
            posted["coupon_code"] = request.POST["apply_coupon"][:30]
        form = CheckoutForm(initial=posted, user=user, addresses=addresses)
        coupon_code, email = posted.get("coupon_code", "").strip(), posted.get("email", "")
        saved = next((a for a in addresses if str(a.pk) == posted.get("address_choice")), None)
        postal_code = saved.postal_code if saved else (posted.get("postal_code") or "").strip()[:5]
    elif request.method == "POST":
        form = CheckoutForm(request.POST, user=user, addresses=addresses)
        if form.is_valid():
            response = _checkout_place(request, form, basket)
            if response is not None:
                return response
        cleaned = getattr(form, "cleaned_data", {})
        postal_code = cleaned.get("postal_code") or _preview_postal_code(request, addresses)
        coupon_code = cleaned.get("coupon_code", (request.POST.get("coupon_code") or "").strip())
        email = cleaned.get("email", "")
    else:
        initial = _checkout_initial(request, addresses)
        form = CheckoutForm(initial=initial, user=user, addresses=addresses)
        postal_code = initial.get("postal_code", "")
    customer = _customer(request, email)
    summary = cart_summary(basket, postal_code=postal_code, customer=customer)
    coupon = summary_apply_coupon(summary, code=coupon_code, customer=customer)
    if not buy_now:
        cart_line_count_set(request, len(summary.buyable_lines) + len(summary.problems))
    if summary.is_empty and request.method == "GET":
        messages.info(request, problems_message(summary.problems) if summary.problems
                      else _("주문할 수 있는 상품이 없습니다. 장바구니를 확인해 주세요."))
        return redirect("orders:cart")
    thumbs = _thumbnails(summary)
    context = {
        "form": form,
        "summary": summary,
        "groups": _groups_for_page(summary, thumbs),
        "totals": _totals(summary),
        "coupon": coupon,
        "claimed_coupons": usable_claimed_coupons(user) if user else [],
        "postal_code": postal_code,
        "addresses": addresses,
        "guest": user is None,
        "deposit_days": settings.ORDER_DEPOSIT_DAYS,
        "login_url": f"{reverse(settings.LOGIN_URL)}?next={reverse('orders:checkout')}",
        "checkout_action": reverse("orders:checkout_now" if buy_now else "orders:checkout"),
        "buy_now": buy_now,
        "seo": {"title": _("주문/결제"), "noindex": True},
    }
    return render(request, "orders/checkout.html", context)


# --- order pages ----------------------------------------------------------------------------


@login_required
def order_list(request):
    first_line = OrderLine.objects.filter(order=OuterRef("pk")).order_by("id")
    state = request.GET.get("state", "")
    if state not in BUYER_STATES:
        state = ""
    orders = (
        Order.objects.filter(buyer=request.user)
        .filter(buyer_state_q(state) if state else Q())
        .annotate(line_count=Count("lines", distinct=True),
                  first_product=Subquery(first_line.values("product_name")[:1]))
        .prefetch_related(Prefetch("vendor_orders", queryset=VendorOrder.objects.select_related("vendor").order_by("id")))
        .order_by("-placed_at", "-id")
    )
    page_obj = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html",
                  {"page_obj": page_obj, "seo": {"title": _("주문 내역"), "noindex": True}, "state": state,
                   "states": [(key, label) for key, (label, _statuses) in BUYER_STATES.items()]})


def _actions_for(vendor_order: VendorOrder, order: Order) -> None:
    """What the buyer may do with this vendor order now (the services check again)."""
    open_claim = any(claim.is_open for claim in vendor_order.claims.all())
    vendor_order.can_cancel = vendor_order.status in CANCELLABLE and order.status in (
        OrderStatus.PENDING_PAYMENT, OrderStatus.PAID) and not open_claim
    # Per line: before shipping (an unpaid order only by bank transfer: a card or virtual account asks for
    # the whole amount), and returns until the purchase is confirmed.
    vendor_order.can_cancel_lines = vendor_order.can_cancel and (
        vendor_order.status != V.PENDING_PAYMENT or order.payment_method == PaymentMethod.BANK_TRANSFER)
    vendor_order.can_return_lines = vendor_order.status == V.DELIVERED and any(
        ln.state == "ordered" and not ln.open_claim_id for ln in vendor_order.lines.all())
    # Delivered until confirmed (by the buyer, or automatically): return or confirm.
    vendor_order.can_return = vendor_order.can_complete = vendor_order.status == V.DELIVERED and not open_claim
    vendor_order.can_return = vendor_order.can_return and not vendor_order.refunded_amount


def _events(order: Order) -> list[StatusEvent]:
    events = list(StatusEvent.objects.filter(order=order).select_related("vendor_order").order_by("created_at", "id"))
    order_labels, vendor_labels = dict(OrderStatus.choices), dict(VendorOrderStatus.choices)
    for event in events:
        labels = vendor_labels if event.vendor_order_id else order_labels
        event.label = labels.get(event.to_status, event.to_status)
    return events


@never_cache
def order_detail(request, number):
    order, as_guest = _order_for(request, number)
    vendor_orders = list(
        order.vendor_orders.select_related("vendor")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("campaign")),
                          Prefetch("claims", queryset=Claim.objects.prefetch_related("lines__line", "events")
                                   .order_by("pk")))
        .order_by("id")
    )
    with_documents = documents_apply(order)
    exchanges_attach(vendor_orders, account_of=vendor_account)
    for vendor_order in vendor_orders:
        _actions_for(vendor_order, order)
        vendor_order.can_exchange = exchange_available(vendor_order) and bool(exchange_lines(vendor_order))
        vendor_order.statement_url = (
            document_url(vendor_order=vendor_order, kind=DocumentKind.STATEMENT) if with_documents else "")
    just_placed = request.session.get(PLACED_SESSION_KEY) == order.number
    if just_placed:
        del request.session[PLACED_SESSION_KEY]
    awaiting_deposit = order.payment_method == PaymentMethod.BANK_TRANSFER and order.status == OrderStatus.PENDING_PAYMENT
    pending = order.status == OrderStatus.PENDING_PAYMENT
    virtual_account = (order.payments.filter(method=PaymentMethod.VIRTUAL_ACCOUNT).exclude(va_account_number="")
                       .select_related("refund_account").order_by("-pk").first())
    refund_account = getattr(virtual_account, "refund_account", None) if virtual_account else None
    refund_account_open = (virtual_account is not None and refund_account is None
                           and virtual_account.status in ("done", "partial_cancelled") and order.status == OrderStatus.PAID)
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        # A bank-transfer refund is sent by hand to the account the buyer gives (kept until it is sent).
        bank_payment = order.payments.select_related("refund_account").order_by("-pk").first()
        refund_account = getattr(bank_payment, "refund_account", None) if bank_payment else None
        refund_account_open = (bank_payment is not None and refund_account is None
                               and order.status == OrderStatus.PAID)
    awaiting_card = order.payment_method in PG_METHODS and pending and not (
        virtual_account and virtual_account.status == "waiting_for_deposit")
    context = {
        "order": order,
        "vendor_orders": vendor_orders,
        "as_guest": as_guest,
        "just_placed": just_placed,
        "awaiting_deposit": awaiting_deposit,
        "bank": settings.BANK_TRANSFER_ACCOUNT if awaiting_deposit else None,
        "card_url": _card_payment_url(order) if awaiting_card else "",
        "virtual_account": virtual_account if pending else None,
        "va_bank_name": bank_name(virtual_account.va_bank_code) if virtual_account else "",
        "receipt_url": document_url(order=order) if with_documents else "",
        "events": _events(order),
        "cash_receipt": getattr(order, "cash_receipt", None) if order.payment_method in CASH_METHODS else None,
        "cash_receipt_form": CashReceiptForm() if _cash_receipt_open(order) else None,
        "refund_account": refund_account,
        "refund_account_bank": bank_name(refund_account.bank_code) if refund_account else "",
        "refund_account_form": RefundAccountForm() if refund_account_open else None,
        "cancel_form": CancelForm(),
        "return_form": ReturnRequestForm(),
        "seo": {"title": _("주문 %(number)s") % {"number": order.number}, "noindex": True},
    }
    return render(request, "orders/order_detail.html", context)


@require_POST
def refund_account_view(request, number):
    """The buyer gives the account a virtual-account payment is refunded to (format checked)."""
    order, _as_guest = _order_for(request, number)
    form = RefundAccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(order.get_absolute_url())
    _result, ok = call_service(request, refund_account_set, order_id=order.pk, **form.cleaned_data)
    if ok:
        messages.success(request, _("환불 계좌를 저장했습니다. 환불이 끝나면 바로 지웁니다."))
    return redirect(order.get_absolute_url())


def _cash_receipt_open(order: Order) -> bool:
    receipt = getattr(order, "cash_receipt", None)
    return order_cash_receipt_allowed(order) and (receipt is None or receipt.status in ("requested", "failed"))


@require_POST
def cash_receipt_request_view(request, number):
    """The buyer (or the guest who placed it) asks for a 현금영수증 on the order page."""
    order, _as_guest = _order_for(request, number)
    form = CashReceiptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(order.get_absolute_url())
    _result, ok = call_service(request, cash_receipt_request, order_id=order.pk, receipt_type=form.cleaned_data["type"],
                               number=form.cleaned_data["number"])
    if ok:
        messages.success(request, _("현금영수증을 신청했습니다. 결제가 확인되면 발급됩니다.") if order.status != OrderStatus.PAID
                         else _("현금영수증을 신청했습니다. 곧 발급됩니다."))
    return redirect(order.get_absolute_url())


@ratelimit("order_lookup", by=(client_ip, posted("email")))
def order_lookup(request):
    """A guest asks for their order's link by its number and email; it is mailed to that email.

    The answer is the same whether or not an order matched, so the page tells nobody who ordered
    what; only the mailbox's owner can open the order.
    """
    form = OrderLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = re.sub(r"[^0-9-]", "", form.cleaned_data["number"])[:20]
        order = (Order.objects.filter(number=number, buyer__isnull=True, email__iexact=form.cleaned_data["email"])
                 .only("pk").first())
        if order is not None:
            window = int(timezone.now().timestamp()) // LOOKUP_MAIL_SECONDS
            jobs.after_commit("orders.guest_access_mail_task", order_id=order.pk, window=window)
        return _lookup_page(request, sent_to=form.cleaned_data["email"])
    return _lookup_page(request, form=form)


def _lookup_page(request, *, status: int = 200, **context):
    return render(request, "orders/lookup.html", {**context, "seo": {"title": _("비회원 주문 조회"), "noindex": True}},
                  status=status)


def guest_access(request, number, token):
    """The link mailed to a guest: it opens the order in this browser."""
    order = Order.objects.filter(number=number, buyer__isnull=True).first()
    if order is None or not guest_access_valid(order, token):
        return _lookup_page(request, form=OrderLookupForm(), link_invalid=True, status=404)
    _guest_allow(request, order)
    return redirect(order.get_absolute_url())


# --- buyer actions --------------------------------------------------------------------------


def _vendor_order_of(request, number, vendor_order_id) -> tuple[Order, VendorOrder, bool]:
    order, as_guest = _order_for(request, number)
    vendor_order = get_object_or_404(VendorOrder.objects.select_related("vendor"), pk=vendor_order_id, order=order)
    return order, vendor_order, as_guest


def _actor(request):
    return request.user if request.user.is_authenticated else None


@require_POST
def vendor_order_cancel_view(request, number, vendor_order_id):
    """Cancel one vendor's part before it ships: stock back, the paid amount refunded."""
    order, vendor_order, as_guest = _vendor_order_of(request, number, vendor_order_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(order.get_absolute_url())
    was_paid = vendor_order.status in (V.PAID, V.PREPARING)
    _done, ok = call_service(request, vendor_order_cancel, vendor_order_id=vendor_order.pk, actor=request.user,
                             reason=form.cleaned_data["reason"], guest_ok=as_guest)
    if ok:
        message = _("%(vendor)s 주문을 취소했습니다.") % {"vendor": vendor_order.vendor.name}
        if was_paid:
            message += " " + _("결제하신 %(amount)s은 결제 수단으로 환불됩니다.") % {
                "amount": won(vendor_order.paid_total)}
        messages.success(request, message)
    return redirect(order.get_absolute_url())


@require_POST
def vendor_order_return_view(request, number, vendor_order_id):
    """Ask to return a delivered vendor order, with a reason and up to three photos."""
    order, vendor_order, as_guest = _vendor_order_of(request, number, vendor_order_id)
    form = ReturnRequestForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(order.get_absolute_url())
    _done, ok = call_service(request, vendor_order_return_request, vendor_order_id=vendor_order.pk,
                             actor=_actor(request), reason=form.cleaned_data["reason"],
                             photos=form.cleaned_data["photos"], guest_ok=as_guest)
    if ok:
        messages.success(request, _("반품을 요청했습니다. 판매기업이 확인한 뒤 연락드립니다."))
    return redirect(order.get_absolute_url())


@require_POST
def vendor_order_complete_view(request, number, vendor_order_id):
    """The buyer confirms the purchase (구매 확정)."""
    order, vendor_order, as_guest = _vendor_order_of(request, number, vendor_order_id)
    _done, ok = call_service(request, vendor_order_complete, vendor_order_id=vendor_order.pk, actor=_actor(request),
                             guest_ok=as_guest)
    if ok:
        messages.success(request, _("구매를 확정했습니다. 이용해 주셔서 고맙습니다."))
    return redirect(order.get_absolute_url())
