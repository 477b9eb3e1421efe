"""Every write about reviews and questions; product rating totals change in the same transaction.

A product's review_count / rating_sum / rating_avg are recomputed from its visible reviews by
`_product_rating_refresh` under a lock on the product row, after every change that can alter
them (write, edit of the rating, delete, hide, restore, three reports). Recomputing (rather
than adding and subtracting) keeps them exactly equal to the reviews even if a change was missed,
and the lock makes two concurrent reviews of one product count both.
"""
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Product
from ddasum import jobs
from ddasum.transitions import StateMachine
from orders.models import OrderLine
from vendors.selectors import user_is_vendor_member

from .exceptions import InvalidTransition, NotAllowed
from .models import (
    ANSWER_MAX_CHARS,
    REPLY_MAX_CHARS,
    REVIEW_MAX_PHOTOS,
    Question,
    Review,
    ReviewEvent,
    ReviewPhoto,
    ReviewReport,
    ReviewStatus,
)
from .selectors import review_editable, review_refusal

logger = logging.getLogger(__name__)
S = ReviewStatus

# Reports by different members that hide a review until the operator looks at it.
REPORTS_TO_HIDE = 3

REVIEW_TRANSITIONS = {
    S.VISIBLE: frozenset({S.HIDDEN, S.PENDING, S.DELETED}),
    S.PENDING: frozenset({S.VISIBLE, S.HIDDEN, S.DELETED}),
    S.HIDDEN: frozenset({S.VISIBLE, S.DELETED}),
    S.DELETED: frozenset(),
}
REVIEW_MACHINE = StateMachine(
    transitions=REVIEW_TRANSITIONS, choices=ReviewStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태의 후기는 '%(to)s'(으)로 바꿀 수 없습니다."),
    event_model=ReviewEvent, event_fk="review", stamp_every=("status_changed_at",),
)


def _product_rating_refresh(product_id: int) -> None:
    """Set the product's rating totals from its visible reviews (locks the product row)."""
    Product.objects.select_for_update().filter(pk=product_id).values_list("pk", flat=True).first()
    totals = Review.objects.filter(product_id=product_id, status=S.VISIBLE).aggregate(n=Count("id"), total=Sum("rating"))
    count, total = totals["n"] or 0, totals["total"] or 0
    average = (Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if count else Decimal(0)
    Product.objects.filter(pk=product_id).update(review_count=count, rating_sum=total, rating_avg=average)


def product_rating_refresh(*, product_id: int) -> None:
    """Recompute one product's rating totals from its visible reviews (for repairs and the demo)."""
    with transaction.atomic():
        _product_rating_refresh(product_id)


def _photos_add(review: Review, photos, start: int = 0) -> None:
    for i, content in enumerate(photos):
        ReviewPhoto.objects.create(review=review, image=content, position=start + i)


def review_create(*, user, order_line_id: int, rating: int, content: str, photos=()) -> Review:
    """Write the buyer's review of one delivered line; `photos` are checked, re-encoded files (ContentFile).

    The photos were cleaned by the form before this runs, so nothing slow happens under the lock.
    """
    if len(photos) > REVIEW_MAX_PHOTOS:
        raise NotAllowed(_("사진은 %(n)s장까지 올릴 수 있습니다.") % {"n": REVIEW_MAX_PHOTOS})
    with transaction.atomic():
        line = (OrderLine.objects.select_for_update(of=("self",)).select_related("order", "vendor_order")
                .filter(pk=order_line_id).first())
        if line is None:
            raise NotAllowed(_("주문 상품을 찾을 수 없습니다."))
        refusal = review_refusal(line=line, user=user)
        if refusal:
            raise NotAllowed(refusal)
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    order_line=line, product_id=line.product_id_snapshot, vendor_id=line.vendor_order.vendor_id,
                    author=user, rating=rating, content=content.strip(), variant_name=line.variant_name,
                    has_photos=bool(photos))
        except IntegrityError:
            raise NotAllowed(_("이 주문 상품의 후기는 이미 썼습니다.")) from None
        _photos_add(review, photos)
        _product_rating_refresh(review.product_id)
    logger.info("review %s written for line %s", review.pk, line.pk)
    return review


def _own_review_locked(*, review_id: int, user) -> Review:
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None or review.author_id != user.pk or review.status == S.DELETED:
        raise NotAllowed(_("본인이 쓴 후기만 고치거나 지울 수 있습니다."))
    return review


def review_update(*, review_id: int, user, rating: int, content: str, photos=None, remove_photo_ids=()) -> Review:
    """Change one's own visible review within 7 days of writing it; new photos are added, chosen ones removed."""
    with transaction.atomic():
        review = _own_review_locked(review_id=review_id, user=user)
        if not review_editable(review):
            raise NotAllowed(_("후기는 쓴 뒤 7일 안에만 고칠 수 있습니다."))
        kept = list(review.photos.exclude(pk__in=list(remove_photo_ids)))
        photos = list(photos or ())
        if len(kept) + len(photos) > REVIEW_MAX_PHOTOS:
            raise NotAllowed(_("사진은 %(n)s장까지 올릴 수 있습니다.") % {"n": REVIEW_MAX_PHOTOS})
        for photo in review.photos.filter(pk__in=list(remove_photo_ids)):
            photo.image.delete(save=False)
            photo.delete()
        _photos_add(review, photos, start=max((p.position for p in kept), default=-1) + 1)
        review.rating, review.content = rating, content.strip()
        review.has_photos = bool(kept or photos)
        review.save(update_fields=["rating", "content", "has_photos", "updated_at"])
        _product_rating_refresh(review.product_id)
    return review


