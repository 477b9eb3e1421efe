"""The storefront pages through the test client: listings, filters, search, product, vendor, SEO, query counts."""
import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import views
from catalog.models import Category, ProductImage, ProductKind, ProductStatus, ShippingPolicy, TaxType
from catalog.services import product_refresh
from catalog.templatetags.catalog_tags import highlight, won
from tests.factories import ProductFactory, VendorFactory, category
from vendors.models import EnterpriseType, Region, SocialFactKind, VendorPhoto, VendorSocialFact, VendorStatus

pytestmark = pytest.mark.django_db

MENU_PROCESSOR = "catalog.context_processors.categories"


@pytest.fixture(autouse=True)
def _category_menu(settings):
    """Run with the category-menu context processor whether or not settings lists it yet."""
    engine = settings.TEMPLATES[0]
    processors = engine["OPTIONS"]["context_processors"]
    if MENU_PROCESSOR not in processors:
        settings.TEMPLATES = [
            {**engine, "OPTIONS": {**engine["OPTIONS"], "context_processors": [*processors, MENU_PROCESSOR]}},
            *settings.TEMPLATES[1:],
        ]


def html_of(response) -> str:
    return response.content.decode()


def card_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="product-card" data-product="(\d+)"', html_of(response))]


def with_image(product, n: int = 1):
    ProductImage.objects.bulk_create(
        ProductImage(product=product, image=f"products/{product.pk}/p{i}.jpg", alt=f"{product.name} 사진 {i}",
                     position=i, thumbs={w: f"products/{product.pk}/p{i}_w{w}.webp" for w in ("240", "480", "960")})
        for i in range(n)
    )
    return product


def products(n: int, **kwargs) -> list:
    return [with_image(p) for p in ProductFactory.create_batch(n, **kwargs)]


