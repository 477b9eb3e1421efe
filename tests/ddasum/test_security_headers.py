"""Content-Security-Policy (django-csp) and the other headers browsers act on; templates that keep
to the policy (no inline script, style attribute or on…= handler)."""
import re
from pathlib import Path

import pytest
from django.conf import settings

from ddasum.settings import url_origin
from tests.factories import MembershipFactory, VendorFactory, pdf_upload
from tests.otp import otp_login
from vendors.models import DocumentKind
from vendors.services import vendor_document_add

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered to PDF by WeasyPrint, never shown by a browser.
PDF_TEMPLATES = ("pdf/", "admin/orders/settlement/statement_pdf.html")


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def test_the_policy_is_strict(client):
    policy = directives(client.get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["script-src"][:1] == ["'self'"] and "https://js.tosspayments.com" in policy["script-src"]


def test_the_payment_sdk_origin_comes_from_the_setting():
    assert settings.PAYMENT_SDK_URL == "https://js.tosspayments.com"
    assert url_origin("https://js.example-pg.kr/v2/standard") == "https://js.example-pg.kr"
    assert url_origin("") == ""


def test_each_response_has_its_own_nonce_and_admin_styles_carry_it(client, operator):
    otp_login(client, operator)
    first = client.get("/admin/orders/settlement/")
    second = client.get("/admin/orders/settlement/")
    nonces = [re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1]
    assert f'<style nonce="{nonces[0]}">' in first.content.decode()


def test_other_security_headers(client):
    response = client.get("/")
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    permissions = response["Permissions-Policy"]
    assert "camera=(self)" in permissions and "microphone=()" in permissions and "geolocation=()" in permissions
    assert 'payment=(self "https://js.tosspayments.com")' in permissions


def test_the_error_pages_and_the_api_have_the_headers_too(client):
    for response in (client.get("/no-such-page/"), client.get("/api/products/")):
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_partner_admin_has_the_policy(client):
    client.force_login(MembershipFactory().user)
    response = client.get("/partner/")
    assert response.status_code == 200 and "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_document_preview_may_be_framed_by_our_own_admin(client, operator):
    vendor = VendorFactory(status="draft")
    doc = vendor_document_add(vendor_id=vendor.pk, kind=DocumentKind.BANK_BOOK, upload=pdf_upload(), user=operator)
    otp_login(client, operator)
    response = client.get(doc.get_absolute_url())
    assert response.status_code == 200
    assert directives(response)["frame-ancestors"] == ["'self'"]


# --- templates keep to the policy ---------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.I)
STYLE_BLOCK = re.compile(r"<style(?![^>]*nonce=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def browser_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if not name.startswith(PDF_TEMPLATES):
            yield name, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, STYLE_BLOCK, STYLE_ATTRIBUTE, HANDLER_ATTRIBUTE],
                         ids=["inline-script", "style-block-without-nonce", "style-attribute", "on-handler"])
def test_no_template_needs_unsafe_inline(pattern):
    offenders = [name for name, text in browser_templates() if pattern.search(text)]
    assert offenders == []


def test_the_scan_would_find_them():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>") and not INLINE_SCRIPT.search('<script src="/a.js">')
    assert STYLE_BLOCK.search("<style>") and not STYLE_BLOCK.search('<style nonce="{{ request.csp_nonce }}">')
    assert STYLE_ATTRIBUTE.search('<p style="color:red">') and HANDLER_ATTRIBUTE.search('<form onsubmit="x()">')
