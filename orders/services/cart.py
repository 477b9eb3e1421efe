"""The cart: lines of variants, grouped by vendor with each vendor's shipping fee.

One function, `cart_summary`, computes what the cart page, the checkout page and
`order_place` show and charge, so the three never disagree; `summary_apply_coupon` adds the
coupon discount to it the same way for the checkout page and for `order_place`.

Campaign prices (campaigns.selectors.pricing, the one price rule) are computed at every view for the
moment `now`, for all lines in one query: a campaign that ended while the item sat in the cart
simply shows the regular price at the next view (and the line says the price changed since it
was added). The buyer pays the campaign price, so totals, the VAT split and the free-shipping
thresholds all use it.

Campaign quantity caps: a line gets the campaign price only if its whole quantity fits in what
is left of the item's cap (lines of one item are counted in cart order); otherwise it falls back
to the regular price and says so ("기획전 한정 수량 소진 — 정상가 적용", or how many are left at
the campaign price). Nothing is split into two prices.

Per-customer limits: when the customer is known (signed in, or the email typed at checkout), a
line over what the customer may still buy keeps the campaign price but is flagged with the limit
and how many are left, and checkout is refused with that message until the quantity is lowered
(`order_place` takes the limit again under lock; see campaigns.services.limits).

Coupons: one per order, on the goods at the prices paid (campaign prices included); shipping
and its free threshold are computed before the coupon. The discount is divided among the
vendors pro rata to their eligible goods, then among their eligible lines (largest remainder,
so the parts add up exactly); the taxable and exempt totals are reduced by their lines' parts.
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.selectors.pricing import CampaignPrice, campaign_prices
from campaigns.services.coupons import CouponChoice, CouponLine, allocate, coupon_choose
from campaigns.services.limits import customer_uses
from catalog.delivery_dates import delivery_problem
from catalog.models import DeliverySlot, Product, ProductVariant, TaxType, product_on_sale
from catalog.shipping import shipping_fee
from ddasum.money import EXEMPT, TAXABLE, VatSplit, vat_split
from vendors.models import SELLING_FIELDS

from ..exceptions import CartError
from ..models import Cart, CartLine

MAX_LINES = 50


# --- reading --------------------------------------------------------------------------


@dataclass
class Line:
    line: CartLine
    variant: ProductVariant
    product: Product
    quantity: int
    unit_price: int
    problem: str = ""  # why the line cannot be bought now (left out of checkout)
    regular_price: int = 0  # the variant's own price
    campaign: CampaignPrice | None = None  # the campaign price the line is bought at, if any
    campaign_note: str = ""  # why a live campaign price does not apply (its cap)
    limit_note: str = ""  # the per-customer limit, and what is left of it
    limit_exceeded: bool = False  # more than the customer may still buy: checkout refuses
    discount: int = 0  # this line's share of the coupon discount
    short: bool = False  # the problem is the stock: sold out, or fewer left than the quantity

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def regular_total(self) -> int:
        return self.regular_price * self.quantity

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def added_price(self) -> int | None:
        """The unit price shown when the line was added, if it differs from the price now."""
        added = self.line.added_unit_price
        return added if added is not None and added != self.unit_price else None

    @property
    def category_ids(self) -> tuple[int, ...]:
        category = self.product.category
        return (category.pk, category.parent_id) if category.parent_id else (category.pk,)


@dataclass
class VendorGroup:
    vendor: object
    lines: list[Line] = field(default_factory=list)
    items_total: int = 0
    shipping: int = 0
    shipping_extra: int = 0
    discount: int = 0  # this vendor's share of the coupon discount
    vendor_discount: int = 0  # the part of it the vendor funds

    @property
    def total(self) -> int:
        """Goods and shipping before the coupon (VendorOrder.total)."""
        return self.items_total + self.shipping

    @property
    def paid_total(self) -> int:
        return self.total - self.discount


@dataclass
class CartSummary:
    groups: list[VendorGroup]
    problems: list[Line]
    items_total: int
    shipping_total: int
    taxable_total: int  # goods by tax type at the prices paid, before the coupon
    exempt_total: int
    discount_total: int = 0
    taxable_discount: int = 0
    exempt_discount: int = 0
    coupon: CouponChoice | None = None  # set by summary_apply_coupon

    @property
    def total(self) -> int:
        return self.items_total + self.shipping_total - self.discount_total

    @property
    def taxable_paid(self) -> int:
        """Taxable goods after the coupon (Order.taxable_total; shipping not included)."""
        return self.taxable_total - self.taxable_discount

    @property
    def exempt_paid(self) -> int:
        return self.exempt_total - self.exempt_discount

    @property
    def regular_savings(self) -> int:
        """What the campaign prices save against the regular prices."""
        return sum(line.regular_total - line.total for line in self.buyable_lines)

    @property
    def limit_problems(self) -> list[Line]:
        return [line for line in self.buyable_lines if line.limit_exceeded]

    @property
    def buyable_lines(self) -> list[Line]:
        return [line for group in self.groups for line in group.lines]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def vat(self) -> dict[str, VatSplit]:
        """공급가액/세액 per tax type; shipping is taxable (a service)."""
        return {
            TAXABLE: vat_split(self.taxable_paid + self.shipping_total, TAXABLE),
            EXEMPT: vat_split(self.exempt_paid, EXEMPT),
        }


def line_problem(variant: ProductVariant, product: Product, quantity: int, *, on_sale: bool) -> str:
    """Why this quantity of this variant cannot be bought now, or ''."""
    if not on_sale or not variant.is_active:
        return _("더 이상 판매하지 않는 상품입니다.")
    if variant.track_stock and variant.stock <= 0:
        return _("품절된 상품입니다.")
    if variant.track_stock and quantity > variant.stock:
        return _("재고가 %(stock)s개 남아 있습니다. 수량을 줄여 주세요.") % {"stock": variant.stock}
    if quantity < product.min_order_qty:
        return _("최소 %(n)s개부터 주문할 수 있습니다.") % {"n": product.min_order_qty}
    if product.max_order_qty and quantity > product.max_order_qty:
        return _("최대 %(n)s개까지 주문할 수 있습니다.") % {"n": product.max_order_qty}
    return ""


def _short(*, on_sale: bool, is_active: bool, track_stock: bool, stock: int, quantity: int) -> bool:
    return on_sale and is_active and track_stock and quantity > stock


def _buyable(*, on_sale: bool, is_active: bool, track_stock: bool, stock: int, quantity: int) -> bool:
    return on_sale and is_active and (not track_stock or stock >= quantity)


def stock_short(variant: ProductVariant, quantity: int, *, on_sale: bool) -> bool:
    """Whether what stops this quantity of an on-sale variant is its stock (the first problem line_problem names)."""
    return _short(on_sale=on_sale, is_active=variant.is_active, track_stock=variant.track_stock,
                  stock=variant.stock, quantity=quantity)


@dataclass(frozen=True)
class CartLook:
    """What one light read of a cart says before checkout (see cart_look)."""

    all_buyable: bool = False
    sold_out_message: str = ""  # every line is short of stock: what to tell the buyer


def cart_look(cart: Cart | None) -> CartLook:
    """A quick look at the cart before placing: one query of plain values, no locks, no prices.

    Every line buyable (on sale, active, enough stock): the order's transaction reads the cart in
    full once and refuses with the reason if anything changed since. Every line short of stock
    (the usual end of a sell-out): the message cart_summary's problems would give, without
    building the summary. Anything else: neither, and the caller reads the cart in full.
    """
    if cart is None or cart.pk is None:
        return CartLook()
    rows = list(CartLine.objects.filter(cart=cart).order_by("added_at", "id").values(
        "quantity", stock=F("variant__stock"), track_stock=F("variant__track_stock"),
        is_active=F("variant__is_active"), product_name=F("variant__product__name"), variant_name=F("variant__name"),
        product_status=F("variant__product__status"), **{f"vendor_{k}": F(f"variant__product__vendor__{k}") for k in SELLING_FIELDS}))
    if not rows:
        return CartLook()
    today = timezone.localdate()
    states = [{"on_sale": product_on_sale(status=row["product_status"], today=today,
                                          vendor={k: row[f"vendor_{k}"] for k in SELLING_FIELDS}),
               **{k: row[k] for k in ("is_active", "track_stock", "stock", "quantity")}} for row in rows]
    if all(_buyable(**state) for state in states):
        return CartLook(all_buyable=True)
    if all(_short(**state) for state in states):
        notes = [stock_left_note(f"{row['product_name']} {row['variant_name']}", stock=row["stock"],
                                 quantity=row["quantity"]) for row in rows]
        return CartLook(sold_out_message=stock_refusal_message(notes))
    return CartLook()


def stock_left_note(item: str, *, stock: int, quantity: int) -> str:
    """One refused item: that it sold out, or how many are left of the quantity asked for."""
    if stock <= 0:
        return _("%(item)s 품절(남은 수량 0개)") % {"item": item}
    return _("%(item)s 재고 부족(남은 수량 %(stock)s개, 주문 수량 %(quantity)s개)") % {
        "item": item, "stock": stock, "quantity": quantity}


def stock_refusal_message(notes: list[str], *, short: bool = True) -> str:
    """The message of a checkout refused for these items (each named with what is left)."""
    if short:
        return _("품절/재고 부족: %(items)s. 수량을 줄이거나 장바구니에서 빼고 다시 주문해 주세요.") % {
            "items": " · ".join(notes)}
    return _("주문할 수 없는 상품이 있습니다: %(items)s. 장바구니를 확인해 주세요.") % {"items": " · ".join(notes)}


def problems_message(lines: list[Line]) -> str:
    """Why these cart lines cannot be ordered, each named: sold out or how many are left, else its problem."""
    notes = []
    for line in lines:
        item = f"{line.product.name} {line.variant.name}"
        if line.short:
            notes.append(stock_left_note(item, stock=line.variant.stock, quantity=line.quantity))
        else:
            notes.append(f"{item}: {line.problem}")
    return stock_refusal_message(notes, short=any(line.short for line in lines))


def _price(line: Line, price: CampaignPrice | None, capped: dict[int, int], bought: dict[int, int],
           uses: dict[int, int]) -> None:
    """Give a buyable line its campaign price if its quantity fits the cap; note the customer's limit."""
    if price is None:
        return
    if price.stock_cap is not None:
        left = max(price.stock_cap - price.sold_count - capped.get(price.item_id, 0), 0)
        if line.quantity > left:
            line.campaign_note = _("기획전 한정 수량 소진 — 정상가 적용") if not left else _(
                "기획전 한정 수량이 %(n)s개 남아 정상가가 적용되었습니다. %(n)s개 이하로 담으면 기획전 가격으로 살 수 있습니다."
            ) % {"n": left}
            return
        capped[price.item_id] = capped.get(price.item_id, 0) + line.quantity
    line.campaign = price
    line.unit_price = price.price
    if price.per_customer_limit is not None:
        left = max(price.per_customer_limit - uses.get(price.item_id, 0) - bought.get(price.item_id, 0), 0)
        bought[price.item_id] = bought.get(price.item_id, 0) + line.quantity
        if line.quantity > left:
            line.limit_exceeded = True
            line.limit_note = _(
                "%(name)s: 기획전 1인 구매 한도는 %(limit)s개입니다. 지금 %(left)s개 더 살 수 있습니다. 수량을 줄여 주세요."
            ) % {"name": line.product.name, "limit": price.per_customer_limit, "left": left}
        else:
            line.limit_note = _("1인 %(limit)s개 한정") % {"limit": price.per_customer_limit}


