"""구매후기: who may write, the limits, edit/delete, moderation, reports, and ratings that match the reviews."""
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import Notification
from catalog.models import Product
from orders.models import VendorOrder
from reviews.exceptions import NotAllowed
from reviews.models import Review, ReviewEvent, ReviewStatus
from reviews.notifications import review_reminders_send
from reviews.selectors import reviewable_lines
from reviews.services import (
    REPORTS_TO_HIDE,
    review_create,
    review_delete,
    review_hide,
    review_reply_set,
    review_report,
    review_restore,
    review_update,
)
from tests.factories import (
    MembershipFactory,
    OperatorFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
    image_bytes,
    upload,
)
from tests.orders.helpers import paid_vendor_order, put

from .conftest import delivered_line

pytestmark = pytest.mark.django_db

TEXT = "정말 맛있는 쌀이었어요. 다음에도 살게요."


def assert_rating_matches(product):
    """The product's totals equal its visible reviews exactly."""
    product.refresh_from_db()
    visible = Review.objects.filter(product=product, status=ReviewStatus.VISIBLE).aggregate(n=Count("id"), s=Sum("rating"))
    assert product.review_count == visible["n"]
    assert product.rating_sum == (visible["s"] or 0)
    if visible["n"]:
        assert product.rating_avg == round(product.rating_sum / product.review_count, 2) or abs(
            float(product.rating_avg) - product.rating_sum / product.review_count) < 0.006
    else:
        assert product.rating_avg == 0


def jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (60, 40), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {1: "N"}  # GPS IFD
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


# --- eligibility ---------------------------------------------------------------------------------


def test_the_buyer_of_a_delivered_line_may_review_it_once(line, buyer, product):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    assert review.product_id == product.pk and review.vendor_id == product.vendor_id
    with pytest.raises(NotAllowed, match="이미"):
        review_create(user=buyer, order_line_id=line.pk, rating=4, content=TEXT)
    assert_rating_matches(product)


def test_another_member_may_not_review_someone_elses_line(line, product):
    with pytest.raises(NotAllowed, match="구매한 회원"):
        review_create(user=UserFactory(), order_line_id=line.pk, rating=5, content=TEXT)


def test_a_line_not_yet_delivered_cannot_be_reviewed(product, buyer):
    vendor_order = paid_vendor_order(product.variants.first(), buyer=buyer)
    with pytest.raises(NotAllowed, match="배송이 완료"):
        review_create(user=buyer, order_line_id=vendor_order.lines.get().pk, rating=5, content=TEXT)
    assert not reviewable_lines(user=buyer).exists()


def test_the_window_closes_90_days_after_delivery(line, buyer):
    VendorOrder.objects.filter(pk=line.vendor_order_id).update(delivered_at=timezone.now() - timedelta(days=91))
    assert not reviewable_lines(user=buyer).exists()
    with pytest.raises(NotAllowed, match="90일"):
        review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    VendorOrder.objects.filter(pk=line.vendor_order_id).update(delivered_at=timezone.now() - timedelta(days=89))
    assert list(reviewable_lines(user=buyer)) == [line]


def test_a_completed_line_can_be_reviewed_and_a_returned_one_cannot(product, buyer):
    completed = delivered_line(product, buyer)
    put(completed.vendor_order, "completed", completed_at=timezone.now())
    returned = delivered_line(product, buyer)
    put(returned.vendor_order, "returned")
    assert set(reviewable_lines(user=buyer)) == {completed}
    review_create(user=buyer, order_line_id=completed.pk, rating=4, content=TEXT)
    with pytest.raises(NotAllowed):
        review_create(user=buyer, order_line_id=returned.pk, rating=4, content=TEXT)


def test_too_many_photos_are_refused(line, buyer):
    photos = [ContentFile(image_bytes("PNG"), name=f"{i}.png") for i in range(6)]
    with pytest.raises(NotAllowed, match="5장"):
        review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT, photos=photos)


# --- edit, delete -------------------------------------------------------------------------------


