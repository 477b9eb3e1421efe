"""The page cache (ddasum.page_cache): right at once after every change, by the clock, and never personal."""
import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from campaigns.models import CampaignSection, CampaignVisit
from catalog import recent, views_count
from catalog.models import ProductVariant
from catalog.services import product_action
from catalog.stock import variant_save
from ddasum import page_cache
from orders.models import Cart
from orders.services.cart import cart_line_set
from orders.services.checkout import order_place
from tests.campaigns.factories import CampaignFactory, CampaignItemFactory
from tests.factories import (
    MembershipFactory,
    OperatorFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
    category,
    checkout_data,
)
from vendors.services import vendor_action

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def html(response) -> str:
    return response.content.decode()


def served(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get("X-Page-Cache"), html(response)


_STORED: list[str] = []


@pytest.fixture(autouse=True)
def _record_stored_pages(monkeypatch):
    """Every page written to the page cache, as stored (whatever the cache's backend)."""
    _STORED.clear()
    real = page_cache._cache

    class Recording:
        def __getattr__(self, name):
            return getattr(real(), name)

        def set(self, key, value, *args, **kwargs):
            if isinstance(value, dict) and "html" in value:
                _STORED.append(value["html"])
            return real().set(key, value, *args, **kwargs)

    monkeypatch.setattr(page_cache, "_cache", Recording)


def stored_pages() -> list[str]:
    return list(_STORED)


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment
    return set_to


@pytest.fixture
def rice():
    return ProductFactory(name="홍성 유기농 현미", category=category("rice-grains"),
                          variants=[{"name": "5kg", "price": 25000, "stock": 3, "low_stock_threshold": 0}])


def pages_of(product):
    return [product.get_absolute_url(), "/", "/categories/rice-grains/", "/search/?q=현미", "/products/"]


# --- what is cached, for whom -------------------------------------------------------------------


def test_the_second_anonymous_view_is_served_from_the_cache(client, rice):
    for url in pages_of(rice):
        first, page = served(client, url)
        second, again = served(client, url)
        assert (first, second) == ("miss", "hit"), url
        assert "홍성 유기농 현미" in page and CSRF_INPUT.sub("", page) == CSRF_INPUT.sub("", again)


def test_signed_in_visitors_get_pages_of_their_own(client, rice, user):
    served(Client(), rice.get_absolute_url())  # stored by a guest
    client.force_login(user)
    response = client.get(rice.get_absolute_url())
    assert "X-Page-Cache" not in response and user.name in html(response)


def test_a_page_with_a_message_for_the_visitor_is_not_served_nor_stored_from_the_cache(client, rice):
    url = rice.get_absolute_url()
    served(client, url)
    variant = rice.variants.get()
    client.post("/orders/cart/add/", {"variant": variant.pk, "quantity": 1, "next": url})
    response = client.get(url)  # the "담았습니다" message waits for this page
    assert "X-Page-Cache" not in response and 'class="messages"' in html(response)
    assert served(client, url)[0] == "hit"
    assert all('class="messages"' not in page for page in stored_pages())


def test_no_personal_data_in_a_cached_page(rice):
    """The same URL for two members and a guest with a cart: the stored copy has nothing of any of them."""
    url = rice.get_absolute_url()
    members = [UserFactory(name="김비밀"), UserFactory(name="이개인")]
    guest = Client()
    guest.post("/orders/cart/add/", {"variant": rice.variants.get().pk, "quantity": 2})
    guest.get("/orders/cart/")  # the message is shown there
    pages = {}
    for member in members:
        browser = Client()
        browser.force_login(member)
        pages[member.name] = html(browser.get(url))
    state, pages["guest"] = served(guest, url)
    assert state == "miss"
    assert served(Client(), url)[0] == "hit"
    stored = stored_pages()
    assert len(stored) == 1
    page = stored[0]
    for member in members:
        assert member.name in pages[member.name]
        assert member.name not in page and member.email not in page
    guest_tokens = CSRF_INPUT.findall(pages["guest"])
    assert guest_tokens and all(token not in page for token in guest_tokens)
    assert set(CSRF_INPUT.findall(page)) == {page_cache.CSRF_PLACEHOLDER}
    assert 'data-testid="cart-count">2<' not in page  # the guest's count comes from /orders/visitor/
    assert guest.get("/orders/visitor/").json() == {"cart_count": 1, "signed_in": False}


def test_each_visitor_of_a_cached_page_gets_a_csrf_token_that_works(rice):
    url = rice.get_absolute_url()
    served(Client(), url)
    tokens = []
    for _n in range(2):
        browser = Client(enforce_csrf_checks=True)
        state, page = served(browser, url)
        assert state == "hit"
        token = CSRF_INPUT.search(page).group(1)
        tokens.append(token)
        response = browser.post("/orders/cart/add/", {"csrfmiddlewaretoken": token,
                                                      "variant": rice.variants.get().pk, "quantity": 1})
        assert response.status_code == 302
        assert browser.get("/orders/visitor/").json()["cart_count"] == 1
    assert tokens[0] != tokens[1]


def test_a_cached_product_page_still_counts_the_view_and_remembers_it(client, rice):
    url = rice.get_absolute_url()
    served(Client(), url)
    key = views_count._key(rice.pk, timezone.localdate())
    assert caches["default"].get(key) == 1
    state, _page = served(client, url)
    assert state == "hit"
    assert caches["default"].get(key) == 2
    assert recent.COOKIE in client.cookies  # recently viewed, in this visitor's own cookie


# --- right at once after each change -------------------------------------------------------------


def _all_cached(client, urls):
    for url in urls:
        served(client, url)
        assert served(client, url)[0] == "hit"


def test_a_price_change_shows_at_once(client, rice):
    urls = pages_of(rice)
    _all_cached(client, urls)
    owner = MembershipFactory(vendor=rice.vendor).user
    variant_save(actor=owner, variant_id=rice.variants.get().pk, data={"price": 19000})
    for url in urls:
        state, page = served(client, url)
        assert state == "miss" and "19,000원" in page and "25,000원" not in page, url


def test_selling_out_shows_at_once(client, rice, django_capture_on_commit_callbacks):
    urls = pages_of(rice)
    _all_cached(client, urls)
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
    cart_line_set(cart=cart, variant_id=rice.variants.get().pk, quantity=3)
    with django_capture_on_commit_callbacks(execute=True):
        order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key=uuid.uuid4().hex)
    assert ProductVariant.objects.get(product=rice).stock == 0
    for url in urls:
        state, page = served(client, url)
        assert state == "miss" and "품절" in page, url


