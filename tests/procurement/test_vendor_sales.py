"""The vendor's own sales report (procurement.selectors.vendor_sales, /partner/sales/): the shop's figures
equal the settlements', procurement from verified records, channels, products, regions, exports, the
vendor's own only, and a fixed number of queries."""
import csv
import io
import itertools
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ddasum.postal_regions import sido_of
from orders.models import OrderLine
from orders.services.settlements import previous_month, settlements_build_period
from procurement.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRecord,
    PurchaseSource,
    RecordStatus,
)
from procurement.selectors.vendor_sales import vendor_sales_report
from tests.campaigns.factories import CampaignItemFactory
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory
from tests.orders.helpers import paid_vendor_order, vendor_order_completed

from .factories import AgencyFactory

pytestmark = pytest.mark.django_db

PO_NUMBERS = itertools.count(1)


def kst(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


def variant(vendor, price, name):
    return ProductFactory(vendor=vendor, name=name, variants=[{"name": "기본", "price": price, "stock": 500}]
                          ).variants.get()


def record(vendor, agency, on: date, amount: int, *, product=None, status=RecordStatus.VERIFIED):
    """A verified purchase record; with `product`, through a purchase order with one line of it."""
    po = None
    if product is not None:
        po = PurchaseOrder.objects.create(
            number=f"PO-TEST-{next(PO_NUMBERS):04d}", source=PurchaseSource.DIRECT, agency=agency, vendor=vendor,
            created_by=UserFactory(), delivery_place="본관", exempt_amount=amount, total=amount)
        PurchaseOrderLine.objects.create(purchase_order=po, product=product, name=product.name, quantity=10,
                                         unit_price=amount // 10, amount=amount, tax_type="exempt")
    return PurchaseRecord.objects.create(
        agency=agency, vendor=vendor, purchase_order=po, source=PurchaseSource.DIRECT if po else PurchaseSource.OUTSIDE,
        enterprise_type=vendor.enterprise_type, purchased_on=on, exempt_amount=amount, total=amount, status=status)


@pytest.fixture
def world(db):
    """Last month: three confirmed orders of `farm` (one in a campaign, one partly refunded, one to Seoul),
    one of another vendor; this month one more of `farm`; two verified records and a pending one."""
    start, end = previous_month()
    farm = VendorFactory(name="햇살농장협동조합", commission_rate=10)
    other = VendorFactory(name="다른협동조합")
    rice = variant(farm, 25000, "현미")
    apples = variant(farm, 18000, "사과")
    CampaignItemFactory(product=apples.product, percent_off=20)  # live now: ordered at 14,400
    at = kst(start.year, start.month, 10, 12)
    vos = [
        vendor_order_completed(paid_vendor_order(rice, qty=2), at=at),
        vendor_order_completed(paid_vendor_order(apples, qty=1), at=at, refunded=4000),
        vendor_order_completed(paid_vendor_order(rice, qty=1, postal_code="04524", address="서울 중구 세종대로 110"),
                               at=kst(end.year, end.month, end.day, 23, 30)),
    ]
    vendor_order_completed(paid_vendor_order(variant(other, 9000, "두부")), at=at)
    this_month = timezone.localdate().replace(day=1)
    vendor_order_completed(paid_vendor_order(rice), at=kst(this_month.year, this_month.month, 1, 0, 30))
    agency = AgencyFactory(postal_code="32255")
    seoul_agency = AgencyFactory(postal_code="03171", address="서울 종로구 세종대로 209")
    record(farm, agency, start, 300_000, product=rice.product)
    record(farm, seoul_agency, end, 50_000)  # outside the platform: no products
    record(farm, agency, start, 99_000, status=RecordStatus.PENDING)
    return {"farm": farm, "other": other, "rice": rice, "apples": apples, "vos": vos, "period": (start, end),
            "agency": agency}


def test_shop_figures_equal_the_settlement(world):
    start, end = world["period"]
    settlements_build_period(period_start=start, period_end=end, notify=False)
    settlement = world["farm"].settlements.get(period_start=start)
    report = vendor_sales_report(vendor=world["farm"], year=start.year)
    m = report.months[start.month - 1]
    assert (m.orders, m.items, m.shipping, m.refunds, m.discounts, m.commission, m.payout) == (
        settlement.order_count, settlement.items_total, settlement.shipping_total, settlement.refund_total,
        settlement.discount_total, settlement.commission_total, settlement.payout)
    assert m.b2c == settlement.payout + settlement.commission_total
    assert m.orders == 3 and m.refunds == 4000
    # Procurement: the two verified records, not the pending one.
    assert (m.b2g, m.b2g_count, m.b2g_outside) == (350_000, 2, 50_000)
    assert m.total == m.b2c + 350_000
    # This month's confirmed order is this month's (the year's total counts it when it is the same year).
    this_month = timezone.localdate()
    if this_month.year == start.year:
        assert report.months[this_month.month - 1].orders == 1


def test_channels_products_and_regions_add_up(world):
    start, _end = world["period"]
    report = vendor_sales_report(vendor=world["farm"], year=start.year, month=start.month)
    period = report.period
    channels = {r.key: r for r in report.by_channel}
    goods = sum(OrderLine.objects.filter(vendor_order__in=world["vos"]).values_list("line_total", flat=True))
    assert channels["shop"].b2c + channels["campaign"].b2c == period.items == goods
    assert channels["campaign"].b2c == 14_400 and channels["campaign"].b2c_quantity == 1
    assert channels["shop"].b2c == 75_000 and channels["shop"].b2c_quantity == 3
    assert channels["procurement"].b2g == 350_000
    assert sum(r.total for r in report.by_channel) == period.total

    products = {r.label: r for r in report.by_product}
    assert (products["현미"].b2c, products["현미"].b2c_quantity, products["현미"].b2g) == (75_000, 3, 300_000)
    assert products["사과"].b2c == 14_400
    assert report.by_product[-1].key == "outside" and report.by_product[-1].b2g == 50_000
    assert sum(r.total for r in report.by_product) == period.items + period.b2g

    regions = {r.key: r for r in report.by_region}
    assert set(regions) == {"chungnam", "seoul"}
    assert regions["seoul"].b2c_quantity == 1 and regions["seoul"].b2g == 50_000
    assert regions["chungnam"].b2g == 300_000
    assert sum(r.total for r in report.by_region) == period.total


def test_postal_codes_name_their_province():
    assert [sido_of(c) for c in ("04524", "13529", "22386", "30151", "32244", "35204", "48058", "63309")] == [
        "seoul", "gyeonggi", "incheon", "sejong", "chungnam", "daejeon", "busan", "jeju"]
    assert sido_of("1234") == sido_of("19999") == sido_of("") == "unknown"


def test_page_chart_and_exports(client, world):
    start, _end = world["period"]
    client.force_login(MembershipFactory(vendor=world["farm"]).user)
    index = client.get(reverse("partner:index"))
    url = reverse("partner:sales_report")
    assert url in index.content.decode()
    page = client.get(url, {"year": start.year})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="vendor-sales-chart"' in html and f'data-month="{start.month}"' in html
    year_total = page.context["report"].year_total.total
    assert f"{year_total:,}원" in html

    rows = list(csv.reader(io.StringIO(client.get(url, {"year": start.year, "format": "csv"}).content
                                       .decode("utf-8-sig"))))
    month_row = next(r for r in rows if r and r[0] == f"{start.year}-{start.month:02d}")
    assert int(month_row[-1]) == page.context["report"].months[start.month - 1].total
    workbook = load_workbook(io.BytesIO(client.get(url, {"year": start.year, "format": "xlsx"}).content))
    assert workbook.sheetnames == ["월별", "채널별", "상품별", "지역별"]


def test_a_vendor_sees_only_its_own(client, world):
    start, _end = world["period"]
    url = reverse("partner:sales_report")
    client.force_login(MembershipFactory(vendor=world["other"]).user)
    page = client.get(url, {"year": start.year})
    assert page.context["vendor"] == world["other"]
    assert "햇살농장협동조합" not in page.content.decode()
    assert page.context["report"].months[start.month - 1].b2g == 0
    assert client.get(url, {"vendor": world["farm"].pk}).status_code == 404
    assert client.get(url, {"vendor": world["farm"].pk, "format": "csv"}).status_code == 404
    client.force_login(UserFactory())  # no vendor at all: the partner admin refuses
    assert client.get(url).status_code in (302, 403)


def test_the_page_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    start, _end = world["period"]
    client.force_login(MembershipFactory(vendor=world["farm"]).user)
    url = reverse("partner:sales_report")
    with django_assert_max_num_queries(30) as few:
        client.get(url, {"year": start.year})
    for _ in range(5):  # more orders, products, buyers and records: the same queries
        more = variant(world["farm"], 7000, "두부 선물")
        vendor_order_completed(paid_vendor_order(more, qty=2, postal_code="48058"),
                               at=kst(start.year, start.month, 12, 9))
        record(world["farm"], AgencyFactory(postal_code="61945"), start, 20_000, product=more.product)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"year": start.year})
