"""The campaign report: figures equal a direct sum of the orders; vendors see only their own; CSV."""
import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CampaignItem, CampaignVisit, ItemStatus
from orders.models import Order, OrderLine, VendorOrder
from orders.selectors.campaign_reports import NOT_SOLD, campaign_report, report_windows
from orders.services.actions import vendor_order_cancel
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory
from tests.factories import OperatorFactory, ProductFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db


def at(order: Order, moment) -> Order:
    """Move an order to `moment` (placed, and paid then if it was paid)."""
    Order.objects.filter(pk=order.pk).update(placed_at=moment)
    if order.paid_at:
        Order.objects.filter(pk=order.pk).update(paid_at=moment)
        VendorOrder.objects.filter(order=order).update(paid_at=moment)
    order.refresh_from_db()
    return order


@pytest.fixture
def world(vendor, other_vendor, owner, other_owner):
    """A 7-day campaign that ended 3 days ago, with one product of each vendor, and orders around it."""
    now = timezone.now()
    campaign = CampaignFactory(title="2025 추석 판매전", slug="chuseok-report",
                               starts_at=now - timedelta(days=10), ends_at=now - timedelta(days=3))
    rice = ProductFactory(vendor=vendor, name="홍성 유기농 쌀", variants=[{"name": "10kg", "price": 30000, "stock": 500}])
    gim = ProductFactory(vendor=other_vendor, name="서천 곱창김",
                         variants=[{"name": "10봉", "price": 12000, "stock": 500}])
    plain = ProductFactory(vendor=vendor, name="기획전에 없는 된장", variants=[{"name": "1kg", "price": 9000, "stock": 500}])
    CampaignItemFactory(campaign=campaign, product=rice, percent_off=10)
    CampaignItemFactory(campaign=campaign, product=gim, percent_off=20)
    declined = ProductFactory(vendor=vendor, name="반려된 상품", variants=[{"name": "1개", "price": 5000, "stock": 50}])
    CampaignItemFactory(campaign=campaign, product=declined, status=ItemStatus.DECLINED)
    rice_v, gim_v, plain_v, declined_v = (p.variants.get() for p in (rice, gim, plain, declined))
    start = campaign.starts_at
    buyer = UserFactory()

    during = [
        at(place_order(items=[(rice_v, 2)], paid=True), start + timedelta(days=1)),
        at(place_order(items=[(rice_v, 1), (gim_v, 3)], paid=True), start + timedelta(days=2)),
        at(place_order(items=[(gim_v, 1)], buyer=buyer, paid=True), start + timedelta(days=6, hours=23)),
    ]
    # left out: unpaid, a product not in the campaign, a declined item, a cancelled vendor order
    at(place_order(items=[(gim_v, 5)]), start + timedelta(days=1))
    at(place_order(items=[(plain_v, 4)], paid=True), start + timedelta(days=1))
    at(place_order(items=[(declined_v, 4)], paid=True), start + timedelta(days=1))
    cancelled = at(place_order(items=[(rice_v, 7)], paid=True), start + timedelta(days=3))
    vendor_order_cancel(vendor_order_id=cancelled.vendor_orders.get().pk, actor=OperatorFactory())

    before = [
        at(place_order(items=[(rice_v, 1)], paid=True), start - timedelta(days=2)),
        at(place_order(items=[(gim_v, 2)], paid=True), start - timedelta(days=6, hours=23)),
    ]
    # too early for the comparison window, and after the end
    at(place_order(items=[(rice_v, 9)], paid=True), start - timedelta(days=7, hours=1))
    at(place_order(items=[(rice_v, 9)], paid=True), campaign.ends_at + timedelta(hours=1))

    # the checkout recorded the campaign price on the first order's line
    OrderLine.objects.filter(order=during[0]).update(campaign=campaign)
    day = timezone.localdate(start)
    CampaignVisit.objects.bulk_create([
        CampaignVisit(campaign=campaign, day=day + timedelta(days=i), count=100 + i) for i in range(8)
    ] + [CampaignVisit(campaign=campaign, day=day - timedelta(days=i), count=10) for i in range(1, 9)])
    return {"campaign": campaign, "rice": rice, "gim": gim, "plain": plain, "during": during, "before": before,
            "vendor": vendor, "other_vendor": other_vendor, "owner": owner, "other_owner": other_owner}


def direct(orders, product=None, vendor=None) -> dict:
    lines = OrderLine.objects.filter(order__in=orders)
    if product:
        lines = lines.filter(product_id_snapshot=product.pk)
    if vendor:
        lines = lines.filter(vendor_order__vendor=vendor)
    sums = lines.aggregate(revenue=Sum(F("line_total") - F("discount")), units=Sum("quantity"))
    return {"orders": lines.values("order_id").distinct().count(), "revenue": sums["revenue"] or 0,
            "units": sums["units"] or 0}


def figures(f) -> dict:
    return {"orders": f.orders, "revenue": f.revenue, "units": f.units}


