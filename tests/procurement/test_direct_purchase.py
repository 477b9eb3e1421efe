"""Direct purchase (바로구매): the operator's rule per agency kind, stock, one order per vendor, idempotency."""
import threading
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from catalog import stock as catalog_stock
from catalog.models import ProductVariant
from procurement.exceptions import DirectPurchaseNotAllowed, NotVerified, ProcurementError
from procurement.models import (
    AgencyKind,
    DirectPurchaseRule,
    POStatus,
    PurchaseOrder,
    PurchaseRecord,
    PurchaseSource,
    QuoteBasketLine,
)
from procurement.services import purchases as svc
from tests.factories import MembershipFactory, ProductFactory, VendorFactory, category
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return AgencyFactory(kind=AgencyKind.LOCAL_GOVERNMENT)


@pytest.fixture
def rule():
    return DirectPurchaseRule.objects.create(kind=AgencyKind.LOCAL_GOVERNMENT, limit=500_000)


@pytest.fixture
def basket(buyer, vendor, other_vendor):
    """Rice (exempt) 4 × 25,000 from one vendor, towels (taxable) 10 × 3,300 from another."""
    rice = ProductFactory(vendor=vendor, category=category("rice-grains"), tax_type="exempt", procurement_eligible=True,
                          variants=[{"name": "5kg", "price": 25_000, "stock": 10}])
    towel = ProductFactory(vendor=other_vendor, category=category("household"), procurement_eligible=True,
                           name="면 수건", variants=[{"name": "흰색", "price": 3_300, "stock": 50}])
    lines = [QuoteBasketLine.objects.create(user=buyer, variant=rice.variants.get(), quantity=4),
             QuoteBasketLine.objects.create(user=buyer, variant=towel.variants.get(), quantity=10)]
    return {"rice": rice.variants.get(), "towel": towel.variants.get(), "lines": lines}


def place(buyer, agency, key="k1", **kw):
    return svc.direct_purchase_place(user=buyer, agency_id=agency.pk, delivery_place="충남도청 총무과 3층",
                                     idempotency_key=key, **kw)


def test_limit_by_agency_kind(agency, rule):
    assert svc.direct_purchase_limit(agency) == 500_000
    assert svc.direct_purchase_limit(AgencyFactory(kind=AgencyKind.NATIONAL)) is None
    DirectPurchaseRule.objects.create(kind=AgencyKind.EDUCATION, limit=0)
    assert svc.direct_purchase_limit(AgencyFactory(kind=AgencyKind.EDUCATION)) is None


def test_places_one_order_per_vendor_at_catalog_prices(agency, buyer, basket, rule, vendor, other_vendor, owner,
                                                       no_pdf, django_capture_on_commit_callbacks):
    from accounts.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        orders = place(buyer, agency, memo="오전 납품 부탁드립니다")
    assert [po.vendor for po in orders] == sorted([vendor, other_vendor], key=lambda v: v.pk)
    by_vendor = {po.vendor_id: po for po in orders}
    rice_po, towel_po = by_vendor[vendor.pk], by_vendor[other_vendor.pk]
    assert (rice_po.source, rice_po.status, rice_po.total, rice_po.exempt_amount, rice_po.taxable_supply) == (
        PurchaseSource.DIRECT, POStatus.ISSUED, 100_000, 100_000, 0)
    assert (towel_po.total, towel_po.taxable_supply, towel_po.taxable_vat) == (33_000, 30_000, 3_000)
    line = rice_po.lines.get()
    assert (line.unit_price, line.quantity, line.amount, line.tax_type, line.category.slug) == (
        25_000, 4, 100_000, "exempt", "rice-grains")
    assert rice_po.memo == "오전 납품 부탁드립니다" and rice_po.delivery_place == "충남도청 총무과 3층"
    assert rice_po.created_by == buyer and rice_po.number.startswith("PO-")
    # Stock taken, basket emptied, vendors told, PDFs queued.
    assert ProductVariant.objects.get(pk=basket["rice"].pk).stock == 6
    assert ProductVariant.objects.get(pk=basket["towel"].pk).stock == 40
    assert not QuoteBasketLine.objects.filter(user=buyer).exists()
    assert Notification.objects.filter(user=owner, title="새 발주가 도착했습니다").count() == 1
    assert sorted(c.kwargs["po_id"] for c in no_pdf["po"].call_args_list) == sorted(po.pk for po in orders)
    assert all(list(po.events.values_list("to_status", flat=True)) == ["issued"] for po in orders)


def test_same_key_returns_the_same_orders(agency, buyer, basket, rule, no_pdf):
    first = place(buyer, agency, key="same")
    QuoteBasketLine.objects.create(user=buyer, variant=basket["rice"], quantity=1)
    second = place(buyer, agency, key="same")
    assert [po.pk for po in first] == [po.pk for po in second]
    assert PurchaseOrder.objects.count() == 2
    assert ProductVariant.objects.get(pk=basket["rice"].pk).stock == 6
    # Another buyer's same key is another purchase.
    other = AgencyMembershipFactory(agency=agency).user
    QuoteBasketLine.objects.create(user=other, variant=basket["rice"], quantity=1)
    assert len(place(other, agency, key="same")) == 1