def cart_summary(cart: Cart | None, *, postal_code: str = "", now: datetime | None = None,
                 customer: str = "") -> CartSummary:
    """The cart grouped by vendor, with shipping per vendor and the lines that cannot be bought.

    Prices are those at `now` (campaign prices included); `customer` ("u<id>"/"e<email>", see
    campaigns.services.limits.customer_key) checks the per-customer campaign limits when known.
    """
    if cart is None or cart.pk is None:
        return CartSummary([], [], 0, 0, 0, 0)
    now = now or timezone.now()
    lines = list(
        cart.lines.select_related("variant__product__vendor__shipping_policy", "variant__product__category",
                                  "delivery_slot")
        .order_by("added_at", "id")
    )
    today = timezone.localdate(now)
    for cart_line in lines:
        cart_line.on_sale = cart_line.variant.product.is_on_sale(today)
    prices = campaign_prices([cl.variant for cl in lines], now=now)
    uses = customer_uses({p.item_id for p in prices.values() if p.per_customer_limit is not None}, customer)
    capped: dict[int, int] = {}  # units of each capped item given the campaign price so far
    bought: dict[int, int] = {}  # units of each limited item in the cart so far
    groups: dict[int, VendorGroup] = {}
    problems = []
    taxable = exempt = 0
    for cart_line in lines:
        variant = cart_line.variant
        product = variant.product
        price = prices.get(variant.pk)
        line = Line(cart_line, variant, product, cart_line.quantity, variant.price, regular_price=variant.price)
        line.problem = (line_problem(variant, product, cart_line.quantity, on_sale=cart_line.on_sale)
                        or delivery_problem(product, cart_line.delivery_slot, cart_line.quantity))
        if line.problem:
            line.short = stock_short(variant, cart_line.quantity, on_sale=cart_line.on_sale)
            if price is not None and not price.sold_out:
                line.unit_price = price.price
            problems.append(line)
            continue
        _price(line, price, capped, bought, uses)
        group = groups.setdefault(product.vendor_id, VendorGroup(product.vendor))
        group.lines.append(line)
        group.items_total += line.total
        if product.tax_type == TaxType.EXEMPT:
            exempt += line.total
        else:
            taxable += line.total
    for group in groups.values():
        policy = getattr(group.vendor, "shipping_policy", None)
        needs_shipping = any(line.product.kind == "goods" for line in group.lines)
        fee = shipping_fee(policy, items_total=group.items_total, postal_code=postal_code) if needs_shipping else None
        group.shipping = fee.total if fee else 0
        group.shipping_extra = fee.extra if fee else 0
    ordered = list(groups.values())
    return CartSummary(
        groups=ordered,
        problems=problems,
        items_total=sum(g.items_total for g in ordered),
        shipping_total=sum(g.shipping for g in ordered),
        taxable_total=taxable,
        exempt_total=exempt,
    )