def test_report_equals_a_direct_sum_of_the_orders(world):
    report = campaign_report(campaign=world["campaign"])
    during, before = world["during"], world["before"]
    assert figures(report.total.during) == direct(during) == {"orders": 3, "revenue": 30000 * 3 + 12000 * 4,
                                                               "units": 7}
    assert figures(report.total.before) == direct(before) == {"orders": 2, "revenue": 30000 + 24000, "units": 3}
    products = {r.key: r for r in report.products}
    assert set(products) == {world["rice"].pk, world["gim"].pk}  # not the plain or declined product
    for key in ("rice", "gim"):
        row = products[world[key].pk]
        assert figures(row.during) == direct(during, product=world[key])
        assert figures(row.before) == direct(before, product=world[key])
    vendors = {r.key: r for r in report.vendors}
    for key in ("vendor", "other_vendor"):
        assert figures(vendors[world[key].pk].during) == direct(during, vendor=world[key])
        assert figures(vendors[world[key].pk].before) == direct(before, vendor=world[key])
    # the order with both products counts once in the total, once for each vendor
    assert vendors[world["vendor"].pk].during.orders == 2 and vendors[world["other_vendor"].pk].during.orders == 2
    assert report.total.during.campaign_units == 2
    assert products[world["rice"].pk].revenue_change == round((90000 - 30000) * 100 / 30000, 1)
    # visits: the 8 days the campaign touches against the 8 before
    assert report.visits_during == sum(100 + i for i in range(8)) and report.visits_before == 80
    assert not report.live


def test_windows_of_a_live_campaign_are_the_time_so_far():
    now = timezone.now()
    campaign = CampaignFactory.build(starts_at=now - timedelta(days=2), ends_at=now + timedelta(days=5))
    during, before = report_windows(campaign, now)
    assert (during.start, during.end) == (campaign.starts_at, now)
    assert (before.start, before.end) == (campaign.starts_at - timedelta(days=2), campaign.starts_at)
    upcoming = CampaignFactory.build(starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=5))
    assert report_windows(upcoming, now)[0].empty


def test_sold_statuses_are_the_documented_ones():
    assert {str(s) for s in NOT_SOLD} == {"pending_payment", "cancelled", "returned", "refunded"}


def test_vendor_sees_only_its_own_items(world, client):
    client.force_login(world["owner"])
    response = client.get(reverse("orders:campaign_report", args=[world["campaign"].slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "홍성 유기농 쌀" in html and "서천 곱창김" not in html
    assert world["other_vendor"].name not in html
    report = response.context["report"]
    assert report.scoped
    assert figures(report.total.during) == direct(world["during"], vendor=world["vendor"])
    assert [r.key for r in report.vendors] == [world["vendor"].pk]


def test_staff_sees_every_vendor(world, client, operator):
    client.force_login(operator)
    response = client.get(reverse("orders:campaign_report", args=[world["campaign"].slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "홍성 유기농 쌀" in html and "서천 곱창김" in html
    assert f"{30000 * 3 + 12000 * 4:,}원" in html


def test_others_get_404_and_visitors_the_login(world, client, user, other_vendor):
    url = reverse("orders:campaign_report", args=[world["campaign"].slug])
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    client.force_login(user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("orders:campaign_report_csv", args=[world["campaign"].slug])).status_code == 404
    assert client.get(reverse("orders:campaign_reports")).status_code == 404
    # a vendor with nothing in this campaign
    CampaignItem.objects.filter(vendor=world["other_vendor"]).delete()
    client.force_login(world["other_owner"])
    assert client.get(url).status_code == 404


def test_csv_has_a_bom_and_the_same_figures(world, client):
    client.force_login(world["owner"])
    response = client.get(reverse("orders:campaign_report_csv", args=[world["campaign"].slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["2025 추석 판매전"]
    header = rows[2]
    total = dict(zip(header, rows[3], strict=True))
    mine = direct(world["during"], vendor=world["vendor"])
    assert total["기획전 기간 매출(원)"] == str(mine["revenue"]) and total["기획전 기간 수량"] == str(mine["units"])
    assert total["기획전 가격 판매 수량"] == "2"
    text = data.decode("utf-8-sig")
    assert "홍성 유기농 쌀" in text and "서천 곱창김" not in text


def test_vendor_campaign_list(world, client):
    other = CampaignFactory(title="남의 기획전")
    CampaignItemFactory(campaign=other, product=world["gim"])
    client.force_login(world["owner"])
    response = client.get(reverse("orders:campaign_reports"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2025 추석 판매전" in html and "남의 기획전" not in html
    assert reverse("orders:campaign_report", args=[world["campaign"].slug]) in html


def test_report_page_runs_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    url = reverse("orders:campaign_report", args=[world["campaign"].slug])
    client.force_login(world["owner"])
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    rice_v = world["rice"].variants.get()
    for i in range(12):
        at(place_order(items=[(rice_v, 1)], paid=True), world["campaign"].starts_at + timedelta(hours=5 + i))
    assert count() == few
    # session, user, campaign, scope, access; items, per product, per vendor, totals, visits; the partner
    # admin's header (its menu asks each registered admin whether the member may see it); whether
    # the member has a second factor to ask for (ddasum.otp, one query)
    with django_assert_max_num_queries(19):
        client.get(url)
    with django_assert_max_num_queries(8):
        campaign_report(campaign=world["campaign"], vendor_ids={world["vendor"].pk})
