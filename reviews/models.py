"""What shoppers write about products: 구매후기 (reviews of a bought line) and 상품문의 (questions).

Both live here, above orders: a review is tied to the order line it reviews, and both are
moderated by the operator, answered by the vendor in the partner admin and notified the same way.
"""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from orders.models import OrderLine
from vendors.models import Vendor

RATING_MIN, RATING_MAX = 1, 5
REVIEW_MIN_CHARS, REVIEW_MAX_CHARS = 10, 2000
REVIEW_MAX_PHOTOS = 5
QUESTION_MIN_CHARS, QUESTION_MAX_CHARS = 5, 1000
ANSWER_MAX_CHARS = 2000
REPLY_MAX_CHARS = 1000


class ReviewStatus(models.TextChoices):
    VISIBLE = "visible", _("공개")
    PENDING = "pending", _("신고 검토 중")
    HIDDEN = "hidden", _("숨김")
    DELETED = "deleted", _("삭제")


class Review(models.Model):
    """A buyer's review of one order line (one per line, ever: a deleted review keeps the line used)."""

    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="review",
                                      verbose_name=_("주문 상품"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("상품"))
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("입점기업"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews",
                               verbose_name=_("작성자"))
    rating = models.PositiveSmallIntegerField(
        _("평점"), validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)])
    content = models.TextField(_("내용"), max_length=REVIEW_MAX_CHARS)
    variant_name = models.CharField(_("옵션"), max_length=80, blank=True)
    status = models.CharField(_("상태"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.VISIBLE)
    has_photos = models.BooleanField(_("사진 후기"), default=False)
    report_count = models.PositiveSmallIntegerField(_("신고 수"), default=0)
    reply = models.TextField(_("판매기업 답글"), blank=True, max_length=REPLY_MAX_CHARS)
    replied_at = models.DateTimeField(_("답글 시각"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("답글 작성자"))
    created_at = models.DateTimeField(_("작성 시각"), default=timezone.now)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("구매후기")
        verbose_name_plural = _("구매후기")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=RATING_MIN) & Q(rating__lte=RATING_MAX),
                                   name="review_rating_range"),
        ]
        indexes = [
            models.Index(fields=["product", "status", "-created_at"], name="review_product_idx"),
            models.Index(fields=["product", "status", "has_photos", "-created_at"], name="review_photo_idx"),
            models.Index(fields=["vendor", "status"], name="review_vendor_idx"),
            models.Index(fields=["author", "-created_at"], name="review_author_idx"),
        ]

    def __str__(self):
        return f"{self.product_id} ★{self.rating} #{self.pk}"

    @property
    def is_visible(self) -> bool:
        return self.status == ReviewStatus.VISIBLE

    @property
    def author_display(self) -> str:
        """The author's name masked as Korean malls do (김*수)."""
        name = self.author.name or "*"
        if len(name) <= 1:
            return name + "*"
        if len(name) == 2:
            return name[0] + "*"
        return name[0] + "*" * (len(name) - 2) + name[-1]


def review_photo_path(instance, filename):
    return f"reviews/{instance.review_id}/{filename}"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("사진"), upload_to=review_photo_path, max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("후기 사진")
        verbose_name_plural = _("후기 사진")
        ordering = ["position", "id"]

    def __str__(self):
        return self.image.name


class ReviewEvent(models.Model):
    """One row per status change of a review (hidden by the operator, hidden by reports, restored, deleted)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("처리자"))
    from_status = models.CharField(_("이전 상태"), max_length=10, choices=ReviewStatus.choices, blank=True)
    to_status = models.CharField(_("변경 상태"), max_length=10, choices=ReviewStatus.choices)
    reason = models.TextField(_("사유"), blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        verbose_name = _("후기 상태 이력")
        verbose_name_plural = _("후기 상태 이력")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class ReviewReport(models.Model):
    """A signed-in user's 신고 of a review (once per user)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("신고 사유"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("후기 신고")
        verbose_name_plural = _("후기 신고")
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="review_report_once")]

    def __str__(self):
        return f"{self.review_id} ← {self.user_id}"


class Question(models.Model):
    """A signed-in shopper's 상품문의; a secret one (비밀글) is read only by its asker, the vendor and staff."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="questions", verbose_name=_("상품"))
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="questions", verbose_name=_("입점기업"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questions",
                               verbose_name=_("작성자"))
    content = models.TextField(_("문의 내용"), max_length=QUESTION_MAX_CHARS)
    is_secret = models.BooleanField(_("비밀글"), default=False)
    answer = models.TextField(_("답변"), blank=True, max_length=ANSWER_MAX_CHARS)
    answered_at = models.DateTimeField(_("답변 시각"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("답변자"))
    reminded_at = models.DateTimeField(_("답변 요청 알림 시각"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("문의 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("상품문의")
        verbose_name_plural = _("상품문의")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["product", "-created_at"], name="question_product_idx"),
            models.Index(fields=["vendor", "answered_at", "created_at"], name="question_unanswered_idx"),
        ]

    def __str__(self):
        return f"{self.product_id} Q#{self.pk}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
