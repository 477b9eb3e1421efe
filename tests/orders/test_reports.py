"""Sales reports: the 2017 table to the won, the breakdowns, the chart, CSV, and who may read them."""
import csv
import io
import random
import re
from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalog.models import ShippingPolicy
from ddasum.demo import orders as demo
from orders.models import Order, OrderLine, Settlement, SettlementStatus, StatusEvent, VendorOrder, VendorOrderStatus
from orders.selectors.reports import (
    monthly_chart_svg,
    sales_by_category,
    sales_by_enterprise_type,
    sales_by_month,
    sales_by_region,
    sales_by_vendor,
)
from orders.services.actions import vendor_order_transition
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, category, place_order
from vendors.models import EnterpriseType, Region

pytestmark = pytest.mark.django_db

TABLE_2017 = {
    1: 11_873_500, 2: 702_000, 3: 495_100, 4: 2_907_630, 5: 936_500, 6: 3_169_600,
    7: 514_000, 8: 786_600, 9: 13_562_100, 10: 982_000, 11: 3_307_500, 12: 1_212_500,
}
TOTAL_2017 = 40_449_030

PRODUCTS = [  # (category slug, name, price, vendor index)
    ("rice-grains", "햅쌀 선물세트", 45000, 0), ("rice-grains", "유기농 백미", 18000, 0),
    ("health-food", "금산 홍삼정", 89000, 1), ("health-food", "아로니아즙", 29000, 1),
    ("processed-food", "전통 한과 세트", 28000, 2), ("processed-food", "떡국떡", 8500, 2),
    ("fruit-vegetables", "절임배추", 32000, 3), ("fruit-vegetables", "설향 딸기", 13000, 3),
    ("household", "천연 수제비누", 15000, 4), ("side-dishes-sauces", "전통 된장", 18000, 4),
    ("meat-seafood", "꽃게 선물세트", 65000, 5), ("education-culture", "갯벌 생태 교실", 18000, 5),
]


def seed_history():
    """The orders demo on a small catalog made by factories (the full demo takes much longer)."""
    vendors = [
        VendorFactory(region=region, enterprise_type=kind)
        for region, kind in [(Region.CHEONAN, EnterpriseType.VILLAGE), (Region.GEUMSAN, EnterpriseType.SOCIAL),
                             (Region.DANGJIN, EnterpriseType.COOPERATIVE), (Region.NONSAN, EnterpriseType.SELF_SUFFICIENCY),
                             (Region.HONGSEONG, EnterpriseType.SOCIAL_COOPERATIVE), (Region.TAEAN, EnterpriseType.VILLAGE)]
    ]
    for i, v in enumerate(vendors):
        ShippingPolicy.objects.create(vendor=v, base_fee=3000 + 500 * (i % 2), free_threshold=50000 if i % 3 else None)
    for slug, name, price, vi in PRODUCTS:
        ProductFactory(vendor=vendors[vi], category=category(slug), name=name,
                       kind="service" if slug == "education-culture" else "goods",
                       variants=[{"name": "기본", "price": price, "stock": 50}])
    out = io.StringIO()
    demo.seed(stdout=out, rng=random.Random("2026:orders"))
    return out.getvalue()


@pytest.fixture(scope="module")
def _module_history(django_db_setup, django_db_blocker):
    """Seed the history once for this module, in a transaction rolled back after its last test.

    Each test runs in a savepoint inside it (as Django's TestCase does with setUpTestData).
    """
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed_history()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def history(_module_history, db):
    return _module_history


# --- the 2017 table ----------------------------------------------------------------------------------


def test_the_real_demo_reproduces_the_table():
    """The whole demo through the command, as `make run` loads it.

    First in the module: it must run before the module's small history is seeded.
    """
    assert not Order.objects.exists()
    call_command("seed_demo", "accounts", "vendors", "catalog", "orders", stdout=io.StringIO())
    assert {m.month: m.revenue for m in sales_by_month(year=2017).months} == TABLE_2017
    # consumer1 has vendor1's orders in every live state.
    live = VendorOrder.objects.filter(order__buyer__email="consumer1@ddasum.kr",
                                      vendor__memberships__user__email="vendor1@ddasum.kr")
    assert {VendorOrderStatus.PENDING_PAYMENT, VendorOrderStatus.PAID, VendorOrderStatus.PREPARING,
            VendorOrderStatus.SHIPPED, VendorOrderStatus.DELIVERED} <= set(live.values_list("status", flat=True))


