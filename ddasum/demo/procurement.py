"""Demo public procurement for `manage.py seed_demo`: agencies, quotes in every state, records.

- Twelve verified agencies of every kind (the province, cities and counties, the education
  office, a university, public enterprises, a national office) with a priority-purchase
  target for this year and last year (amounts, and shares of a purchase plan), one buyer
  each, and one agency and one buyer still waiting for the operator. The province's buyer
  agency1@chungnam.go.kr joined by the official mail domain (the mailed link, confirmed);
  the others (agency2~12@ddasum.kr) were checked by the operator. Everyone signs in with
  the demo password.
- The operator's direct-purchase rule per agency kind, and more procurement-eligible products.
- Live quote requests, made through the services (so numbers, versions, PDFs, notices and
  bundles are the real ones): one waiting five days for its vendors (the operator report's
  "unanswered" list), one answered in two versions, declined, accepted with a purchase order
  in each state (issued, confirmed, delivered, inspected, cancelled) with the other vendors
  not selected, one cancelled, one from a needs-board proposal; a direct purchase; three
  document bundles built and downloaded by the agency's buyer (the read log shows one row per
  vendor document in each download). Documents are shared only through submitted quotes: the
  vendor that declined and the one that has not answered yet share nothing with the agency.
  vendor1@ddasum.kr's enterprise takes part in most of them.
- The needs board: open posts with proposals, one turned into a quote request, one closed.
- History: purchase orders (inspected, paid, invoiced) and their purchase records over last
  year and this year up to yesterday, for every agency, with the seasons' peaks (설, 추석,
  year-end), across vendors, enterprise types and categories; outside purchases verified,
  pending the operator (with their evidence) and one rejected.

Keyed so a second run creates nothing: agencies by 고유번호, targets by year, requests by
agency and title, history purchase orders by their idempotency keys.
"""
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone, translation
from PIL import Image, ImageDraw

from accounts.models import User
from catalog.models import Category, Product, ProductStatus
from ddasum.money import EXEMPT, TAXABLE
from ddasum.numbering import daily_number
from ddasum.validators import business_number_check_digit
from procurement.amounts import quote_totals
from procurement.models import (
    AgencyKind,
    AgencyStatus,
    AgencyTarget,
    DirectPurchaseRule,
    MembershipStatus,
    Need,
    NeedStatus,
    POStatus,
    ProcurementPaymentMethod,
    PublicAgency,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchaseRecord,
    PurchaseSource,
    QuoteBundle,
    QuoteRequest,
    QuoteStatus,
    RecordStatus,
    TargetKind,
    VendorQuote,
)
from procurement.selectors.quotes import quotable_variants
from procurement.services.agencies import (
    agency_email_confirm,
    agency_join,
    membership_confirm_token,
    membership_verify,
)
from procurement.services.bundle import bundle_build, bundle_downloaded, bundle_request
from procurement.services.needs import need_create, need_propose, proposal_to_request
from procurement.services.purchases import (
    direct_purchase_place,
    outside_record_create,
    outside_record_verify,
    po_cancel,
    po_confirm,
    po_deliver,
    po_inspect,
    po_invoice_request,
    po_payment_record,
    quote_accept,
)
from procurement.services.quotes import (
    basket_line_set,
    quote_answer_initial,
    quote_decline,
    quote_request_cancel,
    quote_request_create,
    quote_submit,
)
from vendors.models import DocumentRead, DocumentReadChannel, ReaderRole, Vendor

from .accounts import DEMO_PASSWORD, OPERATOR_EMAIL, DemoUser, demo_users_ensure
from .drawing import korean_font
from .vendors import VENDOR1_EMAIL, demo_vendor1, vendor_owners

AGENCY_LOGIN = "agency1@chungnam.go.kr"
HISTORY_KEY = "demo-proc-history-"
DIRECT_KEY = "demo-proc-direct-1"
K = AgencyKind


@dataclass(frozen=True)
class DemoAgency:
    name: str
    kind: str
    region: str
    postal_code: str
    address: str
    phone: str
    email_domain: str
    department: str
    buyer_name: str
    # ("amount", won) or ("share", percent, planned total purchases in won)
    target: tuple


AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency("충청남도청", K.LOCAL_GOVERNMENT, "province", "32255", "충청남도 홍성군 홍북읍 충남대로 21", "041-635-2000",
               "chungnam.go.kr", "사회적경제과", "이수진", ("amount", 480_000_000)),
    DemoAgency("홍성군청", K.LOCAL_GOVERNMENT, "hongseong", "32244", "충청남도 홍성군 홍성읍 아문길 27", "041-630-1114",
               "hongseong.go.kr", "경제정책과", "박정훈", ("amount", 120_000_000)),
    DemoAgency("천안시청", K.LOCAL_GOVERNMENT, "cheonan", "31198", "충청남도 천안시 서북구 번영로 156", "041-521-2114",
               "cheonan.go.kr", "일자리경제과", "최은영", ("share", "4.50", 5_200_000_000)),
    DemoAgency("아산시청", K.LOCAL_GOVERNMENT, "asan", "31538", "충청남도 아산시 시민로 456", "041-540-2114",
               "asan.go.kr", "일자리정책과", "정다은", ("amount", 150_000_000)),
    DemoAgency("공주시청", K.LOCAL_GOVERNMENT, "gongju", "32561", "충청남도 공주시 봉황로 1", "041-840-2114",
               "gongju.go.kr", "경제과", "한상우", ("amount", 90_000_000)),
    DemoAgency("충청남도교육청", K.EDUCATION, "province", "32255", "충청남도 홍성군 홍북읍 선화로 22", "041-640-7114",
               "cne.go.kr", "재무과", "윤지현", ("share", "3.00", 6_000_000_000)),
    DemoAgency("국립공주대학교", K.EDUCATION, "gongju", "32588", "충청남도 공주시 공주대학로 56", "041-850-8114",
               "kongju.ac.kr", "재무과", "서민호", ("amount", 70_000_000)),
    DemoAgency("충남도립대학교", K.EDUCATION, "cheongyang", "33306", "충청남도 청양군 청양읍 학사길 55", "041-940-6114",
               "cnsu.ac.kr", "총무과", "김하늘", ("amount", 35_000_000)),
    DemoAgency("한국농어촌공사 충남지역본부", K.PUBLIC_INSTITUTION, "yesan", "32420", "충청남도 예산군 예산읍 예산로 177",
               "041-339-1700", "ekr.or.kr", "경영지원부", "오세훈", ("share", "2.00", 3_500_000_000)),
    DemoAgency("충남개발공사", K.PUBLIC_INSTITUTION, "hongseong", "32256", "충청남도 홍성군 홍북읍 충남대로 59",
               "041-630-7800", "cndc.co.kr", "경영지원팀", "장유나", ("amount", 60_000_000)),
    DemoAgency("충청남도사회서비스원", K.OTHER, "province", "32588", "충청남도 공주시 연수원길 73-26", "041-634-8800",
               "cnpass.or.kr", "경영기획팀", "임채원", ("amount", 25_000_000)),
    DemoAgency("대전지방국토관리청", K.NATIONAL, "other", "35208", "대전광역시 서구 둔산서로 91", "042-670-3200",
               "molit.go.kr", "운영지원과", "강태준", ("amount", 40_000_000)),
)
# A request the operator has not checked yet (the admin's review queue).
PENDING_AGENCY = DemoAgency("서천군시설관리공단", K.PUBLIC_INSTITUTION, "seocheon", "33657", "충청남도 서천군 서천읍 충절로 50",
                            "041-950-5500", "", "경영지원팀", "노재석", ("amount", 0))

# The operator's direct-purchase (바로구매) limits per agency kind; 0: not allowed.
DIRECT_LIMITS = {K.LOCAL_GOVERNMENT: 5_000_000, K.EDUCATION: 3_000_000, K.PUBLIC_INSTITUTION: 3_000_000,
                 K.NATIONAL: 2_000_000, K.OTHER: 0}

# History: how much of the year's purchases fall in each month (설 in Jan/Feb, 가정의 달, 추석, year-end).
MONTH_WEIGHTS = {1: 11, 2: 7, 3: 6, 4: 7, 5: 9, 6: 8, 7: 6, 8: 6, 9: 12, 10: 8, 11: 9, 12: 14}


def registration_number(n: int) -> str:
    """The agency's 고유번호 (a valid check digit), the same on every run."""
    first_nine = f"{312 + n:03d}83{(n * 7919 + 1234) % 10000:04d}"
    s = first_nine + str(business_number_check_digit(first_nine))
    return f"{s[:3]}-{s[3:5]}-{s[5:]}"


def buyer_email(index: int, spec: DemoAgency) -> str:
    return AGENCY_LOGIN if index == 0 else f"agency{index + 1}@ddasum.kr"


def seed(*, stdout, rng: random.Random) -> None:
    with translation.override("ko"):
        _seed(stdout, rng)


