"""What may be quoted, and the quote basket as the pages and the services read it."""
from django.utils.translation import gettext as _

from catalog.models import Product, ProductVariant

from ..models import QuoteBasketLine


def quotable_variants():
    """Variants an agency may ask a quote for: active options of procurement-eligible products on sale."""
    return ProductVariant.objects.filter(
        is_active=True, product__in=Product.objects.on_sale().filter(procurement_eligible=True)
    )


def basket_lines(user) -> list[QuoteBasketLine]:
    """The user's basket lines, each with product, vendor, unit_price (catalog, VAT incl.), amount,
    tax_type and `problem` ("" when the line can be quoted); two queries whatever the size."""
    if not (user and user.is_authenticated):
        return []
    lines = list(QuoteBasketLine.objects.filter(user=user)
                 .select_related("variant__product__vendor", "variant__product__category")
                 .order_by("added_at", "id"))
    ok = set(quotable_variants().filter(pk__in=[ln.variant_id for ln in lines]).values_list("pk", flat=True))
    for line in lines:
        line.product = line.variant.product
        line.vendor = line.product.vendor
        line.unit_price = line.variant.price
        line.amount = line.unit_price * line.quantity
        line.tax_type = line.product.tax_type
        line.problem = "" if line.variant_id in ok else _("지금은 견적을 받을 수 없는 상품입니다 (판매 중지·공공구매 제외).")
    return lines


def basket_groups(lines) -> list[dict]:
    """Basket lines grouped by vendor (name order) with the catalog total of each group."""
    groups: dict[int, dict] = {}
    for line in lines:
        group = groups.setdefault(line.vendor.pk, {"vendor": line.vendor, "lines": [], "total": 0})
        group["lines"].append(line)
        if not line.problem:
            group["total"] += line.amount
    return sorted(groups.values(), key=lambda g: (g["vendor"].name, g["vendor"].pk))