def review_delete(*, review_id: int, user) -> Review:
    """Delete one's own review (kept as a deleted row: the line stays reviewed once)."""
    with transaction.atomic():
        review = _own_review_locked(review_id=review_id, user=user)
        REVIEW_MACHINE.move(review, S.DELETED, actor=user, reason=_("작성자가 삭제"))
        _product_rating_refresh(review.product_id)
    return review


def review_hide(*, review_id: int, actor, reason: str) -> Review:
    """The operator hides a review, with the reason recorded on its history."""
    if not (actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 후기를 숨길 수 있습니다."))
    if not reason.strip():
        raise NotAllowed(_("숨기는 사유를 적어 주세요."))
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review_id)
        REVIEW_MACHINE.move(review, S.HIDDEN, actor=actor, reason=reason.strip())
        _product_rating_refresh(review.product_id)
    return review


def review_restore(*, review_id: int, actor, reason: str = "") -> Review:
    """The operator shows a hidden or reported review again (its reports stay on record)."""
    if not (actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 후기를 다시 보이게 할 수 있습니다."))
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review_id)
        REVIEW_MACHINE.move(review, S.VISIBLE, actor=actor, reason=reason.strip())
        _product_rating_refresh(review.product_id)
    return review


def review_report(*, review_id: int, user, reason: str = "") -> bool:
    """A signed-in user reports a review once; the third report hides it pending the operator. True if counted."""
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(pk=review_id).exclude(status=S.DELETED).first()
        if review is None:
            raise NotAllowed(_("후기를 찾을 수 없습니다."))
        if review.author_id == user.pk:
            raise NotAllowed(_("본인이 쓴 후기는 신고할 수 없습니다."))
        try:
            with transaction.atomic():
                ReviewReport.objects.create(review=review, user=user, reason=reason.strip()[:200])
        except IntegrityError:
            return False
        review.report_count = ReviewReport.objects.filter(review=review).count()
        review.save(update_fields=["report_count", "updated_at"])
        if review.report_count >= REPORTS_TO_HIDE and review.status == S.VISIBLE:
            REVIEW_MACHINE.move(review, S.PENDING, reason=_("신고 %(n)s건으로 검토 전까지 숨김") % {"n": review.report_count})
            _product_rating_refresh(review.product_id)
    return True


def review_reply_set(*, review_id: int, actor, text: str) -> Review:
    """The vendor's one reply to a review (editable); the buyer is told once, when it is first written."""
    text = text.strip()
    if len(text) > REPLY_MAX_CHARS:
        raise NotAllowed(_("답글은 %(n)s자까지 쓸 수 있습니다.") % {"n": REPLY_MAX_CHARS})
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review_id)
        if not (actor.is_active and actor.is_staff) and not user_is_vendor_member(actor, review.vendor_id):
            raise NotAllowed(_("이 상품을 판매한 입점기업만 답글을 쓸 수 있습니다."))
        if text == review.reply:
            return review
        first = not review.reply
        review.reply = text
        review.replied_at = timezone.now() if text else None
        review.replied_by = actor if text else None
        review.save(update_fields=["reply", "replied_at", "replied_by", "updated_at"])
        if text and first:
            jobs.after_commit("reviews.review_reply_notify_task", review_id=review.pk)
    return review


# --- questions --------------------------------------------------------------------------------


def question_create(*, user, product_id: int, content: str, is_secret: bool) -> Question:
    product = Product.objects.on_sale().filter(pk=product_id).first()
    if product is None:
        raise NotAllowed(_("판매 중인 상품에만 문의할 수 있습니다."))
    return Question.objects.create(product=product, vendor_id=product.vendor_id, author=user,
                                   content=content.strip(), is_secret=is_secret)


def question_answer(*, question_id: int, actor, text: str) -> Question:
    """The vendor answers (or edits its answer); the asker is told once per answer version."""
    text = text.strip()
    if not text:
        raise NotAllowed(_("답변을 적어 주세요."))
    if len(text) > ANSWER_MAX_CHARS:
        raise NotAllowed(_("답변은 %(n)s자까지 쓸 수 있습니다.") % {"n": ANSWER_MAX_CHARS})
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question_id)
        if not (actor.is_active and actor.is_staff) and not user_is_vendor_member(actor, question.vendor_id):
            raise NotAllowed(_("이 상품을 판매하는 입점기업만 답변할 수 있습니다."))
        if text == question.answer:
            return question
        first = question.answered_at is None
        question.answer, question.answered_by = text, actor
        question.answered_at = question.answered_at or timezone.now()
        question.save(update_fields=["answer", "answered_by", "answered_at"])
        if first:
            jobs.after_commit("reviews.question_answered_notify_task", question_id=question.pk)
    return question


def question_delete(*, question_id: int, user) -> None:
    """The asker deletes a question not yet answered."""
    with transaction.atomic():
        question = Question.objects.select_for_update().filter(pk=question_id, author=user).first()
        if question is None:
            raise NotAllowed(_("본인이 쓴 문의만 지울 수 있습니다."))
        if question.answered_at:
            raise NotAllowed(_("답변이 달린 문의는 지울 수 없습니다."))
        question.delete()
