"""Vendor API keys: shown once and stored hashed, scopes, expiry and revocation, one vendor's data,
last use recorded cheaply, throttled per key, managed by owners in the partner admin; and the
token exchange asks users with two-factor authentication for their code."""
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import otp_device_confirm, otp_device_for_enrolment
from tests.factories import PASSWORD, MembershipFactory, ProductFactory, UserFactory
from tests.otp import otp_device, otp_login
from vendors.api_keys import api_key_create, api_key_revoke
from vendors.exceptions import NotAllowed
from vendors.models import ApiScope, MembershipRole, VendorApiKey, VendorMembership

pytestmark = pytest.mark.django_db


def key_for(vendor, owner, scopes=(ApiScope.PRODUCTS_READ,), **kwargs):
    return api_key_create(vendor_id=vendor.pk, name="우체국쇼핑 연동", scopes=list(scopes), actor=owner, **kwargs)


def api_with(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api


def test_the_key_is_returned_once_and_only_its_keyed_hash_is_stored(vendor, owner):
    key, raw = key_for(vendor, owner)
    assert raw.startswith("ddk_") and len(raw) >= 40
    stored = VendorApiKey.objects.values().get(pk=key.pk)
    assert raw not in str(stored)
    expected = hmac.new(django_settings.API_KEY_HASH_SECRET.encode(), raw.encode(), hashlib.sha256).hexdigest()
    assert stored["key_hash"] == expected
    assert stored["prefix"] == raw[:12]
    # Two keys never share a value.
    assert key_for(vendor, owner)[1] != raw


def test_only_owners_make_or_revoke_keys(vendor, owner):
    staff = MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user
    with pytest.raises(NotAllowed):
        key_for(vendor, staff)
    key, _raw = key_for(vendor, owner)
    with pytest.raises(NotAllowed):
        api_key_revoke(key_id=key.pk, actor=staff)
    stranger = MembershipFactory().user
    with pytest.raises(NotAllowed):
        key_for(vendor, stranger)


def test_scopes_are_enforced_with_403(vendor, owner):
    ProductFactory(vendor=vendor)
    _key, raw = key_for(vendor, owner, scopes=[ApiScope.PRODUCTS_READ])
    api = api_with(raw)
    assert api.get("/api/vendor/products/").status_code == 200
    assert api.get("/api/vendor/feed.csv").status_code == 200
    refused = api.post("/api/vendor/products/", {"name": "새 상품"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "이 API 키에는 이 작업을 할 권한이 없습니다."
    assert api.post("/api/vendor/stock/", [{"sku": "x", "stock": 1}], format="json").status_code == 403
    assert api.get("/api/partner/orders/").status_code == 403
    assert api.get("/api/procurement/vendor/quotes/").status_code == 403

    _key, stock_raw = key_for(vendor, owner, scopes=[ApiScope.STOCK, ApiScope.ORDERS, ApiScope.QUOTES])
    stock_api = api_with(stock_raw)
    assert stock_api.get("/api/vendor/products/").status_code == 403
    assert stock_api.get("/api/partner/orders/").status_code == 200
    assert stock_api.get("/api/procurement/vendor/quotes/").status_code == 200
    # A key speaks for a vendor, never for an agency: the agencies' endpoints stay closed.
    assert stock_api.get("/api/procurement/requests/").status_code == 403


def test_expired_revoked_unknown_keys_and_a_maker_who_left_are_refused_with_401(vendor, owner):
    _key, raw = key_for(vendor, owner, scopes=[ApiScope.ORDERS])
    assert api_with(raw).get("/api/partner/orders/").status_code == 200

    expiring, expiring_raw = key_for(vendor, owner, scopes=[ApiScope.ORDERS],
                                     expires_at=timezone.now() + timedelta(days=1))
    VendorApiKey.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = api_with(expiring_raw).get("/api/partner/orders/")
    assert expired.status_code == 401
    assert expired.json()["detail"] == "만료된 API 키입니다."
    assert expired["WWW-Authenticate"] == "Api-Key"

    revoked, revoked_raw = key_for(vendor, owner, scopes=[ApiScope.ORDERS])
    api_key_revoke(key_id=revoked.pk, actor=owner)
    response = api_with(revoked_raw).get("/api/partner/orders/")
    assert response.status_code == 401
    assert response.json()["detail"] == "폐기된 API 키입니다."
    # The catalogue's vendor endpoints (user token first) refuse it the same way.
    assert api_with(revoked_raw).get("/api/vendor/products/").status_code == 401

    assert api_with(raw[:-2] + "xx").get("/api/partner/orders/").status_code == 401

    # The key acts as its maker: once they leave the vendor it stops, until another owner makes a new one.
    VendorMembership.objects.filter(user=owner, vendor=vendor).delete()
    assert api_with(raw).get("/api/partner/orders/").status_code == 401


def test_a_key_sees_only_its_own_vendor_even_when_its_maker_belongs_to_two(vendor, owner, other_vendor):
    MembershipFactory(vendor=other_vendor, user=owner)
    mine = ProductFactory(vendor=vendor, name="우리 현미")
    theirs = ProductFactory(vendor=other_vendor, name="남의 된장")
    _key, raw = key_for(vendor, owner, scopes=[ApiScope.PRODUCTS_READ, ApiScope.PRODUCTS_WRITE])
    api = api_with(raw)
    listed = [p["id"] for p in api.get("/api/vendor/products/").json()["results"]]
    assert listed == [mine.pk]
    assert api.get(f"/api/vendor/products/{theirs.pk}/").status_code == 404
    assert api.patch(f"/api/vendor/products/{theirs.pk}/", {"name": "바꿈"}, format="json").status_code == 404
    # Naming the other vendor when creating is refused as an unknown choice.
    made = api.post("/api/vendor/products/", {"vendor": other_vendor.pk, "category": "rice-grains", "name": "x"},
                    format="json")
    assert made.status_code == 400 and "vendor" in made.json()


def test_last_use_is_recorded_at_most_once_a_minute(vendor, owner):
    key, raw = key_for(vendor, owner, scopes=[ApiScope.ORDERS])
    api = api_with(raw)
    assert api.get("/api/partner/orders/").status_code == 200
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/partner/orders/").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    key.refresh_from_db()
    assert key.last_used_at == first
    VendorApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/partner/orders/")
    key.refresh_from_db()
    assert key.last_used_at > first - timedelta(minutes=2)


def test_each_key_has_its_own_rate(vendor, owner, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key": "2/min"}}
    _a, raw_a = key_for(vendor, owner, scopes=[ApiScope.ORDERS])
    _b, raw_b = key_for(vendor, owner, scopes=[ApiScope.ORDERS])
    first = api_with(raw_a)
    assert [first.get("/api/partner/orders/").status_code for _ in range(3)] == [200, 200, 429]
    assert api_with(raw_b).get("/api/partner/orders/").status_code == 200


# --- the partner admin ------------------------------------------------------------------------


def test_an_owner_makes_a_key_in_the_partner_admin_sees_it_once_and_revokes_it(client, vendor, owner):
    client.force_login(owner)
    response = client.post(reverse("partner:vendors_vendorapikey_add"), {
        "vendor": vendor.pk, "name": "오픈마켓 연동", "scopes": [ApiScope.ORDERS, ApiScope.STOCK], "expires_at_0": "",
        "expires_at_1": "",
    })
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "no-store" in response["Cache-Control"]
    key = VendorApiKey.objects.get(vendor=vendor)
    page = response.content.decode()
    raw = next(word for word in page.replace("<", " ").replace(">", " ").split() if word.startswith("ddk_")
               and len(word) > 20)
    assert key.scopes == [ApiScope.STOCK, ApiScope.ORDERS]
    assert api_with(raw).get("/api/partner/orders/").status_code == 200

    listing = client.get(reverse("partner:vendors_vendorapikey_changelist")).content.decode()
    assert "오픈마켓 연동" in listing and raw not in listing
    detail = client.get(reverse("partner:vendors_vendorapikey_change", args=[key.pk])).content.decode()
    assert raw not in detail

    client.post(reverse("partner:vendors_vendorapikey_changelist"),
                {"action": "revoke_selected", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == owner
    assert api_with(raw).get("/api/partner/orders/").status_code == 401


def test_staff_members_cannot_add_keys_and_another_vendors_key_is_a_404(client, vendor, owner, other_vendor,
                                                                        other_owner):
    theirs, _raw = key_for(other_vendor, other_owner)
    staff = MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user
    client.force_login(staff)
    assert client.get(reverse("partner:vendors_vendorapikey_add")).status_code == 403
    client.force_login(owner)
    assert client.get(reverse("partner:vendors_vendorapikey_change", args=[theirs.pk])).status_code == 404


# --- two-factor authentication on the token exchange ------------------------------------------


def _code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


@pytest.mark.parametrize("url", ["/api/auth/token/", "/api/procurement/auth/token/"])
def test_the_token_exchange_asks_for_the_code_when_the_user_has_two_factor_authentication(url, vendor, owner):
    api = APIClient()
    device = otp_device(owner)
    missing = api.post(url, {"email": owner.email, "password": PASSWORD}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"otp_token": ["2단계 인증 코드를 입력해 주세요."]}
    wrong_code = "000000" if _code(device) != "000000" else "111111"
    wrong = api.post(url, {"email": owner.email, "password": PASSWORD, "otp_token": wrong_code}, format="json")
    assert wrong.status_code == 400 and wrong.json() == {"otp_token": ["인증 코드가 맞지 않습니다."]}
    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    ok = api.post(url, {"email": owner.email, "password": PASSWORD, "otp_token": _code(device)}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]


def test_a_user_without_two_factor_authentication_still_gets_a_token_with_the_password(vendor, owner):
    response = APIClient().post("/api/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_a_wrong_code_counts_as_a_failed_login(vendor, owner, settings):
    otp_device(owner)
    api = APIClient()
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        api.post("/api/auth/token/", {"email": owner.email, "password": PASSWORD, "otp_token": "000001"},
                 format="json")
    locked = api.post("/api/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json")
    assert locked.status_code == 429


def test_a_user_who_is_not_a_vendor_member_gets_no_key(vendor):
    with pytest.raises(NotAllowed):
        key_for(vendor, UserFactory())


def test_an_operator_sees_every_key_and_revokes_a_leaked_one_but_makes_none(client, operator, vendor, owner):
    key, raw = key_for(vendor, owner, scopes=[ApiScope.ORDERS])
    otp_login(client, operator)
    listing = client.get(reverse("admin:vendors_vendorapikey_changelist")).content.decode()
    assert "우체국쇼핑 연동" in listing and raw not in listing
    assert client.get(reverse("admin:vendors_vendorapikey_add")).status_code == 403
    client.post(reverse("admin:vendors_vendorapikey_changelist"),
                {"action": "revoke_selected", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_by == operator
    assert client.get(reverse("admin:vendors_webhookdelivery_changelist")).status_code == 200


def test_turning_two_factor_authentication_on_voids_the_token_got_with_the_password_alone(vendor, owner):
    token = APIClient().post("/api/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json")
    assert token.status_code == 200
    otp_device_confirm(device=otp_device_for_enrolment(user=owner))
    assert not Token.objects.filter(user=owner).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/vendor/products/").status_code == 401


def test_key_requests_are_not_counted_against_their_makers_own_rate(vendor, owner, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/min", "api_key": "100/min"}}
    _key, raw = key_for(vendor, owner, scopes=[ApiScope.ORDERS])
    assert [api_with(raw).get("/api/partner/orders/").status_code for _ in range(4)] == [200] * 4
    session = APIClient()
    session.force_login(owner)
    assert [session.get("/api/partner/orders/").status_code for _ in range(3)] == [200, 200, 429]
