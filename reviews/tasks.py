"""Celery tasks of reviews: thin wrappers taking ids, safe to run twice."""
import logging

from celery import shared_task

from .notifications import (
    question_answered_notify,
    questions_remind_vendors,
    review_reminders_send,
    review_reply_notify,
)

logger = logging.getLogger(__name__)


@shared_task(name="reviews.review_reply_notify_task", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def review_reply_notify_task(*, review_id: int) -> bool:
    """Tell the review's author the vendor replied (once)."""
    return review_reply_notify(review_id=review_id)


@shared_task(name="reviews.question_answered_notify_task", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def question_answered_notify_task(*, question_id: int) -> bool:
    """Tell the asker the vendor answered (once)."""
    return question_answered_notify(question_id=question_id)


@shared_task(name="reviews.review_reminders_send_task", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def review_reminders_send_task() -> int:
    """Daily: remind buyers of delivered orders to write their reviews (once per vendor order)."""
    return review_reminders_send()


@shared_task(name="reviews.questions_remind_vendors_task", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def questions_remind_vendors_task() -> int:
    """Daily: remind vendors of questions unanswered for two business days (once per question)."""
    return questions_remind_vendors()
