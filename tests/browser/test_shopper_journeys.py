"""Issue 13 in Chromium: a photo review and the vendor's reply; a secret question answered; 찜 without JavaScript."""
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, ProductFactory, UserFactory, VendorFactory, image_bytes
from tests.reviews.conftest import delivered_line

from .conftest import csp_violations_watch

pytestmark = pytest.mark.django_db(transaction=True)


def test_buyer_writes_a_photo_review_the_vendor_replies_and_the_page_shows_the_average(live_server, new_page, tmp_path):
    farm = VendorFactory(name="홍성햇살농장")
    owner = MembershipFactory(vendor=farm).user
    rice = ProductFactory(vendor=farm, name="홍성 유기농 현미")
    buyer = UserFactory(email="buyer@example.kr", name="이구매")
    delivered_line(rice, buyer)
    photo = tmp_path / "rice.jpg"
    photo.write_bytes(image_bytes("JPEG", (320, 240)))

    page = new_page()
    log_in(page, live_server, buyer.email, "/reviews/writable/")
    page.get_by_role("link", name="후기 쓰기").click()
    page.wait_for_url("**/reviews/write/**")
    page.locator("input[name=rating][value='4']").check()
    page.get_by_label("후기").fill("밥맛이 좋고 포장이 꼼꼼했어요. 또 살게요.")
    page.get_by_label("사진").set_input_files(str(photo))
    page.get_by_role("button", name="후기 남기기").click()
    page.wait_for_url("**/products/**")
    reviews = page.get_by_test_id("reviews")
    assert "밥맛이 좋고" in reviews.inner_text()
    assert page.get_by_test_id("rating-average").inner_text() == "4.0"
    assert reviews.locator(".review-photos img").count() == 1

    vendor_page = new_page({"width": 1280, "height": 900})
    log_in(vendor_page, live_server, owner.email, "/partner/")
    vendor_page.goto(f"{live_server.url}/partner/reviews/review/")
    vendor_page.locator("#result_list tbody a").first.click()
    vendor_page.get_by_label("판매기업 답글").fill("맛있게 드셔 주셔서 고맙습니다!")
    vendor_page.get_by_role("button", name="저장", exact=True).click()

    page.reload()
    assert "맛있게 드셔 주셔서" in page.get_by_test_id("review-reply").inner_text()
    assert page.get_by_test_id("rating-average").inner_text() == "4.0"


def test_shopper_asks_a_secret_question_others_cannot_read_it_and_the_vendor_answers(live_server, new_page):
    farm = VendorFactory(name="홍성햇살농장")
    owner = MembershipFactory(vendor=farm).user
    rice = ProductFactory(vendor=farm, name="홍성 유기농 현미")
    asker = UserFactory(email="asker@example.kr")
    stranger = UserFactory(email="other@example.kr")

    page = new_page()
    log_in(page, live_server, asker.email, rice.get_absolute_url())
    qna = page.get_by_test_id("qna")
    qna.get_by_label("문의 내용").fill("배송지를 바꾸고 싶어요. 010-1234-5678로 연락 주세요.")
    qna.get_by_label("비밀글로 문의하기").check()
    qna.get_by_role("button", name="문의하기").click()
    page.wait_for_url("**/reviews/products/**/questions/")
    assert "010-1234-5678" in page.get_by_test_id("qna").inner_text()

    other = new_page()
    log_in(other, live_server, stranger.email, rice.get_absolute_url())
    assert "010-1234-5678" not in other.content() and "비밀글입니다" in other.content()

    vendor_page = new_page({"width": 1280, "height": 900})
    log_in(vendor_page, live_server, owner.email, "/partner/")
    assert "답변을 기다리는 상품문의" in vendor_page.content()
    vendor_page.get_by_test_id("unanswered-questions").get_by_role("link").first.click()
    vendor_page.get_by_label("답변").fill("오늘 오후에 전화드리겠습니다.")
    vendor_page.get_by_role("button", name="저장", exact=True).click()

    page.goto(live_server.url + rice.get_absolute_url())
    assert "오늘 오후에 전화드리겠습니다." in page.get_by_test_id("qna").inner_text()
    other.reload()
    assert "오늘 오후에 전화드리겠습니다." not in other.content()


def test_wish_without_javascript_and_with_it_and_the_recent_strip(live_server, browser):
    rice = ProductFactory(name="홍성 유기농 현미")
    member = UserFactory(email="wisher@example.kr")
    context = browser.new_context(locale="ko-KR", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, member.email, rice.get_absolute_url())
        button = page.locator(".buy-box").get_by_test_id("wish-button")
        assert button.get_attribute("aria-pressed") == "false"
        button.click()
        page.wait_for_load_state()
        button = page.locator(".buy-box").get_by_test_id("wish-button")
        assert button.get_attribute("aria-pressed") == "true"
        assert page.locator(".buy-box").get_by_test_id("wish-count").inner_text() == "1"
        page.goto(f"{live_server.url}/wishlist/")
        assert "홍성 유기농 현미" in page.get_by_test_id("wishlist").inner_text()
    finally:
        context.close()

    context = browser.new_context(locale="ko-KR")
    violations: list[str] = []
    try:
        page = context.new_page()
        csp_violations_watch(page, violations)
        log_in(page, live_server, member.email, rice.get_absolute_url())
        button = page.locator(".buy-box").get_by_test_id("wish-button")
        url = page.url
        button.click()
        # No string evaluation (page.wait_for_function): the Content-Security-Policy forbids eval.
        expect(page.locator(".buy-box").get_by_test_id("wish-button")).to_have_attribute("aria-pressed", "false")
        assert page.url == url  # no reload: fetch did it
        assert page.locator(".buy-box").get_by_test_id("wish-count").inner_text() == "0"
        # 최근 본 상품: the next product page fetches its strip, with the rice just seen.
        page.goto(live_server.url + ProductFactory(name="보령 머드 비누").get_absolute_url())
        assert "홍성 유기농 현미" in page.get_by_test_id("recent-products").inner_text()
        assert not violations  # shopper.js and the fetched strip keep to the Content-Security-Policy
    finally:
        context.close()