def test_the_author_edits_within_7_days_and_not_after(line, buyer, product):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    review_update(review_id=review.pk, user=buyer, rating=2, content=TEXT + " 수정")
    assert_rating_matches(product)
    assert product.rating_sum == 2
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - timedelta(days=8))
    with pytest.raises(NotAllowed, match="7일"):
        review_update(review_id=review.pk, user=buyer, rating=5, content=TEXT)


def test_another_buyer_cannot_edit_or_delete_a_review(line, buyer):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    other = UserFactory()
    with pytest.raises(NotAllowed):
        review_update(review_id=review.pk, user=other, rating=1, content=TEXT)
    with pytest.raises(NotAllowed):
        review_delete(review_id=review.pk, user=other)


def test_delete_removes_the_review_from_the_rating_and_the_line_stays_used(line, buyer, product):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    review_delete(review_id=review.pk, user=buyer)
    assert_rating_matches(product)
    assert product.review_count == 0
    assert not reviewable_lines(user=buyer).exists()


# --- moderation --------------------------------------------------------------------------------


def test_operator_hides_with_a_recorded_reason_and_restores(line, buyer, product):
    review = review_create(user=buyer, order_line_id=line.pk, rating=1, content=TEXT)
    operator = OperatorFactory()
    with pytest.raises(NotAllowed):
        review_hide(review_id=review.pk, actor=UserFactory(), reason="광고")
    review_hide(review_id=review.pk, actor=operator, reason="개인정보 노출")
    event = ReviewEvent.objects.get(review=review, to_status=ReviewStatus.HIDDEN)
    assert event.reason == "개인정보 노출" and event.actor == operator
    assert_rating_matches(product)
    assert product.review_count == 0
    review_restore(review_id=review.pk, actor=operator)
    assert_rating_matches(product)
    assert product.review_count == 1


def test_three_reports_by_different_users_hide_pending_review_and_each_counts_once(line, buyer, product):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    first = UserFactory()
    assert review_report(review_id=review.pk, user=first) is True
    assert review_report(review_id=review.pk, user=first) is False  # once per user
    with pytest.raises(NotAllowed):
        review_report(review_id=review.pk, user=buyer)  # not one's own
    for _ in range(REPORTS_TO_HIDE - 1):
        review_report(review_id=review.pk, user=UserFactory())
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING and review.report_count == REPORTS_TO_HIDE
    assert_rating_matches(product)
    assert product.review_count == 0


