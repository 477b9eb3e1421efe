"""factory_boy factories and small file makers shared by the tests."""
import io
import random

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from accounts.models import User
from ddasum.validators import business_number_check_digit
from vendors.models import EnterpriseType, MembershipRole, Region, Vendor, VendorMembership, VendorStatus

PASSWORD = "Ddasum-test-2026!"


def business_number(seed: int | None = None) -> str:
    """A 사업자등록번호 whose check digit is right."""
    rnd = random.Random(seed)
    digits = [rnd.randint(0, 9) for _ in range(9)]
    digits[0] = rnd.randint(1, 9)
    digits.append(business_number_check_digit("".join(map(str, digits))))
    s = "".join(map(str, digits))
    return f"{s[:3]}-{s[3:5]}-{s[5:]}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.kr")
    name = factory.Sequence(lambda n: f"회원{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OperatorFactory(UserFactory):
    is_staff = True
    is_superuser = True
    name = factory.Sequence(lambda n: f"운영자{n}")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"따숨협동조합{n}")
    business_number = factory.Sequence(lambda n: business_number(n))
    representative = "홍길동"
    enterprise_type = EnterpriseType.COOPERATIVE
    region = Region.HONGSEONG
    postal_code = "32244"
    address = "충청남도 홍성군 홍성읍 아문길 27"
    phone = "041-631-1234"
    email = factory.Sequence(lambda n: f"vendor{n}@example.kr")
    business_type = "제조업"
    business_item = "장류"
    mail_order_number = factory.Sequence(lambda n: f"2026-충남홍성-{n % 10000:04d}")
    bank_name = "농협은행"
    bank_account_number = "301-1234-5678-91"
    bank_account_holder = factory.SelfAttribute("name")
    status = VendorStatus.APPROVED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorMembership

    user = factory.SubFactory(UserFactory)
    vendor = factory.SubFactory(VendorFactory)
    role = MembershipRole.OWNER


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size=(40, 30), exif: bytes | None = None) -> bytes:
    img = Image.new("RGB", size, (232, 89, 12))
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf_upload(name="doc.pdf"):
    return upload(name, pdf_bytes(), "application/pdf")


def png_upload(name="seal.png"):
    return upload(name, image_bytes("PNG"), "image/png")


# --- catalog --------------------------------------------------------------------------

from catalog.models import Category, Product, ProductStatus, ProductVariant  # noqa: E402


def category(slug: str = "rice-grains") -> Category:
    """One of the 12 categories the data migration made (made again after a transactional test's flush)."""
    if not Category.objects.exists():
        from importlib import import_module

        from django.apps import apps

        import_module("catalog.migrations.0002_categories").seed(apps, None)
    return Category.objects.get(slug=slug)


class ProductFactory(factory.django.DjangoModelFactory):
    """A product on sale with one variant in stock; derived fields refreshed."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    vendor = factory.SubFactory(VendorFactory)
    category = factory.LazyFunction(lambda: category("rice-grains"))
    name = factory.Sequence(lambda n: f"홍성 유기농 현미 {n}")
    summary = "농약 없이 키운 햅쌀"
    origin = "국내산(충남 홍성)"
    status = ProductStatus.ON_SALE
    published_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())

    @factory.post_generation
    def variants(obj, create, extracted, **kwargs):
        if not create:
            return
        specs = extracted if extracted is not None else [{"name": "5kg", "price": 25000, "stock": 10}]
        for i, spec in enumerate(specs):
            ProductVariant.objects.create(product=obj, sku=spec.get("sku", f"SKU-{obj.pk}-{i}"), position=i,
                                          **{k: v for k, v in spec.items() if k != "sku"})
        from catalog.services import product_refresh

        product_refresh(product_id=obj.pk)
        obj.refresh_from_db()


# --- orders ---------------------------------------------------------------------------


def checkout_data(**overrides):
    from orders.services.checkout import Checkout

    data = dict(email="buyer@example.kr", orderer_name="김구매", orderer_phone="010-1111-2222",
                recipient_name="김구매", recipient_phone="010-1111-2222", postal_code="32244",
                address="충청남도 홍성군 홍성읍 아문길 27")
    data.update(overrides)
    return Checkout(**data)


def place_order(*, items, buyer=None, paid=False, key=None, **checkout_overrides):
    """Place an order through the real cart and order_place: items = [(variant, quantity), ...]."""
    import uuid

    from orders.models import Cart
    from orders.services.actions import order_mark_paid
    from orders.services.cart import cart_line_set
    from orders.services.checkout import order_place

    cart = Cart.objects.create(user=buyer) if buyer and not hasattr(buyer, "cart") else (
        buyer.cart if buyer else Cart.objects.create(session_key=uuid.uuid4().hex[:32]))
    for variant, quantity in items:
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=quantity)
    order = order_place(cart=cart, buyer=buyer, checkout=checkout_data(**checkout_overrides),
                        idempotency_key=key or uuid.uuid4().hex)
    if paid:
        order_mark_paid(order_id=order.pk)
        order.refresh_from_db()
    return order
