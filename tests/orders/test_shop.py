"""The buyer's pages: cart, checkout, order list and detail, guest lookup, cancel; fixed query counts."""
import copy
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import absolute_url
from catalog.models import ProductStatus, ProductVariant, ShippingPolicy
from orders.models import Address, Cart, Order, OrderStatus, TaxInvoiceRequest, VendorOrder, VendorOrderStatus
from orders.services import return_photos
from orders.services.actions import order_mark_paid, vendor_order_transition
from orders.services.guest_access import guest_access_path
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
    business_number,
    category,
    image_bytes,
    place_order,
    upload,
)

from .helpers import ADD, CART, CHECKOUT, add, checkout_page_data, html, messages_of

pytestmark = pytest.mark.django_db

@pytest.fixture(autouse=True)
def _cart_link_in_header(settings):
    """The header's cart count (the TEMPLATES line the settings gain with this part)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if "orders.context_processors.cart" not in processors:
        processors.append("orders.context_processors.cart")
        settings.TEMPLATES = templates


def make_product(*, price=10000, stock=10, vendor=None, **kwargs):
    kwargs.setdefault("variants", [{"name": "기본", "price": price, "stock": stock}])
    return ProductFactory(vendor=vendor or VendorFactory(), **kwargs)


def variant_of(product):
    return product.variants.order_by("position", "id").first()


def section(page: str, testid: str, nth: int = 0) -> str:
    return page.split(f'data-testid="{testid}"')[nth + 1].split("</section>")[0]


def login_page(client, user):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})


# --- product page and adding to the cart ----------------------------------------------------


def test_product_page_posts_to_the_cart_and_keeps_sold_out_options_disabled(client):
    product = make_product(variants=[{"name": "1kg", "price": 9000, "stock": 4},
                                     {"name": "2kg", "price": 17000, "stock": 0}])
    page = html(client.get(product.get_absolute_url()))
    form = page.split('data-testid="cart-add"')[1].split("</form>")[0]
    assert f'action="{ADD}"' in page and 'method="post"' in page.split('data-testid="cart-add"')[0][-200:]
    assert "csrfmiddlewaretoken" in form and 'name="quantity"' in form
    sold_out = re.search(r'<input type="radio" name="variant" value="\d+"([^>]*)>\s*<span class="variant-name">2kg', form)
    assert "disabled" in sold_out.group(1)
    assert 'class="btn cart-button">' in form


def test_anonymous_visitor_adds_to_the_cart_and_sees_the_count(client):
    product = make_product(price=12000)
    response = add(client, variant_of(product), 2)
    assert response.status_code == 302 and response["Location"] == CART
    cart = Cart.objects.get(session_key=client.session.session_key)
    assert [(ln.variant_id, ln.quantity) for ln in cart.lines.all()] == [(variant_of(product).pk, 2)]
    page = client.get(CART)
    assert "장바구니에 담았습니다" in " ".join(messages_of(page))
    assert 'data-testid="cart-count">1<' in html(page)
    assert "24,000원" in section(html(page), "vendor-group")


def test_signed_in_user_adds_to_their_own_cart(client, user):
    client.force_login(user)
    product = make_product()
    add(client, variant_of(product), 1)
    add(client, variant_of(product), 2)
    assert user.cart.lines.get().quantity == 3
    assert not Cart.objects.filter(user__isnull=True).exists()


def test_more_than_the_stock_is_refused_with_a_message_back_on_the_product_page(client):
    product = make_product(stock=3)
    response = add(client, variant_of(product), 5, follow=True)
    assert response.redirect_chain[-1][0] == product.get_absolute_url()
    assert "재고가 3개 남아 있습니다" in " ".join(messages_of(response))
    add(client, variant_of(product), 2)
    response = add(client, variant_of(product), 2, follow=True)  # 4 in all
    assert "재고가 3개 남아 있습니다" in " ".join(messages_of(response))
    assert Cart.objects.get().lines.get().quantity == 2


def test_min_and_max_order_quantity(client):
    product = make_product(min_order_qty=2, max_order_qty=5)
    response = add(client, variant_of(product), 1, follow=True)
    assert "최소 2개부터 주문할 수 있습니다" in " ".join(messages_of(response))
    response = add(client, variant_of(product), 6, follow=True)
    assert "최대 5개까지 주문할 수 있습니다" in " ".join(messages_of(response))
    response = add(client, variant_of(product), 2, follow=True)
    assert response.redirect_chain[-1][0] == CART


def test_no_option_chosen_goes_back_to_the_product_page(client):
    product = make_product()
    response = client.post(ADD, {"quantity": 1, "product": product.pk}, follow=True)
    assert response.redirect_chain[-1][0] == product.get_absolute_url()
    assert "옵션을 선택해 주세요" in " ".join(messages_of(response))


def test_quantity_change_and_remove_on_the_cart_page(client):
    product = make_product(stock=5)
    variant = variant_of(product)
    add(client, variant, 1)
    client.post("/orders/cart/update/", {"variant": variant.pk, "quantity": 4})
    assert Cart.objects.get().lines.get().quantity == 4
    response = client.post("/orders/cart/update/", {"variant": variant.pk, "quantity": 9}, follow=True)
    assert "재고가 5개 남아 있습니다" in " ".join(messages_of(response))
    client.post("/orders/cart/remove/", {"variant": variant.pk})
    assert not Cart.objects.get().lines.exists()
    assert 'data-testid="cart-empty"' in html(client.get(CART))


# --- sold out, off sale, shipping ----------------------------------------------------------


def test_sold_out_and_off_sale_lines_are_flagged_and_left_out_of_checkout(client):
    kept, sold_out, hidden = make_product(price=20000), make_product(price=5000), make_product(price=7000)
    for product in (kept, sold_out, hidden):
        add(client, variant_of(product), 1)
    ProductVariant.objects.filter(product=sold_out).update(stock=0)
    hidden.status = ProductStatus.HIDDEN
    hidden.save(update_fields=["status"])
    page = html(client.get(CART))
    problems = section(page, "cart-problems")
    assert "품절된 상품입니다." in problems and "더 이상 판매하지 않는 상품입니다." in problems
    assert sold_out.name in problems and hidden.name not in section(page, "vendor-group")
    assert section(page, "totals").count("20,000원") >= 1

    response = client.post(CHECKOUT, checkout_page_data(client, guest=True))
    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert list(order.lines.values_list("product_name", flat=True)) == [kept.name]
    # The lines that could not be bought stay in the cart, still flagged.
    assert set(Cart.objects.get().lines.values_list("variant__product_id", flat=True)) == {sold_out.pk, hidden.pk}


def test_shipping_per_vendor_with_free_threshold_and_remote_postal_codes(client):
    free_over = VendorFactory(name="무료배송협동조합")
    ShippingPolicy.objects.create(vendor=free_over, base_fee=3000, free_threshold=30000, remote_extra_fee=4000,
                                  jeju_extra_fee=5000)
    always = VendorFactory(name="기본배송마을기업")
    ShippingPolicy.objects.create(vendor=always, base_fee=2500, free_threshold=None, remote_extra_fee=3000,
                                  jeju_extra_fee=3500)
    rice = make_product(price=20000, vendor=free_over)
    soap = make_product(price=8000, vendor=always)
    add(client, variant_of(rice), 1)
    add(client, variant_of(soap), 1)

    def shipping(page):
        return [re.sub(r"\s+", " ", s.split("</dd>")[0].split(">", 1)[1]) for s in page.split('data-testid="group-shipping"')[1:]]

    page = html(client.get(CART))
    assert shipping(page) == ["3,000원", "2,500원"]
    assert "10,000원 더 담으면 이 기업 상품은 무료배송입니다" in page

    add(client, variant_of(rice), 1)  # 40,000원: over the threshold
    page = html(client.get(CART))
    assert shipping(page)[0] == "무료" and "2,500원" in shipping(page)[1]
    assert 'data-testid="shipping-total">2,500원' in page

    client.post("/orders/cart/postal-code/", {"postal_code": "63100"})  # 제주
    page = html(client.get(CART))
    assert "5,000원" in shipping(page)[0] and "6,000원" in shipping(page)[1]
    assert "도서산간·제주 추가 5,000원 포함" in page
    assert 'data-testid="shipping-total">11,000원' in page

    client.post("/orders/cart/postal-code/", {"postal_code": "40200"})  # 울릉군 (도서산간)
    page = html(client.get(CART))
    assert "4,000원" in shipping(page)[0] and "5,500원" in shipping(page)[1]

    response = client.post("/orders/cart/postal-code/", {"postal_code": "123"}, follow=True)
    assert "우편번호는 숫자 5자리입니다." in " ".join(messages_of(response))


def test_vat_per_tax_type_on_the_cart(client):
    exempt = make_product(price=22000, tax_type="exempt")
    taxable = make_product(price=11000, category=category("household"), origin="")
    add(client, variant_of(exempt), 1)
    add(client, variant_of(taxable), 1)
    page = html(client.get(CART))
    assert re.search(r'data-testid="vat-taxable">.*?10,000원</td><td>1,000원</td><td>11,000원', page)
    assert re.search(r'data-testid="vat-exempt">.*?22,000원</td><td>0원</td><td>22,000원', page)


# --- merge on login -------------------------------------------------------------------------


def test_the_anonymous_cart_merges_into_the_users_on_login(client, user):
    rice, soap = make_product(stock=10), make_product(stock=10)
    mine = Cart.objects.create(user=user)
    mine.lines.create(variant=variant_of(rice), quantity=1)
    add(client, variant_of(rice), 2)
    add(client, variant_of(soap), 1)
    anonymous_key = client.session.session_key
    response = login_page(client, user)
    assert response.status_code == 302
    assert client.session.session_key != anonymous_key  # login gave the session a new key
    mine.refresh_from_db()
    assert {(ln.variant_id, ln.quantity) for ln in mine.lines.all()} == {(variant_of(rice).pk, 3),
                                                                          (variant_of(soap).pk, 1)}
    assert not Cart.objects.filter(session_key=anonymous_key).exists()
    assert 'data-testid="cart-count">2<' in html(client.get(CART))


# --- checkout -------------------------------------------------------------------------------


def test_member_checks_out_by_bank_transfer(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    product = make_product(price=15000, stock=5)
    add(client, variant_of(product), 2)
    page = html(client.get(CHECKOUT))
    assert f'value="{user.email}"' in page and 'data-testid="guest-note"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHECKOUT, checkout_page_data(client, save_address="on", address_label="집"))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert order.buyer == user and order.status == OrderStatus.PENDING_PAYMENT
    assert (order.orderer_phone, order.recipient_name, order.address_detail) == ("010-1111-2222", "이받음", "101동 202호")
    assert order.total == 30000 and order.payment_method == "bank_transfer" and order.guest_access_nonce == ""
    assert variant_of(product).stock == 3
    assert not user.cart.lines.exists()
    address = Address.objects.get(user=user)
    assert (address.label, address.is_default, address.postal_code) == ("집", True, "32244")

    detail = client.get(response["Location"])
    page = html(detail)
    assert 'data-testid="order-placed"' in page
    deposit = section(page, "bank-transfer")
    assert "301-0042-1234-51" in deposit and "농협은행" in deposit and "30,000원" in deposit
    local = order.expires_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Seoul"))
    assert f"{local.year}년 {local.month}월 {local.day}일" in deposit
    # The completion box shows once; the order page stays.
    assert 'data-testid="order-placed"' not in html(client.get(response["Location"]))


def test_member_ships_to_a_saved_address_prefilled_as_the_default(client, user):
    Address.objects.create(user=user, label="회사", recipient="박회사", phone="041-123-4567", postal_code="31116",
                           address="충청남도 천안시 서북구 불당대로 1")
    home = Address.objects.create(user=user, label="집", recipient="박집", phone="010-5555-6666", postal_code="32244",
                                  address="충청남도 홍성군 홍성읍 아문길 27", is_default=True)
    client.force_login(user)
    add(client, variant_of(make_product()), 1)
    page = html(client.get(CHECKOUT))
    assert re.search(rf'value="{home.pk}"[^>]*checked', page)
    data = checkout_page_data(client, address_choice=str(home.pk), recipient_name="", recipient_phone="", address="")
    response = client.post(CHECKOUT, data)
    order = Order.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert (order.recipient_name, order.recipient_phone, order.postal_code) == ("박집", "010-5555-6666", "32244")
    assert Address.objects.filter(user=user).count() == 2


def test_guest_checks_out_and_gets_the_orders_link_by_mail(client, mailoutbox, django_capture_on_commit_callbacks):
    product = make_product(price=9000, stock=4)
    add(client, variant_of(product), 1)
    page = html(client.get(CHECKOUT))
    assert 'data-testid="guest-note"' in page and "비회원 주문 조회" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHECKOUT, checkout_page_data(client, guest=True))
    order = Order.objects.get()
    assert order.buyer is None and order.email == "buyer@example.kr"
    assert len(order.guest_access_nonce) >= 20
    assert variant_of(product).stock == 3
    assert not Cart.objects.get().lines.exists()
    page = html(client.get(response["Location"]))
    assert "301-0042-1234-51" in section(page, "bank-transfer")
    # Another browser does not see it.

    other = Client()
    assert other.get(response["Location"]).status_code == 404
    # The mail the guest gets carries the link that opens the order in any browser.
    [mail] = [m for m in mailoutbox if m.to == ["buyer@example.kr"]]
    link = re.search(r"http://[^/\s]+(/orders/\d{8}-\d+/access/[0-9a-f]{40}/)", mail.body).group(1)
    assert link == guest_access_path(order)
    assert other.get(link)["Location"] == order.get_absolute_url()
    assert "301-0042-1234-51" in section(html(other.get(order.get_absolute_url())), "bank-transfer")


def test_a_guest_access_link_opens_only_its_order_and_only_when_whole(client):
    order = place_order(items=[(variant_of(make_product()), 1)], email="guest@example.kr")
    other = place_order(items=[(variant_of(make_product()), 1)], email="guest@example.kr")
    link = guest_access_path(order)
    assert client.get(link.replace(order.number, other.number)).status_code == 404
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert client.get(link.replace(token, ("0" if token[0] != "0" else "1") + token[1:])).status_code == 404
    assert client.get(other.get_absolute_url()).status_code == 404
    page = html(client.get(link.replace(order.number, other.number)))
    assert 'data-testid="link-invalid"' in page and 'data-testid="lookup-form"' in page
    # A new nonce ends the old link.
    Order.objects.filter(pk=order.pk).update(guest_access_nonce="renewed-nonce")
    assert client.get(link).status_code == 404
    # A member's order has no link.
    assert guest_access_path(place_order(items=[(variant_of(make_product()), 1)], buyer=UserFactory())) == ""


def test_checkout_asks_a_guest_for_no_password(client):
    add(client, variant_of(make_product()), 1)
    page = html(client.get(CHECKOUT))
    assert 'type="password"' not in page and "주문 조회 링크" in page


def test_card_order_goes_to_the_card_payment_page(client, user):
    client.force_login(user)
    add(client, variant_of(make_product()), 1)
    response = client.post(CHECKOUT, checkout_page_data(client, payment_method="card"))
    order = Order.objects.get()
    assert order.payment_method == "card"
    assert response["Location"] == f"/orders/payments/card/{order.number}/"


def test_a_guests_card_order_opens_the_card_page_in_that_browser_only(client):
    add(client, variant_of(make_product()), 1)
    response = client.post(CHECKOUT, checkout_page_data(client, guest=True, payment_method="card"))
    assert response["Location"] == f"/orders/payments/card/{Order.objects.get().number}/"
    assert client.get(response["Location"]).status_code == 200

    assert Client().get(response["Location"]).status_code == 404


def test_double_submit_with_the_same_key_is_one_order(client, user):
    client.force_login(user)
    product = make_product(stock=5)
    add(client, variant_of(product), 2)
    data = checkout_page_data(client)
    first = client.post(CHECKOUT, data)
    second = client.post(CHECKOUT, data)  # double click / back and submit again: the cart is empty now
    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"] == Order.objects.get().get_absolute_url()
    assert variant_of(product).stock == 3


def test_the_same_key_from_another_buyer_is_another_order(client, user):
    product = make_product(stock=5)
    client.force_login(user)
    add(client, variant_of(product), 1)
    data = checkout_page_data(client)
    client.post(CHECKOUT, data)
    other = UserFactory()
    client.force_login(other)
    add(client, variant_of(product), 1)
    client.post(CHECKOUT, data)
    assert Order.objects.count() == 2 and {o.buyer_id for o in Order.objects.all()} == {user.pk, other.pk}


def test_field_errors_are_korean_and_the_input_is_kept(client):
    add(client, variant_of(make_product()), 1)
    data = checkout_page_data(client, guest=True, orderer_name="", recipient_phone="12-34", postal_code="abc",
                         address="", email="not-an-email", agree_terms=None, agree_third_party=None,
                         memo="경비실에 맡겨 주세요")
    response = client.post(CHECKOUT, data)
    assert response.status_code == 200
    page = html(response)
    for message in ("주문하는 분 이름을 입력해 주세요.", "주소를 입력해 주세요.", "이메일 주소를 확인해 주세요.",
                    "전화번호는 010-1234-5678 또는 041-123-4567 형식으로 입력해 주세요.", "우편번호는 숫자 5자리입니다.",
                    "구매조건 확인 및 결제 진행에 동의해 주세요.", "개인정보 제3자(판매기업) 제공에 동의해 주세요."):
        assert message in page, message
    errors = response.context["form"].errors
    assert set(errors) >= {"orderer_name", "recipient_phone", "postal_code", "address", "email", "agree_terms"}
    assert 'value="경비실에 맡겨 주세요"' in page and 'value="101동 202호"' in page
    assert f'value="{data["checkout_key"]}"' in page  # the same key: a retry is still one order
    assert not Order.objects.exists()


def test_business_number_is_validated_and_asks_for_invoices(client, user):
    client.force_login(user)
    add(client, variant_of(make_product(price=11000)), 1)
    page = html(client.post(CHECKOUT, checkout_page_data(client, business_number="123-45-67890", business_name="따숨상회")))
    assert "사업자등록번호가 올바르지 않습니다" in page
    page = html(client.post(CHECKOUT, checkout_page_data(client, business_number="12345")))
    assert "123-45-67890 형식" in page
    number = business_number(7)
    page = html(client.post(CHECKOUT, checkout_page_data(client, business_number=number, business_name="")))
    assert "세금계산서를 받을 상호를 입력해 주세요." in page
    assert not Order.objects.exists()
    client.post(CHECKOUT, checkout_page_data(client, business_number=number.replace("-", ""), business_name="따숨상회"))
    order = Order.objects.get()
    assert (order.business_number, order.business_name) == (number, "따숨상회")
    request = TaxInvoiceRequest.objects.get()
    assert request.kind == "tax_invoice" and request.business_number == number


def test_out_of_stock_at_placing_is_a_message_on_the_checkout_page(client, monkeypatch):
    add(client, variant_of(make_product()), 1)
    monkeypatch.setattr("catalog.stock.stock_take", lambda *, variant_id, quantity: False)
    data = checkout_page_data(client, guest=True)
    response = client.post(CHECKOUT, data)
    assert response.status_code == 200
    assert any("품절/재고 부족" in m for m in messages_of(response))
    assert 'value="101동 202호"' in html(response) and not Order.objects.exists()


def test_a_total_changed_by_the_postal_code_is_shown_before_the_order_is_placed(client):
    vendor = VendorFactory()
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, jeju_extra_fee=5000)
    add(client, variant_of(make_product(price=10000, vendor=vendor)), 1)
    data = checkout_page_data(client, guest=True, postal_code="63100")
    assert data["expected_total"] == "13000"
    response = client.post(CHECKOUT, data)
    assert response.status_code == 200 and not Order.objects.exists()
    assert any("18,000원" in m for m in messages_of(response))
    page = html(response)
    assert 'name="expected_total" value="18000"' in page
    data["expected_total"] = "18000"
    client.post(CHECKOUT, data)
    assert Order.objects.get().total == 18000


def test_empty_cart_checkout_goes_back_to_the_cart(client):
    response = client.get(CHECKOUT)
    assert response["Location"] == CART


# --- order pages and access ---------------------------------------------------------------


def test_order_list_shows_the_buyers_orders_newest_first_with_each_vendor_state(client, user):
    a, b = make_product(price=1000), make_product(price=2000)
    first = place_order(items=[(variant_of(a), 1)], buyer=user)
    second = place_order(items=[(variant_of(a), 1), (variant_of(b), 2)], buyer=user, paid=True)
    place_order(items=[(variant_of(a), 1)], buyer=UserFactory())
    client.force_login(user)
    page = html(client.get("/orders/"))
    numbers = re.findall(r'data-testid="order-row" data-number="([\d-]+)"', page)
    assert numbers == [second.number, first.number]
    row = page.split(f'data-number="{second.number}"')[1].split("</li>\n  \n  <li")[0]
    assert "외 1건" in row and row.count('data-testid="vendor-state"') == 2 and "결제 완료" in row


def test_order_list_needs_sign_in(client):
    response = client.get("/orders/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_access_to_an_order_page(client, user, operator):
    product = make_product()
    order = place_order(items=[(variant_of(product), 1)], buyer=user)
    url = order.get_absolute_url()
    owner = MembershipFactory(vendor=product.vendor).user
    for outsider in (UserFactory(), owner):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    client.force_login(operator)
    assert client.get(url).status_code == 200
    client.force_login(user)
    assert client.get(url).status_code == 200
    assert client.get("/orders/20990101-99999/").status_code == 404


def _lookup_mails(mailoutbox) -> list:
    return [m for m in mailoutbox if "비회원 주문 조회 링크" in m.subject]


def test_guest_lookup_mails_the_link_and_says_the_same_whatever_matched(client, mailoutbox,
                                                                        django_capture_on_commit_callbacks):
    product = make_product()
    order = place_order(items=[(variant_of(product), 1)], email="guest@example.kr")
    url = order.get_absolute_url()
    assert client.get(url).status_code == 404
    wrong = html(client.post("/orders/lookup/", {"number": order.number, "email": "other@example.kr"}))
    unknown = html(client.post("/orders/lookup/", {"number": "20990101-99999", "email": "guest@example.kr"}))
    assert 'data-testid="lookup-sent"' in wrong and 'data-testid="lookup-sent"' in unknown
    assert _lookup_mails(mailoutbox) == [] and client.get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/orders/lookup/", {"number": order.number, "email": "GUEST@example.kr"})
    page = html(response)
    assert response.status_code == 200 and 'data-testid="lookup-sent"' in page

    def said(text, email):
        return re.sub(r'value="[^"]*"', "", section(text, "lookup-sent")).replace(email, "")

    assert said(page, "GUEST@example.kr") == said(wrong, "other@example.kr")
    [mail] = _lookup_mails(mailoutbox)
    assert mail.to == ["guest@example.kr"] and absolute_url(guest_access_path(order)) in mail.body
    assert client.get(url).status_code == 404  # the page itself opens nothing: the mailbox does
    assert client.get(guest_access_path(order))["Location"] == url
    assert client.get(url).status_code == 200
    # The documents part lets the same session read the receipt (a "not yet" page while unpaid).
    receipt = f"/orders/documents/order/{order.number}/receipt/"
    assert client.get(receipt).status_code == 200
    # Only in that session.

    assert Client().get(url).status_code == 404
    assert Client().get(receipt).status_code == 404


def test_a_members_order_cannot_be_looked_up_as_a_guest(client, user, mailoutbox):
    order = place_order(items=[(variant_of(make_product()), 1)], buyer=user, email=user.email)
    response = client.post("/orders/lookup/", {"number": order.number, "email": user.email})
    assert 'data-testid="lookup-sent"' in html(response) and _lookup_mails(mailoutbox) == []
    assert client.get(order.get_absolute_url()).status_code == 404


def test_guest_lookup_mails_an_order_at_most_once_in_its_window(client, mailoutbox, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    order = place_order(items=[(variant_of(make_product()), 1)])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            client.post("/orders/lookup/", {"number": order.number, "email": order.email})
    assert len(_lookup_mails(mailoutbox)) == 1
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/orders/lookup/", {"number": order.number, "email": order.email})
    assert len(_lookup_mails(mailoutbox)) == 2


def test_guest_lookup_form_errors_are_shown_next_to_the_fields(client):
    page = html(client.post("/orders/lookup/", {"number": "", "email": "not-an-email"}))
    assert "주문번호를 입력해 주세요." in page and "이메일 주소를 확인해 주세요." in page
    assert 'data-testid="lookup-sent"' not in page


def test_detail_shows_lines_per_vendor_state_and_tracking(client, user):
    a, b = make_product(price=1000), make_product(price=2000)
    order = place_order(items=[(variant_of(a), 1), (variant_of(b), 1)], buyer=user, paid=True)
    shipped = order.vendor_orders.get(vendor=a.vendor)
    vendor_order_transition(shipped, VendorOrderStatus.SHIPPED)
    VendorOrder.objects.filter(pk=shipped.pk).update(carrier="cj", tracking_number="123456789012")
    client.force_login(user)
    page = html(client.get(order.get_absolute_url()))
    assert page.count('data-testid="vendor-order"') == 2
    assert 'data-testid="bank-transfer"' not in page  # paid
    assert "https://trace.cjlogistics.com/next/tracking.html?wblNo=123456789012" in page
    assert "배송 중" in page and "결제 완료" in page
    assert f'href="/orders/documents/order/{order.number}/receipt/"' in page
    assert f'href="/orders/documents/vendor-order/{shipped.number}/statement/"' in page
    unpaid = place_order(items=[(variant_of(a), 1)], buyer=user)
    assert 'data-testid="receipt-link"' not in html(client.get(unpaid.get_absolute_url()))


# --- cancel, return, confirm ----------------------------------------------------------------


def test_buyer_cancels_before_shipping_and_the_stock_comes_back(client, user):
    product = make_product(stock=5)
    order = place_order(items=[(variant_of(product), 2)], buyer=user, paid=True)
    vendor_order = order.vendor_orders.get()
    assert variant_of(product).stock == 3
    client.force_login(user)
    url = f"/orders/{order.number}/{vendor_order.pk}/cancel/"
    response = client.post(url, {"reason": "잘못 주문"}, follow=True)
    assert "취소하려면 확인란에 표시해 주세요." in " ".join(messages_of(response))
    response = client.post(url, {"reason": "잘못 주문", "confirm": "on"}, follow=True)
    assert any("주문을 취소했습니다" in m for m in messages_of(response))
    vendor_order.refresh_from_db()
    order.refresh_from_db()
    assert vendor_order.status == VendorOrderStatus.CANCELLED and order.status == OrderStatus.CANCELLED
    assert variant_of(product).stock == 5
    assert vendor_order.events.filter(to_status="cancelled", actor=user, reason="잘못 주문").exists()


def test_shipped_vendor_orders_cannot_be_cancelled(client, user):
    product = make_product(stock=5)
    order = place_order(items=[(variant_of(product), 1)], buyer=user, paid=True)
    vendor_order = order.vendor_orders.get()
    vendor_order_transition(vendor_order, VendorOrderStatus.SHIPPED)
    client.force_login(user)
    assert 'data-testid="cancel"' not in html(client.get(order.get_absolute_url()))
    response = client.post(f"/orders/{order.number}/{vendor_order.pk}/cancel/", {"confirm": "on"}, follow=True)
    assert any("바꿀 수 없습니다" in m for m in messages_of(response))
    assert variant_of(product).stock == 4


def test_guest_cancels_after_lookup_and_nobody_else_can(client, user):
    product = make_product(stock=5)
    order = place_order(items=[(variant_of(product), 1)])
    vendor_order = order.vendor_orders.get()
    url = f"/orders/{order.number}/{vendor_order.pk}/cancel/"
    client.force_login(user)
    assert client.post(url, {"confirm": "on"}).status_code == 404
    client.logout()
    client.get(guest_access_path(order))
    client.post(url, {"confirm": "on"})
    vendor_order.refresh_from_db()
    assert vendor_order.status == VendorOrderStatus.CANCELLED and variant_of(product).stock == 5


def _delivered(user):
    order = place_order(items=[(variant_of(make_product()), 1)], buyer=user, paid=True)
    vendor_order = order.vendor_orders.get()
    vendor_order_transition(vendor_order, VendorOrderStatus.SHIPPED)
    vendor_order_transition(vendor_order, VendorOrderStatus.DELIVERED)
    return order, vendor_order


def _photos(n):
    return [upload(f"p{i}.png", image_bytes("PNG"), "image/png") for i in range(n)]


def test_return_request_with_photos(client, user):
    order, vendor_order = _delivered(user)
    client.force_login(user)
    assert 'data-testid="return"' in html(client.get(order.get_absolute_url()))
    url = f"/orders/{order.number}/{vendor_order.pk}/return/"
    response = client.post(url, {"reason": "파손", "photos": _photos(4)}, follow=True)
    assert "사진은 3장까지" in " ".join(messages_of(response))
    response = client.post(url, {"reason": "파손", "photos": [upload("x.png", b"not an image", "image/png")]},
                           follow=True)
    assert "JPEG, PNG, WebP 파일만" in " ".join(messages_of(response))
    response = client.post(url, {"reason": "", "photos": _photos(1)}, follow=True)
    assert "반품 사유를 적어 주세요." in " ".join(messages_of(response))
    vendor_order.refresh_from_db()
    assert vendor_order.status == VendorOrderStatus.DELIVERED
    response = client.post(url, {"reason": "상자가 젖어 왔습니다", "photos": _photos(2)}, follow=True)
    assert "반품을 요청했습니다" in " ".join(messages_of(response))
    vendor_order.refresh_from_db()
    assert vendor_order.status == VendorOrderStatus.RETURN_REQUESTED
    assert len(return_photos.vendor_order_return_photos(vendor_order.pk)) == 2
    assert "상자가 젖어 왔습니다" in section(html(response), "vendor-order")


def test_guest_confirms_the_purchase_after_lookup(client):
    order = place_order(items=[(variant_of(make_product()), 1)], paid=True)
    vendor_order = order.vendor_orders.get()
    vendor_order_transition(vendor_order, VendorOrderStatus.SHIPPED)
    vendor_order_transition(vendor_order, VendorOrderStatus.DELIVERED)
    url = f"/orders/{order.number}/{vendor_order.pk}/complete/"
    assert client.post(url).status_code == 404
    client.get(guest_access_path(order))
    client.post(url)
    vendor_order.refresh_from_db()
    assert vendor_order.status == VendorOrderStatus.COMPLETED


def test_purchase_confirmation(client, user):
    order, vendor_order = _delivered(user)
    client.force_login(user)
    assert 'data-testid="complete"' in html(client.get(order.get_absolute_url()))
    client.post(f"/orders/{order.number}/{vendor_order.pk}/complete/")
    vendor_order.refresh_from_db()
    assert vendor_order.status == VendorOrderStatus.COMPLETED


def test_return_and_confirm_pages_are_not_offered_before_delivery(client, user):
    order = place_order(items=[(variant_of(make_product()), 1)], buyer=user, paid=True)
    client.force_login(user)
    page = html(client.get(order.get_absolute_url()))
    assert 'data-testid="return"' not in page and 'data-testid="complete"' not in page


# --- query counts -----------------------------------------------------------------------------


def _fill_cart(client, n):
    for i in range(n):
        vendor = VendorFactory()
        ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=50000)
        product = make_product(vendor=vendor, price=1000 + i)
        add(client, variant_of(product), 1)


@pytest.mark.parametrize("lines", [2, 10])
def test_cart_page_queries_do_not_grow_with_lines(client, user, lines, django_assert_max_num_queries):
    client.force_login(user)
    _fill_cart(client, lines)
    ProductVariant.objects.filter(pk=Cart.objects.get().lines.first().variant_id).update(stock=0)  # one flagged line
    client.get(CART)  # the pending "added" message is shown (and the session saved) once
    # session, user, cart, default address, lines, on-sale ids, images; the bell and the partner link.
    with django_assert_max_num_queries(9):
        response = client.get(CART)
    assert response.status_code == 200 and html(response).count('data-testid="cart-line"') == lines - 1


@pytest.mark.parametrize("lines", [2, 10])
def test_anonymous_cart_page_queries_do_not_grow_with_lines(client, lines, django_assert_max_num_queries):
    _fill_cart(client, lines)
    client.get(CART)
    # session, cart, lines, on-sale ids, images.
    with django_assert_max_num_queries(5):
        response = client.get(CART)
    assert html(response).count('data-testid="cart-line"') == lines


@pytest.mark.parametrize("lines", [2, 10])
def test_checkout_page_queries_do_not_grow_with_lines(client, user, lines, django_assert_max_num_queries):
    for i in range(3):
        Address.objects.create(user=user, recipient=f"받는분{i}", phone="010-1234-5678", postal_code="32244",
                               address="충남 홍성군", is_default=i == 0)
    client.force_login(user)
    _fill_cart(client, lines)
    client.get(CART)
    # session, user, cart, addresses, lines, on-sale ids, images; the bell and the partner link;
    # the member's usable coupons from the coupon box (one query, offered as buttons).
    with django_assert_max_num_queries(10):
        response = client.get(CHECKOUT)
    assert html(response).count('data-testid="checkout-line"') == lines


@pytest.mark.parametrize("orders", [2, 10])
def test_order_list_queries_do_not_grow_with_orders(client, user, orders, django_assert_max_num_queries):
    products = [make_product(price=1000), make_product(price=2000)]
    for i in range(orders):
        order = place_order(items=[(variant_of(p), 1) for p in products], buyer=user)
        if i % 2:
            order_mark_paid(order_id=order.pk)
    client.force_login(user)
    client.get("/orders/")  # the category menu goes into the cache
    # session, user, count, orders, vendor orders (with vendors); the bell, the partner link, the cart count.
    with django_assert_max_num_queries(8):
        response = client.get("/orders/")
    assert html(response).count('data-testid="order-row"') == orders