def summary_apply_coupon(summary: CartSummary, *, code: str = "", customer: str = "", now: datetime | None = None,
                         cached: bool = True) -> CouponChoice:
    """Choose the coupon for the summary's buyable lines and divide its discount (see the module notes).

    The summary's groups, lines and totals carry the discount afterwards; the choice says what
    to show next to the code field. `cached=False` reads the automatic coupons without their
    cached windows.
    """
    lines = summary.buyable_lines
    coupon_lines = [
        CouponLine(key=line.variant.pk, amount=line.total, vendor_id=line.product.vendor_id,
                   category_ids=line.category_ids, campaign_id=line.campaign.campaign_id if line.campaign else None)
        for line in lines
    ]
    choice = coupon_choose(lines=coupon_lines, customer=customer, code=code, now=now, cached=cached) if lines else (
        CouponChoice(code=(code or "").strip()))
    summary.coupon = choice
    for group in summary.groups:
        group.discount = group.vendor_discount = 0
        for line in group.lines:
            line.discount = 0
    summary.discount_total = summary.taxable_discount = summary.exempt_discount = 0
    applied = choice.applied
    if applied is None:
        return choice
    eligible = set(applied.eligible_keys)
    group_weights = [sum(line.total for line in g.lines if line.variant.pk in eligible) for g in summary.groups]
    for group, part in zip(summary.groups, allocate(applied.discount, group_weights), strict=True):
        group.discount = part
        group.vendor_discount = part if applied.vendor_funded else 0
        weights = [line.total if line.variant.pk in eligible else 0 for line in group.lines]
        for line, share in zip(group.lines, allocate(part, weights), strict=True):
            line.discount = share
            if line.product.tax_type == TaxType.EXEMPT:
                summary.exempt_discount += share
            else:
                summary.taxable_discount += share
    summary.discount_total = applied.discount
    return choice


