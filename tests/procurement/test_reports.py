"""Priority-purchase reports: every figure is the sum of the records it summarises."""
import csv
import io
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from catalog.models import Category
from procurement.models import (
    AgencyTarget,
    PurchaseRecord,
    PurchaseSource,
    QuoteRequest,
    QuoteStatus,
    RecordStatus,
    RequestStatus,
    TargetKind,
    VendorQuote,
)
from procurement.selectors import reports
from tests.factories import MembershipFactory, OperatorFactory, UserFactory, VendorFactory, category
from tests.procurement.factories import AgencyFactory, AgencyMembershipFactory, AgencyTargetFactory
from vendors.models import EnterpriseType, Region

pytestmark = pytest.mark.django_db

YEAR = 2025
SLUGS = ("rice-grains", "household", "services", "lunch-catering")


@pytest.fixture
def world():
    """Two agencies of different regions and kinds, vendors of every type, a sub-category."""
    agencies = [AgencyFactory(name="충청남도청", region="province"),
                AgencyFactory(name="천안시청", region="cheonan", kind="local_gov"),
                AgencyFactory(name="충남교육청", region="hongseong", kind="education")]
    types = list(EnterpriseType.values)
    regions = [Region.HONGSEONG, Region.CHEONAN, Region.GONGJU]
    vendors = [VendorFactory(enterprise_type=types[i % len(types)], region=regions[i % len(regions)])
               for i in range(7)]
    categories = [category(slug) for slug in SLUGS]
    child = Category.objects.create(name="친환경 세제", slug="eco-detergent", parent=category("household"))
    return {"agencies": agencies, "vendors": vendors, "categories": [*categories, child, None]}


def random_records(rng: random.Random, world, n: int) -> list[PurchaseRecord]:
    """Records across three years (with the year's edges), every source and status, some without a category."""
    days = [date(YEAR, 1, 1), date(YEAR, 12, 31), date(YEAR - 1, 12, 31), date(YEAR + 1, 1, 1)]
    rows = []
    for _ in range(n):
        vendor = rng.choice(world["vendors"])
        source = rng.choice(list(PurchaseSource.values))
        status = RecordStatus.VERIFIED
        if source == PurchaseSource.OUTSIDE:
            status = rng.choice([RecordStatus.VERIFIED, RecordStatus.PENDING, RecordStatus.REJECTED])
        day = rng.choice(days) if rng.random() < 0.2 else date(YEAR, rng.randint(1, 12), rng.randint(1, 28))
        taxable = rng.choice([0, rng.randint(1, 5_000_000)])
        exempt = rng.choice([0, rng.randint(1, 3_000_000)]) if taxable else rng.randint(1, 3_000_000)
        rows.append(PurchaseRecord(
            agency=rng.choice(world["agencies"]), vendor=vendor, source=source, status=status,
            enterprise_type=vendor.enterprise_type, category=rng.choice(world["categories"]), purchased_on=day,
            description="테스트 구매", taxable_amount=taxable, exempt_amount=exempt, total=taxable + exempt,
        ))
    return PurchaseRecord.objects.bulk_create(rows)


def sums(records) -> tuple[int, int, int, int]:
    records = list(records)
    return (sum(r.taxable_amount for r in records), sum(r.exempt_amount for r in records),
            sum(r.total for r in records), len(records))


def cells(row: reports.Row) -> tuple[int, int, int, int]:
    return row.taxable, row.exempt, row.total, row.count


def top_slug(record) -> str:
    if record.category is None:
        return "none"
    return (record.category.parent or record.category).slug


def grouped(records, key) -> dict:
    groups = defaultdict(list)
    for r in records:
        groups[key(r)].append(r)
    return {k: sums(v) for k, v in groups.items()}


def check_rows(rows: list[reports.Row], expected: dict, *, zeros_allowed: bool = False) -> None:
    got = {r.key: cells(r) for r in rows if r.count or not zeros_allowed}
    if zeros_allowed:
        got = {k: v for k, v in got.items() if v[3]}
    assert got == expected
    whole = sum(r.total for r in rows)
    for r in rows:
        assert r.share == (reports.percent(r.total, whole) or 0.0)


