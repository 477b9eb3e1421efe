"""Demo reviews, questions and wishes for `manage.py seed_demo`, so product pages look lived in.

Reviews are written for the members' delivered 2017 lines (history rows, written directly like
the orders themselves: the 90-day rule is for shoppers, not for the past), about one in four
with photos drawn here and stored through the upload checks, about half with the vendor's
reply. consumer1's live delivered order is left unreviewed for the 작성 가능한 리뷰 demo.
Questions: open and secret ones, most answered by the vendor, a few waiting. Members wish a
few dozen products. Then every product's rating and popularity are computed from those rows.
Keyed on the order line (reviews), the text (questions) and the pair (wishes): a second run
creates nothing.
"""
import io
import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from catalog.models import Product
from catalog.wishes import wish_set
from ddasum.uploads import upload_clean
from orders.models import OrderLine, VendorOrderStatus
from orders.services.popularity import products_popularity_refresh
from reviews.models import Question, Review, ReviewPhoto
from reviews.services import product_rating_refresh
from vendors.models import MembershipRole, VendorMembership

MAX_REVIEWS = 160
REVIEW_TEXTS = {
    5: ["포장이 꼼꼼하고 신선해요. 가족들이 다 좋아합니다.", "두 번째 주문인데 역시 만족스러워요. 또 살게요!",
        "사회적기업 상품이라 믿고 샀는데 품질도 정말 좋네요.", "배송이 빠르고 맛이 좋아요. 선물용으로도 추천합니다."],
    4: ["전체적으로 만족합니다. 양이 조금 더 많았으면 좋겠어요.", "맛있어요. 배송이 하루 늦었지만 상태는 좋았습니다.",
        "가격 대비 괜찮아요. 다음에는 큰 용량으로 사려고요."],
    3: ["무난합니다. 기대했던 것보다는 평범했어요.", "상품은 괜찮은데 포장이 조금 아쉬웠어요."],
    2: ["생각보다 양이 적었어요. 맛은 괜찮습니다."],
    1: ["받았을 때 일부가 상해 있었어요. 교환 요청했습니다."],
}
REPLIES = ["소중한 후기 감사합니다. 앞으로도 정성껏 준비하겠습니다.", "불편을 드려 죄송합니다. 더 꼼꼼히 살피겠습니다.",
           "다시 찾아 주셔서 고맙습니다! 늘 건강하세요."]
QUESTIONS = [
    ("유통기한이 언제까지인가요?", False, "받으신 날부터 냉장 보관 시 2주입니다."),
    ("단체 주문(50개 이상)도 가능한가요? 견적을 받고 싶어요.", False, "네, 가능합니다. 공공구매 견적요청으로 보내 주세요."),
    ("주문했는데 배송지를 바꿀 수 있을까요? 연락처 남깁니다.", True, "배송지 변경해 드렸습니다. 확인 부탁드립니다."),
    ("선물 포장이 되나요?", False, ""),
    ("알레르기가 있는데 견과류가 들어가나요?", True, ""),
]
PHOTO_COLOURS = [(230, 200, 160), (190, 220, 180), (240, 220, 200), (200, 210, 235)]