def queries_for(client, url) -> tuple[int, object]:
    """The queries of one anonymous request with a cold cache (the category menu read included)."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


# --- pages and menu ---------------------------------------------------------------------

def test_home_shows_categories_new_products_and_featured_vendors(client):
    fact_vendor = VendorFactory(name="가치협동조합")
    VendorSocialFact.objects.create(vendor=fact_vendor, kind=SocialFactKind.ECO_PACKAGING, value="비닐 없는 포장",
                                    verified_at=timezone.now())
    product = with_image(ProductFactory(name="예산 사과즙"))
    VendorFactory(name="정지된기업", status=VendorStatus.SUSPENDED)
    html = html_of(client.get("/"))
    assert 'href="/categories/rice-grains/"' in html and "🌾" in html
    assert product.name in html and product.vendor.name in html
    featured = html.split('data-testid="featured-vendors"')[1]
    assert "가치협동조합" in featured and product.vendor.name in featured and "정지된기업" not in featured


def test_header_menu_links_every_category_and_is_cached(client):
    client.get("/products/")
    html = html_of(client.get("/accounts/login/"))
    menu = html.split('class="category-menu"')[1].split("</nav>")[0]
    for c in Category.objects.filter(parent=None):
        assert f'href="{c.get_absolute_url()}"' in menu
    # Cached: a page that shows only the menu reads no category from the database.
    with CaptureQueriesContext(connection) as ctx:
        client.get("/accounts/login/")
    assert not [q for q in ctx.captured_queries if "catalog_category" in q["sql"]]


def test_listing_and_category_pages(client):
    rice = ProductFactory(name="유기농 현미")
    apple = ProductFactory(name="예산 사과", category=category("fruit-vegetables"))
    sub = Category.objects.create(name="잡곡", slug="grains", parent=category("rice-grains"), position=1)
    grain = ProductFactory(name="찰보리", category=sub)
    assert set(card_ids(client.get("/products/"))) == {rice.pk, apple.pk, grain.pk}
    response = client.get(reverse("catalog:category", args=["rice-grains"]))
    assert set(card_ids(response)) == {rice.pk, grain.pk}
    assert 'href="/categories/grains/"' in html_of(response)  # sub-category chip
    assert client.get(reverse("catalog:category", args=["no-such-thing"])).status_code == 404
    assert client.get("/products/?category=fruit-vegetables").status_code == 200
    assert card_ids(client.get("/products/?category=fruit-vegetables")) == [apple.pk]


def test_card_shows_price_discount_vendor_badge_and_lazy_image(client):
    product = with_image(ProductFactory(variants=[{"name": "1kg", "price": 12000, "list_price": 15000, "stock": 3}]))
    html = html_of(client.get("/products/"))
    assert "12,000원" in html and "15,000원</del>" in html and "20%" in html
    assert product.vendor.name in html and "협동조합</span>" in html
    assert f'src="/media/products/{product.pk}/p0_w480.webp"' in html
    assert 'loading="lazy"' in html and 'width="480" height="480"' in html


def test_sold_out_badge_and_sorted_last(client):
    sold_out = ProductFactory(name="품절 현미", variants=[{"name": "1kg", "price": 9000, "stock": 0}])
    older = ProductFactory(name="오래된 현미", published_at=timezone.now() - timedelta(days=30))
    for url in ("/products/", "/products/?sort=price_asc", "/products/?sort=popular"):
        response = client.get(url)
        assert card_ids(response) == [older.pk, sold_out.pk], url
    html = html_of(client.get("/products/"))
    sold_card = html.split(f'data-product="{sold_out.pk}"')[1].split("</li>")[0]
    assert "품절" in sold_card and "is-sold-out" in html
    assert client.get("/products/?in_stock=on").context["page_obj"].object_list[0] == older
    assert len(card_ids(client.get("/products/?in_stock=on"))) == 1


# --- filters ------------------------------------------------------------------------------

def test_filters_combine(client):
    match = ProductFactory(vendor=VendorFactory(region=Region.YESAN, enterprise_type=EnterpriseType.VILLAGE),
                           kind=ProductKind.GOODS, procurement_eligible=True,
                           variants=[{"name": "기본", "price": 20000, "stock": 5}])
    ProductFactory(vendor=VendorFactory(region=Region.CHEONAN, enterprise_type=EnterpriseType.VILLAGE),
                   procurement_eligible=True, variants=[{"name": "기본", "price": 20000, "stock": 5}])
    ProductFactory(vendor=match.vendor, procurement_eligible=False, variants=[{"name": "기본", "price": 20000, "stock": 5}])
    ProductFactory(vendor=match.vendor, procurement_eligible=True, variants=[{"name": "기본", "price": 90000, "stock": 5}])
    ProductFactory(vendor=match.vendor, procurement_eligible=True, kind=ProductKind.SERVICE,
                   variants=[{"name": "기본", "price": 20000, "stock": 5}])
    url = "/products/?region=yesan&enterprise_type=village&kind=goods&procurement=on&price_min=10000&price_max=50000"
    assert card_ids(client.get(url)) == [match.pk]


def test_filters_survive_pagination_links(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    vendor = VendorFactory(region=Region.YESAN)
    made = products(5, vendor=vendor)
    ProductFactory(vendor=VendorFactory(region=Region.CHEONAN))
    response = client.get("/products/?region=yesan&sort=price_asc&kind=&in_stock=on")
    html = html_of(response)
    assert response.context["page_obj"].paginator.count == 5
    assert 'href="?region=yesan&amp;sort=price_asc&amp;in_stock=on&amp;page=2"' in html
    pagination = html.split('class="pagination"')[1].split("</nav>")[0]
    assert "kind=" not in pagination  # empty filters are dropped from links
    second = client.get("/products/?region=yesan&sort=price_asc&in_stock=on&page=2")
    assert len(card_ids(second)) == 2
    assert 'href="?region=yesan&amp;sort=price_asc&amp;in_stock=on"' in html_of(second)  # back to page 1
    last = client.get("/products/?region=yesan&sort=price_asc&in_stock=on&page=3")
    assert set(card_ids(client.get("/products/?region=yesan&page=1"))
               + card_ids(second) + card_ids(last)) == {p.pk for p in made}
    assert client.get("/products/?page=abc").status_code == 200
    assert client.get("/products/?page=999").status_code == 200


def test_invalid_filter_values_show_errors_and_are_ignored(client):
    yesan = ProductFactory(vendor=VendorFactory(region=Region.YESAN))
    ProductFactory(vendor=VendorFactory(region=Region.CHEONAN))
    response = client.get("/products/?region=yesan&price_min=abc&social=nope&category=no-such&sort=cheapest&page_size=1")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"price_min", "social", "category", "sort"}
    assert card_ids(response) == [yesan.pk]  # the valid region filter still applies
    html = html_of(response)
    price_field = html.split('data-field="price_min"')[1].split('data-field="price_max"')[0]
    assert 'class="errorlist"' in price_field
    reversed_range = client.get("/products/?price_min=50000&price_max=1000")
    assert "price_max" in reversed_range.context["form"].errors and len(card_ids(reversed_range)) == 0


def test_social_filter_uses_only_verified_facts(client):
    verified = ProductFactory()
    VendorSocialFact.objects.create(vendor=verified.vendor, kind=SocialFactKind.VULNERABLE_EMPLOYMENT,
                                    value="직원의 62%", verified_at=timezone.now())
    unverified = ProductFactory()
    VendorSocialFact.objects.create(vendor=unverified.vendor, kind=SocialFactKind.VULNERABLE_EMPLOYMENT,
                                    value="직원의 90%")
    ProductFactory()
    assert card_ids(client.get("/products/?social=vulnerable_employment")) == [verified.pk]


# --- search ------------------------------------------------------------------------------

def test_search_highlights_matches_and_escapes_the_query(client):
    product = ProductFactory(name="해남 절임배추 10kg")
    ProductFactory(name="홍성 현미")
    response = client.get("/search/", {"q": '<script>alert(1)</script> 배추를'})
    html = html_of(response)
    assert response.context["page_obj"].paginator.count == 0  # "script" and "alert" match nothing
    assert "검색 결과가 없습니다" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    response = client.get("/search/", {"q": "배추를"})
    assert card_ids(response) == [product.pk]
    assert "해남 절임<mark>배추</mark> 10kg" in html_of(response)
    assert 'value="배추를"' in html_of(response)


def test_highlight_filter_escapes_before_marking():
    assert highlight('<b>사과</b> & "사과즙"', "사과") == (
        "&lt;b&gt;<mark>사과</mark>&lt;/b&gt; &amp; &quot;<mark>사과</mark>즙&quot;"
    )
    assert highlight("a<lt>", "lt") == "a&lt;<mark>lt</mark>&gt;"  # no mark inside an entity
    assert highlight("<i>", "") == "&lt;i&gt;"
    assert won(1234567) == "1,234,567원" and won(None) == ""


def test_search_without_results_suggests_categories_and_popular_products(client):
    popular = ProductFactory(name="인기 현미")
    html = html_of(client.get("/search/?q=존재하지않는상품"))
    assert "검색 결과가 없습니다" in html
    assert 'href="/categories/care-services/"' in html and popular.name in html
    assert client.get("/search/").status_code == 200
    assert client.get("/search/?q=" + "가" * 200).status_code == 200


def test_search_keeps_filters(client):
    yesan = ProductFactory(name="예산 사과", vendor=VendorFactory(region=Region.YESAN))
    ProductFactory(name="천안 사과", vendor=VendorFactory(region=Region.CHEONAN))
    response = client.get("/search/?q=사과&region=yesan")
    assert card_ids(response) == [yesan.pk]
    assert 'type="hidden" name="q" value="사과"' in html_of(response)


# --- product page --------------------------------------------------------------------------

def test_product_page_shows_origin_tax_shipping_specs_and_disabled_sold_out_variant(client):
    product = ProductFactory(
        name="절임배추", tax_type=TaxType.EXEMPT, origin="국내산(충남 예산)", unit="1박스", min_order_qty=2,
        max_order_qty=5, specs="중량: 10kg\n보관 방법: 서늘한 곳", description="맛있는 **배추**",
        variants=[{"name": "10kg", "price": 30000, "list_price": 35000, "stock": 4},
                  {"name": "20kg", "price": 55000, "stock": 0}],
    )
    product_refresh(product_id=product.pk)
    ShippingPolicy.objects.create(vendor=product.vendor, base_fee=3500, free_threshold=50000, remote_extra_fee=4000,
                                  jeju_extra_fee=5000, notes="오후 2시 이전 주문은 당일 출고")
    with_image(product, 3)
    html = html_of(client.get(product.get_absolute_url()))
    assert 'data-testid="origin">국내산(충남 예산)' in html
    assert 'data-testid="tax-type">면세' in html
    shipping = html.split('data-testid="shipping"')[1].split("</section>")[0]
    assert "3,500원" in shipping and "50,000원 이상 구매 시 무료배송" in shipping
    assert "4,000원" in shipping and "5,000원" in shipping and "당일 출고" in shipping
    assert "무료배송입니다" in shipping  # 2 × 30,000원 passes the threshold
    sold_out = re.search(r'<input type="radio" name="variant" value="\d+"([^>]*)>\s*<span class="variant-name">20kg', html)
    assert sold_out and "disabled" in sold_out.group(1)
    variant_20 = html.split('<span class="variant-name">20kg</span>')[1].split("</label>")[0]
    assert "품절" in variant_20 and "55,000원" in variant_20
    assert "35,000원</del>" in html
    assert "<th scope=\"row\">중량</th><td>10kg</td>" in html
    assert "<strong>배추</strong>" in html  # description_html is rendered as HTML
    assert "최소 2개" in html and "최대 5개" in html and 'min="2"' in html and 'max="5"' in html
    assert "장바구니 담기" in html and 'class="btn cart-button">' in html  # in stock: the cart button works
    assert html.count('class="thumb-button"') == 3
    assert product.vendor.get_absolute_url() in html


def test_product_page_default_shipping_line_and_vendor_card(client):
    vendor = VendorFactory(enterprise_type=EnterpriseType.SOCIAL, cert_number="2020-123",
                           cert_valid_until=timezone.localdate() + timedelta(days=400), mission="어르신 일자리를 만듭니다")
    product = ProductFactory(vendor=vendor)
    html = html_of(client.get(product.get_absolute_url()))
    assert "판매기업이 따로 정한 배송 정책이 없습니다" in html
    card = html.split('data-testid="vendor-card"')[1]
    assert "2020-123" in card and "사회적기업" in card and "홍성군" in card and "어르신 일자리" in card
    assert vendor.cert_valid_until.strftime("%Y.%m.%d") in card


def test_wrong_or_missing_slug_redirects_permanently(client):
    product = ProductFactory(name="홍성 현미")
    canonical = product.get_absolute_url()
    for url in (reverse("catalog:product", args=[product.pk, "wrong"]), reverse("catalog:product_short", args=[product.pk])):
        response = client.get(url)
        assert response.status_code == 301 and response["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_products_not_on_sale_are_404(client):
    draft = ProductFactory(status=ProductStatus.DRAFT)
    suspended = ProductFactory(vendor=VendorFactory(status=VendorStatus.SUSPENDED))
    lapsed = ProductFactory(vendor=VendorFactory(enterprise_type=EnterpriseType.SOCIAL, cert_number="1",
                                                 cert_valid_until=timezone.localdate() - timedelta(days=1)))
    for product in (draft, suspended, lapsed):
        assert client.get(product.get_absolute_url()).status_code == 404
    assert client.get(reverse("catalog:product", args=[99999, "x"])).status_code == 404
    assert not {draft.pk, suspended.pk, lapsed.pk} & set(card_ids(client.get("/products/")))


def test_product_json_ld_is_valid_and_safe(client):
    product = with_image(ProductFactory(name="</script><script>alert(1)</script> 현미",
                                        variants=[{"name": "5kg", "price": 25000, "stock": 0, "sku": "RICE-5"}]))
    html = html_of(client.get(product.get_absolute_url()))
    assert "<script>alert(1)" not in html
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Product" and data["name"] == product.name
    assert data["sku"] == "RICE-5" and data["brand"]["name"] == product.vendor.name
    assert data["offers"]["price"] == 25000 and data["offers"]["priceCurrency"] == "KRW"
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert data["image"] == [f"http://testserver/media/products/{product.pk}/p0_w960.webp"]


def test_seo_tags_on_product_and_listing(client):
    product = with_image(ProductFactory(name="홍성 현미", summary="농약 없이 키운 햅쌀"))
    html = html_of(client.get(product.get_absolute_url()))
    canonical = f"http://testserver{product.get_absolute_url()}"
    assert "<title>홍성 현미 · 따숨몰</title>" in html
    assert '<meta name="description" content="농약 없이 키운 햅쌀">' in html
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert '<meta property="og:type" content="product">' in html
    assert f'<meta property="og:image" content="http://testserver/media/products/{product.pk}/p0_w960.webp">' in html
    listing = html_of(client.get("/categories/rice-grains/?region=yesan&sort=popular&page=1"))
    assert '<link rel="canonical" href="http://testserver/categories/rice-grains/">' in listing
    assert '<meta property="og:title" content="쌀/잡곡">' in listing
    products_page = html_of(client.get("/products/?category=rice-grains&in_stock=on"))
    assert '<link rel="canonical" href="http://testserver/products/?category=rice-grains">' in products_page
    assert 'content="noindex' in html_of(client.get("/search/?q=현미"))


# --- vendor page ---------------------------------------------------------------------------

def test_vendor_page_shows_profile_verified_facts_and_products(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    vendor = VendorFactory(enterprise_type=EnterpriseType.SOCIAL, cert_number="2021-7",
                           cert_valid_until=timezone.localdate() + timedelta(days=30), mission="장애인과 함께 빵을 굽습니다")
    VendorSocialFact.objects.create(vendor=vendor, kind=SocialFactKind.VULNERABLE_EMPLOYMENT, value="직원의 62%",
                                    verified_at=timezone.now())
    VendorSocialFact.objects.create(vendor=vendor, kind=SocialFactKind.ECO_PACKAGING, value="검증 안 된 주장")
    VendorPhoto.objects.create(vendor=vendor, image="vendors/photos/a.jpg", caption="작업장")
    mine = products(3, vendor=vendor)
    ProductFactory(vendor=vendor, status=ProductStatus.DRAFT, name="초안 상품")
    other = ProductFactory()
    response = client.get(reverse("catalog:vendor", args=[vendor.pk]))
    html = html_of(response)
    assert "직원의 62%" in html and "취약계층 고용" in html
    assert "검증 안 된 주장" not in html
    assert "장애인과 함께" in html and "2021-7" in html and "작업장" in html and "인증 기업" in html
    assert "301-1234" not in html  # the bank account is never public
    assert response.context["page_obj"].paginator.count == 3
    second = client.get(reverse("catalog:vendor", args=[vendor.pk]) + "?page=2")
    assert set(card_ids(response) + card_ids(second)) == {p.pk for p in mine}
    assert other.pk not in card_ids(response) and "초안 상품" not in html


def test_vendor_page_visibility(client):
    pending = VendorFactory(status=VendorStatus.SUBMITTED)
    suspended = VendorFactory(status=VendorStatus.SUSPENDED)
    for vendor in (pending, suspended):
        assert client.get(reverse("catalog:vendor", args=[vendor.pk])).status_code == 404
    lapsed = VendorFactory(enterprise_type=EnterpriseType.SOCIAL, cert_number="9",
                           cert_valid_until=timezone.localdate() - timedelta(days=1))
    product = ProductFactory(vendor=lapsed, name="갱신 대기 상품")
    response = client.get(lapsed.get_absolute_url())
    html = html_of(response)
    assert response.status_code == 200 and "인증 갱신 중" in html
    assert product.name not in html and 'content="noindex' in html


# --- sitemap and robots ------------------------------------------------------------------

def test_sitemap_lists_what_is_on_sale(client):
    on_sale = ProductFactory(name="판매 중")
    draft = ProductFactory(status=ProductStatus.DRAFT)
    suspended = VendorFactory(status=VendorStatus.SUSPENDED)
    xml = html_of(client.get("/sitemap.xml"))
    assert f"<loc>http://testserver{on_sale.get_absolute_url()}</loc>" in xml
    assert f"/products/{draft.pk}/" not in xml
    assert f"<loc>http://testserver/shops/{on_sale.vendor.pk}/</loc>" in xml
    assert f"/shops/{suspended.pk}/" not in xml
    assert "<loc>http://testserver/categories/rice-grains/</loc>" in xml
    assert "<loc>http://testserver/</loc>" in xml


def test_robots_txt(client):
    response = client.get("/robots.txt")
    text = html_of(response)
    assert response["Content-Type"].startswith("text/plain")
    for path in ("/admin/", "/partner/", "/accounts/", "/api/"):
        assert f"Disallow: {path}\n" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


# --- query counts ----------------------------------------------------------------------------

# The most queries each page may run for an anonymous visitor, whatever the page size.
# The product page's 상품문의 section is one query more (issue 13); its reviews cost nothing while there are none.
# Pages kept in the page cache (all but the vendor page, issue 15) run one more on a cold render: the
# next campaign or coupon start or end, which the stored page must not outlive (once per catalogue version).
MAX_QUERIES = {"listing": 6, "category": 9, "search": 6, "vendor": 8, "product": 9, "home": 10}


@pytest.mark.parametrize("kind, url", [
    ("listing", "/products/?sort=price_asc&in_stock=on"),
    ("category", "/categories/rice-grains/?region=hongseong"),
    ("search", "/search/?q=현미"),
])
def test_listing_query_count_is_fixed(client, monkeypatch, django_assert_max_num_queries, kind, url):
    monkeypatch.setattr(views, "PAGE_SIZE", 100)
    products(20)
    small, response = queries_for(client, url)
    assert len(card_ids(response)) == 20
    products(80)
    cache.clear()
    with django_assert_max_num_queries(MAX_QUERIES[kind]):
        response = client.get(url)
    large, response = queries_for(client, url)
    assert len(card_ids(response)) == 100
    assert small == large


def test_vendor_page_query_count_is_fixed(client, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(views, "PAGE_SIZE", 100)
    vendor = VendorFactory()
    VendorSocialFact.objects.create(vendor=vendor, kind=SocialFactKind.LOCAL_SOURCING, value="90%",
                                    verified_at=timezone.now())
    products(20, vendor=vendor)
    small, _response = queries_for(client, vendor.get_absolute_url())
    products(80, vendor=vendor)
    cache.clear()
    with django_assert_max_num_queries(MAX_QUERIES["vendor"]):
        response = client.get(vendor.get_absolute_url())
    assert len(card_ids(response)) == 100
    large, _response = queries_for(client, vendor.get_absolute_url())
    assert small == large


def test_product_page_query_count_is_fixed(client, django_assert_max_num_queries):
    one = with_image(ProductFactory(), 1)
    ten = with_image(ProductFactory(variants=[{"name": f"{i}kg", "price": 1000 * (i + 1), "stock": i % 2}
                                              for i in range(10)]), 10)
    products(8)  # related products
    ShippingPolicy.objects.create(vendor=ten.vendor)
    small, _response = queries_for(client, one.get_absolute_url())
    cache.clear()
    with django_assert_max_num_queries(MAX_QUERIES["product"]):
        response = client.get(ten.get_absolute_url())
    assert html_of(response).count('name="variant"') == 10
    large, _response = queries_for(client, ten.get_absolute_url())
    assert small == large


def test_home_query_count_is_fixed(client, django_assert_max_num_queries):
    # Cold caches both times (menu and featured vendors are cached between requests).
    products(3)
    cache.clear()
    small, _response = queries_for(client, "/")
    products(30)
    cache.clear()
    with django_assert_max_num_queries(MAX_QUERIES["home"]):
        client.get("/")
    cache.clear()
    large, _response = queries_for(client, "/")
    assert small == large


def test_every_category_name_has_an_english_label(db):
    from django.utils import translation

    from catalog.models import CATEGORY_NAMES, Category

    assert sorted(Category.objects.filter(parent=None).values_list("name", flat=True)) == sorted(CATEGORY_NAMES)
    with translation.override("en"):
        labels = {c.slug: c.label for c in Category.objects.all()}
    assert labels["rice-grains"] == "Rice/Grains"
    assert all(label.isascii() for label in labels.values()), labels