@pytest.mark.parametrize("seed", range(4))
def test_every_cell_is_the_sum_of_its_records(world, seed):
    rng = random.Random(seed)
    made = random_records(rng, world, 80)
    this_year = [r for r in made if r.purchased_on.year == YEAR]
    ok = [r for r in this_year if r.status == RecordStatus.VERIFIED]

    for agency in world["agencies"]:
        mine = [r for r in ok if r.agency_id == agency.pk]
        report = reports.agency_report(agency=agency, year=YEAR)
        assert cells(report.summary) == sums(mine)
        for month in report.months:
            assert cells(month) == sums(r for r in mine if r.purchased_on.month == month.extra["month"])
        assert sum(m.total for m in report.months) == report.summary.total
        check_rows(report.by_type, grouped(mine, lambda r: r.enterprise_type), zeros_allowed=True)
        assert [r.key for r in report.by_type] == list(EnterpriseType.values)  # all six, in order
        check_rows(report.by_category, grouped(mine, top_slug))
        check_rows(report.by_vendor, grouped(mine, lambda r: str(r.vendor_id)))
        check_rows(report.by_source, grouped(mine, lambda r: r.source), zeros_allowed=True)
        assert cells(report.type_total) == sums(mine)
        # Outside purchases not verified are shown apart and never counted.
        waiting = [r for r in this_year if r.agency_id == agency.pk]
        assert cells(report.pending) == sums(r for r in waiting if r.status == RecordStatus.PENDING)
        assert cells(report.rejected) == sums(r for r in waiting if r.status == RecordStatus.REJECTED)
        assert {r.pk for r in report.outside_waiting} == {
            r.pk for r in waiting if r.status != RecordStatus.VERIFIED}

    for vendor in world["vendors"]:
        mine = [r for r in ok if r.vendor_id == vendor.pk]
        report = reports.vendor_report(vendor=vendor, year=YEAR)
        assert cells(report.summary) == sums(mine)
        check_rows(report.by_agency, grouped(mine, lambda r: str(r.agency_id)))
        check_rows(report.by_category, grouped(mine, top_slug))
        for month in report.months:
            assert cells(month) == sums(r for r in mine if r.purchased_on.month == month.extra["month"])

    report = reports.operator_report(year=YEAR)
    assert cells(report.summary) == sums(ok)
    assert cells(report.pending) == sums(r for r in this_year if r.status == RecordStatus.PENDING)
    check_rows(report.by_agency, grouped(ok, lambda r: str(r.agency_id)))
    check_rows(report.by_vendor, grouped(ok, lambda r: str(r.vendor_id)))
    check_rows(report.by_category, grouped(ok, top_slug))
    check_rows(report.by_type, grouped(ok, lambda r: r.enterprise_type), zeros_allowed=True)
    check_rows(report.by_source, grouped(ok, lambda r: r.source), zeros_allowed=True)
    check_rows(report.by_agency_region, grouped(ok, lambda r: r.agency.region), zeros_allowed=True)
    check_rows(report.by_vendor_region, grouped(ok, lambda r: r.vendor.region), zeros_allowed=True)
    check_rows(report.by_agency_kind, grouped(ok, lambda r: r.agency.kind), zeros_allowed=True)
    assert [r.key for r in report.by_vendor_region] == list(Region.values)


def test_target_progress_for_amount_and_share_targets(world):
    agency, other = world["agencies"][:2]
    vendor = world["vendors"][0]
    for taxable, exempt in ((12_000_000, 3_000_000), (5_000_000, 0)):
        PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.QUOTE,
                                      enterprise_type=vendor.enterprise_type, purchased_on=date(YEAR, 3, 2),
                                      taxable_amount=taxable, exempt_amount=exempt, total=taxable + exempt)
    PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.OUTSIDE,
                                  status=RecordStatus.PENDING, enterprise_type=vendor.enterprise_type,
                                  purchased_on=date(YEAR, 4, 2), taxable_amount=0, exempt_amount=9_000_000,
                                  total=9_000_000)
    AgencyTargetFactory(agency=agency, year=YEAR, amount=60_000_000)
    report = reports.agency_report(agency=agency, year=YEAR)
    assert report.summary.total == 20_000_000  # the pending 9,000,000 stays out
    assert report.target_amount == 60_000_000
    assert report.progress == 33.3
    assert report.remaining == 40_000_000

    # A share target: 2.5% of a 400,000,000 plan = 10,000,000; 200% achieved, the bar stops at 100.
    AgencyTarget.objects.filter(agency=agency).update(kind=TargetKind.SHARE, amount=None,
                                                      share_percent=Decimal("2.5"), total_purchase_plan=400_000_000)
    report = reports.agency_report(agency=agency, year=YEAR)
    assert report.target_amount == 10_000_000
    assert report.progress == 200.0 and report.progress_bar == 100.0 and report.remaining == 0

    # No target, no progress.
    report = reports.agency_report(agency=other, year=YEAR)
    assert report.target is None and report.progress is None and report.progress_bar == 0.0


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def buyer(world):
    return AgencyMembershipFactory(agency=world["agencies"][0]).user