def _seed(stdout, rng: random.Random) -> None:
    operator = User.objects.filter(email=OPERATOR_EMAIL).first()
    if operator is None:
        stdout.write("  운영자 계정이 없어 공공구매 데모를 만들지 않습니다 (seed_demo accounts 먼저)")
        return
    today = timezone.localdate()
    agencies, created = _agencies(operator)
    targets = _targets(agencies, today)
    rules = sum(DirectPurchaseRule.objects.get_or_create(kind=kind, defaults={"limit": limit})[1]
                for kind, limit in DIRECT_LIMITS.items())

    specs = [DemoUser(buyer_email(i, a), f"{a.buyer_name}", phone=a.phone) for i, a in enumerate(AGENCIES)]
    specs.append(DemoUser("agency-new@ddasum.kr", PENDING_AGENCY.buyer_name, phone=PENDING_AGENCY.phone))
    specs.append(DemoUser("agency-waiting@ddasum.kr", "문가영"))
    users, users_created = demo_users_ensure(specs)
    buyers = {}
    for i, spec in enumerate(AGENCIES):
        user, agency = users[buyer_email(i, spec)], agencies[spec.name]
        membership = agency_join(user=user, agency_id=agency.pk, department=spec.department)
        if membership.status != MembershipStatus.ACTIVE:
            if i == 0:  # the official mail domain: the link mailed to the buyer, opened
                agency_email_confirm(user=user, token=membership_confirm_token(membership))
            else:
                membership_verify(membership_id=membership.pk, actor=operator)
        buyers[agency.pk] = user
    # Waiting for the operator: a new agency asked for, and a buyer of a verified one.
    if not PublicAgency.objects.filter(registration_number=registration_number(99)).exists():
        spec = PENDING_AGENCY
        agency_join(user=users["agency-new@ddasum.kr"], department=spec.department, agency_data={
            "name": spec.name, "kind": spec.kind, "registration_number": registration_number(99),
            "region": spec.region, "postal_code": spec.postal_code, "address": spec.address, "phone": spec.phone})
    agency_join(user=users["agency-waiting@ddasum.kr"], agency_id=agencies["홍성군청"].pk, department="총무과",
                note="총무과 물품 구매 담당입니다.")
    stdout.write(f"  공공기관 {len(agencies)}곳 (새로 {created}곳, 확인 대기 1곳), 우선구매 목표 {targets}건 새로, "
                 f"바로구매 기준 {rules}건 새로, 기관 회원 {len(specs)}명 (새로 {users_created}명)")

    eligible = _eligible_more()
    vendors = _vendor_pool()
    if len(vendors) < 6:
        stdout.write("  견적을 받을 수 있는 기업이 모자라 견적·실적 데모를 만들지 않습니다 (seed_demo vendors catalog 먼저)")
        return
    history = _history(agencies, buyers, vendors, rng, today)
    outside = _outside(agencies, buyers, vendors, operator, rng, today)
    stdout.write(f"  공공구매 실적 {PurchaseRecord.objects.count()}건 (새로 {history + outside}건): "
                 f"{today.year - 1}년과 {today.year}년 어제까지, 외부 구매 확인 대기 "
                 f"{PurchaseRecord.objects.filter(status=RecordStatus.PENDING).count()}건; 공공구매 가능 상품 {eligible}개 추가")

    live = _Live(agencies=agencies, buyers=buyers, vendors=vendors, rng=rng, today=today)
    made = live.run()
    states = ", ".join(f"{label} {n}" for label, n in _quote_states())
    stdout.write(f"  견적요청 {QuoteRequest.objects.count()}건 (새로 {made}건), 견적 상태: {states}; "
                 f"발주 {PurchaseOrder.objects.exclude(idempotency_key__startswith=HISTORY_KEY).count()}건 진행, "
                 f"서류 묶음 {QuoteBundle.objects.count()}개, 기관의 서류 열람 기록 "
                 f"{DocumentRead.objects.filter(role=ReaderRole.AGENCY).count()}건")
    needs = live.needs()
    stdout.write(f"  필요 제품 게시글 {Need.objects.count()}건 (새로 {needs}건)")
    vendor1 = demo_vendor1()
    stdout.write(f"  기관 구매 담당자 {AGENCY_LOGIN} ({AGENCIES[0].name}, 비밀번호 {DEMO_PASSWORD}): "
                 f"/procurement/dashboard/ 에서 실적, /procurement/ 에서 견적; "
                 f"{vendor1.name if vendor1 else '입점기업'}({VENDOR1_EMAIL})에 견적요청이 와 있습니다")


# --- agencies and targets ------------------------------------------------------------------------


def _agencies(operator) -> tuple[dict[str, PublicAgency], int]:
    numbers = {registration_number(i): spec for i, spec in enumerate(AGENCIES)}
    existing = {a.registration_number: a for a in PublicAgency.objects.filter(registration_number__in=numbers)}
    result, created = {}, 0
    now = timezone.now()
    for number, spec in numbers.items():
        agency = existing.get(number)
        if agency is None:
            agency = PublicAgency(
                name=spec.name, kind=spec.kind, registration_number=number, region=spec.region,
                postal_code=spec.postal_code, address=spec.address, phone=spec.phone, email_domain=spec.email_domain,
                status=AgencyStatus.VERIFIED, verified_at=now - timedelta(days=400), verified_by=operator,
                created_at=now - timedelta(days=420),
            )
            agency.full_clean()
            agency.save()
            created += 1
        result[spec.name] = agency
    return result, created


