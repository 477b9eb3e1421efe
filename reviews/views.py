"""Shop pages for reviews and questions: thin, rules in services and selectors."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.models import Product
from ddasum.views import seo_meta
from orders.models import OrderLine

from .exceptions import NotAllowed
from .forms import QuestionForm, ReportForm, ReviewForm
from .models import Review, ReviewStatus
from .selectors import (
    REVIEW_SORTS,
    my_questions,
    my_reviews,
    product_questions,
    product_reviews,
    rating_distribution,
    review_editable,
    review_refusal,
    reviewable_lines,
)
from .services import question_create, question_delete, review_create, review_delete, review_report, review_update

PAGE_SIZE = 10
SORT_LABELS = {"newest": gettext_lazy("최신순"), "rating_desc": gettext_lazy("평점 높은순"),
               "rating_asc": gettext_lazy("평점 낮은순")}


def _product_or_404(pk):
    product = Product.objects.on_sale().select_related("vendor").filter(pk=pk).first()
    if product is None:
        raise Http404
    return product


def product_review_list(request, product_pk):
    """Every visible review of a product, sorted (최신순/평점 높은순/낮은순) and filtered to 포토 리뷰."""
    product = _product_or_404(product_pk)
    sort = request.GET.get("sort") if request.GET.get("sort") in REVIEW_SORTS else "newest"
    photos_only = request.GET.get("photo") == "1"
    page_obj = Paginator(product_reviews(product_id=product.pk, sort=sort, photos_only=photos_only),
                         PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "product": product, "page_obj": page_obj, "sort": sort, "photos_only": photos_only,
        "sorts": [(key, SORT_LABELS[key]) for key in REVIEW_SORTS],
        "distribution": rating_distribution(product_id=product.pk, total=product.review_count),
        "seo": seo_meta(request, title=_("%(name)s 구매후기") % {"name": product.name}, noindex=True),
    }
    return render(request, "reviews/product_reviews.html", context)


def product_question_list(request, product_pk):
    """A product's questions (비밀글 masked for those who may not read them); signed-in users ask here."""
    product = _product_or_404(product_pk)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                question_create(user=request.user, product_id=product.pk, content=form.cleaned_data["content"],
                                is_secret=form.cleaned_data["is_secret"])
            except NotAllowed as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("문의를 남겼습니다. 판매기업이 답변하면 알려 드립니다."))
                return redirect(reverse("reviews:questions", args=[product.pk]))
    else:
        form = QuestionForm()
    page_obj = Paginator(product_questions(product_id=product.pk, user=request.user),
                         PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"product": product, "page_obj": page_obj, "form": form,
               "seo": seo_meta(request, title=_("%(name)s 상품문의") % {"name": product.name}, noindex=True)}
    return render(request, "reviews/product_questions.html", context, status=400 if form.errors else 200)


@login_required
def writable(request):
    """작성 가능한 리뷰: the member's delivered lines still to review."""
    lines = list(reviewable_lines(user=request.user)[:100])
    return render(request, "reviews/writable.html", {"lines": lines})


@login_required
def mine(request):
    return render(request, "reviews/mine.html", {
        "reviews": list(my_reviews(user=request.user)[:100]),
        "questions": list(my_questions(user=request.user)[:100]),
    })


@login_required
def review_write(request, line_pk):
    line = get_object_or_404(OrderLine.objects.select_related("order", "vendor_order"), pk=line_pk,
                             order__buyer=request.user)
    refusal = review_refusal(line=line, user=request.user)
    if refusal:
        messages.error(request, refusal)
        return redirect("reviews:writable")
    product = Product.objects.filter(pk=line.product_id_snapshot).first()
    form = ReviewForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = review_create(user=request.user, order_line_id=line.pk, rating=form.cleaned_data["rating"],
                                   content=form.cleaned_data["content"], photos=form.cleaned_data["photos"])
        except NotAllowed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("후기를 남겼습니다. 고맙습니다."))
            return redirect(review.product.get_absolute_url() + "#reviews")
    return render(request, "reviews/review_form.html", {"form": form, "line": line, "product": product},
                  status=400 if form.errors else 200)


def _own_review(request, pk) -> Review:
    review = Review.objects.select_related("product").filter(pk=pk, author=request.user).exclude(
        status=ReviewStatus.DELETED).first()
    if review is None:
        raise Http404
    return review


@login_required
def review_edit(request, pk):
    review = _own_review(request, pk)
    if not review_editable(review):
        messages.error(request, _("후기는 쓴 뒤 7일 안에만 고칠 수 있습니다."))
        return redirect("reviews:mine")
    photos = list(review.photos.all())
    choices = [(str(p.pk), _("사진 %(n)s") % {"n": i}) for i, p in enumerate(photos, 1)]
    initial = {"rating": review.rating, "content": review.content}
    form = ReviewForm(request.POST or None, request.FILES or None, initial=initial, photo_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            review_update(review_id=review.pk, user=request.user, rating=form.cleaned_data["rating"],
                          content=form.cleaned_data["content"], photos=form.cleaned_data["photos"],
                          remove_photo_ids=[int(v) for v in form.cleaned_data.get("remove_photos") or ()])
        except NotAllowed as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("후기를 고쳤습니다."))
            return redirect("reviews:mine")
    return render(request, "reviews/review_form.html", {"form": form, "review": review, "product": review.product,
                                                        "photos": photos}, status=400 if form.errors else 200)


@login_required
@require_POST
def review_remove(request, pk):
    try:
        review_delete(review_id=pk, user=request.user)
    except NotAllowed as exc:
        raise Http404 from exc
    messages.success(request, _("후기를 지웠습니다."))
    return redirect("reviews:mine")


@login_required
@require_POST
def review_flag(request, pk):
    review = get_object_or_404(Review.objects.select_related("product"), pk=pk, status=ReviewStatus.VISIBLE)
    form = ReportForm(request.POST)
    form.is_valid()
    try:
        counted = review_report(review_id=review.pk, user=request.user, reason=form.cleaned_data.get("reason", ""))
    except NotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("신고를 받았습니다. 운영자가 확인합니다.") if counted else _("이미 신고한 후기입니다."))
    return redirect(reverse("reviews:product", args=[review.product_id]))


@login_required
@require_POST
def question_remove(request, pk):
    try:
        question_delete(question_id=pk, user=request.user)
    except NotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("문의를 지웠습니다."))
    return redirect("reviews:mine")