def test_the_last_units_show_at_once(client, django_capture_on_commit_callbacks):
    """Under the option's threshold the page says how many are left: each sale shows."""
    product = ProductFactory(variants=[{"name": "1kg", "price": 9000, "stock": 3, "low_stock_threshold": 5}])
    url = product.get_absolute_url()
    _all_cached(client, [url])
    cart = Cart.objects.create(session_key=uuid.uuid4().hex[:32])
    cart_line_set(cart=cart, variant_id=product.variants.get().pk, quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        order_place(cart=cart, buyer=None, checkout=checkout_data(), idempotency_key=uuid.uuid4().hex)
    state, page = served(client, url)
    assert state == "miss" and "2개 남음" in page


def test_a_suspended_vendor_leaves_the_cached_pages_at_once(client, rice):
    urls = pages_of(rice)
    _all_cached(client, urls)
    vendor_action(vendor_id=rice.vendor_id, action="suspend", actor=OperatorFactory(), reason="서류 확인")
    assert client.get(rice.get_absolute_url()).status_code == 404
    for url in urls[1:]:
        state, page = served(client, url)
        assert state == "miss" and "홍성 유기농 현미" not in page, url


def test_a_hidden_product_leaves_the_cached_pages_at_once(client, rice):
    urls = pages_of(rice)
    _all_cached(client, urls)
    product_action(product_id=rice.pk, action="hide", actor=MembershipFactory(vendor=rice.vendor).user)
    assert client.get(rice.get_absolute_url()).status_code == 404
    for url in urls[1:]:
        assert "홍성 유기농 현미" not in served(client, url)[1], url


def test_a_campaign_starting_and_ending_by_the_clock_shows_at_once(client, clock, rice):
    start = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    campaign = CampaignFactory(slug="harvest", starts_at=start, ends_at=start + timedelta(days=2))
    section = CampaignSection.objects.create(campaign=campaign, title="쌀", sort_order=1)
    CampaignItemFactory(campaign=campaign, section=section, product=rice, percent_off=20)
    urls = [rice.get_absolute_url(), "/categories/rice-grains/", "/search/?q=현미", "/campaigns/harvest/"]
    clock(start - timedelta(seconds=2))
    _all_cached(client, urls)
    assert "20,000원" not in served(client, rice.get_absolute_url())[1]
    clock(start)  # nothing was written: the clock alone moved past the start
    for url in urls:
        state, page = served(client, url)
        assert state == "miss" and "20,000원" in page, url
    _all_cached(client, urls)
    clock(campaign.ends_at)
    for url in urls[:3]:
        state, page = served(client, url)
        assert state == "miss" and "20,000원" not in page and "25,000원" in page, url


def test_an_entry_lives_until_the_next_boundary_at_most(clock, rice):
    now = clock(timezone.now().replace(microsecond=0))
    CampaignFactory(starts_at=now + timedelta(seconds=90), ends_at=now + timedelta(days=1))
    ver = page_cache.version()
    assert page_cache.expires_at(now, ver) == (now + timedelta(seconds=90)).timestamp()


def test_a_cached_campaign_page_still_counts_the_visit(client, clock):
    campaign = CampaignFactory(slug="live-now")
    served(client, "/campaigns/live-now/")
    state, _page = served(Client(), "/campaigns/live-now/")
    assert state == "hit"
    assert CampaignVisit.objects.get(campaign=campaign).count == 2


def test_a_new_product_of_a_category_shows_at_once(client, rice):
    _all_cached(client, ["/categories/rice-grains/", "/"])
    ProductFactory(name="청양 찰보리", vendor=VendorFactory(), category=category("rice-grains"))
    assert "청양 찰보리" in served(client, "/categories/rice-grains/")[1]


# --- the public products API list ----------------------------------------------------------------


def _api_prices(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return [item["price"] for item in response.json()["results"]]


def test_the_products_api_list_is_kept_and_a_price_change_shows_at_once(client, rice, django_assert_num_queries):
    url = "/api/products/?q=현미"
    first = client.get(url).json()
    with django_assert_num_queries(0):  # the same answer again, from the cache
        assert client.get(url).json() == first
    assert 25000 in _api_prices(client, url)
    owner = MembershipFactory(vendor=rice.vendor).user
    variant_save(actor=owner, variant_id=rice.variants.get().pk, data={"price": 19000})
    assert 19000 in _api_prices(client, url) and 25000 not in _api_prices(client, url)
    product_action(product_id=rice.pk, action="hide", actor=owner)
    assert client.get(url).json()["results"] == []


def test_a_refused_api_query_is_not_kept(client, rice):
    assert client.get("/api/products/?nope=1").status_code == 400
    assert client.get("/api/products/?nope=1").status_code == 400
