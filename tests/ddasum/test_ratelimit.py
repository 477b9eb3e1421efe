"""Rate limits: the page limiter (ddasum.ratelimit) on sign-up, password-reset mail, quote messages
and the guest order look-up, and DRF throttling on the public and token APIs. Each limit is hit.

On the PostgreSQL + Redis run (REDIS_URL set) the default cache is Redis, so the same tests
count in Redis; the local run counts in the local-memory cache.
"""
import pytest
from django.core import mail
from django.core.cache import caches
from django.urls import reverse
from rest_framework.test import APIClient

from ddasum import ratelimit
from ddasum.ratelimit import Rate, hit, rate_parse
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.procurement.quotes_helpers import buyer_of, eligible_product, request_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Small limits for the tests; each test sets the ones it needs."""
    settings.RATE_LIMITS = {}
    return settings.RATE_LIMITS


def assert_refused(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "시도가 너무 많습니다" in response.content.decode()


# --- the limiter ------------------------------------------------------------------------------


def test_rates_parse():
    assert rate_parse("5/h") == Rate(5, 3600)
    assert rate_parse("10/15m") == Rate(10, 900)
    assert rate_parse("3/d") == Rate(3, 86400)
    with pytest.raises(ValueError):
        rate_parse("five an hour")


def test_a_window_counts_then_refuses_then_opens_again():
    rate = Rate(2, 60)
    now = 1_000_040.0  # 20 seconds into a minute's window
    assert hit("t", "k", rate, now=now) == 0
    assert hit("t", "k", rate, now=now) == 0
    assert hit("t", "k", rate, now=now) == 40  # until the window ends
    assert hit("t", "other", rate, now=now) == 0  # another key has its own count
    assert hit("t", "k", rate, now=now + 60) == 0  # the next window
    assert type(caches["default"]).__name__ in ("LocMemCache", "RedisCache")


def test_client_ip_trusts_forwarded_for_only_behind_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.NUM_PROXIES = 0
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.NUM_PROXIES = 1
    assert ratelimit.client_ip(request) == "203.0.113.9"


# --- pages ------------------------------------------------------------------------------------


def signup_data(n):
    return {"email": f"new{n}@example.kr", "name": "김새싹", "phone": "01012345678",
            "password1": "Warm-Market-2026", "password2": "Warm-Market-2026",
            "terms": "on", "privacy": "on"}


def test_signup_is_limited_per_address(client, rates):
    rates["signup"] = {"client_ip": "2/h"}
    for n in range(2):
        client.post(reverse("accounts:signup"), signup_data(n))
        client.logout()
    response = client.post(reverse("accounts:signup"), signup_data(9))
    assert_refused(response)
    assert client.get(reverse("accounts:signup")).status_code == 200  # the form itself still shows
    other = client.post(reverse("accounts:signup"), signup_data(8), REMOTE_ADDR="192.0.2.7")
    assert other.status_code != 429


def test_password_reset_mail_is_limited_per_email_and_per_address(client, rates, user,
                                                                  django_capture_on_commit_callbacks):
    rates["password_reset"] = {"client_ip": "5/h", "posted_email": "2/h"}
    url = reverse("accounts:password_reset")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert client.post(url, {"email": user.email.upper()}).status_code == 302
        assert_refused(client.post(url, {"email": user.email}))
    assert len(mail.outbox) == 2  # no third mail to the same person
    assert client.post(url, {"email": "someone@example.kr"}).status_code == 302
    assert client.post(url, {"email": "another@example.kr"}).status_code == 302
    assert_refused(client.post(url, {"email": "third@example.kr"}))  # the address's 5 are used


def test_quote_messages_are_limited_per_user(client, rates):
    rates["quote_message"] = {"user_key": "2/10m", "client_ip": "100/10m"}
    product = eligible_product()
    buyer = buyer_of()
    agency = buyer.agency_memberships.get().agency
    quote = request_for(buyer, agency, [(product.variants.get(), 3)]).quotes.get()
    client.force_login(buyer)
    url = reverse("procurement:quote_message_post", args=[quote.number])
    for n in range(2):
        assert client.post(url, {"body": f"문의 {n}"}).status_code == 302
    assert_refused(client.post(url, {"body": "또 문의"}))
    assert quote.messages.count() == 2


def test_guest_order_lookup_is_limited_per_address(client, rates):
    rates["order_lookup"] = {"client_ip": "3/15m", "posted_email": "100/15m"}
    for n in range(3):
        response = client.post("/orders/lookup/", {"number": f"20260101-0000{n}", "email": "a@b.kr"})
        assert response.status_code == 200
    assert_refused(client.post("/orders/lookup/", {"number": "20260101-00009", "email": "a@b.kr"}))


def test_guest_order_lookup_is_limited_per_email(client, rates):
    rates["order_lookup"] = {"client_ip": "100/15m", "posted_email": "2/15m"}
    for n in range(2):
        client.post("/orders/lookup/", {"number": f"20260101-0000{n}", "email": "a@b.kr"},
                    REMOTE_ADDR=f"192.0.2.{n}")
    assert_refused(client.post("/orders/lookup/", {"number": "20260101-00009", "email": "A@B.kr"},
                               REMOTE_ADDR="192.0.2.77"))


def test_the_refusal_is_english_with_the_language_cookie(client, rates):
    rates["signup"] = {"client_ip": "0/h"}
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:signup"), signup_data(1))
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_the_default_rates_are_set_for_every_scope(settings):
    assert set(settings.RATE_LIMITS) == {"signup", "password_reset", "quote_message", "order_lookup"}
    for scope in settings.RATE_LIMITS.values():
        for rate in scope.values():
            assert rate_parse(rate).count > 0


# --- API throttling ---------------------------------------------------------------------------


@pytest.fixture
def api_rates(settings):
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "4/min", "token": "2/min",
                                                                  "api_key": "5/min"}}
    settings.REST_FRAMEWORK = rest
    return rest


def test_public_api_is_throttled_per_address(api_rates):
    api = APIClient()
    for _ in range(3):
        assert api.get("/api/products/").status_code == 200
    response = api.get("/api/products/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("요청이 너무 많습니다.")


def test_token_api_is_throttled_per_user(api_rates):
    owner = MembershipFactory().user
    api = APIClient()
    token = api.post("/api/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for _ in range(4):
        assert api.get("/api/vendor/products/").status_code == 200
    response = api.get("/api/vendor/products/")
    assert response.status_code == 429 and "초 뒤에 다시 시도해 주세요" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_token_exchange_has_its_own_tighter_limit(api_rates):
    user = UserFactory()
    api = APIClient()
    for _ in range(2):
        api.post("/api/procurement/auth/token/", {"email": user.email, "password": "nope"}, format="json")
    response = api.post("/api/procurement/auth/token/", {"email": user.email, "password": "nope"}, format="json")
    assert response.status_code == 429 and "Retry-After" in response


def test_api_throttling_is_configured(settings):
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_THROTTLE_CLASSES"] == ["ddasum.api.AnonThrottle", "ddasum.api.UserThrottle",
                                                "ddasum.api.ScopedThrottle", "vendors.api_keys.ApiKeyThrottle"]
    assert set(rest["DEFAULT_THROTTLE_RATES"]) == {"anon", "user", "token", "api_key"}
