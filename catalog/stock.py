"""Every write of a variant's stock, and what follows one.

Checkouts (orders) and direct purchases (procurement) take stock by a conditional UPDATE
(`stock >= n`), so two buyers can never both take the last unit and stock never goes below
zero; a cancelled or expired order gives it back. A variant that does not track stock always
has enough. Variant rows are written in primary-key order by every writer (checkouts,
returns, the vendor's bulk sync), so two of them cannot deadlock; a checkout takes campaign
items, then the coupon, then the stock, its last write.

After any change the product's derived fields are refreshed (it is sold out or back on sale)
and the vendor's members hear once when a variant falls to its low-stock threshold.
"""
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Case, F, Q, When
from django.urls import reverse
from django.utils.translation import gettext as _

from ddasum import jobs, page_cache
from vendors.services import vendor_notify

from .exceptions import ProductIncomplete, StockShort
from .models import Product, ProductVariant
from .services import product_edit_check, product_refresh, product_stock_refresh

VARIANT_FIELDS = frozenset({
    "name", "sku", "price", "list_price", "stock", "track_stock", "low_stock_threshold", "is_active", "position",
})


def stock_take(*, variant_id: int, quantity: int) -> bool:
    """Take stock if there is enough; False if not (never below zero)."""
    # One statement: a variant that does not track stock always has enough and keeps its count.
    return bool(
        ProductVariant.objects.filter(Q(track_stock=False) | Q(stock__gte=quantity), pk=variant_id)
        .update(stock=Case(When(track_stock=True, then=F("stock") - quantity), default=F("stock")))
    )


def stock_return(*, variant_id: int, quantity: int) -> bool:
    """Give stock back; False for a variant that does not track stock (nothing to give back)."""
    return bool(ProductVariant.objects.filter(pk=variant_id, track_stock=True).update(stock=F("stock") + quantity))


@transaction.atomic
def stock_take_many(*, items: Iterable[tuple[int, int]]) -> None:
    """Take each (variant id, quantity) in primary-key order, all or nothing: StockShort names the first short one.

    Make it the caller's last write, so the row locks are held only until the commit just after.
    Once that commits, the products refresh and low stock is reported.
    """
    items = list(items)
    for variant_id, quantity in sorted(items, key=lambda item: item[0]):
        if not stock_take(variant_id=variant_id, quantity=quantity):
            raise StockShort(variant_id)
    transaction.on_commit(lambda: stock_taken(items=items))


def stock_taken(*, items: Iterable[tuple[int, int]]) -> None:
    """After a take commits: products refresh their stock state and low stock is reported."""
    for variant_id, quantity in items:
        variant = ProductVariant.objects.get(pk=variant_id)
        stock_changed(variant=variant, before=variant.stock + quantity, refresh=False)
        # A sale changes only whether the product is in stock, and only when it sold this option out:
        # an option still buyable after the sale was buyable before it, so nothing else can have changed.
        if variant.is_active and variant.track_stock and variant.stock <= 0:
            product_stock_refresh(product_id=variant.product_id)


def stock_return_many(*, items: Iterable[tuple[int, int]]) -> None:
    """Give back each (variant id, quantity) in primary-key order, then refresh the products it changed."""
    returned = [(variant_id, quantity) for variant_id, quantity in sorted(items, key=lambda item: item[0])
                if stock_return(variant_id=variant_id, quantity=quantity)]
    for variant_id, quantity in returned:
        variant = ProductVariant.objects.get(pk=variant_id)
        stock_changed(variant=variant, before=variant.stock - quantity, refresh=False)
        product_stock_refresh(product_id=variant.product_id)


def stock_changed(*, variant: ProductVariant, before: int, refresh: bool = True) -> None:
    """After any stock change (admin, import, API, orders): refresh the product, warn if low.

    A caller changing several options of one product passes refresh=False and refreshes once.
    """
    if refresh:
        product_refresh(product_id=variant.product_id)
    threshold = variant.low_stock_threshold
    if variant.track_stock and min(before, variant.stock) <= max(threshold, 0) and before != variant.stock:
        # The product page shows "n개 남음" at or under the threshold and 품절 at zero; above it the
        # page does not change (product_refresh bumps when the product itself sells out).
        page_cache.version_bump()
    if variant.track_stock and before > threshold >= variant.stock:
        jobs.after_commit("catalog.variant_low_stock_notify_task", variant_id=variant.pk, stock=variant.stock)