# --- writing --------------------------------------------------------------------------


def cart_for(request, *, create: bool = False) -> Cart | None:
    """The request's cart: the user's when signed in, else the session's."""
    if request.user.is_authenticated:
        cart = Cart.objects.filter(user=request.user).first()
        if cart is None and create:
            cart, _made = Cart.objects.get_or_create(user=request.user)
        return cart
    key = request.session.session_key
    if key is None:
        if not create:
            return None
        request.session.save()
        key = request.session.session_key
    cart = Cart.objects.filter(session_key=key).first()
    if cart is None and create:
        try:
            with transaction.atomic():
                cart = Cart.objects.create(session_key=key)
        except IntegrityError:
            cart = Cart.objects.get(session_key=key)
    return cart


@transaction.atomic
def cart_line_set(*, cart: Cart, variant_id: int, quantity: int, add: bool = False,
                  delivery_slot_id: int | None = None) -> CartLine | None:
    """Put `quantity` of a variant in the cart (or add to it); 0 removes the line.

    A product with chosen delivery dates needs `delivery_slot_id` (one of its open dates) when
    the line is new; given for an existing line, it changes the line's date.

    The cart row is locked first, as order_place locks it first: a checkout and a change of the
    same cart take turns instead of deadlocking on the cart and its lines.
    """
    list(Cart.objects.select_for_update().filter(pk=cart.pk).values_list("pk", flat=True))
    variant = ProductVariant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        raise CartError(_("없는 상품입니다."))
    if quantity < 0:
        raise CartError(_("수량을 확인해 주세요."))
    line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
    new_quantity = (line.quantity if line and add else 0) + quantity
    if new_quantity == 0:
        if line:
            line.delete()
        return None
    on_sale = Product.objects.on_sale().filter(pk=variant.product_id).exists()
    problem = line_problem(variant, variant.product, new_quantity, on_sale=on_sale)
    if problem:
        raise CartError(problem)
    slot = _delivery_slot(variant.product, delivery_slot_id, line)
    if slot is not None:
        problem = delivery_problem(variant.product, slot, new_quantity)
        if problem:
            raise CartError(problem)
    if line is None:
        if cart.lines.count() >= MAX_LINES:
            raise CartError(_("장바구니에는 %(n)s종류까지 담을 수 있습니다.") % {"n": MAX_LINES})
        price = campaign_prices([variant]).get(variant.pk)
        added = price.price if price is not None and not price.sold_out else variant.price
        line = CartLine.objects.create(cart=cart, variant=variant, quantity=new_quantity, added_unit_price=added,
                                       delivery_slot=slot)
    else:
        line.quantity = new_quantity
        line.delivery_slot = slot
        line.save(update_fields=["quantity", "delivery_slot"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=F("updated_at"))
    return line


def _delivery_slot(product: Product, slot_id: int | None, line: CartLine | None) -> DeliverySlot | None:
    """The date asked for (it must be one of this product's), else the line's own; None for products without dates."""
    if not product.delivery_date_required:
        return None
    if slot_id is None:
        if line is not None and line.delivery_slot_id:
            return DeliverySlot.objects.filter(pk=line.delivery_slot_id).first()
        raise CartError(_("배송일을 골라 주세요."))
    slot = DeliverySlot.objects.filter(pk=slot_id, product=product).first()
    if slot is None:
        raise CartError(_("배송일을 골라 주세요."))
    return slot


@transaction.atomic
def cart_merge(*, session_key: str, user) -> Cart | None:
    """On login: move the anonymous cart's lines into the user's cart (quantities add up)."""
    anonymous = Cart.objects.select_for_update().filter(session_key=session_key, user__isnull=True).first()
    if anonymous is None:
        return None
    mine, _made = Cart.objects.get_or_create(user=user)
    for line in anonymous.lines.all():
        existing = mine.lines.filter(variant_id=line.variant_id).first()
        if existing:
            existing.quantity += line.quantity
            existing.delivery_slot_id = line.delivery_slot_id or existing.delivery_slot_id  # the latest choice
            existing.save(update_fields=["quantity", "delivery_slot"])
        else:
            line.cart = mine
            line.save(update_fields=["cart"])
    anonymous.delete()
    return mine


@transaction.atomic
def cart_lines_remove(*, cart: Cart, variant_ids) -> None:
    CartLine.objects.filter(cart=cart, variant_id__in=list(variant_ids)).delete()


# 바로구매: a cart of its own for one line (a session key no browser session has), so the buyer's
# cart is left as it was. Its id is kept in the session; checkout reads it at its own URL.
BUY_NOW_PREFIX = "buynow-"


def buy_now_cart_create(*, variant_id: int, quantity: int) -> Cart:
    """A fresh one-line cart for 바로구매 (refused like cart_line_set: stock, min/max, on sale)."""
    with transaction.atomic():
        cart = Cart.objects.create(session_key=f"{BUY_NOW_PREFIX}{uuid.uuid4().hex}")
        cart_line_set(cart=cart, variant_id=variant_id, quantity=quantity)
    return cart


def carts_abandoned_purge(*, now=None) -> int:
    """Delete carts nobody will come back to; idempotent, so a missed day is made up by the next run.

    바로구매 carts live for one checkout: gone after BUY_NOW_CART_KEEP_HOURS. A visitor's cart
    (no member) is kept CART_ANONYMOUS_KEEP_DAYS after its last change, as long as the session
    cookie that finds it. Members' carts are theirs and stay.
    """
    now = now or timezone.now()
    buy_now = Cart.objects.filter(user__isnull=True, session_key__startswith=BUY_NOW_PREFIX,
                                  updated_at__lt=now - timedelta(hours=settings.BUY_NOW_CART_KEEP_HOURS))
    kept_since = now - timedelta(days=settings.CART_ANONYMOUS_KEEP_DAYS)
    anonymous = (Cart.objects.filter(user__isnull=True, updated_at__lt=kept_since)
                 .exclude(session_key__startswith=BUY_NOW_PREFIX)
                 .exclude(Exists(CartLine.objects.filter(cart=OuterRef("pk"), added_at__gte=kept_since))))
    return buy_now.delete()[1].get(Cart._meta.label, 0) + anonymous.delete()[1].get(Cart._meta.label, 0)
