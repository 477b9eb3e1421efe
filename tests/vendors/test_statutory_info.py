"""통신판매업 신고번호 (format, required to sell), 판매자 정보 and 교환·반품 정보 on product pages."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import Product, ShippingPolicy
from ddasum.validators import normalize_mail_order_number, validate_mail_order_number
from tests.factories import ProductFactory, VendorFactory
from vendors.models import Vendor, selling_q

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", ["2026-충남홍성-0123", "2019-서울강남-01234", "2015-충남천안서북-001"])
def test_mail_order_number_accepts_the_issued_format(number):
    validate_mail_order_number(number)


@pytest.mark.parametrize("number", ["", "2026-0123", "26-충남홍성-0123", "2026-chungnam-0123", "2026-충남홍성-",
                                    "2026-충남홍성-12a4", "제2026-충남홍성-0123호"])
def test_mail_order_number_refuses_other_shapes(number):
    with pytest.raises(ValidationError) as info:
        validate_mail_order_number(number)
    assert "2026-충남홍성-0123" in str(info.value)


def test_mail_order_number_normalizes_the_certificate_wording():
    assert normalize_mail_order_number(" 제 2026 - 충남홍성 - 0123 호 ") == "2026-충남홍성-0123"
    assert normalize_mail_order_number("2026-제주서귀포-0001") == "2026-제주서귀포-0001"


def test_a_vendor_without_a_mail_order_number_does_not_sell(client):
    product = ProductFactory(vendor=VendorFactory(mail_order_number=""))
    selling = ProductFactory()
    assert not Vendor.objects.filter(selling_q(), pk=product.vendor_id).exists()
    assert list(Product.objects.on_sale()) == [selling]
    assert client.get(product.get_absolute_url()).status_code == 404
    assert product.name not in client.get(reverse("catalog:products")).content.decode()
    Vendor.objects.filter(pk=product.vendor_id).update(mail_order_number="2026-충남홍성-0999")
    assert client.get(product.get_absolute_url()).status_code == 200


def test_product_page_shows_seller_information(client):
    vendor = VendorFactory(mail_order_number="2026-충남홍성-0123", representative="이대표")
    product = ProductFactory(vendor=vendor)
    page = client.get(product.get_absolute_url()).content.decode()
    block = page.split('data-testid="seller-info"')[1].split("</section>")[0]
    for value in (vendor.name, "이대표", vendor.business_number, "2026-충남홍성-0123", vendor.address, vendor.phone,
                  vendor.email):
        assert value in block


def test_return_information_defaults_without_a_policy(client):
    product = ProductFactory()
    page = client.get(product.get_absolute_url()).content.decode()
    block = page.split('data-testid="return-info"')[1].split("</section>")[0]
    assert "7일 이내" in block and "3,000원" in block and "6,000원" in block
    assert product.vendor.address in block
    assert "신선식품" in block  # the statutory exceptions


def test_return_information_comes_from_the_vendor_policy(client):
    product = ProductFactory()
    ShippingPolicy.objects.create(vendor=product.vendor, return_period_days=14, return_fee=4000, exchange_fee=8000,
                                  return_address="충남 홍성군 홍북읍 반품센터 1", return_exceptions="수제 맞춤 상품은 교환·반품이 안 됩니다.")
    page = client.get(product.get_absolute_url()).content.decode()
    block = page.split('data-testid="return-info"')[1].split("</section>")[0]
    assert "14일 이내" in block and "4,000원" in block and "8,000원" in block
    assert "반품센터 1" in block and "수제 맞춤 상품" in block and "신선식품" not in block


def test_return_period_cannot_be_shorter_than_the_law_allows():
    policy = ShippingPolicy(vendor=VendorFactory(), return_period_days=3)
    with pytest.raises(ValidationError) as info:
        policy.full_clean()
    assert "return_period_days" in info.value.message_dict


def profile_data(vendor, **overrides):
    return {
        "logo": "", "mission": "", "website": "", "phone": vendor.phone, "email": vendor.email,
        "postal_code": vendor.postal_code, "address": vendor.address, "address_detail": "", "bank_name": "농협은행",
        "bank_account_number": "301-1234", "bank_account_holder": vendor.name,
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0", "photos-MIN_NUM_FORMS": "0", "photos-MAX_NUM_FORMS": "1000",
        **overrides,
    }


def test_vendor_enters_its_number_in_the_partner_admin_checked_for_format(partner_client, vendor, other_vendor):
    url = reverse("partner:vendors_vendor_change", args=[vendor.pk])
    response = partner_client.post(url, profile_data(vendor, mail_order_number="2026-홍성-12a"))
    assert response.status_code == 200
    assert "2026-충남홍성-0123" in response.content.decode()
    response = partner_client.post(url, profile_data(vendor, mail_order_number="제2026-충남홍성-0777호"))
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.mail_order_number == "2026-충남홍성-0777"
    # Another vendor's number is out of reach.
    other_url = reverse("partner:vendors_vendor_change", args=[other_vendor.pk])
    response = partner_client.post(other_url, profile_data(other_vendor, mail_order_number="2026-충남홍성-0001"))
    assert response.status_code == 404
    other_vendor.refresh_from_db()
    assert other_vendor.mail_order_number != "2026-충남홍성-0001"


def test_partner_dashboard_says_the_number_is_missing(partner_client, vendor):
    Vendor.objects.filter(pk=vendor.pk).update(mail_order_number="")
    page = partner_client.get(reverse("partner:index")).content.decode()
    assert 'data-testid="mail-order-missing"' in page
    Vendor.objects.filter(pk=vendor.pk).update(mail_order_number="2026-충남홍성-0123")
    assert 'data-testid="mail-order-missing"' not in partner_client.get(reverse("partner:index")).content.decode()