def variant_low_stock_notify(*, variant_id: int, stock: int) -> int:
    """Tell the vendor's members a variant runs low (once per variant and stock level)."""
    variant = ProductVariant.objects.select_related("product__vendor").filter(pk=variant_id).first()
    if variant is None:
        return 0
    product = variant.product
    title = _("재고 부족: %(name)s") % {"name": f"{product.name} · {variant.name}"}
    body = _("남은 재고가 %(stock)s개입니다 (알림 기준 %(threshold)s개). 재고를 확인해 주세요.") % {
        "stock": stock, "threshold": variant.low_stock_threshold,
    }
    return vendor_notify(
        product.vendor, title=title, body=body, owners_only=False,
        url=reverse("partner:catalog_product_change", args=[product.pk]),
        key=f"low-stock:{variant.pk}:{stock}",
    )


# --- the vendor's writes (admin, API) -----------------------------------------------------


@transaction.atomic
def variant_stock_set(*, variant_id: int, stock: int, actor=None) -> ProductVariant:
    """Set a variant's stock; crossing under its threshold notifies the vendor once."""
    if stock < 0:
        raise ProductIncomplete(_("재고는 0보다 작을 수 없습니다."))
    variant = ProductVariant.objects.select_for_update().select_related("product").get(pk=variant_id)
    if actor is not None:
        product_edit_check(actor, variant.product.vendor_id)
    before = variant.stock
    variant.stock = stock
    variant.save(update_fields=["stock"])
    stock_changed(variant=variant, before=before)
    return variant


@transaction.atomic
def variant_stocks_set(*, actor, vendor_ids, items: list[dict]) -> list[ProductVariant]:
    """Set the stock of many variants by SKU: all of them, or none if any SKU is unknown or ambiguous."""
    skus = [item["sku"] for item in items]
    repeated = sorted(sku for sku, n in Counter(skus).items() if n > 1)
    if repeated:
        raise DjangoValidationError({"sku": _("같은 관리 코드가 두 번 있습니다: %(skus)s") % {"skus": ", ".join(repeated)}})
    ids_by_sku = defaultdict(list)
    for pk, sku in ProductVariant.objects.filter(product__vendor_id__in=vendor_ids, sku__in=skus).values_list("pk", "sku"):
        ids_by_sku[sku].append(pk)
    unknown = [sku for sku in skus if sku not in ids_by_sku]
    if unknown:
        raise DjangoValidationError({"sku": _("없는 관리 코드입니다: %(skus)s") % {"skus": ", ".join(unknown)}})
    # SKUs are unique per product, so two products of the user's vendors may share one.
    ambiguous = sorted(sku for sku, ids in ids_by_sku.items() if len(ids) > 1)
    if ambiguous:
        raise DjangoValidationError(
            {"sku": _("여러 옵션이 같은 관리 코드를 씁니다. 상품마다 다른 코드를 붙여 주세요: %(skus)s")
             % {"skus": ", ".join(ambiguous)}}
        )
    # Lock in primary-key order, as every stock writer does, so two syncs cannot deadlock.
    changes = sorted((ids_by_sku[item["sku"]][0], item["stock"]) for item in items)
    return [variant_stock_set(variant_id=pk, stock=stock, actor=actor) for pk, stock in changes]


@transaction.atomic
def variant_save(*, actor, data: dict, product_id: int | None = None, variant_id: int | None = None) -> ProductVariant:
    """Add an option to a product or change one; the product's price and stock follow.

    It lives here, not in services, because it writes the option's stock among its fields.
    """
    if set(data) - VARIANT_FIELDS:
        raise ValueError(f"not variant fields: {sorted(set(data) - VARIANT_FIELDS)}")
    if variant_id is None:
        # Locking the product serialises two options added at once (position, SKU check).
        product = Product.objects.select_for_update().get(pk=product_id)
        variant = ProductVariant(product=product, stock=0, position=product.variants.count())
    else:
        variant = ProductVariant.objects.select_for_update().select_related("product").get(pk=variant_id)
    product_edit_check(actor, variant.product.vendor_id)
    before = variant.stock
    for field, value in data.items():
        setattr(variant, field, value)
    if ProductVariant.objects.filter(product_id=variant.product_id, sku=variant.sku).exclude(pk=variant.pk).exists():
        raise DjangoValidationError({"sku": _("같은 상품에 같은 관리 코드(SKU)가 있습니다.")})
    variant.full_clean()
    variant.save()
    # Refreshes the product and sends the low-stock notice when the stock crossed its threshold.
    stock_changed(variant=variant, before=before)
    return variant
