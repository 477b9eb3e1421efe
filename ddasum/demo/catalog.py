"""Demo catalog for `manage.py seed_demo`: about 200 products over the 12 categories.

Products belong to the approved demo vendors whose 종목 fits the category (round-robin when
none does), carry realistic names, prices, options, origins and tax types, and get an
image drawn with Pillow (stored through the same checks and thumbnail task as an upload).
A few are sold out, a few wait for review, one is a draft. Keyed on (vendor, name): a
second run creates nothing.
"""
import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from catalog.models import Category, Product, ProductKind, ProductStatus, ProductVariant, ShippingPolicy, TaxType
from catalog.services import product_image_add, product_refresh
from ddasum.uploads import upload_clean
from vendors.models import Vendor, VendorStatus

from .drawing import korean_font
from .vendors import region_short

G, S = ProductKind.GOODS, ProductKind.SERVICE
TX, EX = TaxType.TAXABLE, TaxType.EXEMPT

# slug: (keywords of 종목 that fit, colour, [(name, summary, unit, kind, tax, origin, [(option, price, list)])])
CATALOG = {
    "rice-grains": (("쌀", "잡곡", "밤", "호두", "견과"), (214, 190, 140), [
        ("유기농 백미", "논우렁이 농법으로 기른 햅쌀", "1포", G, EX, "국내산(충남)", [("4kg", 18000, None), ("10kg", 39000, 42000)]),
        ("현미 찹쌀 혼합곡", "매일 밥에 섞는 다섯 가지 잡곡", "1봉", G, EX, "국내산", [("1kg", 9900, None), ("3kg", 27000, 29700)]),
        ("볶은 귀리", "고소하게 볶아 바로 먹는 귀리", "1봉", G, TX, "국내산", [("500g", 8500, None)]),
        ("알밤 깐밤", "정안 밤을 껍질째 까서 진공포장", "1봉", G, EX, "국내산(공주 정안)", [("500g", 12000, None), ("1kg", 22000, 24000)]),
        ("햅쌀 선물세트", "추석·설 선물용 3종 쌀 세트", "1세트", G, EX, "국내산(충남)", [("3kg×3", 45000, 50000)]),
        ("검정콩 서리태", "밥에도 두유에도 좋은 서리태", "1봉", G, EX, "국내산", [("1kg", 16000, None)]),
        ("손질 호두", "껍질을 까서 바로 먹는 국산 호두", "1봉", G, EX, "국내산(천안 광덕)", [("300g", 15000, None), ("1kg", 45000, 49000)]),
    ]),
    "fruit-vegetables": (("과일", "채소", "딸기", "사과", "꾸러미", "버섯", "배추"), (120, 180, 90), [
        ("꿀사과", "일교차 큰 산지에서 자란 아삭한 사과", "1박스", G, EX, "국내산(충남 예산)", [("3kg", 29000, 33000), ("5kg", 45000, None)]),
        ("설향 딸기", "새벽에 딴 논산 딸기", "1팩", G, EX, "국내산(논산)", [("500g", 13000, None), ("1kg×2", 39000, 42000)]),
        ("제철 채소 꾸러미", "매주 바뀌는 여덟 가지 제철 채소", "1상자", G, EX, "국내산(충남)", [("소 (2인)", 25000, None), ("대 (4인)", 39000, None)]),
        ("절임배추", "해풍 맞은 배추를 천일염에 절였습니다", "1박스", G, EX, "국내산(배추·소금)", [("10kg", 32000, None), ("20kg", 59000, 64000)]),
        ("표고버섯", "참나무 원목에서 키운 표고", "1봉", G, EX, "국내산(청양)", [("생 1kg", 22000, None), ("건 300g", 28000, None)]),
        ("방울토마토", "달고 단단한 대추방울토마토", "1박스", G, EX, "국내산(부여)", [("2kg", 19000, 22000)]),
        ("감자 고구마 꾸러미", "햇감자와 꿀고구마 반반", "1박스", G, EX, "국내산(당진)", [("5kg", 23000, None)]),
    ]),
    "meat-seafood": (("한우", "돼지", "수산", "젓갈", "김", "굴", "갯벌", "해산"), (190, 110, 100), [
        ("한우 불고기", "1등급 한우 앞다리 불고기용", "1팩", G, EX, "국내산(한우, 홍성)", [("500g", 32000, None), ("1kg", 62000, 68000)]),
        ("무항생제 삼겹살", "무항생제 인증 농장의 삼겹살", "1팩", G, EX, "국내산(돼지)", [("600g", 21000, None)]),
        ("서산 어리굴젓", "간월도 굴로 담근 어리굴젓", "1병", G, TX, "굴: 국내산(서산), 고춧가루: 국내산", [("250g", 14000, None), ("500g", 26000, None)]),
        ("광천 조미김", "들기름에 구운 재래김", "1세트", G, TX, "김: 국내산, 들기름: 국내산", [("20봉", 16000, 18000)]),
        ("태안 바지락", "갯벌에서 캐 해감한 바지락", "1봉", G, EX, "국내산(태안)", [("1kg", 15000, None), ("2kg", 28000, None)]),
        ("꽃게 선물세트", "제철 암꽃게 급랭", "1박스", G, EX, "국내산(보령)", [("2kg", 65000, 72000)]),
    ]),
    "side-dishes-sauces": (("장류", "된장", "반찬", "두부", "콩", "김치"), (170, 120, 70), [
        ("전통 된장", "국산 콩으로 3년 숙성한 된장", "1통", G, TX, "대두: 국내산, 천일염: 국내산", [("1kg", 18000, None), ("2kg", 33000, 36000)]),
        ("고추장", "찹쌀과 태양초로 담근 고추장", "1통", G, TX, "고춧가루: 국내산, 찹쌀: 국내산", [("500g", 12000, None), ("1kg", 22000, None)]),
        ("포기김치", "절임배추로 담근 아삭한 김치", "1통", G, TX, "배추·고춧가루: 국내산", [("3kg", 29000, None), ("5kg", 45000, 48000)]),
        ("손두부", "어르신들이 새벽에 만든 국산콩 두부", "1모", G, TX, "대두: 국내산", [("500g", 4500, None)]),
        ("밑반찬 4종 세트", "멸치볶음·장조림·무말랭이·콩자반", "1세트", G, TX, "국내산 및 수입산(멸치: 국내산)", [("4종", 23000, 26000)]),
        ("간장게장", "국산 꽃게로 담근 간장게장", "1통", G, TX, "꽃게: 국내산", [("1kg", 42000, None)]),
    ]),
    "processed-food": (("가공", "떡", "빵", "과자", "조청", "식혜", "한과", "두부"), (230, 170, 110), [
        ("쌀 조청", "엿기름으로 고아 만든 쌀 조청", "1병", G, TX, "쌀: 국내산", [("500g", 13000, None)]),
        ("전통 한과 세트", "찹쌀 유과와 약과", "1세트", G, TX, "찹쌀: 국내산", [("중", 28000, 32000), ("대", 48000, None)]),
        ("떡국떡", "국산 쌀로 뽑은 떡국떡", "1봉", G, TX, "쌀: 국내산", [("1kg", 8500, None), ("3kg", 23000, None)]),
        ("우리밀 쌀빵", "우리밀과 쌀가루로 구운 식빵", "1봉", G, TX, "밀: 국내산, 쌀: 국내산", [("2개", 9000, None)]),
        ("밤 양갱", "공주 밤을 넣은 수제 양갱", "1상자", G, TX, "밤: 국내산(공주)", [("10개", 15000, 17000)]),
        ("전통 식혜", "엿기름으로 삭힌 식혜", "1병", G, TX, "쌀: 국내산", [("1.5L", 7000, None)]),
    ]),
    "health-food": (("인삼", "홍삼", "약초", "건강", "아로니아", "즙", "꿀"), (160, 60, 90), [
        ("아로니아즙", "유기농 아로니아를 통째로 착즙", "1박스", G, TX, "아로니아: 국내산(금산)", [("30포", 29000, 36000), ("60포", 52000, None)]),
        ("금산 홍삼정", "6년근 홍삼 농축액", "1병", G, TX, "홍삼: 국내산(금산)", [("240g", 89000, 98000)]),
        ("도라지 배즙", "도라지와 배를 달인 즙", "1박스", G, TX, "도라지·배: 국내산", [("30포", 32000, None)]),
        ("야생화 꿀", "청양 산골 야생화 꿀", "1병", G, TX, "국내산(청양)", [("500g", 25000, None), ("1kg", 45000, None)]),
        ("수삼", "금산 인삼 시장의 4년근 수삼", "1상자", G, EX, "국내산(금산)", [("750g", 45000, None)]),
        ("양파즙", "무안 양파가 아닌 당진 양파로 달였습니다", "1박스", G, TX, "양파: 국내산(당진)", [("50포", 26000, None)]),
    ]),
    "lunch-catering": (("도시락", "급식", "음식", "케이터링"), (240, 200, 150), [
        ("로컬푸드 한식 도시락", "지역 농산물 반찬 6찬 도시락", "1개", G, TX, "쌀: 국내산, 돼지고기: 국내산", [("일반", 8500, None), ("고급", 12000, None)]),
        ("회의용 샌드위치 세트", "10인분 샌드위치와 음료", "1세트", G, TX, "빵: 국내산 밀", [("10인", 75000, None)]),
        ("단체 급식 (1식)", "행사·교육용 단체 급식, 30인 이상", "1인분", S, TX, "쌀·김치: 국내산", [("1식", 9000, None)]),
        ("어르신 반찬 배달", "주 2회 반찬 배달 (한 달)", "1개월", S, TX, "국내산 위주", [("주 2회", 120000, None)]),
        ("떡 답례품", "행사 답례용 개별포장 떡", "1세트", G, TX, "쌀: 국내산", [("50개", 90000, 100000)]),
    ]),
    "household": (("생활", "비누", "모시", "섬유", "목공", "도자", "화장품", "세제"), (150, 180, 210), [
        ("한산모시 손수건", "한산모시로 짠 손수건", "1장", G, TX, "", [("기본", 18000, None)]),
        ("천연 수제비누", "머드와 쌀겨로 만든 비누", "1세트", G, TX, "", [("3개", 15000, None), ("6개", 28000, 30000)]),
        ("재생 원단 장바구니", "남은 원단으로 만든 장바구니", "1개", G, TX, "", [("중", 12000, None), ("대", 15000, None)]),
        ("원목 도마", "지역 목공방의 참나무 도마", "1개", G, TX, "", [("소", 25000, None), ("대", 39000, None)]),
        ("천연 주방세제", "쌀뜨물 발효 주방세제 리필", "1병", G, TX, "", [("1L", 9000, None)]),
        ("도자기 머그", "손으로 빚은 분청 머그", "1개", G, TX, "", [("기본", 22000, None)]),
    ]),
    "education-culture": (("교육", "체험", "문화", "역사", "공예", "숲"), (130, 150, 220), [
        ("백제 역사 탐방 체험", "해설사와 함께 걷는 공산성 (2시간)", "1인", S, EX, "", [("어린이", 15000, None), ("성인", 20000, None)]),
        ("모시 짜기 체험", "모시 짜기와 손수건 만들기", "1인", S, EX, "", [("기본", 25000, None)]),
        ("갯벌 생태 교실", "물때에 맞춘 갯벌 생태 체험", "1인", S, EX, "", [("기본", 18000, None)]),
        ("목공 원데이 클래스", "내 손으로 만드는 원목 트레이", "1인", S, EX, "", [("기본", 45000, None)]),
        ("농촌 일손 체험 캠프", "1박 2일 농촌 체험 캠프", "1인", S, EX, "", [("1박2일", 89000, None)]),
    ]),
    "services": (("서비스", "청소", "방역", "인쇄", "디자인", "세탁", "택배"), (200, 200, 200), [
        ("사무실 정기 청소", "주 1회 사무실 청소 (월 단위)", "1개월", S, TX, "", [("50평 이하", 280000, None)]),
        ("방역 소독", "사무실·시설 방역 소독 1회", "1회", S, TX, "", [("100㎡", 120000, None)]),
        ("홍보물 인쇄", "리플릿·포스터 디자인과 인쇄", "1건", S, TX, "", [("리플릿 1,000부", 350000, None)]),
        ("행사 사진 촬영", "행사 기록 사진 촬영 (4시간)", "1회", S, TX, "", [("4시간", 400000, None)]),
        ("세탁 수거 배달", "이불·커튼 수거 세탁", "1건", S, TX, "", [("기본", 30000, None)]),
    ]),
    "computer-accessories": (("컴퓨터", "토너", "전자", "IT"), (110, 120, 140), [
        ("재생 토너 카트리지", "품질 보증 재생 토너 (HP 호환)", "1개", G, TX, "", [("검정", 35000, 59000), ("컬러", 45000, 79000)]),
        ("재생 노트북", "점검을 마친 사무용 노트북 (1년 보증)", "1대", G, TX, "", [("i5/8GB", 390000, None)]),
        ("무선 키보드 마우스 세트", "조용한 키보드와 마우스", "1세트", G, TX, "", [("기본", 32000, None)]),
        ("PC 점검·데이터 이전", "방문 점검과 자료 옮기기", "1회", S, TX, "", [("기본", 50000, None)]),
        ("복합기 토너 정기 교체", "월 정기 토너 교체 서비스", "1개월", S, TX, "", [("기본", 60000, None)]),
    ]),
    "care-services": (("돌봄", "요양", "가사", "보육"), (230, 160, 180), [
        ("어르신 방문 돌봄", "요양보호사 방문 돌봄 (2시간)", "1회", S, EX, "", [("2시간", 40000, None)]),
        ("가사 지원 서비스", "청소·빨래·식사 준비 (3시간)", "1회", S, TX, "", [("3시간", 55000, None)]),
        ("산후 도우미", "산모·신생아 돌봄 (5일)", "1주", S, EX, "", [("5일", 650000, None)]),
        ("아이 돌봄 (방과 후)", "초등 방과 후 돌봄 (월)", "1개월", S, EX, "", [("주 3회", 240000, None)]),
        ("반려식물 돌봄 교실", "어르신 정서 지원 원예 활동", "1회", S, EX, "", [("10인", 150000, None)]),
    ]),
}
def product_image(name: str, colour, index: int) -> bytes:
    """A 640×640 product picture: a coloured card, a shape and the product's name."""
    img = Image.new("RGB", (640, 640), colour)
    draw = ImageDraw.Draw(img)
    light = tuple(min(255, c + 40) for c in colour)
    dark = tuple(max(0, c - 70) for c in colour)
    shape = index % 3
    if shape == 0:
        draw.ellipse((170, 110, 470, 410), fill=light, outline=dark, width=8)
    elif shape == 1:
        draw.rounded_rectangle((160, 120, 480, 400), radius=40, fill=light, outline=dark, width=8)
    else:
        draw.polygon([(320, 100), (480, 410), (160, 410)], fill=light, outline=dark)
    font = korean_font(44, bold=True)
    words, lines, line = name.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) > 560 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    y = 450
    for text in lines[:3]:
        draw.text((320, y), text, fill=(30, 30, 30), font=font, anchor="ma")
        y += 54
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def _vendors_for(slug, keywords, approved):
    fits = [v for v in approved if any(k in v.business_item for k in keywords)]
    return fits or approved