def _targets(agencies: dict[str, PublicAgency], today: date) -> int:
    made = 0
    for spec in AGENCIES:
        agency = agencies[spec.name]
        for year, growth in ((today.year - 1, Decimal("0.92")), (today.year, Decimal("1"))):
            if spec.target[0] == "amount":
                defaults = {"kind": TargetKind.AMOUNT, "amount": int(spec.target[1] * growth) // 1_000_000 * 1_000_000}
            else:
                defaults = {"kind": TargetKind.SHARE, "share_percent": Decimal(spec.target[1]),
                            "total_purchase_plan": int(spec.target[2] * growth) // 10_000_000 * 10_000_000}
            made += AgencyTarget.objects.get_or_create(agency=agency, year=year, defaults=defaults)[1]
    return made


# --- vendors and products ------------------------------------------------------------------------


@dataclass
class PoolVendor:
    vendor: Vendor
    owner: User | None
    variants: list  # quotable variants (procurement-eligible products on sale), with their product


def _eligible_more() -> int:
    """Every fourth product is eligible from the catalog demo; add the services and the office goods."""
    words = ("도시락", "급식", "샌드위치", "토너", "키보드", "장바구니", "수제비누", "머그", "손수건", "주방세제",
             "선물세트", "호두", "알밤", "쌀", "조미김", "떡 답례품")
    query = Q()
    for word in words:
        query |= Q(name__contains=word)
    return Product.objects.filter(status=ProductStatus.ON_SALE, procurement_eligible=False).filter(query).update(
        procurement_eligible=True)


def _vendor_pool() -> list[PoolVendor]:
    variants = list(quotable_variants().select_related("product__vendor", "product__category")
                    .filter(product__vendor__in=Vendor.objects.selling()).order_by("product__vendor_id", "pk"))
    owners = vendor_owners()
    pool: dict[int, PoolVendor] = {}
    for v in variants:
        vendor = v.product.vendor
        pool.setdefault(vendor.pk, PoolVendor(vendor, owners.get(vendor.pk), [])).variants.append(v)
    return [p for p in pool.values() if p.owner is not None]


# --- history: a year and more of purchase orders and records -----------------------------------------


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _history(agencies, buyers, pool: list[PoolVendor], rng: random.Random, today: date) -> int:
    """Inspected and paid purchase orders with their records, written in bulk (history, no notices).

    Each agency buys about its target over a year (last year 80–115 % of it; this year, up to
    yesterday, 55–95 % of the months gone by), spread over the months with the seasons' peaks,
    in about thirty orders a year from its regular vendors.
    """
    if PurchaseOrder.objects.filter(idempotency_key__startswith=HISTORY_KEY).exists():
        return 0
    targets = {(t.agency_id, t.year): t.target_amount for t in AgencyTarget.objects.filter(
        agency__in=agencies.values(), year__in=[today.year - 1, today.year])}
    weight_sum = sum(MONTH_WEIGHTS.values())
    orders: list[tuple[PurchaseOrder, list[PurchaseOrderLine]]] = []
    n = 0
    for spec in AGENCIES:
        agency = agencies[spec.name]
        # The agency's regulars: five to eight vendors, its own city's or county's first.
        local = [p for p in pool if p.vendor.region == agency.region]
        regulars = (local[:2] + rng.sample(pool, min(len(pool), rng.randint(5, 8))))[:8]
        for year, factor in ((today.year - 1, rng.uniform(0.8, 1.15)), (today.year, rng.uniform(0.55, 0.95))):
            annual = targets.get((agency.pk, year), 0) * factor
            order_size = max(annual / 30, 300_000)
            last_month = 12 if year < today.year else today.month
            for month in range(1, last_month + 1):
                budget = annual * MONTH_WEIGHTS[month] / weight_sum
                count = max(1, round(budget / order_size))
                days = [date(year, month, rng.randint(1, 28)) for _k in range(count)]
                for day in days:
                    if day >= today:
                        continue
                    n += 1
                    amount = int(budget / count * rng.uniform(0.6, 1.4))
                    orders.append(_history_order(n, agency, buyers[agency.pk], rng.choice(regulars), amount, day, rng,
                                                 today))
    for po, _lines in orders:
        po.number = daily_number("purchase_order", timezone.localdate(po.issued_at), prefix="PO-")
    PurchaseOrder.objects.bulk_create([po for po, _lines in orders], batch_size=500)
    lines, events, records = [], [], []
    vendor_types = {p.vendor.pk: p.vendor.enterprise_type for p in pool}
    for po, po_lines in orders:
        for line in po_lines:
            line.purchase_order = po
            lines.append(line)
        steps = [("", POStatus.ISSUED, po.issued_at), (POStatus.ISSUED, POStatus.CONFIRMED, po.confirmed_at),
                 (POStatus.CONFIRMED, POStatus.DELIVERED, po.delivered_at),
                 (POStatus.DELIVERED, POStatus.INSPECTED, po.inspected_at)]
        events += [PurchaseOrderEvent(purchase_order=po, actor=po.created_by, from_status=a, to_status=b, created_at=at)
                   for a, b, at in steps]
        groups: dict = {}
        for line in po_lines:
            group = groups.setdefault(line.category_id, {TAXABLE: 0, EXEMPT: 0, "names": []})
            group[TAXABLE if line.tax_type == TAXABLE else EXEMPT] += line.amount
            group["names"].append(line.name)
        for category_id, group in groups.items():
            names = group["names"]
            records.append(PurchaseRecord(
                agency_id=po.agency_id, vendor_id=po.vendor_id, purchase_order=po, source=po.source,
                enterprise_type=vendor_types[po.vendor_id], category_id=category_id,
                purchased_on=timezone.localdate(po.inspected_at),
                description=names[0] if len(names) == 1 else f"{names[0]} 외 {len(names) - 1}건",
                taxable_amount=group[TAXABLE], exempt_amount=group[EXEMPT], total=group[TAXABLE] + group[EXEMPT],
                status=RecordStatus.VERIFIED, created_by=po.created_by, verified_at=po.inspected_at,
                created_at=po.inspected_at,
            ))
    PurchaseOrderLine.objects.bulk_create(lines, batch_size=1000)
    PurchaseOrderEvent.objects.bulk_create(events, batch_size=1000)
    PurchaseRecord.objects.bulk_create(records, batch_size=1000)
    return len(records)


def _history_order(n: int, agency, buyer, pv: PoolVendor, budget: int, day: date, rng: random.Random, today: date):
    """One purchase order of about `budget` won from the vendor: one to three of its products."""
    picks = rng.sample(pv.variants, min(len(pv.variants), rng.randint(1, 3)))
    lines = []
    for v in picks:
        price = v.price
        quantity = max(1, budget // len(picks) // price)
        unit_price = price if quantity < 20 else price * rng.choice((90, 95, 100)) // 100 // 10 * 10
        lines.append(PurchaseOrderLine(
            variant=v, product=v.product, category_id=v.product.category_id, name=v.product.name,
            spec="" if v.name == "기본" else v.name, unit=(v.product.unit or "개")[:20], quantity=quantity,
            unit_price=unit_price, amount=unit_price * quantity, tax_type=v.product.tax_type,
        ))
    totals = quote_totals(lines)
    limit = DIRECT_LIMITS.get(agency.kind, 0)
    source = PurchaseSource.DIRECT if limit and totals.total <= limit and rng.random() < 0.35 else PurchaseSource.QUOTE
    issued = _aware(day - timedelta(days=rng.randint(7, 20)), rng.randint(9, 16), rng.randint(0, 59))
    confirmed = issued + timedelta(hours=rng.randint(2, 30))
    delivered = _aware(day - timedelta(days=rng.randint(0, 2)), rng.randint(9, 15))
    delivered = max(delivered, confirmed + timedelta(hours=3))
    inspected = max(_aware(day, rng.randint(13, 17)), delivered + timedelta(hours=1))
    paid_on = day + timedelta(days=rng.randint(7, 25))
    po = PurchaseOrder(
        source=source, agency=agency, vendor=pv.vendor, created_by=buyer, status=POStatus.INSPECTED,
        delivery_place=agency.full_address[:200], memo="", taxable_supply=totals.taxable_supply,
        taxable_vat=totals.taxable_vat, exempt_amount=totals.exempt_amount, total=totals.total,
        idempotency_key=f"{HISTORY_KEY}{n}", issued_at=issued, confirmed_at=confirmed, delivered_at=delivered,
        inspected_at=inspected, payment_method=ProcurementPaymentMethod.INVOICE,
        paid_on=paid_on if paid_on < today else None,
        invoice_requested_at=inspected + timedelta(hours=1), invoice_email=f"account@{agency.email_domain or 'ddasum.kr'}",
        invoice_approval_number=f"{day:%Y%m%d}-4100{rng.randint(1000, 9999)}-{rng.randint(10**7, 10**8 - 1)}",
        invoice_issued_at=inspected + timedelta(days=1),
    )
    return po, lines


# --- outside purchases --------------------------------------------------------------------------------


def _evidence(title: str, vendor: str, amount: int, day: date) -> SimpleUploadedFile:
    """A scanned-looking 거래명세서 (PNG) for an outside purchase."""
    img = Image.new("RGB", (620, 420), (252, 252, 248))
    draw = ImageDraw.Draw(img)
    big, small = korean_font(30), korean_font(18)
    draw.rectangle((16, 16, 604, 404), outline=(60, 60, 60), width=2)
    draw.text((210, 36), "거 래 명 세 서", font=big, fill=(20, 20, 20))
    rows = [f"공급자: {vendor}", f"품목: {title}", f"합계 금액: {amount:,}원", f"거래일: {day:%Y년 %m월 %d일}"]
    for k, row in enumerate(rows):
        draw.text((48, 120 + k * 50), row, font=small, fill=(30, 30, 30))
    out = io.BytesIO()
    img.save(out, "PNG")
    return SimpleUploadedFile(f"evidence-{day:%Y%m%d}.png", out.getvalue(), content_type="image/png")


OUTSIDE = (
    # (agency, months ago, description, taxable, exempt, outcome)
    ("충청남도청", 2, "도민 행사 기념품(천연비누) 현장 구매", 1_320_000, 0, "verified"),
    ("충청남도청", 1, "직원 교육 간식(떡) 현장 구매", 0, 450_000, "pending"),
    ("천안시청", 1, "경로당 반찬 지원 사업", 2_860_000, 0, "pending"),
    ("충청남도교육청", 0, "학교 텃밭 체험 프로그램", 0, 1_800_000, "pending"),
    ("홍성군청", 3, "축제 부스 운영 용역", 3_300_000, 0, "rejected"),
)


def _outside(agencies, buyers, pool: list[PoolVendor], operator, rng: random.Random, today: date) -> int:
    if PurchaseRecord.objects.filter(source=PurchaseSource.OUTSIDE).exists():
        return 0
    made = 0
    for name, months_ago, description, taxable, exempt, outcome in OUTSIDE:
        agency = agencies[name]
        pv = pool[(made * 5 + 3) % len(pool)]
        day = today - timedelta(days=30 * months_ago + rng.randint(1, 12))
        record = outside_record_create(
            user=buyers[agency.pk], agency_id=agency.pk, vendor_id=pv.vendor.pk, purchased_on=day,
            category_id=pv.variants[0].product.category_id, description=description, taxable_amount=taxable,
            exempt_amount=exempt, evidence=_evidence(description, pv.vendor.name, taxable + exempt, day),
        )
        if outcome == "verified":
            outside_record_verify(record_id=record.pk, actor=operator)
        elif outcome == "rejected":
            outside_record_verify(record_id=record.pk, actor=operator, approve=False,
                                  reason="증빙의 공급자가 입점기업과 다릅니다. 해당 기업의 거래명세서를 올려 주세요.")
        made += 1
    return made


# --- live requests through the services ---------------------------------------------------------------


def _quote_states() -> list[tuple[str, int]]:
    counts = dict.fromkeys(QuoteStatus.values, 0)
    for status in VendorQuote.objects.values_list("status", flat=True):
        counts[status] += 1
    return [(QuoteStatus(s).label, n) for s, n in counts.items()]


class _Live:
    """The live scenarios: each is skipped when its request (agency + title) exists."""

    def __init__(self, *, agencies, buyers, vendors: list[PoolVendor], rng, today):
        self.agencies, self.buyers, self.rng, self.today = agencies, buyers, rng, today
        self.pool = vendors
        self.by_pk = {p.vendor.pk: p for p in vendors}
        vendor1 = demo_vendor1()
        self.vendor1 = self.by_pk.get(vendor1.pk) if vendor1 else None
        self.made = 0

    # helpers

    def agency(self, name="충청남도청"):
        return self.agencies[name]

    def pick(self, *words, exclude=()) -> PoolVendor:
        """A vendor with a quotable product whose name has one of `words` (else any other)."""
        skip = {p.vendor.pk for p in exclude}
        for word in words:
            for p in self.pool:
                if p.vendor.pk not in skip and any(word in v.product.name for v in p.variants):
                    return p
        return next(p for p in self.pool if p.vendor.pk not in skip)

    def item(self, pv: PoolVendor, quantity: int, word: str = "") -> dict:
        variant = next((v for v in pv.variants if word and word in v.product.name), pv.variants[0])
        return {"vendor_id": pv.vendor.pk, "variant_id": variant.pk, "quantity": quantity}

    def request(self, title, items, *, agency_name="충청남도청", place="", **kw):
        agency = self.agency(agency_name)
        found = QuoteRequest.objects.filter(agency=agency, title=title).first()
        if found:
            return None
        self.made += 1
        return quote_request_create(
            user=self.buyers[agency.pk], agency_id=agency.pk, title=title,
            delivery_place=place or f"{agency.name} {agency.address}"[:200],
            reply_by=self.today + timedelta(days=kw.pop("reply_days", 7)),
            wanted_delivery_date=self.today + timedelta(days=kw.pop("delivery_days", 21)), items=items, **kw)

    def quote(self, request, pv: PoolVendor) -> VendorQuote:
        return VendorQuote.objects.get(request=request, vendor=pv.vendor)

    def answer(self, quote: VendorQuote, pv: PoolVendor, *, discount=0, notes="", valid_days=30):
        lines = []
        for row in quote_answer_initial(quote):
            price = row.get("unit_price") or 50_000
            lines.append({**row, "unit_price": price * (100 - discount) // 100 // 10 * 10})
        return quote_submit(quote_id=quote.pk, actor=pv.owner, valid_until=self.today + timedelta(days=valid_days),
                            delivery_terms="납품 장소 도착도, 발주 후 7일 이내", notes=notes, lines=lines)

    # scenarios

    def run(self) -> int:
        if self.vendor1 is None or len(self.pool) < 6:
            return 0
        v1 = self.vendor1
        self.waiting(v1)
        self.answered(v1)
        self.accepted(v1)
        self.cancelled()
        self.other_agencies(v1)
        self.direct()
        return self.made

    def waiting(self, v1):
        """Asked five days ago and nobody answered yet (the operator report lists it; the reminder goes out)."""
        other = self.pick("토너", "키보드", exclude=[v1])
        request = self.request("민원실 비치용 견과류·사무용품 견적", [self.item(v1, 40), self.item(other, 10)],
                               message="민원실 방문객 다과와 사무용품입니다. 단가와 납기를 알려 주세요.")
        if request is None:
            return
        back = timezone.now() - timedelta(days=5)
        QuoteRequest.objects.filter(pk=request.pk).update(created_at=back)
        VendorQuote.objects.filter(request=request).update(created_at=back)

    def answered(self, v1):
        """Answered in two versions by vendor1's enterprise, answered by one more, declined by a third."""
        rice = self.pick("쌀", "혼합곡", "서리태", exclude=[v1])
        third = self.pick("도시락", "급식", exclude=[v1, rice])
        request = self.request("도청 구내식당 잡곡·견과 연간 납품", [
            self.item(v1, 60), self.item(rice, 80), {"vendor_id": third.vendor.pk, "name": "잡곡 소포장(1kg)",
                                                     "spec": "국내산, 1kg 단위", "unit": "봉", "quantity": 200}],
            budget_note="연간 1,500만원 이내", reply_days=10)
        if request is None:
            return
        quote = self.quote(request, v1)
        self.answer(quote, v1, notes="연간 계약 시 월 1회 정기 납품합니다.")
        quote.refresh_from_db()
        version = self.answer(quote, v1, discount=5, notes="수량을 고려해 단가를 5% 낮춘 수정 견적입니다.")
        self.answer(self.quote(request, rice), rice, discount=3)
        quote_decline(quote_id=self.quote(request, third).pk, actor=third.owner,
                      reason="잡곡 소포장은 생산하지 않아 견적을 드리기 어렵습니다.")
        self.bundle(version.quote_id)

    def accepted(self, v1):
        """Five accepted quotes whose purchase orders stand in each state (the rest not selected)."""
        scenarios = [
            ("사회적경제 박람회 참가자 도시락", ("도시락", "급식"), ("샌드위치", "급식", "떡"), POStatus.ISSUED, 150),
            ("본청 복합기 토너 정기 교체", ("토너",), ("키보드", "PC"), POStatus.CONFIRMED, 12),
            ("직원 명절 선물(견과·쌀 선물세트)", None, ("선물세트", "수삼", "아로니아"), POStatus.DELIVERED, 80),
            ("어르신 방문 돌봄 서비스 시범 운영", ("돌봄",), ("돌봄", "가사"), POStatus.INSPECTED, 3),
            ("청사 방역 소독 용역", ("방역",), ("청소", "방역"), POStatus.CANCELLED, 2),
        ]
        for title, chosen_words, other_words, state, quantity in scenarios:
            chosen = v1 if chosen_words is None else self.pick(*chosen_words, exclude=[v1])
            other = self.pick(*other_words, exclude=[chosen, v1])
            word = "" if chosen_words is None else chosen_words[0]
            request = self.request(title, [self.item(chosen, quantity, word), self.item(other, quantity)],
                                   reply_days=5, delivery_days=14)
            if request is None:
                continue
            winner = self.quote(request, chosen)
            self.answer(winner, chosen, discount=self.rng.choice((0, 3, 5)))
            if state in (POStatus.DELIVERED, POStatus.INSPECTED):  # a competing answer, not chosen
                self.answer(self.quote(request, other), other, discount=self.rng.choice((0, 2)))
            po = quote_accept(quote_id=winner.pk, actor=self.buyers[request.agency_id])
            buyer = self.buyers[request.agency_id]
            if state == POStatus.CANCELLED:
                po_cancel(po_id=po.pk, actor=buyer, reason="예산 사정으로 사업이 다음 분기로 미뤄졌습니다.")
                continue
            if state == POStatus.ISSUED:
                continue
            po_confirm(po_id=po.pk, actor=chosen.owner)
            if state == POStatus.CONFIRMED:
                continue
            po_deliver(po_id=po.pk, actor=chosen.owner, note="도청 본관 1층 총무과에 전량 납품했습니다.")
            if state == POStatus.INSPECTED:
                po_inspect(po_id=po.pk, actor=buyer)
                po_payment_record(po_id=po.pk, actor=buyer, paid_on=self.today,
                                  method=ProcurementPaymentMethod.INVOICE, note="지출결의 완료")
                po_invoice_request(po_id=po.pk, actor=buyer, email="account@chungnam.go.kr")
            self.bundle(winner.pk)

    def cancelled(self):
        first = self.pick("체험", "교실", "탐방")
        second = self.pick("체험", "클래스", "교실", exclude=[first])
        request = self.request("청소년 여름방학 체험학습 프로그램", [self.item(first, 30, "체험"), self.item(second, 30)],
                               message="7~8월 중 두 차례, 30명씩입니다.")
        if request is None:
            return
        quote_request_cancel(request_id=request.pk, actor=self.buyers[request.agency_id])

    def other_agencies(self, v1):
        """Other agencies ask vendor1's enterprise too, so its inbox and report show several agencies."""
        request = self.request("군민 행사 답례품(견과류) 견적", [self.item(v1, 300)], agency_name="홍성군청",
                               budget_note="300만원")
        if request is not None:
            self.answer(self.quote(request, v1), v1, discount=7, notes="300개 이상 주문 시 개별 포장 무료")
        lunch = self.pick("도시락", "급식")
        self.request("교직원 연수 중식 도시락", [
            {"vendor_id": lunch.vendor.pk, "name": "연수 중식 도시락", "spec": "한식, 1인분, 국 포함", "unit": "개",
             "quantity": 180, "note": "알레르기 표시 부탁드립니다."}], agency_name="충청남도교육청")

    def direct(self):
        """A direct purchase (바로구매) from the buyer's basket, under the limit for local governments."""
        if PurchaseOrder.objects.filter(idempotency_key__startswith=DIRECT_KEY).exists():
            return
        agency = self.agency()
        buyer = self.buyers[agency.pk]
        picked = [p for p in self.pool if any(v.product.kind == "goods" and (not v.track_stock or v.stock >= 5)
                                              for v in p.variants)][:1]
        for pv in picked:  # one vendor: one purchase order
            goods = [v for v in pv.variants if v.product.kind == "goods" and (not v.track_stock or v.stock >= 5)]
            for variant in goods[:2]:
                basket_line_set(user=buyer, variant_id=variant.pk, quantity=3)
        if picked:
            direct_purchase_place(user=buyer, agency_id=agency.pk, delivery_place=agency.full_address[:200],
                                  memo="회의실 비품", idempotency_key=DIRECT_KEY)

    def bundle(self, quote_id: int) -> None:
        """Build the quote's document bundle now (its real PDF and ZIP); the buyer downloads the ZIP and the PDF."""
        bundle_request(quote_id=quote_id)
        bundle = bundle_build(quote_id=quote_id)
        quote = VendorQuote.objects.select_related("request__agency", "vendor").get(pk=quote_id)
        buyer = self.buyers[quote.request.agency_id]
        for channel in (DocumentReadChannel.BUNDLE_ZIP, DocumentReadChannel.BUNDLE_PDF):
            bundle_downloaded(quote=quote, bundle=bundle, user=buyer, channel=channel)

    # the needs board

    def needs(self) -> int:
        made = 0
        posts = [
            ("충청남도청", "household", "행사용 친환경 장바구니 500개", "도민 행사에서 나눠 드릴 장바구니입니다. 로고 인쇄가 가능하면 좋겠습니다.",
             "500개", 5_000_000, ("장바구니", "손수건", "비누"), False),
            ("홍성군청", "lunch-catering", "경로당 어르신 건강 간식 정기 납품", "관내 경로당 40곳에 주 1회 간식을 보내려 합니다.",
             "40곳 × 주 1회", 12_000_000, ("반찬", "떡", "샌드위치"), True),
            ("천안시청", "services", "청사 실내 화분 관리 서비스", "본관과 별관의 화분 120개를 월 2회 관리해 주실 곳을 찾습니다.",
             "화분 120개", 3_600_000, (), False),
            ("충청남도교육청", "computer-accessories", "학교 노후 PC 점검·재생", "관내 초등학교 노후 PC 200대 점검과 재생을 원합니다.",
             "200대", 8_000_000, ("PC", "토너", "키보드"), False),
        ]
        for agency_name, slug, title, description, quantity, budget, words, to_request in posts:
            agency = self.agency(agency_name)
            if Need.objects.filter(agency=agency, title=title).exists():
                continue
            category = Category.objects.filter(slug=slug).first()
            if category is None:
                continue
            need = need_create(user=self.buyers[agency.pk], agency_id=agency.pk, data={
                "category": category, "title": title, "description": description, "quantity": quantity,
                "budget": budget, "deadline": self.today + timedelta(days=14)})
            made += 1
            proposers = []
            for word in words:
                pv = next((p for p in self.pool if p not in proposers
                           and any(word in v.product.name for v in p.variants)), None)
                if pv is not None:
                    proposers.append(pv)
            proposals = []
            for pv in proposers[:2]:
                products = [v.product.pk for v in pv.variants if any(w in v.product.name for w in words)][:2]
                proposals.append(need_propose(
                    need_id=need.pk, actor=pv.owner, vendor_id=pv.vendor.pk, product_ids=products,
                    message=f"{pv.vendor.name}입니다. 요청하신 수량을 기한 안에 맞출 수 있습니다. 견본을 보내 드릴 수 있습니다.",
                    price_idea=budget * self.rng.choice((85, 90, 95)) // 100 // 10_000 * 10_000))
            if to_request and proposals:
                proposal_to_request(proposal_id=proposals[0].pk, actor=self.buyers[agency.pk])
        # One post whose deadline passed without a proposal: closed by the beat task.
        agency = self.agency("아산시청")
        title = "민원 안내용 점자 홍보물 제작"
        if not Need.objects.filter(agency=agency, title=title).exists():
            category = Category.objects.filter(slug="services").first()
            if category is not None:
                need = need_create(user=self.buyers[agency.pk], agency_id=agency.pk, data={
                    "category": category, "title": title, "description": "점자와 큰 글씨를 함께 넣은 안내문 300부입니다.",
                    "quantity": "300부", "budget": 1_500_000, "deadline": self.today + timedelta(days=1)})
                Need.objects.filter(pk=need.pk).update(deadline=self.today - timedelta(days=3),
                                                       created_at=timezone.now() - timedelta(days=20))
                Need.objects.filter(pk=need.pk, status=NeedStatus.OPEN).update(status=NeedStatus.CLOSED,
                                                                               closed_at=timezone.now())
                made += 1
        return made