def test_kind_without_rule_is_refused(buyer, basket, agency, no_pdf):
    with pytest.raises(DirectPurchaseNotAllowed, match="지방자치단체 기관은 바로구매를 할 수 없습니다"):
        place(buyer, agency)
    DirectPurchaseRule.objects.create(kind=AgencyKind.LOCAL_GOVERNMENT, limit=0)
    with pytest.raises(DirectPurchaseNotAllowed, match="바로구매를 할 수 없습니다"):
        place(buyer, agency)
    assert not PurchaseOrder.objects.exists()


def test_over_the_limit_is_refused_naming_the_limit(buyer, basket, agency, no_pdf):
    DirectPurchaseRule.objects.create(kind=AgencyKind.LOCAL_GOVERNMENT, limit=133_000 - 1)
    with pytest.raises(DirectPurchaseNotAllowed) as exc:
        place(buyer, agency)
    assert "132,999원" in exc.value.message and "133,000원" in exc.value.message and "견적요청" in exc.value.message
    assert not PurchaseOrder.objects.exists()
    assert ProductVariant.objects.get(pk=basket["rice"].pk).stock == 10
    assert QuoteBasketLine.objects.filter(user=buyer).count() == 2
    DirectPurchaseRule.objects.filter(kind=AgencyKind.LOCAL_GOVERNMENT).update(limit=133_000)
    assert len(place(buyer, agency, key="k2")) == 2  # exactly the limit is allowed


def test_sold_out_is_refused_and_nothing_changes(buyer, basket, agency, rule, no_pdf):
    ProductVariant.objects.filter(pk=basket["towel"].pk).update(stock=9)
    with pytest.raises(DirectPurchaseNotAllowed) as exc:
        place(buyer, agency)
    assert "바로구매할 수 없는 상품이 있습니다: 면 수건 흰색 (재고 9개)" in exc.value.message
    ProductVariant.objects.filter(pk=basket["towel"].pk).update(stock=0)
    with pytest.raises(DirectPurchaseNotAllowed, match=r"면 수건 흰색 \(품절\)"):
        place(buyer, agency)
    # Not even the rice: what the buyer confirmed is what is bought.
    assert not PurchaseOrder.objects.exists()
    assert ProductVariant.objects.get(pk=basket["rice"].pk).stock == 10
    assert QuoteBasketLine.objects.filter(user=buyer).count() == 2


def test_stock_race_lost_rolls_back_everything(buyer, basket, agency, rule, no_pdf):
    """Stock taken by someone else between the preview and the UPDATE: all or nothing."""
    real = catalog_stock.stock_take

    def racing(*, variant_id, quantity):
        if variant_id == basket["towel"].pk:
            ProductVariant.objects.filter(pk=variant_id).update(stock=0)
        return real(variant_id=variant_id, quantity=quantity)

    with mock.patch.object(catalog_stock, "stock_take", side_effect=racing):
        with pytest.raises(DirectPurchaseNotAllowed, match="품절/재고 부족: 면 수건 흰색"):
            place(buyer, agency)
    assert not PurchaseOrder.objects.exists()
    assert QuoteBasketLine.objects.filter(user=buyer).count() == 2


def test_lines_that_cannot_be_bought_are_named(buyer, basket, agency, rule, vendor, no_pdf):
    hidden = ProductFactory(vendor=vendor, procurement_eligible=False, name="일반 상품",
                            variants=[{"name": "1kg", "price": 9_000, "stock": 5}])
    QuoteBasketLine.objects.create(user=buyer, variant=hidden.variants.get(), quantity=1)
    ProductVariant.objects.filter(pk=basket["towel"].pk).update(stock=3)
    preview = svc.direct_purchase_preview(user=buyer, agency=agency)
    assert [ln.variant for ln in preview.lines] == [basket["rice"]]
    assert {ln.variant.pk: ln.problem for ln in preview.problems} == {
        basket["towel"].pk: "재고 3개", hidden.variants.get().pk: "바로구매할 수 없는 상품입니다"}
    assert not preview.can_place
    with pytest.raises(DirectPurchaseNotAllowed, match="일반 상품 1kg"):
        place(buyer, agency)
    QuoteBasketLine.objects.filter(variant__in=[hidden.variants.get(), basket["towel"]]).delete()
    orders = place(buyer, agency, key="k2")
    assert len(orders) == 1 and orders[0].total == 100_000


def test_empty_basket_and_non_members(buyer, agency, rule, user, basket, no_pdf):
    with pytest.raises(NotVerified):
        place(user, agency)
    with pytest.raises(NotVerified):
        place(AgencyMembershipFactory(agency=AgencyFactory()).user, agency)  # another agency's member
    QuoteBasketLine.objects.filter(user=buyer).delete()
    with pytest.raises(DirectPurchaseNotAllowed, match="비어 있습니다"):
        place(buyer, agency)
    with pytest.raises(ProcurementError, match="납품 장소"):
        svc.direct_purchase_place(user=buyer, agency_id=agency.pk, delivery_place=" ", idempotency_key="x")


