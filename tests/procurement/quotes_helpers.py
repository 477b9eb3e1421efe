"""Shared makers for the quote tests (agencies, basket, requests, answers): through the real services."""
from datetime import timedelta

from django.utils import timezone

from catalog.models import TaxType
from procurement.services.quotes import quote_request_create, quote_submit
from tests.factories import MembershipFactory, ProductFactory, VendorFactory

from .factories import AgencyFactory, AgencyMembershipFactory


def buyer_of(agency=None, **kwargs):
    """An active buyer (of a new verified agency unless one is given)."""
    agency = agency or AgencyFactory()
    return AgencyMembershipFactory(agency=agency, **kwargs).user


def eligible_product(vendor=None, *, price=10_000, tax_type=TaxType.TAXABLE, name=None, **kwargs):
    extra = {"name": name} if name else {}
    return ProductFactory(vendor=vendor or VendorFactory(), procurement_eligible=True, tax_type=tax_type,
                          variants=[{"name": "기본", "price": price, "stock": 100}], **extra, **kwargs)


def vendor_owner(vendor):
    return MembershipFactory(vendor=vendor).user


def reply_by(days=7):
    return timezone.localdate() + timedelta(days=days)


def request_for(user, agency, variants, **kwargs):
    """A request for [(variant, quantity), ...] through quote_request_create."""
    items = [{"vendor_id": v.product.vendor_id, "variant_id": v.pk, "name": v.product.name, "quantity": q}
             for v, q in variants]
    data = {"title": "사무용품 구매", "delivery_place": "충남도청 본관 1층", "reply_by": reply_by()}
    data.update(kwargs)
    return quote_request_create(user=user, agency_id=agency.pk, items=items, **data)


def answer(quote, actor, *, prices=None, extra_lines=(), valid_days=30, **kwargs):
    """Submit the quote with one line per requested item (price from `prices[item index]` or the catalog)."""
    lines = []
    for index, item in enumerate(quote.request.items.filter(vendor_id=quote.vendor_id).order_by("id")):
        price = (prices or {}).get(index, item.variant.price if item.variant else 1000)
        lines.append({"request_item_id": item.pk, "name": item.name, "quantity": item.quantity, "unit_price": price,
                      "tax_type": item.variant.product.tax_type if item.variant else TaxType.TAXABLE})
    lines += list(extra_lines)
    return quote_submit(quote_id=quote.pk, actor=actor, valid_until=timezone.localdate() + timedelta(days=valid_days),
                        lines=lines, **kwargs)