def test_dashboard_shows_the_year_against_the_target(client, world, buyer):
    agency = world["agencies"][0]
    vendor = world["vendors"][0]
    AgencyTargetFactory(agency=agency, year=YEAR, amount=40_000_000)
    PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.QUOTE,
                                  enterprise_type=vendor.enterprise_type, purchased_on=date(YEAR, 9, 14),
                                  category=category("rice-grains"), taxable_amount=0, exempt_amount=10_000_000,
                                  total=10_000_000)
    PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.OUTSIDE,
                                  status=RecordStatus.PENDING, enterprise_type=vendor.enterprise_type,
                                  purchased_on=date(YEAR, 10, 1), taxable_amount=1_100_000, exempt_amount=0,
                                  total=1_100_000, description="행사 도시락")
    client.force_login(buyer)
    response = client.get(reverse("procurement:dashboard"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="total">10,000,000원' in html
    assert 'data-testid="target">40,000,000원' in html
    assert 'data-testid="progress-percent">25.0%' in html
    assert 'data-progress="25.0"' in html  # the bar's width, set by storefront.js (no inline style under the CSP)
    assert "확인 대기 중인 외부 구매 1건(1,100,000원)" in html
    assert 'data-month="9" data-total="10000000"' in html  # the chart's September bar
    assert "행사 도시락" in html and vendor.name in html


def test_dashboard_is_for_the_members_of_the_agency(client, world, buyer):
    url = reverse("procurement:dashboard")
    assert client.get(url).status_code == 302  # sign in first

    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 403 and "확인된 공공기관의 구성원만" in response.content.decode()

    client.force_login(buyer)
    other = world["agencies"][1]
    assert client.get(url, {"agency": other.pk}).status_code == 404
    assert client.get(reverse("procurement:dashboard_export"), {"agency": other.pk}).status_code == 404
    assert client.get(url, {"agency": world["agencies"][0].pk}).status_code == 200

    # An operator may open any agency's dashboard (from the operator report).
    client.force_login(OperatorFactory())
    response = client.get(url, {"agency": other.pk})
    assert response.status_code == 200 and other.name in response.content.decode()


def test_pages_cost_the_same_queries_whatever_the_records(client, world, buyer, django_assert_max_num_queries):
    agency = world["agencies"][0]
    owner = MembershipFactory(vendor=world["vendors"][0]).user
    operator = OperatorFactory()
    AgencyTargetFactory(agency=agency, year=YEAR)
    pages = [
        (buyer, reverse("procurement:dashboard"), {"year": YEAR}),
        (buyer, reverse("procurement:dashboard_export"), {"year": YEAR, "format": "xlsx"}),
        (buyer, reverse("procurement:dashboard_export"), {"year": YEAR, "format": "csv"}),
        (owner, reverse("procurement:vendor_report"), {"year": YEAR}),
        (owner, reverse("procurement:vendor_report_export"), {"year": YEAR}),
        (operator, reverse("procurement:operator_report"), {"year": YEAR}),
        (operator, reverse("procurement:operator_report_export"), {"year": YEAR, "format": "csv"}),
    ]
    rng = random.Random(7)
    counts = {}
    for n in (3, 150):
        random_records(rng, world, n)
        for i, (who, url, params) in enumerate(pages):
            client.force_login(who)
            client.get(url, params)  # warm: the site's cached menus are read once
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url, params).status_code == 200
            counts.setdefault(i, []).append(len(ctx))
    assert all(small == large for small, large in counts.values()), counts
    client.force_login(buyer)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("procurement:dashboard"), {"year": YEAR}).status_code == 200


