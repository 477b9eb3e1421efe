"""Demo campaigns for `manage.py seed_demo`: the mall's calendar for last year and this year.

설맞이 판매전 (three weeks before 설), 가정의 달 기획전 (late April to 10 May), 건강식품 기획전
(June), 추석 판매전 (three weeks before 추석), 김장철 절임배추 판매전 (November to 10 December) and
크리스마스 이벤트 (11–25 December), plus next year's 설맞이 already announced and one draft.
Each has sections and items of the demo catalog's products chosen by name, and banners drawn
with Pillow (desktop 1200×360, mobile 750×500) in its theme colour with the bundled Nanum font.

Exactly one demo campaign is live when the seed runs, whatever the date: if no calendar
campaign covers today, the next one to come starts two days ago instead (or, with none to
come, the last one is extended by a week). The live campaign has a few applications waiting
for the operator, as has the next one. Three coupons; the board's demo (`board.py`) follows
in the same step, with the same random stream.

Keyed on the campaigns' slugs and the coupons' codes and names: a second run creates nothing
and only re-makes banner files that have gone missing.
"""
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from campaigns.models import (
    Campaign,
    CampaignItem,
    CampaignItemEvent,
    CampaignKind,
    CampaignSection,
    Coupon,
    CouponClaim,
    CouponScope,
    CouponUse,
    DiscountKind,
    FundedBy,
    ItemStatus,
)
from catalog.models import Product
from vendors.models import Vendor

from .accounts import OPERATOR_EMAIL
from .drawing import korean_font
from .vendors import VENDOR1_EMAIL, demo_vendor1, vendor_owners

K = CampaignKind
DESKTOP, MOBILE = (1200, 360), (750, 500)
ITEMS_PER_SECTION = 6
# 설날 and 추석 by the lunar calendar (the campaigns end two or three days before, for delivery).
SEOLLAL = {2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
           2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3)}
CHUSEOK = {2024: date(2024, 9, 17), 2025: date(2025, 10, 6), 2026: date(2026, 9, 25), 2027: date(2027, 9, 15),
           2028: date(2028, 10, 3), 2029: date(2029, 9, 22), 2030: date(2030, 9, 12)}
PRICE_BAND = "1만원대"  # a section filled by price rather than by words


@dataclass(frozen=True)
class Plan:
    kind: str
    slug: str
    title: str
    colour: str
    intro: str
    sections: tuple  # ((title, words or PRICE_BAND), ...)


PLANS = {
    K.NEW_YEAR: Plan(
        K.NEW_YEAR, "seol", "설맞이 판매전", "#b8322a",
        "고마운 분께 충남 사회적경제기업의 정성을 전하세요. 명절 선물세트와 설 차림 먹거리를 한자리에 모았습니다.\n"
        "연휴 사흘 전 오후 2시 주문까지 연휴 전에 보내 드립니다.",
        (("선물세트", ("선물세트", "한과", "홍삼", "조미김", "꽃게", "호두")),
         ("설 차림", ("떡국떡", "한우", "조청", "식혜", "알밤")),
         (PRICE_BAND, ("쌀", "김", "떡", "양갱", "비누", "잡곡"))),
    ),
    K.FAMILY_MONTH: Plan(
        K.FAMILY_MONTH, "family", "가정의 달 기획전", "#d6336c",
        "어린이날, 어버이날, 스승의 날. 고마운 마음을 사회적경제기업의 상품과 체험으로 전해 보세요.",
        (("부모님 선물", ("홍삼", "꿀", "도라지", "수삼", "한과")),
         ("아이와 함께", ("체험", "클래스", "양갱", "쌀빵", "생태")),
         ("생활 선물", ("머그", "비누", "손수건", "도마"))),
    ),
    K.HEALTH: Plan(
        K.HEALTH, "health", "건강식품 기획전", "#2b8a3e",
        "여름을 앞두고 건강을 챙기세요. 금산 인삼, 청양 꿀, 아로니아즙까지 지역에서 기른 건강식품입니다.",
        (("즙·진액", ("아로니아", "즙", "홍삼정")), ("꿀·인삼", ("꿀", "수삼")), ("건강 곡물", ("귀리", "서리태", "현미"))),
    ),
    K.CHUSEOK: Plan(
        K.CHUSEOK, "chuseok", "추석 판매전", "#e67700",
        "한가위 선물은 따숨몰에서. 햇과일, 햅쌀, 명절 선물세트를 사회적경제기업이 직접 보내 드립니다.",
        (("선물세트", ("선물세트", "한과", "홍삼", "한우", "조미김", "꽃게")),
         ("햇과일·햇곡", ("꿀사과", "알밤", "호두", "백미", "배즙")),
         (PRICE_BAND, ("쌀", "김", "떡", "양갱", "비누", "잡곡"))),
    ),
    K.KIMCHI: Plan(
        K.KIMCHI, "kimjang", "김장철 절임배추 판매전", "#1971c2",
        "해풍 맞은 배추를 천일염에 절여 받는 날 바로 김장할 수 있게 보내 드립니다. "
        "상품 페이지에서 받으실 날을 고르세요.\n절임배추는 한정 수량이며 1인 구매 한도가 있습니다.",
        (("절임배추", ("절임배추",)), ("김장 양념·젓갈", ("고추장", "된장", "굴젓", "김치", "조청")),
         ("김장 날 먹거리", ("삼겹살", "두부", "바지락", "떡"))),
    ),
    K.CHRISTMAS: Plan(
        K.CHRISTMAS, "christmas", "크리스마스 이벤트", "#c92a2a",
        "따뜻한 연말, 의미 있는 선물을 고르세요. 손으로 만든 생활용품과 홈파티 먹거리를 준비했습니다.",
        (("크리스마스 선물", ("머그", "비누", "장바구니", "손수건", "도마")),
         ("홈파티", ("딸기", "쌀빵", "양갱", "한과", "샌드위치"))),
    ),
}


