"""상품문의: asking, 비밀글 privacy, answers in the partner admin, notices once, the vendor's reminder."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from ddasum.business_days import business_days_between, is_business_day
from reviews.exceptions import NotAllowed
from reviews.models import Question
from reviews.notifications import questions_remind_vendors
from reviews.selectors import question_readable
from reviews.services import question_answer, question_create, review_create
from tests.factories import MembershipFactory, OperatorFactory, UserFactory, VendorFactory
from tests.otp import otp_login

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")
SECRET = "배송지를 바꾸고 싶은데 연락처 010-9999-8888로 전화 주세요"


@pytest.fixture
def asker(db):
    return UserFactory()


@pytest.fixture
def secret(product, asker):
    return question_create(user=asker, product_id=product.pk, content=SECRET, is_secret=True)


def test_secret_question_is_read_by_asker_vendor_members_and_staff_only(secret, asker, owner):
    staff_member = MembershipFactory(vendor=secret.vendor, role="staff").user
    assert question_readable(secret, asker)
    assert question_readable(secret, owner)
    assert question_readable(secret, staff_member)
    assert question_readable(secret, OperatorFactory())
    assert not question_readable(secret, UserFactory())
    assert not question_readable(secret, MembershipFactory(vendor=VendorFactory()).user)


def test_product_page_masks_a_secret_question_for_others(client, product, secret, asker, owner):
    for who, sees in ((None, False), (UserFactory(), False), (asker, True), (owner, True)):
        client.logout()
        if who:
            client.force_login(who)
        html = client.get(product.get_absolute_url()).content.decode()
        assert (SECRET in html) is sees, who
        assert "비밀글" in html
        html = client.get(reverse("reviews:questions", args=[product.pk])).content.decode()
        assert (SECRET in html) is sees, who


def test_signed_in_user_asks_on_the_product_and_a_guest_is_sent_to_login(client, product, asker):
    url = reverse("reviews:questions", args=[product.pk])
    response = client.post(url, {"content": "유통기한이 언제까지인가요?"})
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(asker)
    assert client.post(url, {"content": "유통기한이 언제까지인가요?", "is_secret": "on"}).status_code == 302
    question = Question.objects.get()
    assert question.is_secret and question.vendor_id == product.vendor_id
    response = client.post(url, {"content": ""})
    assert response.status_code == 400 and "문의 내용을 적어 주세요." in response.content.decode()


def test_vendor_answers_and_asker_is_told_once(secret, asker, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question_id=secret.pk, actor=owner, text="오늘 전화드리겠습니다.")
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question_id=secret.pk, actor=owner, text="오늘 오후에 전화드리겠습니다.")
    assert Notification.objects.filter(user=asker, key__startswith="question-answered:").count() == 1
    assert len([m for m in mail.outbox if asker.email in m.to]) == 1


def test_another_vendor_cannot_answer(secret):
    with pytest.raises(NotAllowed):
        question_answer(question_id=secret.pk, actor=MembershipFactory(vendor=VendorFactory()).user, text="답")


def test_partner_admin_answers_own_questions_and_cannot_open_anothers(client, secret, owner, product):
    client.force_login(owner)
    index = client.get(reverse("partner:index")).content.decode()
    assert 'data-testid="unanswered-questions"' in index and product.name[:20] in index
    url = reverse("partner:reviews_question_change", args=[secret.pk])
    assert SECRET in client.get(url).content.decode()
    assert client.post(url, {"answer": "네, 가능합니다."}).status_code == 302
    secret.refresh_from_db()
    assert secret.answer == "네, 가능합니다." and secret.answered_by == owner
    client.force_login(MembershipFactory(vendor=VendorFactory()).user)
    assert client.get(url).status_code == 404


def test_partner_admin_replies_to_own_reviews_only(client, product, buyer, owner, line):
    review = review_create(user=buyer, order_line_id=line.pk, rating=5, content="좋은 상품 고맙습니다. 또 살게요.")
    url = reverse("partner:reviews_review_change", args=[review.pk])
    client.force_login(owner)
    assert client.post(url, {"reply": "감사합니다!"}).status_code == 302
    review.refresh_from_db()
    assert review.reply == "감사합니다!"
    client.force_login(MembershipFactory(vendor=VendorFactory()).user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reply": "우리 것도 사세요"}).status_code == 404


def test_operator_hides_a_review_with_a_reason_in_the_admin(client, product, buyer, line):
    review = review_create(user=buyer, order_line_id=line.pk, rating=1, content="연락처 010-0000-0000 남깁니다.")
    otp_login(client, OperatorFactory())
    url = reverse("admin:reviews_review_changelist")
    response = client.post(url, {"action": "hide_selected", "_selected_action": [review.pk]})
    assert response.status_code == 200 and "사유" in response.content.decode()
    client.post(url, {"action": "hide_selected", "_selected_action": [review.pk], "confirm": "1",
                      "reason": "개인정보 노출"})
    review.refresh_from_db()
    assert review.status == "hidden" and review.events.get().reason == "개인정보 노출"


def test_mine_page_lists_own_questions(client, secret, asker):
    client.force_login(asker)
    assert SECRET[:10] in client.get(reverse("reviews:mine")).content.decode()
    assert client.post(reverse("reviews:question_delete", args=[secret.pk])).status_code == 302
    assert not Question.objects.exists()


# --- business days and the vendor's reminder ------------------------------------------------------


def test_business_days_skip_weekends_and_korean_holidays():
    assert not is_business_day(datetime(2026, 9, 25).date())  # 추석
    assert not is_business_day(datetime(2027, 2, 9).date())  # 설날 대체공휴일
    assert is_business_day(datetime(2026, 9, 28).date())
    # Wed 9.23 → Mon 9.28: Thu–Sat are 추석, Sunday is Sunday, so only Monday counts.
    assert business_days_between(datetime(2026, 9, 23).date(), datetime(2026, 9, 28).date()) == 1


def test_reminder_after_two_business_days_once_and_holidays_delay_it(secret, owner):
    # Asked Wednesday 2026-09-23 before 추석: on Monday 9.28 only one business day has passed.
    Question.objects.filter(pk=secret.pk).update(created_at=datetime(2026, 9, 23, 10, tzinfo=KST))
    assert questions_remind_vendors(now=datetime(2026, 9, 28, 9, tzinfo=KST)) == 0
    assert questions_remind_vendors(now=datetime(2026, 9, 29, 9, tzinfo=KST)) == 1
    assert questions_remind_vendors(now=datetime(2026, 9, 30, 9, tzinfo=KST)) == 0
    assert Notification.objects.filter(user=owner, key__startswith="question-reminder:").count() == 1


def test_answered_questions_are_not_reminded(secret, owner):
    question_answer(question_id=secret.pk, actor=owner, text="답변드립니다.")
    Question.objects.filter(pk=secret.pk).update(created_at=timezone.now() - timedelta(days=10))
    assert questions_remind_vendors() == 0


def test_question_pages_query_count_is_capped(client, product, django_assert_max_num_queries):
    for i in range(12):
        question_create(user=UserFactory(), product_id=product.pk, content=f"문의 {i}번입니다", is_secret=i % 2 == 0)
    client.force_login(UserFactory())
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reviews:questions", args=[product.pk])).status_code == 200


def test_unknown_product_pages_are_404(client):
    assert client.get(reverse("reviews:product", args=[999999])).status_code == 404
    assert client.get(reverse("reviews:questions", args=[999999])).status_code == 404

