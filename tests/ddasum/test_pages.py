import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_is_korean_with_categories_and_operator_info(client):
    html = client.get("/").content.decode()
    assert '<html lang="ko">' in html
    for name in ("쌀/잡곡", "과일/채소/꾸러미", "돌봄서비스"):
        assert name in html
    assert "따숨 사회적협동조합" in html and "사업자등록번호" in html


def test_english_is_available(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign up" in html and "Rice/Grains" in html


def test_healthz(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok"}


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200


def test_korean_first_whatever_the_browser_asks(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="ko">' in html and "회원가입" in html
