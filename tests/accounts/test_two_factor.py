"""Two-factor authentication (TOTP): required for operators on /admin/ (and the partner admin),
optional for vendor members; the operators' login history."""
import io
import random

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginEvent, User
from ddasum.demo import accounts as demo_accounts
from tests.factories import PASSWORD, MembershipFactory, OperatorFactory, UserFactory
from tests.otp import otp_device, otp_login, totp_code, totp_code_for_secret

pytestmark = pytest.mark.django_db


def test_an_operator_with_a_password_only_is_sent_to_enrol(client, operator):
    client.force_login(operator)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/otp/?next=%2Fadmin%2F"
    html = response.content.decode()
    assert "<svg" in html and 'data-testid="otp-secret"' in html and "인증 앱" in html
    assert client.get("/admin/orders/order/").status_code == 302  # no admin page without the code


@pytest.fixture
def no_otp_throttle(settings):
    """A wrong code slows the next try by a second (tested below); these tests retry at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_enrolment_then_the_admin_opens(client, operator, no_otp_throttle):
    client.force_login(operator)
    page = client.get("/accounts/otp/?next=/admin/")
    secret = page.context["secret"]
    wrong = client.post("/accounts/otp/", {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200 and "코드가 맞지 않습니다" in wrong.context["form"].errors["code"][0]
    ok = client.post("/accounts/otp/", {"code": totp_code_for_secret(secret), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(user=operator).confirmed
    events = list(LoginEvent.objects.filter(user=operator).order_by("at", "pk").values_list("kind", "success", "otp_used"))
    assert events[-2:] == [("otp", False, False), ("otp", True, True)]


def test_password_login_of_an_operator_asks_for_the_code_and_is_recorded(client):
    operator = OperatorFactory()
    device = otp_device(operator)
    bad = client.post(reverse("accounts:login"), {"username": operator.email, "password": "wrong"},
                      HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="203.0.113.5")
    assert bad.status_code == 200
    response = client.post(reverse("accounts:login") + "?next=/admin/", {"username": operator.email,
                           "password": PASSWORD, "next": "/admin/"}, HTTP_USER_AGENT="Firefox/140")
    assert response["Location"] == "/accounts/otp/?next=%2Fadmin%2F"
    page = client.get(response["Location"])
    assert "<svg" not in page.content.decode()  # already enrolled: only the code
    assert client.post("/accounts/otp/", {"code": totp_code(device), "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    rows = list(LoginEvent.objects.order_by("at", "pk"))
    assert [(r.kind, r.success, r.otp_used) for r in rows] == [
        ("password", False, False), ("password", True, False), ("otp", True, True)]
    assert rows[0].ip == "203.0.113.5" and rows[0].user_agent == "Firefox/140" and rows[0].user == operator


def test_a_used_code_is_not_accepted_twice(client, operator):
    device = otp_device(operator)
    code = totp_code(device)
    client.force_login(operator)
    assert client.post("/accounts/otp/", {"code": code})["Location"] == "/admin/"
    other = type(client)()
    other.force_login(operator)
    assert other.post("/accounts/otp/", {"code": code}).status_code == 200  # replay refused


def test_consumer_logins_are_not_recorded(client, user):
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert not LoginEvent.objects.exists()


def test_the_otp_login_helper_opens_the_admin(client, operator):
    otp_login(client, operator)
    assert client.get("/admin/").status_code == 200


def test_login_history_is_read_only_for_the_operator(client, operator):
    event = LoginEvent.objects.create(user=operator, username=operator.email, kind="password", success=True)
    otp_login(client, operator)
    page = client.get("/admin/accounts/loginevent/")
    assert page.status_code == 200 and operator.email in page.content.decode()
    assert client.get("/admin/accounts/loginevent/add/").status_code == 403
    response = client.post(f"/admin/accounts/loginevent/{event.pk}/change/", {"success": ""})
    assert response.status_code == 403 and LoginEvent.objects.get(pk=event.pk).success is True


def test_vendor_members_do_not_see_the_login_history(client, owner):
    otp_login(client, owner)
    assert client.get("/admin/accounts/loginevent/").status_code == 302
    assert client.get("/partner/accounts/loginevent/").status_code == 404


# --- vendor members: optional ------------------------------------------------------------------


def test_partner_admin_without_two_factor_as_before(client, owner):
    client.force_login(owner)
    assert client.get("/partner/").status_code == 200
    assert "2단계 인증 켜기" in client.get(reverse("accounts:mypage")).content.decode()


def test_a_member_turns_it_on_and_then_the_partner_admin_asks(client, owner):
    client.force_login(owner)
    secret = client.get("/accounts/otp/?next=/accounts/me/").context["secret"]
    assert client.post("/accounts/otp/", {"code": totp_code_for_secret(secret), "next": "/accounts/me/"}
                       )["Location"] == "/accounts/me/"
    assert client.get("/partner/").status_code == 200  # this session gave its code
    fresh = type(client)()
    fresh.force_login(owner)
    response = fresh.get("/partner/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/otp/")
    assert "<svg" not in response.content.decode()
    assert fresh.get("/partner/vendors/vendor/").status_code == 302


def test_a_member_turns_it_off_with_a_code(client, owner, no_otp_throttle):
    device = otp_login(client, owner)
    assert "2단계 인증 끄기" in client.get(reverse("accounts:mypage")).content.decode()
    client.post(reverse("accounts:otp_disable"), {"code": "123456"})
    assert TOTPDevice.objects.filter(user=owner).exists()
    client.post(reverse("accounts:otp_disable"), {"code": totp_code(device)})
    assert not TOTPDevice.objects.filter(user=owner).exists()
    fresh = type(client)()
    fresh.force_login(owner)
    assert fresh.get("/partner/").status_code == 200


def test_an_operator_cannot_turn_it_off(client, operator):
    device = otp_login(client, operator)
    response = client.post(reverse("accounts:otp_disable"), {"code": totp_code(device)}, follow=True)
    assert "운영자는 2단계 인증을 끌 수 없습니다" in response.content.decode()
    assert TOTPDevice.objects.filter(user=operator).exists()


def test_staff_on_the_partner_admin_give_their_code_too(client, operator):
    client.force_login(operator)
    assert client.get("/partner/").status_code == 302
    otp_login(client, operator)
    assert client.get("/partner/").status_code == 200


def test_the_next_address_must_be_on_this_site(client):
    member = MembershipFactory().user
    device = otp_device(member)
    client.force_login(member)
    response = client.post("/accounts/otp/", {"code": totp_code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("accounts:mypage")


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/accounts/otp/")["Location"].startswith("/accounts/login/")
    UserFactory()


def test_wrong_codes_slow_the_next_try_down(client, operator):
    device = otp_device(operator)
    client.force_login(operator)
    client.post("/accounts/otp/", {"code": "000000"})
    response = client.post("/accounts/otp/", {"code": totp_code(device)})
    assert response.status_code == 200 and "여러 번 틀렸습니다" in response.context["form"].errors["code"][0]


# --- demo: a newcomer gets into /admin/ with the printed secret ---------------------------------


def test_the_demo_operator_signs_in_with_the_printed_secret(client):
    out = io.StringIO()
    demo_accounts.seed(stdout=out, rng=random.Random(1))
    demo_accounts.seed(stdout=out, rng=random.Random(1))  # idempotent: still one device
    assert demo_accounts.DEMO_OTP_SECRET in out.getvalue() and "otpauth://totp/" in out.getvalue()
    operator = User.objects.get(email=demo_accounts.OPERATOR_EMAIL)
    assert TOTPDevice.objects.filter(user=operator, confirmed=True).count() == 1
    response = client.post(reverse("accounts:login"), {"username": demo_accounts.OPERATOR_EMAIL,
                           "password": demo_accounts.DEMO_PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/accounts/otp/?next=%2Fadmin%2F"
    code = totp_code_for_secret(demo_accounts.DEMO_OTP_SECRET)
    assert client.post("/accounts/otp/", {"code": code, "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_login_without_an_address_is_recorded_without_one(client, operator):
    client.force_login(operator)  # a request made in code: no REMOTE_ADDR
    event = LoginEvent.objects.get(user=operator)
    assert event.ip is None and event.success and event.kind == "password"
