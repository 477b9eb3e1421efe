"""A new user signs up, applies with uploads, an operator approves in the admin, the vendor sees it."""
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, OperatorFactory, image_bytes, pdf_bytes
from tests.otp import browser_operator_log_in
from vendors.models import Vendor, VendorStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_apply_get_approved(live_server, new_page, tmp_path):
    operator = OperatorFactory(email="ops@ddasum.kr")
    pdf = tmp_path / "서류.pdf"
    pdf.write_bytes(pdf_bytes())
    seal = tmp_path / "도장.png"
    seal.write_bytes(image_bytes("PNG", size=(120, 120)))

    # 1. Sign up.
    page = new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="회원가입").click()
    page.get_by_label("이메일").fill("mosi@example.kr")
    page.get_by_label("이름").fill("박모시")
    page.get_by_label("휴대전화").fill("010-2222-3333")
    page.locator("#id_password1").fill("Hansan-Mosi-2026")
    page.get_by_label("비밀번호 확인").fill("Hansan-Mosi-2026")
    page.get_by_label("이용약관에 동의합니다 (필수)").check()
    page.get_by_label("개인정보 수집·이용에 동의합니다 (필수)").check()
    page.get_by_label("만 14세 이상입니다 (필수)").check()
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url("**/accounts/me/")
    assert "가입을 환영합니다" in page.content()

    # 2. Company details; a wrong 사업자등록번호 is explained next to the field.
    page.get_by_role("link", name="입점 신청하기").first.click()
    page.get_by_label("상호").fill("서천한산모시협동조합")
    page.get_by_label("사업자등록번호").fill("124-81-00999")
    page.get_by_label("대표자").fill("박모시")
    page.get_by_label("기업 유형").select_option("social")
    page.get_by_label("인증(지정) 번호").fill("2019-77")
    page.get_by_label("인증 유효기간 만료일").fill((timezone.localdate() + timedelta(days=400)).isoformat())
    page.get_by_label("시군").select_option("seocheon")
    page.get_by_label("우편번호").fill("33643")
    page.get_by_label("도로명 주소").fill("충청남도 서천군 한산면 충절로 1089")
    page.get_by_label("전화번호").fill("041-951-2345")
    page.get_by_label("이메일").fill("mosi@example.kr")
    page.get_by_label("업태").fill("제조업")
    page.get_by_label("종목").fill("모시 생활용품")
    page.get_by_label("은행").fill("하나은행")
    page.get_by_label("계좌번호").fill("123-456789-01")
    page.get_by_label("예금주").fill("서천한산모시협동조합")
    page.get_by_role("button", name="저장하고 서류 올리기").click()
    error = page.locator('[data-field="business_number"] .errorlist')
    assert "올바르지 않습니다" in error.inner_text()
    page.get_by_label("사업자등록번호").fill("124-81-00998")
    page.get_by_role("button", name="저장하고 서류 올리기").click()
    page.wait_for_url("**/documents/")

    # 3. Documents, then submit.
    page.get_by_label("입점 신청서").set_input_files(str(pdf))
    page.get_by_label("사업자등록증").set_input_files(str(pdf))
    page.get_by_label("통장 사본").set_input_files(str(pdf))
    page.get_by_label("사용인감(도장) 이미지").set_input_files(str(seal))
    page.get_by_label("사회적기업 인증서").set_input_files(str(pdf))
    page.get_by_role("button", name="저장하고 신청서 제출").click()
    page.wait_for_url("**/applications/*/")
    assert page.get_by_test_id("vendor-status").inner_text() == "신청 완료"
    vendor = Vendor.objects.get(name="서천한산모시협동조합")
    assert vendor.documents.count() == 5

    # 4. The operator reviews in the admin and approves.
    ops = new_page(viewport={"width": 1280, "height": 900})
    browser_operator_log_in(ops, live_server.url, operator, PASSWORD)  # password, then the TOTP enrolment
    ops.goto(live_server.url + "/admin/vendors/vendorapplication/")
    ops.get_by_role("link", name="서천한산모시협동조합").click()
    ops.wait_for_url(f"**/admin/vendors/vendor/{vendor.pk}/change/")
    assert ops.locator("iframe").count() >= 4  # the PDFs are previewed in place
    ops.get_by_role("link", name="심사 시작").click()
    ops.get_by_role("button", name="심사 시작").click()
    ops.get_by_role("link", name="승인").click()
    ops.get_by_label("사유").fill("서류 확인 완료. 환영합니다!")
    ops.get_by_role("button", name="승인").click()
    ops.wait_for_url(f"**/admin/vendors/vendor/{vendor.pk}/change/")
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.APPROVED

    # 5. The vendor sees the approval, the notification and its partner admin.
    page.reload()
    assert page.get_by_test_id("vendor-status").inner_text() == "입점 승인"
    # Two notices: review started, then approved.
    assert page.get_by_test_id("notifications").locator(".badge").inner_text() == "2"
    page.get_by_role("link", name="입점기업 관리자 열기").click()
    page.wait_for_url("**/partner/")
    assert "서천한산모시협동조합" in page.content()
