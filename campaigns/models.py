"""Seasonal campaigns (기획전·판매전), coupons, the notices and events board, newsletter consent.

A campaign's state follows the clock: live means starts_at <= now < ends_at, nothing is run
on the hour. Prices are integer won.
"""
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, ProductVariant
from vendors.models import Vendor


class CampaignKind(models.TextChoices):
    NEW_YEAR = "new_year", _("설맞이")
    FAMILY_MONTH = "family_month", _("가정의 달")
    HEALTH = "health", _("건강식품")
    CHUSEOK = "chuseok", _("추석")
    KIMCHI = "kimchi", _("김장/절임배추")
    CHRISTMAS = "christmas", _("크리스마스")
    OTHER = "other", _("기타")


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("작성 중")
    SCHEDULED = "scheduled", _("예정")
    LIVE = "live", _("진행 중")
    ENDED = "ended", _("종료")


class CampaignQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def live(self, now=None):
        now = now or timezone.now()
        return self.published().filter(starts_at__lte=now, ends_at__gt=now)

    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.published().filter(starts_at__gt=now)

    def ended(self, now=None):
        now = now or timezone.now()
        return self.published().filter(ends_at__lte=now)


def campaign_banner_path(instance, filename):
    return f"campaigns/{instance.slug}/{filename}"