def _at(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


def _calendar(year: int) -> list[tuple[Plan, datetime, datetime]]:
    """The year's campaigns with their start and end (the end is the last second they are live)."""
    seollal = SEOLLAL.get(year, date(year, 2, 1))
    chuseok = CHUSEOK.get(year, date(year, 9, 20))
    return [
        (PLANS[K.NEW_YEAR], _at(seollal - timedelta(days=21)), _at(seollal - timedelta(days=3), 23, 59, 59)),
        (PLANS[K.FAMILY_MONTH], _at(date(year, 4, 20)), _at(date(year, 5, 10), 23, 59, 59)),
        (PLANS[K.HEALTH], _at(date(year, 6, 1)), _at(date(year, 6, 30), 23, 59, 59)),
        (PLANS[K.CHUSEOK], _at(chuseok - timedelta(days=24)), _at(chuseok - timedelta(days=3), 23, 59, 59)),
        (PLANS[K.KIMCHI], _at(date(year, 11, 1)), _at(date(year, 12, 10), 23, 59, 59)),
        (PLANS[K.CHRISTMAS], _at(date(year, 12, 11)), _at(date(year, 12, 25), 23, 59, 59)),
    ]


# --- banners -----------------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def banner(title: str, subtitle: str, colour: str, size: tuple[int, int]) -> bytes:
    """A campaign banner: the theme colour fading to a darker shade, soft circles, the title in white."""
    width, height = size
    base = _rgb(colour)
    dark = tuple(max(0, c - 70) for c in base)
    img = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(img)
    for x in range(width):  # a horizontal gradient
        t = x / max(width - 1, 1)
        draw.line([(x, 0), (x, height)], fill=tuple(round(a + (b - a) * t) for a, b in zip(base, dark, strict=True)))
    light = tuple(min(255, c + 60) for c in base)
    for i, (cx, cy, r) in enumerate([(0.86, 0.2, 0.42), (0.95, 0.9, 0.3), (0.72, 0.95, 0.18)]):
        radius = r * height
        box = (cx * width - radius, cy * height - radius, cx * width + radius, cy * height + radius)
        draw.ellipse(box, outline=light, width=6 - i * 2)
    wide = width / height > 2
    pad = round(width * (0.06 if wide else 0.08))
    title_font = korean_font(round(height * (0.2 if wide else 0.13)), bold=True)
    sub_font = korean_font(round(height * (0.085 if wide else 0.06)))
    brand_font = korean_font(round(height * (0.07 if wide else 0.05)), bold=True)
    words, lines, line = title.split(), [], ""
    for word in words:  # wrap the title to the banner's width
        trial = f"{line} {word}".strip()
        if line and draw.textlength(trial, font=title_font) > width * (0.62 if wide else 0.84):
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    y = round(height * (0.2 if wide else 0.3))
    draw.text((pad, y - round(height * 0.1)), "따숨몰 기획전", fill=light, font=brand_font)
    step = round(title_font.size * 1.2)
    for text in lines[:2]:
        y += step
        draw.text((pad, y), text, fill=(255, 255, 255), font=title_font, anchor="ls")
    draw.text((pad, y + round(sub_font.size * 1.8)), subtitle, fill=(255, 255, 255), font=sub_font, anchor="ls")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue()


def _subtitle(start: datetime, end: datetime) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    return f"{start.year}. {start.month}. {start.day}. ~ {end.month}. {end.day}."


def _banners_ensure(campaign: Campaign) -> int:
    """Draw the banners a campaign lacks (or whose files went missing); returns how many were drawn."""
    drawn = 0
    for field, size, suffix in (("banner_desktop", DESKTOP, "desktop"), ("banner_mobile", MOBILE, "mobile")):
        image = getattr(campaign, field)
        if image and image.storage.exists(image.name):
            continue
        data = banner(campaign.title, _subtitle(campaign.starts_at, campaign.ends_at), campaign.theme_color, size)
        if image and image.name:
            image.storage.save(image.name, ContentFile(data))
        else:
            image.save(f"{campaign.slug}-{suffix}.jpg", ContentFile(data), save=False)
            campaign.save(update_fields=[field])
        drawn += 1
    return drawn


# --- items -------------------------------------------------------------------------------------


def _pick(products: list[Product], words, taken: set[int], rng) -> list[Product]:
    found = [p for p in products if p.pk not in taken and any(w in p.name for w in words)]
    rng.shuffle(found)
    # One product per vendor first, so a section shows several enterprises.
    seen, first, rest = set(), [], []
    for product in found:
        (rest if product.vendor_id in seen else first).append(product)
        seen.add(product.vendor_id)
    return (first + rest)[:ITEMS_PER_SECTION]


def _band(products: list[Product], words, taken: set[int], rng) -> list[Product]:
    found = [p for p in products if p.pk not in taken and 10000 <= p.price < 20000
             and any(w in p.name for w in words)]
    rng.shuffle(found)
    return found[:ITEMS_PER_SECTION]


def _items_create(campaign: Campaign, plan: Plan, products, owners, operator, rng, *, pending: int) -> tuple[int, int]:
    """Sections and approved items (and `pending` applications still waiting) for a new campaign."""
    taken: set[int] = set()
    approved = applied = 0
    created_at = campaign.starts_at - timedelta(days=14)
    decided_at = campaign.starts_at - timedelta(days=7)
    for position, (title, words) in enumerate(plan.sections):
        section = CampaignSection.objects.create(campaign=campaign, title=title, sort_order=position)
        chosen = _band(products, words, taken, rng) if title == PRICE_BAND else _pick(products, words, taken, rng)
        for order, product in enumerate(chosen):
            taken.add(product.pk)
            waiting = applied < pending and order == len(chosen) - 1
            variants = [v for v in product.all_variants if v.is_active]
            variant, price, percent, cap, limit = None, None, rng.choice((10, 15, 20, 25)), None, None
            if plan.kind == K.KIMCHI and title == "절임배추" and variants:
                # Cabbage sells in limited numbers, a few boxes per household.
                percent, cap, limit = 15, rng.choice((80, 100, 150)), 3
            elif order % 3 == 1 and len(variants) > 1:
                variant = variants[0]
                price, percent = variant.price * 88 // 100 // 100 * 100, None
            elif order % 4 == 3:
                limit = 5
            owner = owners.get(product.vendor_id)
            item = CampaignItem.objects.create(
                campaign=campaign, section=section, vendor_id=product.vendor_id, product=product, variant=variant,
                campaign_price=price, percent_off=percent, stock_cap=cap, per_customer_limit=limit, sort_order=order,
                status=ItemStatus.APPLIED if waiting else ItemStatus.APPROVED, applied_by=owner,
                decided_by=None if waiting else operator, decided_at=None if waiting else decided_at,
                created_at=created_at,
            )
            # The history as it happened: applied by the vendor, then approved by the operator.
            CampaignItemEvent.objects.create(item=item, actor=owner, from_status="", to_status=ItemStatus.APPLIED,
                                             created_at=created_at)
            if waiting:
                applied += 1
            else:
                CampaignItemEvent.objects.create(item=item, actor=operator, from_status=ItemStatus.APPLIED,
                                                 to_status=ItemStatus.APPROVED, created_at=decided_at,
                                                 notified_at=decided_at)
                approved += 1
    return approved, applied


# --- exactly one live ---------------------------------------------------------------------------


def _one_live(slugs: list[str], now: datetime) -> Campaign | None:
    """Make sure exactly one demo campaign is live at `now`; returns it."""
    demo = Campaign.objects.published().filter(slug__in=slugs)
    live = list(demo.live(now).order_by("ends_at"))
    if live:
        return live[0]
    coming = demo.upcoming(now).order_by("starts_at").first()
    if coming is not None:
        # The next campaign opens two days early, so a newcomer meets one on the home page.
        coming.starts_at = now - timedelta(days=2)
        coming.ends_at = max(coming.ends_at, now + timedelta(days=3))
        coming.save(update_fields=["starts_at", "ends_at", "updated_at"])
        return coming
    last = demo.ended(now).order_by("-ends_at").first()
    if last is not None:
        last.ends_at = now + timedelta(days=7)
        last.save(update_fields=["ends_at", "updated_at"])
    return last


# --- coupons ------------------------------------------------------------------------------------


def _coupons(live: Campaign | None, now: datetime) -> int:
    year = timezone.localdate(now).year
    made = 0
    _coupon, created = Coupon.objects.get_or_create(code="WELCOME3000", defaults={
        "name": "신규 회원 환영 쿠폰 3,000원", "discount_kind": DiscountKind.FIXED, "amount": 3000,
        "min_order_amount": 30000, "starts_at": _at(date(year - 1, 1, 1)), "ends_at": _at(date(year + 1, 12, 31), 23, 59, 59),
        "scope": CouponScope.ALL, "per_user_limit": 1, "funded_by": FundedBy.OPERATOR,
    })
    made += created
    if live is not None:
        code = f"{live.slug.split('-')[0].upper()}10"
        _coupon, created = Coupon.objects.get_or_create(code=code, defaults={
            "name": f"{live.title} 10% 할인 쿠폰", "discount_kind": DiscountKind.PERCENT, "percent": 10,
            "max_discount": 5000, "min_order_amount": 20000, "starts_at": live.starts_at, "ends_at": live.ends_at,
            "scope": CouponScope.CAMPAIGN, "campaign": live, "total_limit": 500, "per_user_limit": 1,
            "funded_by": FundedBy.OPERATOR,
        })
        made += created
    # vendor1@ddasum.kr's enterprise (the demo's vendor account), else the first one selling.
    vendor = demo_vendor1()
    if vendor is None:
        vendor = Vendor.objects.selling().order_by("pk").first()
    if vendor is not None:
        _coupon, created = Coupon.objects.get_or_create(
            code=None, name=f"{vendor.name} 단골 감사 2,000원 할인", scope=CouponScope.VENDOR, vendor=vendor,
            defaults={
                "discount_kind": DiscountKind.FIXED, "amount": 2000, "min_order_amount": 20000,
                "starts_at": now - timedelta(days=7), "ends_at": now + timedelta(days=90), "per_user_limit": 1,
                "funded_by": FundedBy.VENDOR,
            },
        )
        made += created
    return made


COUPON_BOX_EMAILS = ("consumer1@ddasum.kr", "consumer2@ddasum.kr")


def _coupon_boxes(now: datetime) -> int:
    """The welcome and campaign coupons become claimable; consumer1 and consumer2 get a 쿠폰함 with
    the welcome coupon (used), a coupon ending in three days and the live campaign's coupon. Idempotent."""
    Coupon.objects.filter(code="WELCOME3000").update(claimable=True)
    campaign_coupons = Coupon.objects.filter(scope=CouponScope.CAMPAIGN, code__isnull=False)
    campaign_coupons.filter(campaign__isnull=False).update(claimable=True)
    soon, _created = Coupon.objects.get_or_create(code="SOON5000", defaults={
        "name": "곧 끝나는 5,000원 할인 쿠폰", "discount_kind": DiscountKind.FIXED, "amount": 5000,
        "min_order_amount": 40000, "starts_at": now - timedelta(days=30), "ends_at": now + timedelta(days=3),
        "scope": CouponScope.ALL, "per_user_limit": 1, "funded_by": FundedBy.OPERATOR, "claimable": True,
    })
    if soon.ends_at <= now + timedelta(days=1):  # a later run keeps it "expiring soon", not expired
        Coupon.objects.filter(pk=soon.pk).update(ends_at=now + timedelta(days=3))
    welcome = Coupon.objects.filter(code="WELCOME3000").first()
    live_coupon = campaign_coupons.filter(claimable=True, is_active=True, ends_at__gt=now).order_by("pk").first()
    made = 0
    for user in User.objects.filter(email__in=COUPON_BOX_EMAILS):
        for coupon in (welcome, soon, live_coupon):
            if coupon is None:
                continue
            _claim, created = CouponClaim.objects.get_or_create(user=user, coupon=coupon,
                                                                defaults={"claimed_at": now - timedelta(days=2)})
            made += created
        if welcome is not None:
            _use, created = CouponUse.objects.get_or_create(coupon=welcome, customer=f"u{user.pk}",
                                                            defaults={"count": 1})
            if created:
                Coupon.objects.filter(pk=welcome.pk).update(used_count=F("used_count") + 1)
    return made


# --- the seed -------------------------------------------------------------------------------------


def seed(*, stdout, rng) -> None:
    now = timezone.now()
    year = timezone.localdate(now).year
    operator = User.objects.filter(email=OPERATOR_EMAIL).first()
    owners = vendor_owners()
    products = list(
        Product.objects.on_sale().filter(in_stock=True).prefetch_related("variants").order_by("pk")
    )
    for product in products:
        product.all_variants = sorted(product.variants.all(), key=lambda v: (v.price, v.pk))

    schedule = [(plan, start, end, True) for y in (year - 1, year) for plan, start, end in _calendar(y)]
    # Next year's 설맞이 is announced already; next year's 가정의 달 is being prepared (a draft).
    following = {plan.kind: (plan, start, end) for plan, start, end in _calendar(year + 1)}
    schedule.append((*following[K.NEW_YEAR], True))
    schedule.append((*following[K.FAMILY_MONTH], False))

    slugs, created, drawn = [], [], 0
    for plan, start, end, published in schedule:
        slug = f"{plan.slug}-{timezone.localtime(start).year}"
        slugs.append(slug)
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            campaign = Campaign.objects.create(
                slug=slug, title=plan.title if published else f"{plan.title} (준비 중)", kind=plan.kind,
                starts_at=start, ends_at=end, intro=plan.intro, theme_color=plan.colour, is_published=published,
                home_order=list(PLANS).index(plan.kind), accepts_applications=published,
                created_at=min(start - timedelta(days=30), now),
            )
            created.append(campaign)
        drawn += _banners_ensure(campaign)

    live = _one_live(slugs, now)
    coming = Campaign.objects.published().filter(slug__in=slugs).upcoming(now).order_by("starts_at").first()
    approved = applied = 0
    for campaign in created:
        plan = PLANS[campaign.kind]
        pending = 2 if campaign in (live, coming) else 0
        a, p = _items_create(campaign, plan, products, owners, operator, rng, pending=pending)
        approved, applied = approved + a, applied + p
    if live is not None and live in created:
        _nearly_sold_out(live)
    coupons = _coupons(live, now)
    boxed = _coupon_boxes(now)

    stdout.write(
        f"  기획전 {Campaign.objects.count()}개 (새로 {len(created)}개, 배너 {drawn}장 그림), "
        f"기획전 상품 새로 {approved}개 승인 · {applied}개 승인 대기, 쿠폰 새로 {coupons}개, 쿠폰함 새로 {boxed}장"
    )
    if live is not None:
        local = timezone.localtime
        stdout.write(f"  진행 중: {live.title} ({local(live.starts_at):%Y-%m-%d} ~ {local(live.ends_at):%Y-%m-%d}) "
                     f"/campaigns/{live.slug}/")


def _nearly_sold_out(campaign: Campaign) -> None:
    """One capped item of the live campaign has only a few left, as on a busy day."""
    item = (CampaignItem.objects.filter(campaign=campaign, status=ItemStatus.APPROVED, stock_cap__isnull=False)
            .exclude(vendor__memberships__user__email=VENDOR1_EMAIL).order_by("pk").first())
    if item is not None:
        item.sold_count = item.stock_cap - 3
        item.save(update_fields=["sold_count"])

