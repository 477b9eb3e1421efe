"""Korean error pages (English through the language switcher), JSON errors under /api/, and the
error reports (Sentry when SENTRY_DSN is set, mail to ADMINS otherwise)."""
import json

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from ddasum import errors
from tests.ddasum.test_settings import clean_env, run_python

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ddasum.error_urls")]


@pytest.fixture
def quiet_client():
    """A client that gets the 500 page instead of the exception."""
    return Client(raise_request_exception=False)


def english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


@pytest.mark.parametrize(("url", "status", "korean", "english_text"), [
    ("/no-such-page/", 404, "페이지를 찾을 수 없습니다", "Page not found"),
    ("/test-errors/forbidden/", 403, "접근 권한이 없습니다", "Access denied"),
    ("/test-errors/bad/", 400, "잘못된 요청입니다", "Bad request"),
    ("/test-errors/boom/", 500, "일시적인 오류가 발생했습니다", "Something went wrong"),
])
def test_error_pages_in_korean_and_english(quiet_client, url, status, korean, english_text):
    response = quiet_client.get(url)
    html = response.content.decode()
    assert response.status_code == status
    assert korean in html and '<html lang="ko">' in html
    assert f'id="error-{status}"' in html
    assert "Not Found" not in html and "Server Error" not in html
    response = english(quiet_client).get(url)
    assert response.status_code == status and english_text in response.content.decode()


def test_the_404_page_is_the_site_page(client):
    html = client.get("/no-such-page/").content.decode()
    assert "따숨 사회적협동조합" in html  # the footer of base.html: the visitor can go on from here


def test_the_500_page_needs_no_database_and_no_context_processor(settings, django_assert_num_queries):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {
        **settings.TEMPLATES[0]["OPTIONS"],
        "context_processors": ["tests.ddasum.test_error_pages.broken_processor"],
    }}]
    request = RequestFactory().get("/orders/")
    with django_assert_num_queries(0):
        response = errors.server_error(request)
    assert response.status_code == 500 and "일시적인 오류가 발생했습니다" in response.content.decode()


def broken_processor(request):
    raise RuntimeError("the database is down")


def test_a_404_whose_context_fails_still_answers(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {
        **settings.TEMPLATES[0]["OPTIONS"],
        "context_processors": ["tests.ddasum.test_error_pages.broken_processor"],
    }}]
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "페이지를 찾을 수 없습니다" in response.content.decode()


def test_csrf_failure_is_a_korean_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a@b.kr", "password": "x"})
    assert response.status_code == 403 and "보안 확인에 실패했습니다" in response.content.decode()


# --- the API answers JSON ---------------------------------------------------------------------


def test_api_404_for_an_unknown_address_is_json(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert "찾을 수 없" in response.json()["detail"]


def test_api_403_and_500_are_json():
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/test-errors/boom/")
    assert response.status_code == 500 and response.json()["detail"].startswith("잠시 후 다시 시도해 주세요")
    response = client.get("/api/test-errors/forbidden/")
    assert response.status_code == 403 and response.json() == {"detail": "이 작업을 할 권한이 없습니다."}


def test_drf_errors_have_a_korean_detail():
    api = APIClient()
    assert api.get("/api/vendor/products/").json() == {"detail": "로그인하거나 API 토큰을 보내야 합니다."}
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get("/api/vendor/products/").json() == {"detail": "토큰이 유효하지 않습니다."}  # DRF's own, in Korean
    api.credentials()
    assert api.get("/api/products/999999/").json() == {"detail": "판매 중인 상품을 찾을 수 없습니다."}
    assert api.delete("/api/products/").status_code in (403, 405)


def test_api_400_lists_field_errors_in_korean():
    response = APIClient().post("/api/auth/token/", {"email": "not-an-email"}, format="json")
    body = response.json()
    assert response.status_code == 400 and set(body) == {"email", "password"}
    assert body["password"] == ["이 필드는 필수 항목입니다."]


def test_api_errors_in_english_with_the_language_cookie():
    api = APIClient()
    api.cookies["django_language"] = "en"
    assert api.get("/api/vendor/products/").json() == {"detail": "Sign in or send an API token."}


# --- reports ------------------------------------------------------------------------------

REPORT_PROBE = """
import json, logging
import django
django.setup()
import sentry_sdk
from django.conf import settings
handlers = [type(h).__name__ for h in logging.getLogger("django.request").handlers]
client = sentry_sdk.get_client()
print(json.dumps({
    "ADMINS": settings.ADMINS,
    "request_handlers": handlers,
    "sentry_active": client.is_active(),
    "sentry_pii": client.options.get("send_default_pii") if client.is_active() else None,
}))
"""


def report_probe(**env):
    result = run_python(["-c", REPORT_PROBE], clean_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_sentry_500s_mail_the_admins():
    s = report_probe(DJANGO_ADMINS="운영팀 <ops@ddasum.kr>, dev@ddasum.kr")
    assert s["ADMINS"] == [["운영팀", "ops@ddasum.kr"], ["dev@ddasum.kr", "dev@ddasum.kr"]]
    assert s["request_handlers"] == ["AdminEmailHandler"] and s["sentry_active"] is False


def test_with_sentry_dsn_sentry_reports_without_personal_data():
    s = report_probe(SENTRY_DSN="https://public@sentry.example/1", DJANGO_ADMINS="ops@ddasum.kr")
    assert s["sentry_active"] is True and s["sentry_pii"] is False
    assert s["request_handlers"] == []  # Sentry reports; no second copy by mail


def test_nothing_set_reports_nowhere():
    s = report_probe()
    assert s == {"ADMINS": [], "request_handlers": [], "sentry_active": False, "sentry_pii": None}


MAIL_PROBE = """
import django
django.setup()
from django.core import mail
from django.test import Client
from django.test.utils import setup_test_environment, override_settings
setup_test_environment()
with override_settings(ROOT_URLCONF="tests.ddasum.error_urls", ALLOWED_HOSTS=["testserver"]):
    response = Client(raise_request_exception=False).get("/test-errors/boom/")
print(response.status_code, len(mail.outbox), mail.outbox[0].to if mail.outbox else None,
      "boom" in (mail.outbox[0].body if mail.outbox else ""))
"""


def test_a_500_is_mailed_to_the_admins():
    result = run_python(["-c", MAIL_PROBE], clean_env(DJANGO_ADMINS="운영팀 <ops@ddasum.kr>", DEBUG="0"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "500 1 ['ops@ddasum.kr'] True"