def test_rating_totals_follow_many_changes(product):
    lines = [delivered_line(product, UserFactory()) for _ in range(4)]
    reviews = [review_create(user=ln.order.buyer, order_line_id=ln.pk, rating=r, content=TEXT)
               for ln, r in zip(lines, [5, 4, 3, 1], strict=True)]
    assert_rating_matches(product)
    assert str(product.rating_avg) == "3.25"
    review_hide(review_id=reviews[3].pk, actor=OperatorFactory(), reason="욕설")
    assert_rating_matches(product)
    assert str(product.rating_avg) == "4.00"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_of_one_product_are_all_counted(product):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    lines = [delivered_line(product, UserFactory()) for _ in range(6)]
    barrier = threading.Barrier(len(lines))

    def write(ln, rating):
        try:
            barrier.wait()
            review_create(user=ln.order.buyer, order_line_id=ln.pk, rating=rating, content=TEXT)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(ln, i % 5 + 1)) for i, ln in enumerate(lines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert_rating_matches(product)
    assert product.review_count == len(lines)


# --- vendor reply ------------------------------------------------------------------------------


def test_vendor_replies_once_editable_and_buyer_is_told_once(line, buyer, owner, django_capture_on_commit_callbacks):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    with django_capture_on_commit_callbacks(execute=True):
        review_reply_set(review_id=review.pk, actor=owner, text="감사합니다!")
    with django_capture_on_commit_callbacks(execute=True):
        review_reply_set(review_id=review.pk, actor=owner, text="감사합니다! 또 오세요.")
    review.refresh_from_db()
    assert review.reply == "감사합니다! 또 오세요."
    assert Notification.objects.filter(user=buyer, key__startswith=f"review-reply:{review.pk}").count() == 1
    assert [m.to for m in mail.outbox if "답글" in m.subject] == [[buyer.email]]


def test_another_vendor_cannot_reply(line, buyer):


    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    stranger = MembershipFactory(vendor=VendorFactory()).user
    with pytest.raises(NotAllowed):
        review_reply_set(review_id=review.pk, actor=stranger, text="우리 상품도 보세요")


# --- reminder ----------------------------------------------------------------------------------


def test_reminder_goes_once_a_few_days_after_delivery_and_a_missed_day_is_made_up(line, buyer):
    assert review_reminders_send() == 0  # delivered just now
    VendorOrder.objects.filter(pk=line.vendor_order_id).update(delivered_at=timezone.now() - timedelta(days=5))
    assert review_reminders_send() == 1
    assert review_reminders_send() == 0
    assert Notification.objects.filter(user=buyer, key__startswith="review-reminder:").count() == 1


def test_no_reminder_when_everything_is_reviewed(line, buyer):
    review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    VendorOrder.objects.filter(pk=line.vendor_order_id).update(delivered_at=timezone.now() - timedelta(days=5))
    assert review_reminders_send() == 0


# --- pages -------------------------------------------------------------------------------------


def test_write_page_with_photos_strips_exif_and_shows_on_the_product(client, line, buyer, product):
    client.force_login(buyer)
    url = reverse("reviews:write", args=[line.pk])
    assert client.get(url).status_code == 200
    photo = upload("p.jpg", jpeg_with_exif(), "image/jpeg")
    response = client.post(url, {"rating": 4, "content": TEXT, "photos": [photo]})
    assert response.status_code == 302
    review = Review.objects.get(order_line=line)
    stored = review.photos.get().image
    with Image.open(stored.open("rb")) as img:
        assert not img.getexif()
    page = client.get(product.get_absolute_url())
    html = page.content.decode()
    assert TEXT in html and "aggregateRating" in html and 'data-testid="rating-summary"' in html
    assert "<meter" in html and "style=" not in html.split('data-testid="reviews"')[1].split("</section>")[0]


def test_write_page_shows_korean_errors_next_to_fields(client, line, buyer):
    client.force_login(buyer)
    response = client.post(reverse("reviews:write", args=[line.pk]), {"content": "짧아"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "별점을 골라 주세요." in html and "후기는 10자 이상" in html
    assert 'aria-describedby="content-help content-errors"' in html


def test_a_file_that_is_not_an_image_is_refused(client, line, buyer):
    client.force_login(buyer)
    bad = upload("p.jpg", b"not an image at all", "image/jpeg")
    response = client.post(reverse("reviews:write", args=[line.pk]), {"rating": 4, "content": TEXT, "photos": [bad]})
    assert response.status_code == 400
    assert not Review.objects.exists()


def test_write_page_of_someone_elses_line_is_404(client, line):
    client.force_login(UserFactory())
    assert client.get(reverse("reviews:write", args=[line.pk])).status_code == 404


def test_writable_and_mine_pages(client, line, buyer):
    assert client.get(reverse("reviews:writable")).status_code == 302  # sign in first
    client.force_login(buyer)
    assert line.product_name in client.get(reverse("reviews:writable")).content.decode()
    review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    assert line.product_name not in client.get(reverse("reviews:writable")).content.decode()
    assert TEXT in client.get(reverse("reviews:mine")).content.decode()


def test_edit_and_delete_pages_are_the_authors_only(client, line, buyer, product):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    client.force_login(UserFactory())
    assert client.get(reverse("reviews:edit", args=[review.pk])).status_code == 404
    assert client.post(reverse("reviews:delete", args=[review.pk])).status_code == 404
    client.force_login(buyer)
    assert client.post(reverse("reviews:edit", args=[review.pk]), {"rating": 3, "content": TEXT}).status_code == 302
    product.refresh_from_db()
    assert product.rating_sum == 3
    assert client.post(reverse("reviews:delete", args=[review.pk])).status_code == 302
    assert_rating_matches(product)


def test_report_page(client, line, buyer):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content=TEXT)
    client.force_login(UserFactory())
    assert client.post(reverse("reviews:report", args=[review.pk]), {"reason": "광고"}).status_code == 302
    assert review.reports.count() == 1


def test_review_list_sorts_and_photo_filter(client, product):
    lines = [delivered_line(product, UserFactory()) for _ in range(3)]
    low = review_create(user=lines[0].order.buyer, order_line_id=lines[0].pk, rating=1, content="별로였어요 " + TEXT)
    high = review_create(user=lines[1].order.buyer, order_line_id=lines[1].pk, rating=5, content="최고였어요 " + TEXT)
    photo = review_create(user=lines[2].order.buyer, order_line_id=lines[2].pk, rating=3, content="사진 후기 " + TEXT,
                          photos=[ContentFile(image_bytes("PNG"), name="a.png")])
    url = reverse("reviews:product", args=[product.pk])

    def order(params):
        html = client.get(url, params).content.decode()
        return sorted([low, high, photo], key=lambda r: html.find(f'id="review-{r.pk}"') if f'id="review-{r.pk}"' in html
                      else 10**9)

    assert order({"sort": "rating_desc"})[:2] == [high, photo]
    assert order({"sort": "rating_asc"})[0] == low
    html = client.get(url, {"photo": "1"}).content.decode()
    assert f'id="review-{photo.pk}"' in html and f'id="review-{low.pk}"' not in html


def test_review_list_query_count_is_capped(client, product, django_assert_max_num_queries):
    for _ in range(8):
        ln = delivered_line(product, UserFactory())
        review_create(user=ln.order.buyer, order_line_id=ln.pk, rating=4, content=TEXT,
                      photos=[ContentFile(image_bytes("PNG"), name="a.png")])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reviews:product", args=[product.pk])).status_code == 200


def test_product_page_query_count_with_reviews_is_capped(client, product, django_assert_max_num_queries):
    for _ in range(6):
        ln = delivered_line(product, UserFactory())
        review_create(user=ln.order.buyer, order_line_id=ln.pk, rating=5, content=TEXT,
                      photos=[ContentFile(image_bytes("PNG"), name="a.png")])
    client.force_login(UserFactory())
    client.get(product.get_absolute_url())
    with django_assert_max_num_queries(30):
        assert client.get(product.get_absolute_url()).status_code == 200


def test_category_sorts_by_review_count_and_rating(client, vendor):
    few = ProductFactory(vendor=vendor)
    many = ProductFactory(vendor=vendor)
    Product.objects.filter(pk=few.pk).update(review_count=1, rating_sum=5, rating_avg=5)
    Product.objects.filter(pk=many.pk).update(review_count=9, rating_sum=27, rating_avg=3)
    url = few.category.get_absolute_url()
    html = client.get(url, {"sort": "reviews"}).content.decode()
    assert html.find(f'data-product="{many.pk}"') < html.find(f'data-product="{few.pk}"')
    html = client.get(url, {"sort": "rating"}).content.decode()
    assert html.find(f'data-product="{few.pk}"') < html.find(f'data-product="{many.pk}"')
    assert "(9)" in html  # the count on the card


def test_vendor_page_shows_ratings(client, product):
    Product.objects.filter(pk=product.pk).update(review_count=2, rating_sum=9, rating_avg="4.50")
    other = ProductFactory(vendor=product.vendor)
    Product.objects.filter(pk=other.pk).update(review_count=2, rating_sum=7, rating_avg="3.50")
    html = client.get(product.vendor.get_absolute_url()).content.decode()
    assert 'data-testid="card-rating"' in html and "4.5" in html
    vendor_rating = html.split('data-testid="vendor-rating">')[1].split("</p>")[0]
    assert "4.0" in vendor_rating and "후기 4개" in vendor_rating  # (9 + 7) / 4 over the vendor's products


def test_every_task_is_registered_as_app_dot_function_name():
    """Services queue tasks by these names (ddasum.jobs); a worker finds them under the same ones."""
    from celery import Task

    from reviews import tasks as reviews_tasks

    named = {name: task.name for name, task in vars(reviews_tasks).items() if isinstance(task, Task)}
    assert named == {name: f"reviews.{name}" for name in (
        "review_reply_notify_task", "question_answered_notify_task", "review_reminders_send_task",
        "questions_remind_vendors_task")}
