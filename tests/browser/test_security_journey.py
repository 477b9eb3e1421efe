"""The site under its Content-Security-Policy in Chromium: the pages of every kind of person show
with no violation in the console (the shared fixture fails the test on one), the check itself
catches an inline script, and an operator enrols a second factor through the pages."""
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import csp_violations_watch
from tests.factories import PASSWORD, MembershipFactory, OperatorFactory, ProductFactory, VendorFactory
from tests.otp import browser_operator_log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.urls("tests.browser.csp_urls")
def test_the_console_check_catches_an_inline_script(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    violations = []
    csp_violations_watch(page, violations)
    page.goto(live_server.url + "/test-csp/inline/")
    page.wait_for_load_state("load")
    assert page.title() == "x"  # the script did not run
    assert any("Content Security Policy" in v for v in violations)
    context.close()


def test_site_admin_and_partner_pages_keep_to_the_policy(live_server, new_page):
    vendor = VendorFactory(name="홍성햇살농장")
    owner = MembershipFactory(vendor=vendor).user
    product = ProductFactory(vendor=vendor, name="홍성 유기농 현미")
    operator = OperatorFactory(email="ops@ddasum.kr")

    visitor = new_page()
    for url in ("/", product.get_absolute_url(), "/accounts/login/", "/accounts/signup/", "/orders/lookup/",
                "/no-such-page/", "/api/docs/"):
        visitor.goto(live_server.url + url)
        visitor.wait_for_load_state("load")

    # The operator: password, the enrolment page (QR as inline SVG), then admin lists and forms.
    ops = new_page(viewport={"width": 1280, "height": 900})
    browser_operator_log_in(ops, live_server.url, operator, PASSWORD)
    assert TOTPDevice.objects.filter(user=operator, confirmed=True).exists()
    for url in ("/admin/", "/admin/vendors/vendor/", f"/admin/vendors/vendor/{vendor.pk}/change/",
                "/admin/catalog/product/add/", "/admin/accounts/loginevent/", "/admin/orders/settlement/"):
        ops.goto(live_server.url + url)
        ops.wait_for_load_state("load")
    assert ops.locator("#site-name").count() == 1

    # The vendor: the partner admin, then turns two-factor authentication on from its account page.
    member = new_page(viewport={"width": 1280, "height": 900})
    member.goto(f"{live_server.url}/accounts/login/?next=/partner/")
    member.get_by_label("이메일").fill(owner.email)
    member.locator("#id_password").fill(PASSWORD)
    member.get_by_role("button", name="로그인").click()
    member.wait_for_url("**/partner/")
    for url in ("/partner/catalog/product/", f"/partner/catalog/product/{product.pk}/change/", "/accounts/me/"):
        member.goto(live_server.url + url)
        member.wait_for_load_state("load")
    member.get_by_role("link", name="2단계 인증 켜기").click()
    member.wait_for_url("**/accounts/otp/**")
    assert member.locator("figure.otp-qr svg").count() == 1