def _photo(rng: random.Random, n: int) -> ContentFile:
    img = Image.new("RGB", (480, 480), rng.choice(PHOTO_COLOURS))
    draw = ImageDraw.Draw(img)
    for _ in range(4):
        x, y = rng.randint(40, 360), rng.randint(40, 360)
        draw.ellipse((x, y, x + rng.randint(60, 120), y + rng.randint(60, 120)),
                     fill=tuple(rng.randint(120, 220) for _ in range(3)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return upload_clean(ContentFile(out.getvalue(), name=f"review-{n}.jpg")).content


def _owners() -> dict[int, User]:
    return {m.vendor_id: m.user for m in VendorMembership.objects.filter(role=MembershipRole.OWNER)
            .select_related("user").order_by("pk")}


def _reviews(rng: random.Random, owners) -> int:
    live_keys = "demo-live-"
    lines = list(
        OrderLine.objects.filter(order__buyer__isnull=False, vendor_order__status__in=(
            VendorOrderStatus.DELIVERED, VendorOrderStatus.COMPLETED), review__isnull=True,
            product_id_snapshot__in=Product.objects.values("pk"))
        .exclude(order__idempotency_key__startswith=live_keys)
        .select_related("order", "vendor_order").order_by("pk"))
    if Review.objects.count() >= MAX_REVIEWS:
        return 0
    rng.shuffle(lines)
    made = 0
    for n, line in enumerate(lines[: MAX_REVIEWS - Review.objects.count()]):
        rating = rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3])[0]
        delivered = line.vendor_order.delivered_at or line.vendor_order.completed_at or line.order.placed_at
        with_photos = rng.random() < 0.25
        owner = owners.get(line.vendor_order.vendor_id)
        reply = rng.random() < 0.5 and owner is not None
        when = delivered + timedelta(days=rng.randint(1, 10))
        review = Review.objects.create(
            order_line=line, product_id=line.product_id_snapshot, vendor_id=line.vendor_order.vendor_id,
            author=line.order.buyer, rating=rating, content=rng.choice(REVIEW_TEXTS[rating]),
            variant_name=line.variant_name, has_photos=with_photos, created_at=when,
            reply=rng.choice(REPLIES) if reply else "", replied_at=when + timedelta(days=1) if reply else None,
            replied_by=owner if reply else None)
        if with_photos:
            for i in range(rng.randint(1, 2)):
                ReviewPhoto.objects.create(review=review, image=_photo(rng, n * 10 + i), position=i)
        made += 1
    return made


def _questions(rng: random.Random, owners, consumers) -> int:
    products = list(Product.objects.on_sale().order_by("pk")[:200:5])
    made = 0
    now = timezone.now()
    for i, product in enumerate(products):
        text, secret, answer = QUESTIONS[i % len(QUESTIONS)]
        author = consumers[i % len(consumers)]
        if Question.objects.filter(product=product, author=author, content=text).exists():
            continue
        owner = owners.get(product.vendor_id)
        asked = now - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 23))
        Question.objects.create(
            product=product, vendor_id=product.vendor_id, author=author, content=text, is_secret=secret,
            created_at=asked, answer=answer if owner else "",
            answered_at=asked + timedelta(hours=rng.randint(2, 30)) if answer and owner else None,
            answered_by=owner if answer else None)
        made += 1
    return made


def _wishes(rng: random.Random, consumers) -> int:
    products = list(Product.objects.on_sale().order_by("pk").values_list("pk", flat=True))
    made = 0
    for user in consumers:
        for pk in random.Random(f"wish:{user.email}").sample(products, min(12, len(products))):
            if not user.wishes.filter(product_id=pk).exists():
                wish_set(user=user, product_id=pk, wished=True)
                made += 1
    return made


def seed(*, stdout, rng: random.Random) -> None:
    consumers = list(User.objects.filter(email__startswith="consumer", email__endswith="@ddasum.kr").order_by("email"))
    if not consumers:
        stdout.write("  소비자 회원이 없어 후기를 만들지 않습니다")
        return
    owners = _owners()
    reviews = _reviews(rng, owners)
    for product_id in Review.objects.order_by().values_list("product_id", flat=True).distinct():
        product_rating_refresh(product_id=product_id)
    questions = _questions(rng, owners, consumers)
    wishes = _wishes(rng, consumers)
    products_popularity_refresh()
    stdout.write(f"  구매후기 {Review.objects.count()}개 (새로 {reviews}개, 사진 후기 "
                 f"{Review.objects.filter(has_photos=True).count()}개), 상품문의 {Question.objects.count()}개 "
                 f"(새로 {questions}개, 답변 대기 {Question.objects.filter(answered_at__isnull=True).count()}개), "
                 f"찜 새로 {wishes}개; 인기 점수는 주문·찜·조회에서 계산")
