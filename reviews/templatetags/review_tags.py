"""Template tags the product page and the partner dashboard (lower apps' templates) load."""
from django import template
from django.utils import timezone

from ddasum.business_days import business_days_since
from vendors.selectors import partner_vendor_ids

from ..forms import QuestionForm, ReportForm
from ..selectors import product_questions, product_reviews, rating_distribution, unanswered_questions

register = template.Library()

BLOCK_REVIEWS = 5
BLOCK_QUESTIONS = 5
DASHBOARD_QUESTIONS = 20


@register.filter
def stars(value) -> str:
    """★★★★☆ for a rating (rounded to whole stars)."""
    try:
        n = max(0, min(5, int(float(value) + 0.5)))
    except (TypeError, ValueError):
        n = 0
    return "★" * n + "☆" * (5 - n)


@register.inclusion_tag("reviews/_product_block.html", takes_context=True)
def product_reviews_block(context, product):
    """The product page's 구매후기 and 상품문의 sections (a fixed number of queries)."""
    request = context["request"]
    reviews = list(product_reviews(product_id=product.pk)[:BLOCK_REVIEWS]) if product.review_count else []
    questions = product_questions(product_id=product.pk, user=request.user)
    return {
        "request": request, "user": request.user, "product": product, "reviews": reviews,
        "distribution": rating_distribution(product_id=product.pk, total=product.review_count)
        if product.review_count else [],
        "questions": questions[:BLOCK_QUESTIONS], "question_count": len(questions),
        "question_form": QuestionForm(), "report_form": ReportForm(), "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("reviews/_partner_questions.html", takes_context=True)
def partner_unanswered_questions(context):
    """The partner dashboard's unanswered questions with their age, oldest first."""
    user = context["request"].user
    ids = None if (user.is_active and user.is_staff) else partner_vendor_ids(user)
    now = timezone.now()
    rows = []
    for question in unanswered_questions(vendor_ids=ids)[:DASHBOARD_QUESTIONS]:
        question.age_days = (now - question.created_at).days
        question.business_age = business_days_since(question.created_at, now)
        rows.append(question)
    return {"questions": rows}