def seed(*, stdout, rng):
    approved = list(Vendor.objects.filter(status=VendorStatus.APPROVED).order_by("pk"))
    if not approved:
        stdout.write("  입점 승인된 기업이 없어 상품을 만들지 않습니다")
        return
    categories = {c.slug: c for c in Category.objects.filter(parent=None)}
    for vendor in approved:
        ShippingPolicy.objects.get_or_create(
            vendor=vendor,
            defaults={"base_fee": rng.choice([3000, 3000, 3500, 4000]), "free_threshold": rng.choice([30000, 50000, 50000, None]),
                      "remote_extra_fee": 3000, "jeju_extra_fee": rng.choice([3000, 4000, 5000]),
                      "notes": "평일 오후 2시 이전 주문은 당일 출고합니다. 신선식품은 단순 변심 반품이 어렵습니다."},
        )
    created = sold_out = pending = 0
    now = timezone.now()
    counter = iter(range(10**6))
    for slug, (keywords, colour, items) in CATALOG.items():
        category = categories[slug]
        vendors = _vendors_for(slug, keywords, approved)
        # Each template is sold by up to three vendors of the category: about 200 in all.
        for t, (base, summary, unit, kind, tax, origin, options) in enumerate(items):
            sellers = vendors[t % len(vendors):] + vendors[: t % len(vendors)]
            for copy, vendor in enumerate(sellers[:3]):
                region = region_short(vendor.region)
                name = f"{region} {base}"
                if Product.objects.filter(vendor=vendor, name=name).exists():
                    continue
                n = next(counter)
                status = ProductStatus.ON_SALE
                if n % 29 == 5:
                    status = ProductStatus.PENDING
                elif n == 11:
                    status = ProductStatus.DRAFT
                product = Product.objects.create(
                    vendor=vendor, category=category, kind=kind, name=name, summary=summary, unit=unit,
                    tax_type=tax, origin=origin if category.is_food else "",
                    description=f"{summary}.\n\n{vendor.name}이(가) 직접 만들고 보내 드립니다.\n\n"
                                "- 주문 후 1~3일 안에 출고합니다\n- 받으신 날 상태를 확인해 주세요",
                    specs=f"판매 단위: {unit}\n생산자: {vendor.name}\n소재지: 충청남도 {region}",
                    status=status, procurement_eligible=(kind == S or n % 4 == 0),
                    published_at=now - timedelta(days=rng.randint(0, 300), minutes=n) if status == ProductStatus.ON_SALE else None,
                    created_at=now - timedelta(days=rng.randint(1, 320)),
                )
                out_of_stock = n % 13 == 7
                for i, (option, price, list_price) in enumerate(options):
                    variant_price = price + rng.choice([0, 0, 500, 1000, -500]) * (copy > 0)
                    ProductVariant.objects.create(
                        product=product, name=option, sku=f"DS-{product.pk:05d}-{i + 1}", position=i,
                        price=max(1000, variant_price), list_price=list_price,
                        track_stock=kind == G, stock=0 if out_of_stock else rng.randint(2, 80),
                        low_stock_threshold=5,
                    )
                image = upload_clean(ContentFile(product_image(name, colour, n), name=f"{slug}-{n}.jpg"))
                product_image_add(product_id=product.pk, upload=image, alt=name)
                product_refresh(product_id=product.pk)
                created += 1
                sold_out += out_of_stock and kind == G
                pending += status == ProductStatus.PENDING
    stdout.write(f"  상품 {Product.objects.count()}개 (새로 {created}개, 품절 {sold_out}개, 검토 대기 {pending}개)")

