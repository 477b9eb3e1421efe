"""Reads of reviews and questions: who may review what, what a page lists, who may read a 비밀글."""
from datetime import timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from orders.models import OrderLine, VendorOrderStatus
from vendors.performance import average, average_hours
from vendors.selectors import vendor_ids_for_user

from .models import Question, Review, ReviewPhoto, ReviewStatus

REVIEW_WINDOW_DAYS = 90
REVIEW_EDIT_DAYS = 7
REVIEWABLE_STATUSES = (VendorOrderStatus.DELIVERED, VendorOrderStatus.COMPLETED)

REVIEW_SORTS = {
    "newest": ("-created_at", "-id"),
    "rating_desc": ("-rating", "-created_at", "-id"),
    "rating_asc": ("rating", "-created_at", "-id"),
}


def _delivered_since_q(since) -> Q:
    """Delivered (or, with no delivery stamp, completed) at or after `since`."""
    return Q(vendor_order__delivered_at__gte=since) | Q(vendor_order__delivered_at__isnull=True,
                                                        vendor_order__completed_at__gte=since)


def reviewable_lines(*, user, now=None):
    """The member's order lines that may be reviewed now: delivered or completed, within 90 days, not reviewed."""
    if not getattr(user, "is_authenticated", False):
        return OrderLine.objects.none()
    since = (now or timezone.now()) - timedelta(days=REVIEW_WINDOW_DAYS)
    return (
        OrderLine.objects.filter(order__buyer=user, vendor_order__status__in=REVIEWABLE_STATUSES,
                                 review__isnull=True, product_id_snapshot__in=Product.objects.values("pk"))
        .filter(_delivered_since_q(since))
        .select_related("order", "vendor_order")
        .order_by("-vendor_order__delivered_at", "-id")
    )


def review_refusal(*, line: OrderLine, user, now=None) -> str | None:
    """Why `user` may not review `line` now (a Korean sentence), or None when they may."""
    if line.order.buyer_id != getattr(user, "pk", None):
        return _("이 주문 상품을 구매한 회원만 후기를 쓸 수 있습니다.")
    if line.vendor_order.status not in REVIEWABLE_STATUSES:
        return _("배송이 완료된 상품만 후기를 쓸 수 있습니다.")
    delivered = line.vendor_order.delivered_at or line.vendor_order.completed_at
    if delivered is None or delivered < (now or timezone.now()) - timedelta(days=REVIEW_WINDOW_DAYS):
        return _("후기는 배송 완료 후 %(days)s일 안에 쓸 수 있습니다.") % {"days": REVIEW_WINDOW_DAYS}
    if Review.objects.filter(order_line=line).exists():
        return _("이 주문 상품의 후기는 이미 썼습니다.")
    if not Product.objects.filter(pk=line.product_id_snapshot).exists():
        return _("판매가 끝난 상품입니다.")
    return None


def review_editable(review: Review, now=None) -> bool:
    return review.status == ReviewStatus.VISIBLE and (now or timezone.now()) <= review.created_at + timedelta(
        days=REVIEW_EDIT_DAYS)


def product_reviews(*, product_id: int, sort: str = "newest", photos_only: bool = False):
    """Visible reviews of a product in the asked order, with author and photos (three queries)."""
    qs = Review.objects.filter(product_id=product_id, status=ReviewStatus.VISIBLE)
    if photos_only:
        qs = qs.filter(has_photos=True)
    return (qs.order_by(*REVIEW_SORTS.get(sort, REVIEW_SORTS["newest"])).select_related("author")
            .prefetch_related(Prefetch("photos", queryset=ReviewPhoto.objects.order_by("position", "id"))))


def rating_distribution(*, product_id: int, total: int) -> list[dict]:
    """Per star, 5 down to 1: how many visible reviews and their share in whole percent."""
    counts = dict(Review.objects.filter(product_id=product_id, status=ReviewStatus.VISIBLE).order_by()
                  .values("rating").annotate(n=Count("id")).values_list("rating", "n"))
    return [{"stars": stars, "count": counts.get(stars, 0),
             "percent": round(counts.get(stars, 0) * 100 / total) if total else 0} for stars in range(5, 0, -1)]


def my_reviews(*, user):
    return (Review.objects.filter(author=user).exclude(status=ReviewStatus.DELETED)
            .select_related("product").prefetch_related("photos").order_by("-created_at", "-id"))


# --- questions --------------------------------------------------------------------------------


class QuestionReader:
    """Who is reading questions: a 비밀글 opens to its asker, the vendor's members and staff (one rule)."""

    def __init__(self, user):
        self.signed_in = bool(getattr(user, "is_authenticated", False))
        self.user_id = user.pk if self.signed_in else None
        self.staff = self.signed_in and user.is_active and user.is_staff
        self._user = user
        self._vendor_ids = None

    @property
    def vendor_ids(self) -> frozenset:
        if self._vendor_ids is None:
            self._vendor_ids = vendor_ids_for_user(self._user) if self.signed_in else frozenset()
        return self._vendor_ids

    def may_read(self, question: Question) -> bool:
        if not question.is_secret or self.staff:
            return True
        if not self.signed_in:
            return False
        return question.author_id == self.user_id or question.vendor_id in self.vendor_ids


def question_readable(question: Question, user) -> bool:
    return QuestionReader(user).may_read(question)


def product_questions(*, product_id: int, user):
    """A product's questions, newest first; each carries `readable` for this user (secret ones are masked)."""
    questions = list(Question.objects.filter(product_id=product_id).select_related("author")
                     .order_by("-created_at", "-id"))
    reader = QuestionReader(user)
    for q in questions:
        q.readable = reader.may_read(q)
    return questions


def unanswered_questions(*, vendor_ids):
    """Unanswered questions of these vendors (None = every vendor), oldest first, for the partner dashboard."""
    qs = Question.objects.filter(answered_at__isnull=True).select_related("product", "vendor").order_by("created_at")
    return qs if vendor_ids is None else qs.filter(vendor_id__in=vendor_ids)


def my_questions(*, user):
    return Question.objects.filter(author=user).select_related("product").order_by("-created_at", "-id")


def vendor_review_metrics(*, vendor_ids: list[int], start, end) -> dict[int, dict]:
    """Per vendor, for vendor performance: questions asked in [start, end) and answered with the mean hours
    to the answer, and the count and mean rating of the visible reviews written in it."""
    result: dict[int, dict] = {}
    waits: dict[int, list] = {}
    questions = (Question.objects.filter(vendor_id__in=vendor_ids, created_at__gte=start, created_at__lt=end,
                                         answered_at__isnull=False)
                 .values_list("vendor_id", "created_at", "answered_at").order_by())
    for vendor_id, asked, answered in questions:
        waits.setdefault(vendor_id, []).append(answered - asked)
    for vendor_id, durations in waits.items():
        result[vendor_id] = {"questions_answered": len(durations), "question_answer_hours": average_hours(durations)}
    ratings: dict[int, list] = {}
    reviews = (Review.objects.filter(vendor_id__in=vendor_ids, created_at__gte=start, created_at__lt=end,
                                     status=ReviewStatus.VISIBLE).values_list("vendor_id", "rating").order_by())
    for vendor_id, rating in reviews:
        ratings.setdefault(vendor_id, []).append(rating)
    for vendor_id, values in ratings.items():
        result.setdefault(vendor_id, {}).update(review_count=len(values), review_avg=average(values))
    return result
