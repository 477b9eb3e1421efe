"""이용약관 / 개인정보처리방침: versions in effect, sign-up consents, footer statutory information."""
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse
from django.utils import timezone

from accounts.admin import PolicyVersionAdmin
from accounts.models import PolicyVersion, User
from accounts.selectors import policy_current, policy_default_body, policy_upcoming
from tests.otp import otp_login

from .test_accounts import signup_data

pytestmark = pytest.mark.django_db


def version(kind, number, days_ago, body="제1조 (목적)\n본문입니다.", **extra):
    return PolicyVersion.objects.create(kind=kind, version=number, effective_at=timezone.now() - timedelta(days=days_ago),
                                        body=body, **extra)


def test_the_version_in_effect_is_the_latest_whose_date_has_come():
    old = version("terms", "1.0", 400)
    current = version("terms", "1.1", 10)
    future = version("terms", "2.0", -5)
    version("privacy", "9.0", 1)
    assert policy_current("terms") == current
    assert policy_current("terms", at=timezone.now() - timedelta(days=100)) == old
    assert policy_upcoming("terms") == future
    assert policy_current("terms", at=timezone.now() + timedelta(days=6)) == future


def test_policy_page_shows_the_version_in_effect_and_announces_the_next(client):
    version("terms", "1.0", 400, body="제1조 (목적)\n옛 약관")
    version("terms", "1.1", 10, body="제1조 (목적)\n지금 약관")
    version("terms", "2.0", -5, body="제1조 (목적)\n새 약관", summary="청약철회 안내를 고쳤습니다.")
    page = client.get(reverse("terms")).content.decode()
    assert "지금 약관" in page and "옛 약관" not in page and "새 약관" not in page
    assert "<h2>제1조 (목적)</h2>" in page
    assert 'data-testid="policy-upcoming"' in page and "청약철회 안내를 고쳤습니다." in page
    older = client.get(reverse("terms") + "?version=1.0").content.decode()
    assert "옛 약관" in older and "지난 버전" in older
    # A version not yet in effect cannot be read early by its number, nor an unknown one.
    assert client.get(reverse("terms") + "?version=2.0").status_code == 404
    assert client.get(reverse("terms") + "?version=nope").status_code == 404


def test_policy_pages_work_before_any_version_is_written(client):
    assert client.get(reverse("privacy")).status_code == 200


def test_default_texts_cover_what_the_law_asks():
    privacy = policy_default_body("privacy")
    for needle in ("처리하는 개인정보 항목", "처리 목적", "보유 기간", "5년", "3년", "제3자 제공", "판매기업",
                   "택배사", "결제대행사", "개인정보 보호책임자", "열람", "내 정보 내려받기", "회원탈퇴"):
        assert needle in privacy, needle
    terms = policy_default_body("terms")
    for needle in ("통신판매중개자", "청약철회", "구매안전서비스", "만 14세"):
        assert needle in terms, needle


def test_signup_records_agreed_versions_age_and_separate_marketing_consent(client):
    version("terms", "1.0", 400)
    terms = version("terms", "1.1", 3)
    privacy = version("privacy", "1.0", 3)
    version("privacy", "2.0", -3)
    client.post(reverse("accounts:signup"), signup_data(agree_marketing="on"))
    user = User.objects.get(email="newbie@example.kr")
    assert (user.terms_version, user.privacy_version) == (terms, privacy)
    assert user.age_confirmed_at and user.terms_agreed_at and user.marketing_agreed_at
    client.logout()
    client.post(reverse("accounts:signup"), signup_data(email="second@example.kr"))
    second = User.objects.get(email="second@example.kr")
    assert second.marketing_agreed_at is None  # optional, not implied by the required ones
    assert second.terms_version == terms


def test_signup_refuses_without_the_age_confirmation(client):
    response = client.post(reverse("accounts:signup"), signup_data(agree_age=""))
    page = response.content.decode()
    assert not User.objects.filter(email="newbie@example.kr").exists()
    assert "만 14세 이상만 가입할 수 있습니다." in page
    assert reverse("terms") in page and reverse("privacy") in page


def test_footer_has_the_statutory_information(client, settings):
    page = client.get(reverse("home")).content.decode()
    info = settings.OPERATOR_INFO
    assert "개인정보 보호책임자" in page and info["privacy_officer"] in page
    assert "호스팅 서비스 제공자" in page and info["hosting_provider"] in page
    assert "https://www.ftc.go.kr/bizCommPop.do?wrkr_no=3128212344" in page
    assert 'data-testid="escrow-notice"' in page and "구매안전서비스" in page
    assert f'href="{reverse("terms")}"' in page and f'href="{reverse("privacy")}"' in page


def test_only_operators_write_versions_and_a_version_in_effect_is_frozen(client, rf):
    operator = User.objects.create_user("op@example.kr", "Warm-Market-2026", name="운영자", is_staff=True,
                                        is_superuser=True)
    otp_login(client, operator)
    response = client.post(reverse("admin:accounts_policyversion_add"), {
        "kind": "privacy", "version": "3.0", "effective_at_0": "2030-01-01", "effective_at_1": "00:00:00",
        "summary": "", "body": "제1조 (목적)\n새 방침",
    })
    assert response.status_code == 302
    assert PolicyVersion.objects.filter(kind="privacy", version="3.0").exists()
    in_effect = version("privacy", "1.0", 5)
    model_admin = PolicyVersionAdmin(PolicyVersion, admin_site)
    request = rf.get("/")
    request.user = operator
    assert "body" in model_admin.get_readonly_fields(request, in_effect)
    assert not model_admin.has_delete_permission(request, in_effect)
    member = User.objects.create_user("member@example.kr", "Warm-Market-2026", name="회원")
    client.force_login(member)
    assert client.get(reverse("admin:accounts_policyversion_changelist")).status_code == 302


def test_form_errors_are_tied_to_their_field_for_screen_readers(client):
    """Django points aria-describedby at <id>_helptext and <id>_error; the shared field template gives those ids."""
    page = client.post(reverse("accounts:signup"), signup_data(agree_age="", password2="different")).content.decode()
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_password2_error"' in page and 'id="id_password2_error"' in page
    assert 'id="id_password1_helptext"' in page and 'aria-describedby="id_password1_helptext"' in page
    assert 'id="id_agree_age_error"' in page
