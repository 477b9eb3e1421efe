from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from vendors.models import SELLING_FIELDS, Vendor, selling_q, vendor_selling

# The 12 categories' names are rows made by the data migration 0002; pages translate them at run
# time ({% translate category.name %}, Category.label), so they are marked here for makemessages.
CATEGORY_NAMES = (
    gettext_noop("쌀/잡곡"), gettext_noop("과일/채소/꾸러미"), gettext_noop("축/수산물"), gettext_noop("반찬/장류"),
    gettext_noop("가공식품"), gettext_noop("건강식품"), gettext_noop("도시락/단체급식"), gettext_noop("생활용품"),
    gettext_noop("교육/문화/체험"), gettext_noop("서비스"), gettext_noop("컴퓨터 주변기기"), gettext_noop("돌봄서비스"),
)


class Category(models.Model):
    """One of the mall's 12 categories (seeded by a data migration), or a sub-category of one."""

    name = models.CharField(_("이름"), max_length=50)
    slug = models.SlugField(_("주소 이름"), max_length=60, unique=True, allow_unicode=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("상위 분류")
    )
    position = models.PositiveSmallIntegerField(_("순서"), default=0)
    icon = models.CharField(_("아이콘"), max_length=8, blank=True)
    is_food = models.BooleanField(_("식품 분류"), default=False, help_text=_("식품은 원산지를 반드시 적어야 합니다."))
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        verbose_name = _("상품 분류")
        verbose_name_plural = _("상품 분류")
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.parent} > {self.label}" if self.parent_id else self.label

    def get_absolute_url(self):
        return reverse("catalog:category", args=[self.slug])

    @property
    def label(self) -> str:
        """The name in the active language (the 12 names are in the message catalog)."""
        return gettext(self.name)

    @property
    def requires_origin(self) -> bool:
        return self.is_food or bool(self.parent_id and self.parent.is_food)


class ProductKind(models.TextChoices):
    GOODS = "goods", _("상품")
    SERVICE = "service", _("서비스")


class TaxType(models.TextChoices):
    TAXABLE = "taxable", _("과세")
    EXEMPT = "exempt", _("면세")


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("작성 중")
    PENDING = "pending", _("검토 대기")
    ON_SALE = "on_sale", _("판매 중")
    HIDDEN = "hidden", _("숨김")
    REJECTED = "rejected", _("반려")


def variant_available_q(prefix: str = "") -> Q:
    """A variant that can be bought now: active, and in stock unless stock is not tracked."""
    return Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}track_stock": False}) | Q(**{f"{prefix}stock__gt": 0})
    )


class ProductQuerySet(models.QuerySet):
    def on_sale(self, today=None):
        """The one rule for what the shop shows.

        On sale, from a vendor that is approved (not suspended, not withdrawn) and whose
        certification, if it has one, has not ended. Sold-out products stay in: they show a
        품절 badge and sort last.
        """
        return self.filter(Q(status=ProductStatus.ON_SALE) & selling_q("vendor__", today))

    def sold_out(self):
        return self.filter(in_stock=False)

    def for_cards(self):
        """What a product card needs, in the fixed number of queries a list page may run."""
        return self.select_related("vendor", "category").prefetch_related(
            models.Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"), to_attr="ordered_images")
        )


def product_on_sale(*, status: str, vendor: dict, today=None) -> bool:
    """ProductQuerySet.on_sale() for a product's status and its vendor's SELLING_FIELDS values (no query)."""
    return status == ProductStatus.ON_SALE and vendor_selling(**vendor, today=today)


