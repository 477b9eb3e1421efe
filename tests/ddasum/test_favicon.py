"""The site ships a favicon: /favicon.ico answers, and both the site and the admin sites link it."""
import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_favicon_file_is_a_real_icon():
    path = finders.find("favicon.ico")
    assert path, "static/favicon.ico is missing"
    with open(path, "rb") as fh:
        assert fh.read(4) == b"\x00\x00\x01\x00"  # the ICO header


def test_favicon_ico_redirects_to_the_static_file(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("favicon.ico")


def test_site_pages_link_the_icon(client):
    html = client.get("/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.ico")}"' in html


def test_the_operator_admin_links_the_icon(client, operator):
    client.force_login(operator)
    html = client.get("/admin/", follow=True).content.decode()
    assert f'<link rel="icon" href="{static("favicon.ico")}"' in html


def test_the_partner_admin_links_the_icon(client, vendor):
    client.force_login(MembershipFactory(vendor=vendor).user)
    response = client.get("/partner/")
    assert response.status_code == 200
    assert f'<link rel="icon" href="{static("favicon.ico")}"' in response.content.decode()
