"""Forms on pages served from the page cache work in Chromium: CSRF for guests and members, the cart count."""
import pytest

from orders.models import CartLine
from tests.factories import PASSWORD, ProductFactory, UserFactory, category

pytestmark = pytest.mark.django_db(transaction=True)


def _cached(page, url):
    """Open `url` as the page cache serves it (a first visit by someone else stored it)."""
    response = page.goto(url)
    assert response.headers.get("x-page-cache") == "hit", response.headers
    return response


def test_guest_and_member_add_to_the_cart_from_a_cached_product_page(live_server, new_page):
    rice = ProductFactory(name="홍성 유기농 현미", category=category("rice-grains"),
                          variants=[{"name": "5kg", "price": 25000, "stock": 10}])
    url = live_server.url + rice.get_absolute_url()
    first = new_page()
    assert first.goto(url).headers.get("x-page-cache") == "miss"

    # A guest: the cached page carries a token of this browser's own; adding works.
    guest = new_page()
    _cached(guest, url)
    guest.get_by_role("button", name="장바구니 담기").click()
    guest.wait_for_url("**/orders/cart/")
    assert guest.locator("[data-testid=cart-line]").count() == 1
    # Back on a cached page the header shows this guest's count, from the uncached endpoint.
    _cached(guest, url)
    badge = guest.locator("[data-testid=cart-count]")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    # The other browser's copy of the same page shows no count.
    first.reload()
    assert not first.locator("[data-testid=cart-count]").is_visible()

    # A member signs in from a cached page's header and gets pages of their own.
    member = UserFactory(name="김회원")
    page = new_page()
    _cached(page, url)
    page.goto(f"{live_server.url}/accounts/login/?next={rice.get_absolute_url()}")
    page.get_by_label("이메일").fill(member.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"**{rice.get_absolute_url()}")
    response = page.reload()
    assert response.headers.get("x-page-cache") is None
    assert "김회원" in page.content()
    page.get_by_role("button", name="장바구니 담기").click()
    page.wait_for_url("**/orders/cart/")
    assert CartLine.objects.filter(cart__user=member).count() == 1


def test_the_language_form_of_a_cached_page_works(live_server, new_page):
    ProductFactory(name="홍성 유기농 현미", category=category("rice-grains"))
    new_page().goto(live_server.url + "/")
    page = new_page()
    _cached(page, live_server.url + "/")
    page.locator("#lang-select").select_option("en")
    page.get_by_role("button", name="바꾸기").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
