"""Notices about reviews and questions (in-app and mail), each sent once per key.

The keys live on notifications.Message (unique), as the orders notices do: a task run twice,
or a daily run that finds the same rows again, tells no one twice.
"""
import logging
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import absolute_url
from ddasum.business_days import business_days_since
from notifications.services import Recipient, notify
from orders.models import OrderLine, VendorOrder
from vendors.services import vendor_notify

from .models import Question, Review
from .selectors import REVIEW_WINDOW_DAYS, REVIEWABLE_STATUSES

logger = logging.getLogger(__name__)

# Days after delivery when the buyer is reminded of the lines they may review.
REVIEW_REMINDER_AFTER_DAYS = 3
# Business days an unanswered question waits before the vendor is reminded (once).
QUESTION_REMINDER_BUSINESS_DAYS = 2


def member_notify(user, *, key: str, title: str, body: str, url: str) -> bool:
    """Tell a member in the app and by mail (through `notify`), once per `key`; True if sent now."""
    if not user.is_active:
        return False
    context = {"title": title, "body": body, "url": url, "email_body": f"{body}\n\n{absolute_url(url)}"}
    return notify("review_notice", Recipient.member(user), context, f"{key}:u{user.pk}")


def review_reply_notify(*, review_id: int) -> bool:
    review = Review.objects.select_related("author", "product", "vendor").get(pk=review_id)
    if not review.reply:
        return False
    body = _("%(vendor)s에서 '%(product)s' 후기에 답글을 남겼습니다.\n\n%(reply)s") % {
        "vendor": review.vendor.name, "product": review.product.name, "reply": review.reply}
    return member_notify(review.author, key=f"review-reply:{review.pk}", title=_("후기에 답글이 달렸습니다"),
                         body=body, url=reverse("reviews:mine"))


def question_answered_notify(*, question_id: int) -> bool:
    question = Question.objects.select_related("author", "product").get(pk=question_id)
    if not question.answered_at:
        return False
    body = _("'%(product)s'에 남기신 문의에 답변이 달렸습니다.") % {"product": question.product.name}
    return member_notify(question.author, key=f"question-answered:{question.pk}", title=_("상품문의에 답변이 달렸습니다"),
                         body=body, url=question.product.get_absolute_url() + "#qna")


def review_reminders_send(*, now=None) -> int:
    """Remind members of delivered vendor orders (3 to 90 days ago) with lines still to review, once each.

    It works from the rows, so a day the beat missed is made up the next day.
    """
    now = now or timezone.now()
    unreviewed = OrderLine.objects.filter(vendor_order=OuterRef("pk"), review__isnull=True)
    due = (VendorOrder.objects.filter(
        status__in=REVIEWABLE_STATUSES, order__buyer__isnull=False,
        delivered_at__lte=now - timedelta(days=REVIEW_REMINDER_AFTER_DAYS),
        delivered_at__gte=now - timedelta(days=REVIEW_WINDOW_DAYS))
        .filter(Exists(unreviewed)).select_related("order__buyer", "vendor").order_by("pk"))
    sent = 0
    for vendor_order in due.iterator():
        body = _("%(vendor)s에서 받은 상품은 어떠셨나요? 구매후기를 남겨 주시면 다른 분들께 큰 도움이 됩니다.") % {
            "vendor": vendor_order.vendor.name}
        sent += member_notify(vendor_order.order.buyer, key=f"review-reminder:vo{vendor_order.pk}",
                              title=_("구매후기를 남겨 주세요"), body=body, url=reverse("reviews:writable"))
    logger.info("review reminders sent: %s", sent)
    return sent


def questions_remind_vendors(*, now=None) -> int:
    """Remind vendors of questions unanswered for two business days or more, once per question."""
    now = now or timezone.now()
    due = (Question.objects.filter(answered_at__isnull=True, reminded_at__isnull=True,
                                   created_at__lte=now - timedelta(days=QUESTION_REMINDER_BUSINESS_DAYS))
           .select_related("vendor", "product").order_by("pk"))
    reminded = 0
    for question in due:
        if business_days_since(question.created_at, now) < QUESTION_REMINDER_BUSINESS_DAYS:
            continue
        body = _("'%(product)s'에 %(date)s에 들어온 상품문의가 아직 답변을 기다립니다.") % {
            "product": question.product.name, "date": timezone.localtime(question.created_at).strftime("%Y-%m-%d")}
        vendor_notify(question.vendor, title=_("답변을 기다리는 상품문의가 있습니다"), body=body,
                      url=reverse("partner:reviews_question_change", args=[question.pk]),
                      key=f"question-reminder:{question.pk}", owners_only=False)
        Question.objects.filter(pk=question.pk, reminded_at__isnull=True).update(reminded_at=now)
        reminded += 1
    logger.info("question reminders: %s", reminded)
    return reminded