class Campaign(models.Model):
    title = models.CharField(_("제목"), max_length=100)
    slug = models.SlugField(_("주소 이름"), max_length=80, unique=True, allow_unicode=False)
    kind = models.CharField(_("종류"), max_length=20, choices=CampaignKind.choices, default=CampaignKind.OTHER)
    starts_at = models.DateTimeField(_("시작"))
    ends_at = models.DateTimeField(_("종료"))
    banner_desktop = models.ImageField(_("배너(PC)"), upload_to=campaign_banner_path, blank=True)
    banner_mobile = models.ImageField(_("배너(모바일)"), upload_to=campaign_banner_path, blank=True)
    intro = models.TextField(_("소개"), blank=True)
    theme_color = models.CharField(
        _("테마 색"), max_length=7, default="#c0392b",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("#RRGGBB 형식으로 입력해 주세요."))],
    )
    # Not published = draft; otherwise scheduled, live or ended by the clock.
    is_published = models.BooleanField(_("공개"), default=False)
    home_order = models.PositiveSmallIntegerField(_("홈 노출 순서"), default=0)
    accepts_applications = models.BooleanField(_("입점기업 참여 신청 받기"), default=True)
    start_notified_at = models.DateTimeField(null=True, blank=True)
    ending_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("기획전")
        verbose_name_plural = _("기획전")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_period_order"),
        ]
        indexes = [
            models.Index(fields=["is_published", "starts_at", "ends_at"], name="campaign_period_idx"),
            models.Index(fields=["home_order"], name="campaign_home_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("campaigns:detail", args=[self.slug])

    def state_at(self, now=None) -> str:
        now = now or timezone.now()
        if not self.is_published:
            return CampaignState.DRAFT
        if now < self.starts_at:
            return CampaignState.SCHEDULED
        if now < self.ends_at:
            return CampaignState.LIVE
        return CampaignState.ENDED

    @property
    def state(self) -> str:
        return self.state_at()

    def is_live(self, now=None) -> bool:
        return self.state_at(now) == CampaignState.LIVE


class CampaignSection(models.Model):
    """A section of the campaign page ("선물세트", "1만원대" …)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("제목"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        verbose_name = _("기획전 구역")
        verbose_name_plural = _("기획전 구역")
        ordering = ["campaign", "sort_order", "id"]

    def __str__(self):
        return f"{self.campaign} · {self.title}"


class ItemStatus(models.TextChoices):
    APPLIED = "applied", _("참여 신청")
    APPROVED = "approved", _("승인")
    DECLINED = "declined", _("반려")
    WITHDRAWN = "withdrawn", _("신청 철회")


class CampaignItem(models.Model):
    """A product (or one variant) in a campaign with its campaign price; vendors apply, the operator approves.

    The price is either a fixed campaign price for the variant(s) or a percentage off.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items", verbose_name=_("기획전"))
    section = models.ForeignKey(CampaignSection, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="items", verbose_name=_("구역"))
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="campaign_items",
                               verbose_name=_("입점기업"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="campaign_items",
                                verbose_name=_("상품"))
    # None: every variant of the product; else only this one.
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="campaign_items", verbose_name=_("옵션"))
    campaign_price = models.PositiveIntegerField(_("기획전 가격"), null=True, blank=True)
    percent_off = models.PositiveSmallIntegerField(
        _("할인율(%)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    stock_cap = models.PositiveIntegerField(_("기획전 한정 수량"), null=True, blank=True)
    sold_count = models.PositiveIntegerField(_("판매 수량"), default=0)
    per_customer_limit = models.PositiveIntegerField(_("1인 구매 한도"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("순서"), default=0)
    status = models.CharField(_("상태"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.APPLIED)
    decline_reason = models.TextField(_("반려 사유"), blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("기획전 상품")
        verbose_name_plural = _("기획전 상품")
        ordering = ["campaign", "section__sort_order", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(campaign_price__isnull=False) & Q(percent_off__isnull=True))
                | (Q(campaign_price__isnull=True) & Q(percent_off__isnull=False)),
                name="campaign_item_one_price_rule",
                violation_error_message=_("기획전 가격과 할인율 중 하나만 입력해 주세요."),
            ),
            models.CheckConstraint(
                condition=Q(stock_cap__isnull=True) | Q(sold_count__lte=models.F("stock_cap")),
                name="campaign_item_cap_not_exceeded",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="campaign_item_status_idx"),
            models.Index(fields=["product", "status"], name="campaign_item_product_idx"),
            models.Index(fields=["vendor", "status"], name="campaign_item_vendor_idx"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.product}"


class CampaignItemEvent(models.Model):
    """One row per status change of a campaign item: who, when, from → to, why."""

    item = models.ForeignKey(CampaignItem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    from_status = models.CharField(max_length=10, choices=ItemStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ItemStatus.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the vendor has been told (decisions only); the task runs once per event.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("기획전 상품 상태 이력")
        verbose_name_plural = _("기획전 상품 상태 이력")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class CampaignApplication(CampaignItem):
    """A vendor's view of its campaign items in the partner admin (기획전 참여 신청)."""

    class Meta:
        proxy = True
        verbose_name = _("기획전 참여 신청")
        verbose_name_plural = _("기획전 참여 신청")


class CampaignItemUse(models.Model):
    """How many units one customer bought of a campaign item (for the per-customer limit).

    `customer` is "u<user id>" for members and "e<email>" for guests.
    """

    item = models.ForeignKey(CampaignItem, on_delete=models.CASCADE, related_name="uses")
    customer = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "customer"], name="campaign_item_use_unique")]

    def __str__(self):
        return f"{self.item_id} {self.customer} {self.quantity}"


class CampaignVisit(models.Model):
    """Page views of a campaign per day (for the campaign report)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="visits")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="campaign_visit_day_unique")]

    def __str__(self):
        return f"{self.campaign_id} {self.day} {self.count}"


# --- coupons ------------------------------------------------------------------------------


class DiscountKind(models.TextChoices):
    FIXED = "fixed", _("정액(원)")
    PERCENT = "percent", _("정률(%)")


class CouponScope(models.TextChoices):
    ALL = "all", _("전체 상품")
    CAMPAIGN = "campaign", _("기획전 상품")
    CATEGORY = "category", _("분류")
    VENDOR = "vendor", _("입점기업")


class FundedBy(models.TextChoices):
    OPERATOR = "operator", _("운영사 부담")
    VENDOR = "vendor", _("입점기업 부담")


class Coupon(models.Model):
    """A discount by code, or automatic (applied to every eligible checkout)."""

    name = models.CharField(_("쿠폰 이름"), max_length=100)
    code = models.CharField(_("쿠폰 코드"), max_length=30, unique=True, null=True, blank=True,
                            help_text=_("비워 두면 조건에 맞는 주문에 자동 적용됩니다."))
    discount_kind = models.CharField(_("할인 방식"), max_length=10, choices=DiscountKind.choices)
    amount = models.PositiveIntegerField(_("할인 금액(원)"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("할인율(%)"), null=True, blank=True,
                                               validators=[MinValueValidator(1), MaxValueValidator(100)])
    max_discount = models.PositiveIntegerField(_("최대 할인(원)"), null=True, blank=True)
    min_order_amount = models.PositiveIntegerField(_("최소 주문 금액(원)"), default=0)
    starts_at = models.DateTimeField(_("사용 시작"))
    ends_at = models.DateTimeField(_("사용 종료"))
    scope = models.CharField(_("적용 범위"), max_length=10, choices=CouponScope.choices, default=CouponScope.ALL)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="coupons")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="coupons")
    total_limit = models.PositiveIntegerField(_("총 사용 한도"), null=True, blank=True)
    per_user_limit = models.PositiveIntegerField(_("1인 사용 한도"), null=True, blank=True, default=1)
    used_count = models.PositiveIntegerField(_("사용 수"), default=0)
    funded_by = models.CharField(_("할인 부담"), max_length=10, choices=FundedBy.choices, default=FundedBy.OPERATOR)
    is_active = models.BooleanField(_("사용"), default=True)
    claimable = models.BooleanField(_("쿠폰함에 받을 수 있음"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("쿠폰")
        verbose_name_plural = _("쿠폰")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_limit__isnull=True) | Q(used_count__lte=models.F("total_limit")),
                                   name="coupon_limit_not_exceeded"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="coupon_period_order"),
        ]
        indexes = [models.Index(fields=["is_active", "starts_at", "ends_at"], name="coupon_active_idx")]

    def __str__(self):
        return self.code or self.name


class CouponUse(models.Model):
    """How many times one customer used a coupon ("u<id>" or "e<email>"), for the per-user limit."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="uses")
    customer = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["coupon", "customer"], name="coupon_use_unique")]

    def __str__(self):
        return f"{self.coupon_id} {self.customer} {self.count}"


class CouponClaim(models.Model):
    """A coupon a member keeps in their coupon box (쿠폰함)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupon_claims")
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="claims")
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("받은 쿠폰")
        verbose_name_plural = _("받은 쿠폰")
        constraints = [models.UniqueConstraint(fields=["user", "coupon"], name="coupon_claim_unique")]
        indexes = [models.Index(fields=["user", "-claimed_at"], name="coupon_claim_user_idx")]

    def __str__(self):
        return f"{self.user_id} {self.coupon_id}"


# --- notices and events board ----------------------------------------------------------------


class PostKind(models.TextChoices):
    NOTICE = "notice", _("공지사항")
    EVENT = "event", _("이벤트")
    WINNERS = "winners", _("당첨자 발표")


class PostQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(is_published=True, published_at__lte=now or timezone.now())


class Post(models.Model):
    kind = models.CharField(_("구분"), max_length=10, choices=PostKind.choices, default=PostKind.NOTICE)
    title = models.CharField(_("제목"), max_length=150)
    body = models.TextField(_("내용"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                               verbose_name=_("작성자"))
    author_name = models.CharField(_("표시 작성자"), max_length=50, default="따숨몰")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts",
                                 verbose_name=_("연결 기획전"))
    is_pinned = models.BooleanField(_("상단 고정"), default=False)
    allow_comments = models.BooleanField(_("댓글 허용"), default=True)
    is_published = models.BooleanField(_("공개"), default=True)
    published_at = models.DateTimeField(_("게시 시각"), default=timezone.now)
    event_ends_on = models.DateField(_("이벤트 마감일"), null=True, blank=True)
    hits = models.PositiveIntegerField(_("조회수"), default=0)
    comment_count = models.PositiveIntegerField(_("댓글 수"), default=0)  # visible comments
    created_at = models.DateTimeField(default=timezone.now)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("공지·이벤트")
        verbose_name_plural = _("공지·이벤트")
        ordering = ["-is_pinned", "-published_at", "-id"]
        indexes = [
            models.Index(fields=["is_published", "-published_at"], name="post_published_idx"),
            models.Index(fields=["kind", "-published_at"], name="post_kind_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("campaigns:post_detail", args=[self.pk])


class CommentStatus(models.TextChoices):
    VISIBLE = "visible", _("공개")
    HIDDEN = "hidden", _("숨김")


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("댓글"), max_length=1000)
    status = models.CharField(_("상태"), max_length=10, choices=CommentStatus.choices, default=CommentStatus.VISIBLE)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("댓글")
        verbose_name_plural = _("댓글")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["post", "status", "created_at"], name="comment_post_idx"),
            models.Index(fields=["user", "-created_at"], name="comment_user_idx"),
        ]

    def __str__(self):
        return f"{self.user} · {self.body[:20]}"


# --- newsletter consent ------------------------------------------------------------------------


def _token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """Consent to campaign mail (기획전 소식 수신 동의): when, and the link that ends it."""

    email = models.EmailField(_("이메일"), unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="campaign_subscriptions")
    consented_at = models.DateTimeField(_("동의 시각"), default=timezone.now)
    consent_text = models.CharField(_("동의 문구"), max_length=300)
    unsubscribed_at = models.DateTimeField(_("수신 거부 시각"), null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, default=_token)

    class Meta:
        verbose_name = _("기획전 소식 수신 동의")
        verbose_name_plural = _("기획전 소식 수신 동의")
        ordering = ["-consented_at"]
        indexes = [models.Index(fields=["unsubscribed_at"], name="subscription_active_idx")]

    def __str__(self):
        return self.email

    @property
    def is_active(self) -> bool:
        return self.unsubscribed_at is None


class CampaignMailSent(models.Model):
    """One row per (campaign, subscription, kind): each notice goes out once."""

    class Kind(models.TextChoices):
        STARTS = "starts", _("시작 알림")
        ENDS_SOON = "ends_soon", _("마감 하루 전 알림")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "subscription", "kind"],
                                               name="campaign_mail_once")]

    def __str__(self):
        return f"{self.campaign_id} {self.subscription_id} {self.kind}"