def test_monthly_revenue_is_the_2017_table_to_the_won(history):
    report = sales_by_month(year=2017)
    assert {m.month: m.revenue for m in report.months} == TABLE_2017
    assert report.revenue == TOTAL_2017
    assert all(m.orders > 0 and m.average == (2 * m.revenue + m.orders) // (2 * m.orders) for m in report.months)
    assert "합계 40,449,030원" in history


def test_the_history_is_consistent_and_complete(history):
    orders = Order.objects.filter(idempotency_key__startswith=demo.HISTORY_KEY).prefetch_related("vendor_orders__lines")
    assert orders.count() > 100
    for order in orders:
        vos = list(order.vendor_orders.all())
        assert sum(vo.total for vo in vos) == order.total == order.items_total + order.shipping_total
        for vo in vos:
            assert sum(ln.line_total for ln in vo.lines.all()) == vo.items_total
            assert all(ln.line_total == ln.unit_price * ln.quantity for ln in vo.lines.all())
            assert vo.total == vo.items_total + vo.shipping_fee
        assert timezone.localtime(order.paid_at).year == 2017
    # Every history vendor order is either completed (and settled, paid) or cancelled and refunded in full.
    vos = VendorOrder.objects.filter(order__idempotency_key__startswith=demo.HISTORY_KEY)
    assert not vos.exclude(status__in=[VendorOrderStatus.COMPLETED, VendorOrderStatus.CANCELLED]).exists()
    assert not vos.filter(status=VendorOrderStatus.COMPLETED, settlement_line__isnull=True).exists()
    cancelled = vos.filter(status=VendorOrderStatus.CANCELLED)
    assert all(vo.refunded_amount == vo.total for vo in cancelled)
    assert not Settlement.objects.exclude(status=SettlementStatus.PAID).exists()
    # Each order's history of states is there.
    assert StatusEvent.objects.filter(vendor_order__in=vos, to_status=VendorOrderStatus.COMPLETED).count() == \
        vos.filter(status=VendorOrderStatus.COMPLETED).count()
    # The month's last order absorbed the remainder: it is the last one paid in the month.
    for month in range(1, 13):
        last = Order.objects.filter(idempotency_key__startswith=f"{demo.HISTORY_KEY}{month:02d}-").latest("paid_at")
        assert last.lines.count() == 1


def test_a_second_seed_creates_nothing(history):
    counts = [m.objects.count() for m in (Order, VendorOrder, OrderLine, Settlement, StatusEvent)]
    assert "새로 0건" in seed_history_again()
    assert [m.objects.count() for m in (Order, VendorOrder, OrderLine, Settlement, StatusEvent)] == counts


def seed_history_again():
    out = io.StringIO()
    demo.seed(stdout=out, rng=random.Random("2026:orders"))
    return out.getvalue()


# --- the definition of revenue ------------------------------------------------------------------------


def test_refunds_count_against_the_month_paid_and_cancelled_orders_are_not_orders(vendor):
    variant = ProductFactory(vendor=vendor, variants=[{"name": "1kg", "price": 10000, "stock": 50}]).variants.get()
    kept = place_order(items=[(variant, 2)], paid=True)  # 20,000
    refunded = place_order(items=[(variant, 3)], paid=True)  # 30,000, 5,000 refunded later
    cancelled = place_order(items=[(variant, 1)], paid=True)  # 10,000, all refunded
    place_order(items=[(variant, 1)])  # never paid: nothing
    boundary = timezone.make_aware(datetime(2019, 1, 31, 23, 30), timezone.get_default_timezone())  # 14:30 UTC
    Order.objects.filter(pk__in=[kept.pk, refunded.pk, cancelled.pk]).update(paid_at=boundary)
    VendorOrder.objects.filter(order__in=[kept, refunded, cancelled]).update(paid_at=boundary)
    VendorOrder.objects.filter(order=refunded).update(refunded_amount=5000)
    vo = cancelled.vendor_orders.get()
    VendorOrder.objects.filter(pk=vo.pk).update(refunded_amount=vo.total, status=VendorOrderStatus.CANCELLED)
    Order.objects.filter(pk=cancelled.pk).update(status="cancelled")

    january = sales_by_month(year=2019).months[0]
    assert (january.revenue, january.orders, january.refunds) == (60000 - 15000, 2, 15000)
    assert january.average == 22500
    assert sales_by_month(year=2019).months[1].revenue == 0
    assert [r.revenue for r in sales_by_vendor(year=2019, month=1)] == [45000]
    # Category: goods of vendor orders that stayed sold.
    rice = next(r for r in sales_by_category(year=2019) if r.key == "rice-grains")
    assert (rice.revenue, rice.extra["quantity"]) == (50000, 5)


# --- breakdowns ---------------------------------------------------------------------------------------


def test_breakdowns_add_up(history):
    vendors = sales_by_vendor(year=2017)
    assert sum(r.revenue for r in vendors) == TOTAL_2017  # no order-level discounts in the history
    assert sum(r.revenue for r in sales_by_region(year=2017)) == TOTAL_2017
    assert sum(r.revenue for r in sales_by_enterprise_type(year=2017)) == TOTAL_2017
    assert [r.label for r in sales_by_region(year=2017)][:2] == ["천안시", "공주시"]  # Region order
    categories = sales_by_category(year=2017)
    goods = sum(OrderLine.objects.filter(vendor_order__paid_at__year=2017).exclude(
        vendor_order__status=VendorOrderStatus.CANCELLED).values_list("line_total", flat=True))
    assert sum(r.revenue for r in categories) == goods < TOTAL_2017
    assert len([r for r in categories if r.key != "unknown"]) == 12
    september = sales_by_vendor(year=2017, month=9)
    assert sum(r.revenue for r in september) == TABLE_2017[9]
    assert round(sum(r.share for r in vendors)) == 100


def test_monthly_report_is_two_queries(history, django_assert_num_queries):
    with django_assert_num_queries(2):
        sales_by_month(year=2017)


# --- pages, chart and CSV -----------------------------------------------------------------------------


def test_monthly_page_shows_the_table_and_a_server_drawn_chart(history, operator_client):
    response = operator_client.get(reverse("orders:reports") + "?year=2017")
    assert response.status_code == 200
    html = response.content.decode()
    assert "40,449,030원" in html and "11,873,500원" in html and "2,907,630원" in html
    svg = re.search(r"<svg[^>]*sales-chart.*?</svg>", html, re.S).group(0)
    bars = dict(re.findall(r'data-month="(\d+)" data-revenue="(\d+)"', svg))
    assert {int(m): int(v) for m, v in bars.items()} == TABLE_2017
    assert "<script" not in svg and "http://www.w3.org/2000/svg" in svg
    heights = {int(m): float(h) for m, h in re.findall(r'data-month="(\d+)"[^>]*height="([\d.]+)"', svg)}
    assert max(heights, key=heights.get) == 9 and min(heights, key=heights.get) == 3  # 추석 highest, March lowest
    assert "//cdn" not in html


def test_chart_of_an_empty_year_draws_no_bars_but_does_not_fail():
    svg = monthly_chart_svg(sales_by_month(year=2031))
    assert svg.count('class="bar"') == 12 and 'height="0.0"' in svg


def test_monthly_csv(history, operator_client):
    response = operator_client.get(reverse("orders:reports") + "?year=2017&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert 'filename="sales-2017-monthly.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["월", "매출(원)", "주문 수"]
    assert {int(r[0][-2:]): int(r[1]) for r in rows[1:13]} == TABLE_2017
    assert rows[13][0] == "합계" and int(rows[13][1]) == TOTAL_2017


@pytest.mark.parametrize("kind", ["vendors", "categories", "regions", "types"])
def test_each_breakdown_page_and_its_csv(history, operator_client, kind):
    url = reverse("orders:report", args=[kind])
    page = operator_client.get(url + "?year=2017")
    assert page.status_code == 200 and f'id="sales-{kind}"' in page.content.decode()
    month = operator_client.get(url + "?year=2017&month=9")
    assert month.status_code == 200
    response = operator_client.get(url + "?year=2017&format=csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) > 1
    amount_column = 4 if kind == "vendors" else 1
    total = sum(int(r[amount_column]) for r in rows[1:])
    assert total == TOTAL_2017 if kind != "categories" else 0 < total < TOTAL_2017


def test_unknown_breakdown_is_404(operator_client):
    assert operator_client.get(reverse("orders:report", args=["colours"])).status_code == 404


# --- who may read them ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reports", "report"])
def test_only_operators(client, vendor, name):
    url = reverse("orders:reports") if name == "reports" else reverse("orders:report", args=["vendors"])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(MembershipFactory(vendor=vendor).user)
    assert client.get(url).status_code == 403
    assert client.get(url + "?format=csv").status_code == 403


def test_a_vendor_order_completed_now_is_in_this_years_report(vendor, operator_client):
    variant = ProductFactory(vendor=vendor, variants=[{"name": "1kg", "price": 12000, "stock": 5}]).variants.get()
    order = place_order(items=[(variant, 1)], paid=True)
    vo = order.vendor_orders.get()
    for to in (VendorOrderStatus.PREPARING, VendorOrderStatus.SHIPPED):
        vendor_order_transition(vo, to)
    page = operator_client.get(reverse("orders:reports"))
    assert page.status_code == 200 and "12,000원" in page.content.decode()
