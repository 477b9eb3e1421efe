"""Fixtures shared by the orders tests.

Users, vendors and their owners (`user`, `operator`, `vendor`, `owner`, `other_vendor`, `other_owner`)
come from tests/conftest.py; functions the test files share are in tests/orders/helpers.py.
"""
import pytest

from catalog.models import ShippingPolicy
from orders.models import Cart, PaymentMethod
from orders.services.cart import cart_line_set
from tests.factories import ProductFactory, UserFactory, VendorFactory, category, place_order
from tests.otp import otp_login

from .fake_gateway import FakeGateway
from .helpers import SECRET, paid_vendor_order, seal_add

# --- people ------------------------------------------------------------------------------------


@pytest.fixture
def buyer(db):
    """A signed-up customer, named like the checkout's orderer (김구매), with a mailbox of its own."""
    return UserFactory(name="김구매", email="member@example.kr")


@pytest.fixture
def partner_client(client, owner):
    """The test client signed in as the owner of `vendor` (the partner admin's user)."""
    client.force_login(owner)
    return client


@pytest.fixture
def operator_client(client, operator):
    """The test client signed in as an operator (the admin's and the reports' user)."""
    otp_login(client, operator)
    return client


# --- what is sold and bought --------------------------------------------------------------------


@pytest.fixture
def variant(vendor):
    """`vendor`'s 홍성 현미 5kg at 25,000원, 100 in stock."""
    return ProductFactory(vendor=vendor, name="홍성 현미", variants=[{"name": "5kg", "price": 25000, "stock": 100}]
                          ).variants.get()


@pytest.fixture
def other_variant(other_vendor):
    """`other_vendor`'s 남의 된장 1kg at 12,000원, 100 in stock."""
    return ProductFactory(vendor=other_vendor, name="남의 된장",
                          variants=[{"name": "1kg", "price": 12000, "stock": 100}]).variants.get()


@pytest.fixture
def rice(db):
    """5kg of rice at 25,000원, 10 in stock (a vendor of its own)."""
    return ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 10}]).variants.get()


@pytest.fixture
def two_vendor_cart(db):
    """A guest cart (session "s1"): 2 × exempt rice at 25,000원 (10 in stock) and 1 × taxable soap at 15,000원
    (3 in stock), from two vendors. Returns (cart, rice, soap)."""
    cart = Cart.objects.create(session_key="s1")
    rice = ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 10}])
    rice.tax_type = "exempt"
    rice.save(update_fields=["tax_type"])
    soap = ProductFactory(category=category("household"), origin="", name="수제비누",
                          variants=[{"name": "3개", "price": 15000, "stock": 3}])
    cart_line_set(cart=cart, variant_id=rice.variants.get().pk, quantity=2)
    cart_line_set(cart=cart, variant_id=soap.variants.get().pk, quantity=1)
    return cart, rice, soap


@pytest.fixture
def card_order(rice, buyer):
    """`buyer`'s unpaid card order of 2 × `rice` (50,000원)."""
    return place_order(items=[(rice, 2)], buyer=buyer, payment_method=PaymentMethod.CARD)


@pytest.fixture
def vo(variant, buyer):
    """A paid vendor order: `buyer` bought one `variant` (the order's email is the checkout's, buyer@example.kr)."""
    return paid_vendor_order(variant, buyer)


@pytest.fixture
def theirs(other_variant, other_owner):
    """A paid vendor order of `other_vendor` (which has its owner), bought by someone else."""
    return paid_vendor_order(other_variant, UserFactory())


# --- two vendors and a business buyer's order: documents and tax invoices ----------------------


@pytest.fixture
def shop(db):
    """Vendor A (with a seal) sells taxable rice (no shipping fee); vendor B exempt apples with a 3,000 shipping fee."""
    a = VendorFactory(name="햇살농장협동조합", representative="김햇살", business_type="농업", business_item="쌀",
                      phone="041-631-1111")
    b = VendorFactory(name="예산사과마을기업", representative="박사과", phone="041-331-2222")
    ShippingPolicy.objects.create(vendor=b, base_fee=3000, free_threshold=100000)
    seal_add(a)
    rice = ProductFactory(vendor=a, name="홍성 유기농 현미", variants=[{"name": "5kg", "price": 25000, "stock": 50}])
    apple = ProductFactory(vendor=b, name="예산 부사 사과", variants=[{"name": "3kg", "price": 18000, "stock": 50}])
    apple.tax_type = "exempt"
    apple.save(update_fields=["tax_type"])
    return {"a": a, "b": b, "rice": rice.variants.get(), "apple": apple.variants.get()}


@pytest.fixture
def order(shop, buyer):
    """Paid, by a business buyer: 25,000 taxable from A; 36,000 exempt + 3,000 shipping from B."""
    return place_order(items=[(shop["rice"], 1), (shop["apple"], 2)], buyer=buyer, paid=True,
                       business_number="123-45-67891", business_name="따숨상사", memo="문 앞에 놓아 주세요")


# --- stand-ins -----------------------------------------------------------------------------------


@pytest.fixture
def refunds(monkeypatch):
    """Record payment_refund calls instead of reaching a provider."""
    calls = []
    monkeypatch.setattr("orders.services.actions.payment_refund", lambda **kw: calls.append(kw))
    return calls


@pytest.fixture
def gateway(settings):
    """The fake card gateway (fake_gateway.py) on a free local port, and the settings that point to it."""
    gw = FakeGateway().start()
    settings.PAYMENT_GATEWAY_URL = gw.url
    settings.PAYMENT_SECRET_KEY = SECRET
    settings.PAYMENT_TIMEOUT_SECONDS = 5
    yield gw
    gw.stop()
