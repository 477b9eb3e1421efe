"""Unit tests of the rules: 사업자등록번호, phone format, uploads by content."""
import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from ddasum.uploads import upload_clean
from ddasum.validators import (
    business_number_is_valid,
    normalize_business_number,
    normalize_phone,
    validate_business_number,
    validate_phone,
)
from tests.factories import business_number, image_bytes, pdf_bytes, upload


@pytest.mark.parametrize("number", ["220-81-62517", "124-81-00998", "104-81-43125"])
def test_real_business_numbers_pass(number):
    validate_business_number(number)


@pytest.mark.parametrize("number", ["220-81-62518", "124-81-00990", "000-00-00001"])
def test_wrong_check_digit_is_refused(number):
    with pytest.raises(ValidationError) as exc:
        validate_business_number(number)
    assert "올바르지 않습니다" in exc.value.messages[0]


@pytest.mark.parametrize("number", ["2208162517", "220-816-2517", "220-81-6251", "abc-de-fghij"])
def test_wrong_format_is_refused(number):
    with pytest.raises(ValidationError) as exc:
        validate_business_number(number)
    assert "형식" in exc.value.messages[0]


def test_generated_numbers_are_valid_and_normalised():
    for seed in range(50):
        assert business_number_is_valid(business_number(seed).replace("-", ""))
    assert normalize_business_number("2208162517") == "220-81-62517"


@pytest.mark.parametrize(
    "raw, formatted",
    [("01012345678", "010-1234-5678"), ("0411234567", "041-123-4567"), ("021234567", "02-123-4567"),
     ("010-1234-5678", "010-1234-5678")],
)
def test_phone_is_normalised(raw, formatted):
    assert normalize_phone(raw) == formatted
    validate_phone(formatted)


def test_bad_phone_is_refused():
    with pytest.raises(ValidationError):
        validate_phone("1234")


def test_upload_type_comes_from_content_not_name():
    clean = upload_clean(upload("scan.png", pdf_bytes()))
    assert clean.kind == "pdf" and clean.content_type == "application/pdf"
    assert clean.content.name.endswith(".pdf")
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload("certificate.pdf", b"MZ\x90\x00 this is an exe"))
    assert "PDF, JPEG, PNG 파일만" in exc.value.messages[0]


def test_broken_pdf_is_refused():
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload("broken.pdf", b"%PDF-1.7\n garbage without objects"))
    assert "PDF 파일을 읽을 수 없습니다" in exc.value.messages[0]


def test_too_large_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload("big.pdf", pdf_bytes() + b"\n" * 2000))
    assert "너무 큽니다" in exc.value.messages[0]


def test_image_is_reencoded_without_exif():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0132] = "2026:01:01 10:00:00"
    data = image_bytes("JPEG", exif=exif.tobytes()) + b"TRAILING-PAYLOAD"
    clean = upload_clean(upload("seal.jpg", data))
    stored = clean.content.read()
    assert b"TRAILING-PAYLOAD" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG"
        assert not img.getexif()


def test_truncated_image_is_refused():
    data = image_bytes("PNG", size=(200, 200))
    with pytest.raises(ValidationError) as exc:
        upload_clean(upload("seal.png", data[:60]))
    assert "이미지 파일을 읽을 수 없습니다" in exc.value.messages[0]


# --- what the shop sells: the SQL rule and its Python twin agree ---------------------------------------


@pytest.mark.django_db
def test_is_on_sale_agrees_with_the_on_sale_query_for_every_vendor_and_product_state():
    """cart_summary and cart_look decide 'on sale' in Python from values already read; they must
    never disagree with Product.objects.on_sale(), the rule every list page uses."""
    import itertools
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import Product, ProductStatus
    from tests.factories import ProductFactory, VendorFactory
    from vendors.models import EnterpriseType, VendorStatus

    today = timezone.localdate()
    cert_dates = [None, today - timedelta(days=1), today, today + timedelta(days=1)]
    combos = [(VendorStatus.APPROVED, kind, cert, number, ProductStatus.ON_SALE) for kind, cert, number in itertools.product(
        [EnterpriseType.SOCIAL, EnterpriseType.PRE_SOCIAL, EnterpriseType.COOPERATIVE], cert_dates,
        ["", "2026-충남홍성-0001"])]
    combos += [(status, EnterpriseType.COOPERATIVE, None, "2026-충남홍성-0001", ProductStatus.ON_SALE)
               for status in VendorStatus.values if status != VendorStatus.APPROVED]
    combos += [(VendorStatus.APPROVED, EnterpriseType.COOPERATIVE, None, "2026-충남홍성-0001", status)
               for status in ProductStatus.values]
    products = []
    for status, kind, cert, number, product_status in combos:
        vendor = VendorFactory.build(status=status, enterprise_type=kind, cert_valid_until=cert, mail_order_number=number)
        vendor.save()  # no full_clean: the rule must hold for any stored combination
        products.append(ProductFactory(vendor=vendor, status=product_status))
    shown = set(Product.objects.on_sale(today).values_list("pk", flat=True))
    assert 0 < len(shown) < len(products)
    for product in Product.objects.filter(pk__in=[p.pk for p in products]).select_related("vendor"):
        assert product.is_on_sale(today) == (product.pk in shown), (
            product.status, product.vendor.status, product.vendor.enterprise_type,
            product.vendor.cert_valid_until, product.vendor.mail_order_number)