class Product(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="products", verbose_name=_("입점기업"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("분류"))
    kind = models.CharField(_("종류"), max_length=10, choices=ProductKind.choices, default=ProductKind.GOODS)
    name = models.CharField(_("상품명"), max_length=120)
    slug = models.SlugField(_("주소 이름"), max_length=140, allow_unicode=True, blank=True)
    summary = models.CharField(_("한 줄 소개"), max_length=200, blank=True)
    description = models.TextField(
        _("상세 설명"), blank=True,
        help_text=_("빈 줄로 문단을 나누고, '- '로 목록을 씁니다. 이미지는 ![설명](주소). HTML은 쓸 수 없습니다."),
    )
    description_html = models.TextField(editable=False, blank=True)
    tax_type = models.CharField(_("과세 구분"), max_length=10, choices=TaxType.choices, default=TaxType.TAXABLE)
    origin = models.CharField(_("원산지"), max_length=100, blank=True, help_text=_("식품은 필수입니다. 예: 국내산(충남 홍성)"))
    unit = models.CharField(_("판매 단위"), max_length=50, blank=True, help_text=_("예: 1박스, 1회 (2시간)"))
    specs = models.TextField(_("상품 정보 고시"), blank=True, help_text=_("한 줄에 하나씩 '항목: 내용'"))
    status = models.CharField(_("상태"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    status_reason = models.TextField(_("반려·숨김 사유"), blank=True)
    procurement_eligible = models.BooleanField(_("공공구매 가능"), default=False)
    min_order_qty = models.PositiveIntegerField(_("최소 주문 수량"), default=1, validators=[MinValueValidator(1)])
    max_order_qty = models.PositiveIntegerField(_("최대 주문 수량"), null=True, blank=True)
    delivery_date_required = models.BooleanField(
        _("배송일 지정 상품"), default=False,
        help_text=_("구매자가 받을 날을 고르는 상품입니다(예: 김장용 절임배추). 저장하면 아래에 배송일과 하루 수량을 넣는 칸이 나옵니다."))
    # Kept by catalog.services.product_refresh from the variants, so lists sort and filter
    # on indexed columns instead of aggregating variants per row.
    price = models.PositiveIntegerField(_("대표 가격"), default=0, editable=False)
    list_price = models.PositiveIntegerField(_("정상가"), null=True, blank=True, editable=False)
    in_stock = models.BooleanField(_("구매 가능"), default=False, editable=False)
    popularity = models.PositiveIntegerField(_("인기"), default=0, editable=False)
    # Kept by reviews.services in the same transaction as every change to a visible review
    # (rating_sum / review_count is the average, rating_avg its rounded copy for sorting).
    review_count = models.PositiveIntegerField(_("후기 수"), default=0, editable=False)
    rating_sum = models.PositiveIntegerField(_("평점 합계"), default=0, editable=False)
    rating_avg = models.DecimalField(_("평균 평점"), max_digits=3, decimal_places=2, default=0, editable=False)
    # Kept by catalog.services.wish_toggle with each Wish row.
    wish_count = models.PositiveIntegerField(_("찜 수"), default=0, editable=False)
    search_grams = models.TextField(editable=False, blank=True)
    published_at = models.DateTimeField(_("판매 시작"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("등록 시각"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("상품")
        verbose_name_plural = _("상품")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_order_qty__isnull=True) | Q(max_order_qty__gte=models.F("min_order_qty")),
                name="product_order_qty_range",
                violation_error_message=_("최대 주문 수량은 최소 주문 수량보다 작을 수 없습니다."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category", "-published_at"], name="product_status_cat_idx"),
            models.Index(fields=["vendor", "status"], name="product_vendor_status_idx"),
            models.Index(fields=["status", "-in_stock", "-published_at"], name="product_listing_idx"),
            models.Index(fields=["status", "-in_stock", "price"], name="product_price_idx"),
            models.Index(fields=["status", "-in_stock", "-popularity"], name="product_popular_idx"),
            models.Index(fields=["status", "-in_stock", "-review_count"], name="product_reviews_idx"),
            models.Index(fields=["status", "-in_stock", "-rating_avg", "-review_count"], name="product_rating_idx"),
            models.Index(fields=["procurement_eligible"], name="product_procurement_idx"),
            models.Index(fields=["kind"], name="product_kind_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:product", args=[self.pk, self.slug or "p"])

    def is_on_sale(self, today=None) -> bool:
        """Whether Product.objects.on_sale() would include this product as read, its vendor loaded (no query)."""
        return product_on_sale(status=self.status, vendor={f: getattr(self.vendor, f) for f in SELLING_FIELDS},
                               today=today)

    @property
    def main_image(self):
        images = getattr(self, "ordered_images", None)
        if images is None:
            images = list(self.images.order_by("position", "id")[:1])
        return images[0] if images else None

    @property
    def rating_stars(self) -> int:
        """The average rounded to whole stars (for the star row on cards)."""
        return int(self.rating_avg + Decimal("0.5")) if self.review_count else 0

    @property
    def discount_percent(self) -> int:
        if self.list_price and self.list_price > self.price > 0:
            return (self.list_price - self.price) * 100 // self.list_price
        return 0


class ProductVariantQuerySet(models.QuerySet):
    def available(self):
        return self.filter(variant_available_q())


class ProductVariant(models.Model):
    """A sellable option of a product (절임배추 10kg / 20kg) with its own price and stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("상품"))
    name = models.CharField(_("옵션명"), max_length=80, default="기본")
    sku = models.CharField(_("관리 코드(SKU)"), max_length=60)
    price = models.PositiveIntegerField(_("판매가(원)"))
    list_price = models.PositiveIntegerField(_("정상가(원)"), null=True, blank=True, help_text=_("할인 표시용"))
    stock = models.IntegerField(_("재고"), default=0)
    track_stock = models.BooleanField(_("재고 관리"), default=True, help_text=_("서비스처럼 재고가 없는 상품은 끕니다."))
    low_stock_threshold = models.PositiveIntegerField(_("재고 부족 알림 기준"), default=5)
    is_active = models.BooleanField(_("판매"), default=True)
    position = models.PositiveSmallIntegerField(_("순서"), default=0)

    objects = ProductVariantQuerySet.as_manager()

    class Meta:
        verbose_name = _("옵션")
        verbose_name_plural = _("옵션")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="variant_stock_not_negative",
                                   violation_error_message=_("재고는 0보다 작을 수 없습니다.")),
            models.UniqueConstraint(fields=["product", "sku"], name="variant_sku_unique",
                                    violation_error_message=_("같은 상품에 같은 관리 코드가 있습니다.")),
        ]
        indexes = [models.Index(fields=["sku"], name="variant_sku_idx")]

    def __str__(self):
        return f"{self.product.name} · {self.name}"

    @property
    def is_available(self) -> bool:
        return self.is_active and (not self.track_stock or self.stock > 0)


def product_image_path(instance, filename):
    return f"products/{instance.product_id or 'new'}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("상품"))
    image = models.ImageField(_("이미지"), upload_to=product_image_path, max_length=200)
    alt = models.CharField(_("대체 텍스트"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("순서"), default=0, help_text=_("0이 대표 이미지입니다."))
    # {"240": "products/1/x_w240.webp", ...}; empty until the thumbnail task has run.
    thumbs = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("상품 이미지")
        verbose_name_plural = _("상품 이미지")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["product", "position"], name="product_image_idx")]

    def __str__(self):
        return self.alt or self.image.name

    def thumb_url(self, width: int) -> str:
        """The thumbnail of that width, or the original while the task has not made it."""
        name = self.thumbs.get(str(width))
        return default_storage.url(name) if name else self.image.url


class ProductStatusEvent(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    from_status = models.CharField(max_length=10, choices=ProductStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ProductStatus.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("상품 상태 이력")
        verbose_name_plural = _("상품 상태 이력")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class BundleRule(models.TextChoices):
    PER_VENDOR = "per_vendor", _("기업별 묶음배송 (주문당 한 번)")
    PER_PRODUCT = "per_product", _("상품별 따로 배송")


RETURN_PERIOD_MIN_DAYS = 7
# Business days after payment a vendor ships within, unless its policy says otherwise.
SHIPPING_DAYS_DEFAULT = 2
SHIPPING_DAYS_MAX = 15
RETURN_EXCEPTIONS_DEFAULT = _(
    "구매자의 책임으로 상품이 멸실·훼손된 경우(내용 확인을 위한 포장 훼손은 제외), 사용하거나 일부 소비해 가치가 "
    "현저히 줄어든 경우, 시간이 지나 다시 팔기 어려울 만큼 가치가 줄어든 경우(신선식품 등), 복제할 수 있는 상품의 "
    "포장을 훼손한 경우, 주문에 따라 개별 제작되는 상품으로 미리 알리고 동의를 받은 경우에는 교환·반품이 제한됩니다. "
    "상품이 표시·광고와 다르거나 계약과 다르게 이행된 경우에는 받은 날부터 3개월, 그 사실을 안 날부터 30일 안에 "
    "교환·반품할 수 있으며 배송비는 판매기업이 부담합니다."
)


class ShippingPolicy(models.Model):
    """A vendor's shipping fees; orders charge them (catalog.shipping computes the fee)."""

    vendor = models.OneToOneField(Vendor, on_delete=models.CASCADE, related_name="shipping_policy", verbose_name=_("입점기업"))
    base_fee = models.PositiveIntegerField(_("기본 배송비(원)"), default=3000)
    free_threshold = models.PositiveIntegerField(_("무료배송 기준 금액(원)"), null=True, blank=True,
                                                 help_text=_("비우면 무료배송이 없습니다."))
    remote_extra_fee = models.PositiveIntegerField(_("도서산간 추가 배송비(원)"), default=3000)
    jeju_extra_fee = models.PositiveIntegerField(_("제주 추가 배송비(원)"), default=3000)
    bundle_rule = models.CharField(_("묶음배송"), max_length=20, choices=BundleRule.choices, default=BundleRule.PER_VENDOR)
    notes = models.TextField(_("배송 안내"), blank=True, help_text=_("출고일, 택배사, 교환·반품 안내"))
    # The promise the late-shipping escalation (orders.services.late_shipping) holds the vendor to.
    shipping_days = models.PositiveSmallIntegerField(
        _("발송 기한(영업일)"), default=SHIPPING_DAYS_DEFAULT,
        validators=[MinValueValidator(1), MaxValueValidator(SHIPPING_DAYS_MAX)],
        help_text=_("결제 확인 후 이 영업일 안에 발송합니다(주말·공휴일 제외). 넘기면 알림이 갑니다."),
    )
    # 교환·반품 (전자상거래법 §17, shown on every product page; defaults are the statutory minimum).
    return_period_days = models.PositiveSmallIntegerField(
        _("교환·반품 신청 기간(일)"), default=RETURN_PERIOD_MIN_DAYS, help_text=_("상품을 받은 날부터. 법정 최소 7일입니다."),
        validators=[MinValueValidator(RETURN_PERIOD_MIN_DAYS, _("교환·반품 기간은 법에 따라 7일보다 짧게 정할 수 없습니다."))],
    )
    return_fee = models.PositiveIntegerField(_("반품 배송비(편도, 원)"), default=3000,
                                             help_text=_("단순 변심일 때 구매자가 냅니다."))
    exchange_fee = models.PositiveIntegerField(_("교환 배송비(왕복, 원)"), default=6000)
    return_address = models.CharField(_("반품 받을 주소"), max_length=300, blank=True,
                                      help_text=_("비우면 입점기업 주소로 안내합니다."))
    return_exceptions = models.TextField(_("교환·반품이 안 되는 경우"), blank=True,
                                         help_text=_("비우면 전자상거래법이 정한 경우를 안내합니다."))

    class Meta:
        verbose_name = _("배송 정책")
        verbose_name_plural = _("배송 정책")

    def __str__(self):
        return f"{self.vendor} 배송 정책"


def in_stock_exists():
    """Exists() of an available variant, for refreshing Product.in_stock in bulk."""
    return Exists(ProductVariant.objects.filter(variant_available_q(), product=OuterRef("pk")))


class Wish(models.Model):
    """A member's 찜 of a product (the heart); Product.wish_count counts them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishes")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="wishes", verbose_name=_("상품"))
    created_at = models.DateTimeField(_("찜한 시각"), default=timezone.now)
    # What the member was last told about (or saw when wishing): a notice goes when the product
    # comes back in stock after this was False, and once per campaign item that puts it on a live price.
    seen_in_stock = models.BooleanField(default=True, editable=False)
    notified_campaign_item_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("찜")
        verbose_name_plural = _("찜")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="wish_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="wish_user_idx")]

    def __str__(self):
        return f"{self.user_id} ♥ {self.product_id}"


class WishNoticeSetting(models.Model):
    """A member's opt-out of 찜 notices (back in stock, campaign price); no row means they are on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wish_notice_setting")
    enabled = models.BooleanField(_("찜한 상품 알림 받기"), default=True)

    class Meta:
        verbose_name = _("찜 알림 설정")
        verbose_name_plural = _("찜 알림 설정")

    def __str__(self):
        return f"{self.user_id}: {self.enabled}"


class RestockAlert(models.Model):
    """재입고 알림: a member or a guest (by email) asks to hear once when a sold-out option is back."""

    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="restock_alerts",
                                verbose_name=_("옵션"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="restock_alerts", verbose_name=_("회원"))
    email = models.EmailField(_("이메일"))
    created_at = models.DateTimeField(_("신청 시각"), default=timezone.now)
    notified_at = models.DateTimeField(_("알림 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("재입고 알림")
        verbose_name_plural = _("재입고 알림")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "email"], condition=Q(notified_at__isnull=True),
                                    name="restock_alert_pending_once"),
        ]
        indexes = [models.Index(fields=["notified_at", "variant"], name="restock_pending_idx")]

    def __str__(self):
        return f"{self.variant_id} → {self.email}"


class ProductViewDay(models.Model):
    """Product-page views per product and day, drained from cache counters (no write per request)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("상품 조회 수")
        verbose_name_plural = _("상품 조회 수")
        constraints = [models.UniqueConstraint(fields=["product", "day"], name="product_view_day_unique")]
        indexes = [models.Index(fields=["day"], name="product_view_day_idx")]

    def __str__(self):
        return f"{self.product_id} {self.day}: {self.views}"


class RecentView(models.Model):
    """최근 본 상품 of a member (guests keep theirs in a signed cookie); the last RECENT_MAX are kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recent_views")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("최근 본 상품")
        verbose_name_plural = _("최근 본 상품")
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="recent_view_unique")]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="recent_view_user_idx")]

    def __str__(self):
        return f"{self.user_id} · {self.product_id}"


class DeliverySlot(models.Model):
    """A delivery date a product offers and how many units can go out that day.

    `taken` changes only through catalog.delivery_dates (conditional UPDATEs), never by a form.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="delivery_slots",
                                verbose_name=_("상품"))
    date = models.DateField(_("배송일"))
    capacity = models.PositiveIntegerField(_("하루 수량"))
    taken = models.PositiveIntegerField(_("주문된 수량"), default=0, editable=False)

    class Meta:
        verbose_name = _("배송일")
        verbose_name_plural = _("배송일")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["product", "date"], name="delivery_slot_once_per_day"),
            models.CheckConstraint(condition=Q(taken__lte=models.F("capacity")), name="delivery_slot_not_over",
                                   violation_error_message=_("하루 수량은 이미 주문된 수량보다 작을 수 없습니다.")),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}"

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.taken, 0)
