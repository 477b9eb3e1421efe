"""The cart: lines of variants, grouped by vendor with each vendor's shipping fee.

One function, `cart_summary`, computes what the cart page, the checkout page and
`order_place` show and charge, so the three never disagree.
"""
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant, TaxType
from catalog.shipping import shipping_fee
from ddasum.money import EXEMPT, TAXABLE, VatSplit, vat_split

from .exceptions import CartError
from .models import Cart, CartLine

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

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass
class VendorGroup:
    vendor: object
    lines: list[Line] = field(default_factory=list)
    items_total: int = 0
    shipping: int = 0
    shipping_extra: int = 0

    @property
    def total(self) -> int:
        return self.items_total + self.shipping


@dataclass
class CartSummary:
    groups: list[VendorGroup]
    problems: list[Line]
    items_total: int
    shipping_total: int
    taxable_total: int
    exempt_total: int

    @property
    def total(self) -> int:
        return self.items_total + self.shipping_total

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
            TAXABLE: vat_split(self.taxable_total + self.shipping_total, TAXABLE),
            EXEMPT: vat_split(self.exempt_total, EXEMPT),
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


def cart_summary(cart: Cart | None, *, postal_code: str = "") -> CartSummary:
    """The cart grouped by vendor, with shipping per vendor and the lines that cannot be bought."""
    if cart is None or cart.pk is None:
        return CartSummary([], [], 0, 0, 0, 0)
    lines = list(
        cart.lines.select_related("variant__product__vendor__shipping_policy", "variant__product__category")
        .order_by("added_at", "id")
    )
    on_sale_ids = set(
        Product.objects.on_sale().filter(pk__in={cl.variant.product_id for cl in lines}).values_list("pk", flat=True)
    )
    groups: dict[int, VendorGroup] = {}
    problems = []
    taxable = exempt = 0
    for cart_line in lines:
        variant = cart_line.variant
        product = variant.product
        line = Line(cart_line, variant, product, cart_line.quantity, variant.price)
        line.problem = line_problem(variant, product, cart_line.quantity, on_sale=product.pk in on_sale_ids)
        if line.problem:
            problems.append(line)
            continue
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
def cart_line_set(*, cart: Cart, variant_id: int, quantity: int, add: bool = False) -> CartLine | None:
    """Put `quantity` of a variant in the cart (or add to it); 0 removes the line."""
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
    if line is None:
        if cart.lines.count() >= MAX_LINES:
            raise CartError(_("장바구니에는 %(n)s종류까지 담을 수 있습니다.") % {"n": MAX_LINES})
        line = CartLine.objects.create(cart=cart, variant=variant, quantity=new_quantity)
    else:
        line.quantity = new_quantity
        line.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=F("updated_at"))
    return line


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
            existing.save(update_fields=["quantity"])
        else:
            line.cart = mine
            line.save(update_fields=["cart"])
    anonymous.delete()
    return mine


@transaction.atomic
def cart_lines_remove(*, cart: Cart, variant_ids) -> None:
    CartLine.objects.filter(cart=cart, variant_id__in=list(variant_ids)).delete()