def test_cancel_gives_the_stock_back(buyer, basket, agency, rule, no_pdf):
    orders = place(buyer, agency)
    rice_po = next(po for po in orders if po.lines.get().variant_id == basket["rice"].pk)
    svc.po_cancel(po_id=rice_po.pk, actor=buyer, reason="수량 변경")
    assert ProductVariant.objects.get(pk=basket["rice"].pk).stock == 10
    assert ProductVariant.objects.get(pk=basket["towel"].pk).stock == 40


def test_direct_flow_ends_in_records(buyer, basket, agency, rule, vendor, owner, no_pdf):
    orders = place(buyer, agency)
    po = next(po for po in orders if po.vendor_id == vendor.pk)
    svc.po_confirm(po_id=po.pk, actor=owner)
    svc.po_deliver(po_id=po.pk, actor=owner)
    records = svc.po_inspect(po_id=po.pk, actor=buyer)
    assert [(r.source, r.exempt_amount, r.total, r.category.slug) for r in records] == [
        (PurchaseSource.DIRECT, 100_000, 100_000, "rice-grains")]
    assert PurchaseRecord.objects.filter(purchase_order=po).count() == 1


# --- the page ---------------------------------------------------------------------------------------


def test_page_shows_the_basket_and_the_limit(client, buyer, basket, rule, agency):
    client.force_login(buyer)
    response = client.get(reverse("procurement:direct_purchase"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "바로구매 한도는 한 번에 500,000원" in body
    assert "133,000원" in body and 'name="key"' in body
    assert 'data-testid="over-limit"' not in body


def test_page_over_limit_and_not_allowed(client, buyer, basket, agency):
    client.force_login(buyer)
    body = client.get(reverse("procurement:direct_purchase")).content.decode()
    assert "지방자치단체 기관은 바로구매를 할 수 없습니다" in body
    DirectPurchaseRule.objects.create(kind=AgencyKind.LOCAL_GOVERNMENT, limit=100_000)
    body = client.get(reverse("procurement:direct_purchase")).content.decode()
    assert 'data-testid="over-limit"' in body


def test_post_places_and_redirects(client, buyer, basket, rule, agency, no_pdf):
    client.force_login(buyer)
    data = {"agency": agency.pk, "delivery_place": "충남도청 총무과", "key": "form-key-1", "memo": ""}
    response = client.post(reverse("procurement:direct_purchase"), data)
    assert response.status_code == 302 and response.url == reverse("procurement:po_list")
    assert PurchaseOrder.objects.count() == 2
    again = client.post(reverse("procurement:direct_purchase"), data)  # a double submit
    assert again.status_code == 302 and PurchaseOrder.objects.count() == 2


def test_post_refused_shows_the_korean_message(client, buyer, basket, agency, no_pdf):
    DirectPurchaseRule.objects.create(kind=AgencyKind.LOCAL_GOVERNMENT, limit=10_000)
    client.force_login(buyer)
    response = client.post(reverse("procurement:direct_purchase"),
                           {"agency": agency.pk, "delivery_place": "충남도청", "key": "k"})
    assert response.status_code == 400
    assert "바로구매는 한 번에 10,000원까지 할 수 있습니다" in response.content.decode()
    response = client.post(reverse("procurement:direct_purchase"), {"agency": agency.pk, "delivery_place": "",
                                                                     "key": "k"})
    assert "납품 장소를 입력해 주세요." in response.content.decode()


def test_page_for_non_members(client, user, owner):
    for who in (user, owner):
        client.force_login(who)
        response = client.get(reverse("procurement:direct_purchase"))
        assert response.status_code == 403
        assert "기관 구성원 전용" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agencies_race_for_the_last_units():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    DirectPurchaseRule.objects.create(kind=AgencyKind.LOCAL_GOVERNMENT, limit=1_000_000)
    vendor = VendorFactory()
    MembershipFactory(vendor=vendor)
    variant = ProductFactory(vendor=vendor, procurement_eligible=True,
                             variants=[{"name": "1kg", "price": 10_000, "stock": 3}]).variants.get()
    buyers = []
    for _ in range(6):
        membership = AgencyMembershipFactory(agency=AgencyFactory())
        QuoteBasketLine.objects.create(user=membership.user, variant=variant, quantity=1)
        buyers.append(membership)
    results, barrier = [], threading.Barrier(len(buyers))

    def buy(membership):
        from django.db import connections

        barrier.wait()
        try:
            results.append(len(svc.direct_purchase_place(
                user=membership.user, agency_id=membership.agency_id, delivery_place="청사",
                idempotency_key=f"k{membership.pk}")))
        except DirectPurchaseNotAllowed:
            results.append(0)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(m,)) for m in buyers]
    with mock.patch("procurement.tasks.po_pdf_task.delay"):  # patched once: threads must not race on it
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [0, 0, 0, 1, 1, 1]
    assert ProductVariant.objects.get(pk=variant.pk).stock == 0
    assert PurchaseOrder.objects.count() == 3