def export(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response


def test_xlsx_export_has_the_yearly_report_layout(client, world, buyer):
    agency = world["agencies"][0]
    social, coop = (VendorFactory(name="홍성우리마을", enterprise_type=EnterpriseType.SOCIAL),
                    VendorFactory(name="천안나눔협동조합", enterprise_type=EnterpriseType.COOPERATIVE))
    AgencyTargetFactory(agency=agency, year=YEAR, amount=20_000_000)
    rows = [(social, date(YEAR, 2, 3), 1_100_000, 400_000, PurchaseSource.QUOTE),
            (coop, date(YEAR, 5, 6), 0, 2_500_000, PurchaseSource.DIRECT),
            (social, date(YEAR, 11, 20), 3_300_000, 0, PurchaseSource.OUTSIDE)]
    for vendor, day, taxable, exempt, source in rows:
        PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=source,
                                      enterprise_type=vendor.enterprise_type, purchased_on=day,
                                      category=category("household"), taxable_amount=taxable,
                                      exempt_amount=exempt, total=taxable + exempt)
    PurchaseRecord.objects.create(agency=agency, vendor=coop, source=PurchaseSource.OUTSIDE,
                                  status=RecordStatus.PENDING, enterprise_type=coop.enterprise_type,
                                  purchased_on=date(YEAR, 6, 1), taxable_amount=700_000, total=700_000)
    client.force_login(buyer)
    response = export(client, reverse("procurement:dashboard_export"), year=YEAR, format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"priority-purchase-{YEAR}" in response["Content-Disposition"]

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["우선구매 실적", "월별", "분류별", "기업별"]
    ws = book["우선구매 실적"]
    grid = list(ws.iter_rows(values_only=True))
    label = {row[0]: row[1] for row in grid if row and row[0]}
    assert f"{YEAR}년" in grid[0][0]
    assert label["기관명"] == agency.name
    assert label["고유번호"] == agency.registration_number
    assert label["연도"] == YEAR
    assert label["목표(원)"] == 20_000_000
    assert label["실적 합계(원)"] == 7_300_000
    assert label["달성률(%)"] == 36.5
    assert label["확인 대기 외부 구매(원, 실적 미포함)"] == 700_000

    types_at = next(i for i, row in enumerate(grid) if row[0] == "기업 유형")
    assert grid[types_at][:5] == ("기업 유형", "과세(원)", "면세(원)", "합계(원)", "건수")
    by_type = {row[0]: row[1:5] for row in grid[types_at + 1:types_at + 8]}
    assert list(by_type)[:6] == ["사회적기업", "예비사회적기업", "마을기업", "협동조합", "사회적협동조합", "자활기업"]
    assert by_type["사회적기업"] == (4_400_000, 400_000, 4_800_000, 2)
    assert by_type["협동조합"] == (0, 2_500_000, 2_500_000, 1)
    assert by_type["마을기업"] == (0, 0, 0, 0)
    assert by_type["합계"] == (4_400_000, 2_900_000, 7_300_000, 3)

    list_at = next(i for i, row in enumerate(grid) if row[0] == "구매일")
    assert grid[list_at][:9] == ("구매일", "기업명", "사업자등록번호", "기업 유형", "분류", "구매 경로",
                                 "과세(원)", "면세(원)", "합계(원)")
    records = [row[:9] for row in grid[list_at + 1:] if row[0]]
    assert len(records) == 3  # verified only, oldest first
    assert records[0][0].date() == date(YEAR, 2, 3)
    assert records[0][1:] == ("홍성우리마을", social.business_number, "사회적기업", "생활용품", "견적 채택",
                              1_100_000, 400_000, 1_500_000)
    assert records[2][5] == "플랫폼 외 구매"


def test_csv_export_has_a_bom_and_the_same_cells(client, world, buyer):
    agency = world["agencies"][0]
    vendor = world["vendors"][0]
    PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.DIRECT,
                                  enterprise_type=vendor.enterprise_type, purchased_on=date(YEAR, 7, 7),
                                  taxable_amount=550_000, total=550_000)
    client.force_login(buyer)
    response = export(client, reverse("procurement:dashboard_export"), year=YEAR, format="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    label = {row[0]: row[1] for row in rows if len(row) > 1}
    assert label["기관명"] == agency.name and label["실적 합계(원)"] == "550000"
    list_at = next(i for i, row in enumerate(rows) if row and row[0] == "구매일")
    assert rows[list_at + 1][:3] == [f"{YEAR}-07-07", vendor.name, vendor.business_number]
    assert rows[list_at + 1][-3:] == ["550000", "0", "550000"]

    bad = client.get(reverse("procurement:dashboard_export"), {"format": "pdf"})
    assert bad.status_code == 400


def test_vendor_sees_only_its_own_sales(client, world):
    mine, theirs = world["vendors"][:2]
    agency = world["agencies"][1]
    for vendor, amount in ((mine, 1_000_000), (theirs, 7_000_000)):
        PurchaseRecord.objects.create(agency=agency, vendor=vendor, source=PurchaseSource.QUOTE,
                                      enterprise_type=vendor.enterprise_type, purchased_on=date(YEAR, 3, 3),
                                      category=category("services"), taxable_amount=amount, total=amount)
    PurchaseRecord.objects.create(agency=world["agencies"][0], vendor=mine, source=PurchaseSource.OUTSIDE,
                                  status=RecordStatus.PENDING, enterprise_type=mine.enterprise_type,
                                  purchased_on=date(YEAR, 3, 4), taxable_amount=5_000, total=5_000)
    owner = MembershipFactory(vendor=mine).user
    url = reverse("procurement:vendor_report")

    client.force_login(owner)
    response = client.get(url, {"year": YEAR})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="total">1,000,000원' in html and agency.name in html
    assert world["agencies"][0].name not in html  # its only record is not verified
    assert "7,000,000" not in html
    assert client.get(url, {"vendor": theirs.pk}).status_code == 404
    assert client.get(reverse("procurement:vendor_report_export"), {"vendor": theirs.pk}).status_code == 404

    book = load_workbook(io.BytesIO(export(client, reverse("procurement:vendor_report_export"), year=YEAR).content))
    grid = list(book.worksheets[0].iter_rows(values_only=True))
    assert {row[0] for row in grid if row} >= {agency.name, "기관명", "구매일"}
    assert not any(theirs.name in str(c) for row in grid for c in row)

    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_operator_report_is_for_operators_and_lists_unanswered_quotes(client, world, buyer, settings):
    settings.PROCUREMENT_REMIND_AFTER_DAYS = 3
    agency = world["agencies"][0]
    vendor, answered_vendor = world["vendors"][:2]
    old = timezone.now() - timedelta(days=5)

    def ask(number, title, vendors, *, status=RequestStatus.OPEN, created_at=None, answered=()):
        request = QuoteRequest.objects.create(number=number, agency=agency, created_by=buyer, title=title,
                                              delivery_place="충남도청 본관", reply_by=timezone.localdate(),
                                              status=status)
        for n, v in enumerate(vendors, 1):
            quote = VendorQuote.objects.create(
                request=request, vendor=v, number=f"{number}-{n}",
                status=QuoteStatus.ANSWERED if v in answered else QuoteStatus.REQUESTED)
            if created_at:
                VendorQuote.objects.filter(pk=quote.pk).update(created_at=created_at)

    ask("RQ-1", "행사용 도시락", [vendor, answered_vendor], created_at=old)  # nobody answered in 5 days
    ask("RQ-2", "사무용품", [vendor, answered_vendor], created_at=old, answered=[answered_vendor])
    ask("RQ-3", "새 요청", [vendor])  # asked just now
    ask("RQ-4", "취소한 요청", [vendor], created_at=old, status=RequestStatus.CANCELLED)

    assert [q.number for q in reports.unanswered_quotes()] == ["RQ-1-1", "RQ-1-2"]
    assert [q.number for q in reports.unanswered_quotes(days=0)] == ["RQ-1-1", "RQ-1-2", "RQ-3-1"]

    url = reverse("procurement:operator_report")
    assert client.get(url).status_code == 302
    client.force_login(buyer)
    assert client.get(url).status_code == 403
    assert client.get(reverse("procurement:operator_report_export")).status_code == 403
    client.force_login(OperatorFactory())
    html = client.get(url).content.decode()
    assert 'data-testid="unanswered-count">2<' in html
    assert "RQ-1-1" in html and "RQ-1-2" in html and "RQ-2-1" not in html and "RQ-3-1" not in html

    response = export(client, reverse("procurement:operator_report_export"), year=YEAR)
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["월별", "기관별", "기업별", "분류별", "기관 지역별", "기업 지역별", "기관 유형별",
                               "기업 유형별", "구매 경로별"]
