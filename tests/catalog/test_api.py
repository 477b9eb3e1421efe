"""The catalog API: public reads through the storefront's filters, vendors' own listings, tokens, schema."""
import csv
import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Notification
from catalog.models import Category, Product, ProductImage, ProductStatus, ProductVariant, ShippingPolicy
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ProductFactory,
    VendorFactory,
    category,
    image_bytes,
    upload,
)
from vendors.models import SocialFactKind, VendorSocialFact, VendorStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def with_image(product: Product) -> Product:
    """A product image row; the file need not exist for URLs and the submit check."""
    ProductImage.objects.create(product=product, image=f"products/{product.pk}/main.jpg", alt=product.name)
    return product


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- public: categories and products -------------------------------------------------------

def test_categories_are_a_tree_in_the_malls_order(api):
    parent = category("fruit-vegetables")
    child = Category.objects.create(name="김장 채소", slug="kimchi-vegetables", parent=parent, position=1)
    Category.objects.create(name="숨긴 분류", slug="hidden-sub", parent=parent, is_active=False)
    response = api.get("/api/categories/")
    assert response.status_code == 200
    rows = response.json()
    assert [row["name"] for row in rows][:3] == ["쌀/잡곡", "과일/채소/꾸러미", "축/수산물"] and len(rows) == 12
    fruit = next(row for row in rows if row["slug"] == "fruit-vegetables")
    assert [c["id"] for c in fruit["children"]] == [child.pk]


def test_product_list_shows_what_the_shop_shows(api):
    visible = with_image(ProductFactory(name="홍성 유기농 현미"))
    sold_out = ProductFactory(variants=[{"name": "1kg", "price": 9000, "stock": 0}])
    ProductFactory(status=ProductStatus.DRAFT)
    ProductFactory(vendor=VendorFactory(status=VendorStatus.SUSPENDED))
    response = api.get("/api/products/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and ids(response) == [visible.pk, sold_out.pk]  # sold out sorts last
    card = body["results"][0]
    assert card["url"].startswith("http://testserver/") and card["image"].startswith("http://testserver/media/")
    assert card["price"] == 25000 and card["in_stock"] is True and card["tax_type"] == "taxable"
    assert card["vendor"]["id"] == visible.vendor_id and card["category"]["slug"] == "rice-grains"
    assert "stock" not in card and "bank_account_number" not in card["vendor"]


def test_korean_search_finds_part_of_a_word_and_a_word_with_a_particle(api):
    cabbage = ProductFactory(name="해남 절임배추 20kg", category=category("fruit-vegetables"))
    apple = ProductFactory(name="예산 사과 5kg", category=category("fruit-vegetables"))
    ProductFactory(name="홍성 유기농 현미")
    assert ids(api.get("/api/products/", {"q": "배추"})) == [cabbage.pk]
    assert ids(api.get("/api/products/", {"q": "사과를"})) == [apple.pk]
    assert ids(api.get("/api/products/", {"q": "없는상품"})) == []


def test_filters_and_sorting_are_the_storefronts(api):
    rice = category("rice-grains")
    cheap = ProductFactory(category=rice, variants=[{"name": "1kg", "price": 5000, "stock": 3}])
    dear = ProductFactory(category=rice, variants=[{"name": "10kg", "price": 50000, "stock": 3}],
                          procurement_eligible=True)
    gone = ProductFactory(category=rice, variants=[{"name": "2kg", "price": 8000, "stock": 0}])
    other = ProductFactory(category=category("household"), origin="")
    assert ids(api.get("/api/products/", {"category": "rice-grains", "sort": "price_asc"})) == [cheap.pk, dear.pk, gone.pk]
    assert ids(api.get("/api/products/", {"category": "rice-grains", "sort": "price_desc"})) == [dear.pk, cheap.pk, gone.pk]
    assert ids(api.get("/api/products/", {"price_min": 6000, "price_max": 60000, "sort": "price_asc"})) == [other.pk, dear.pk, gone.pk]
    assert ids(api.get("/api/products/", {"category": "rice-grains", "in_stock": "true", "procurement": "true"})) == [dear.pk]
    assert ids(api.get("/api/products/", {"category": "household"})) == [other.pk]
    assert ids(api.get("/api/products/", {"category": "no-such-category"})) == []
    response = api.get("/api/products/", {"page_size": 2, "page": 2, "sort": "price_asc"})
    assert response.json()["count"] == 4 and len(response.json()["results"]) == 2


def test_unknown_filters_are_a_400_that_names_them(api):
    response = api.get("/api/products/", {"colour": "red", "q": "쌀", "pricemin": "1"})
    assert response.status_code == 400
    assert response.json()["unknown_params"] == ["colour", "pricemin"]
    assert "colour" in response.json()["detail"]


@pytest.mark.parametrize(("params", "field"), [
    ({"price_min": "abc"}, "price_min"),
    ({"price_min": "-1"}, "price_min"),
    ({"price_min": "5000", "price_max": "100"}, "price_max"),
    ({"sort": "cheapest"}, "sort"),
    ({"region": "seoul"}, "region"),
    ({"kind": "car"}, "kind"),
    ({"vendor": "x"}, "vendor"),
    ({"q": "가" * 61}, "q"),
    ({"page_size": "101"}, "page_size"),
    ({"page_size": "0"}, "page_size"),
    ({"page_size": "ten"}, "page_size"),
    ({"page": "0"}, "page"),
    ({"page": "two"}, "page"),
    ({"page": "²"}, "page"),
    ({"page_size": "1e3"}, "page_size"),
])
def test_bad_filter_values_are_a_400_with_field_messages(api, params, field):
    response = api.get("/api/products/", params)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field] and response.json()[field][0]


def test_a_page_past_the_end_is_a_404_and_page_size_goes_to_100(api):
    ProductFactory.create_batch(3, vendor=VendorFactory())
    assert api.get("/api/products/", {"page": 9}).status_code == 404
    response = api.get("/api/products/", {"page_size": 100})
    assert response.status_code == 200 and response.json()["count"] == 3


def test_product_detail(api):
    vendor = VendorFactory(name="홍성유기농협동조합")
    product = ProductFactory(vendor=vendor, tax_type="exempt", origin="국내산(충남 홍성)", variants=[
        {"name": "10kg", "price": 30000, "list_price": 35000, "stock": 0},
        {"name": "20kg", "price": 55000, "stock": 4},
        {"name": "단종", "price": 1000, "stock": 9, "is_active": False},
    ])
    image = with_image(product).images.get()
    ProductImage.objects.filter(pk=image.pk).update(thumbs={"240": f"products/{product.pk}/main_w240.webp"})
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=50000)
    response = api.get(f"/api/products/{product.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["origin"] == "국내산(충남 홍성)" and body["tax_type"] == "exempt" and body["tax_type_display"] == "면세"
    assert [(v["name"], v["price"], v["list_price"], v["in_stock"]) for v in body["variants"]] == [
        ("10kg", 30000, 35000, False), ("20kg", 55000, None, True)]
    assert all("stock" not in v and "sku" not in v for v in body["variants"])
    thumbs = body["images"][0]["thumbnails"]
    assert thumbs["240"] == f"http://testserver/media/products/{product.pk}/main_w240.webp"
    assert thumbs["960"] == body["images"][0]["url"] == f"http://testserver/media/products/{product.pk}/main.jpg"
    assert body["vendor"]["name"] == "홍성유기농협동조합" and body["vendor"]["url"].startswith("http://testserver/")
    assert "bank_account_number" not in body["vendor"]
    assert body["shipping"]["base_fee"] == 3000 and body["shipping"]["free_threshold"] == 50000


def test_a_product_not_on_sale_is_a_404(api):
    draft = ProductFactory(status=ProductStatus.DRAFT)
    suspended = ProductFactory(vendor=VendorFactory(status=VendorStatus.SUSPENDED))
    for pk in (draft.pk, suspended.pk, 999_999):
        response = api.get(f"/api/products/{pk}/")
        assert response.status_code == 404 and response.json()["detail"]


def test_public_vendors_are_selling_ones_with_public_fields_only(api):
    vendor = VendorFactory(name="가나다협동조합", bank_account_number="301-9999-8888-77", mission="지역 어르신 일자리")
    ProductFactory(vendor=vendor)
    ProductFactory(vendor=vendor, status=ProductStatus.DRAFT)
    VendorSocialFact.objects.create(vendor=vendor, kind=SocialFactKind.ELDERLY_JOBS, value="직원의 60%",
                                    verified_at="2026-01-05T00:00:00+09:00")
    VendorSocialFact.objects.create(vendor=vendor, kind=SocialFactKind.LOCAL_SOURCING, value="확인 전")
    pending = VendorFactory(status=VendorStatus.SUBMITTED)
    listing = api.get("/api/vendors/")
    detail = api.get(f"/api/vendors/{vendor.pk}/")
    assert listing.status_code == 200 and detail.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [vendor.pk]
    body = detail.json()
    assert body["product_count"] == 1 and body["mission"] == "지역 어르신 일자리"
    assert [f["value"] for f in body["social_facts"]] == ["직원의 60%"]
    for response in (listing, detail):
        text = response.content.decode()
        for secret in ("301-9999-8888-77", "bank", "commission", "business_number", "documents", "농협"):
            assert secret not in text
    assert api.get(f"/api/vendors/{pending.pk}/").status_code == 404
    assert api.get("/api/vendors/", {"region": "x"}).status_code == 400


@pytest.mark.parametrize("size", [20, 100])
def test_public_lists_run_a_fixed_number_of_queries(api, size, django_assert_max_num_queries):
    vendors = VendorFactory.create_batch(4)
    for i in range(size):
        product = ProductFactory(vendor=vendors[i % 4], name=f"절임배추 {i}")
        with_image(product)
    # 3, and the next campaign boundary read once per catalogue version (how long the answer may be kept).
    with django_assert_max_num_queries(4):
        response = api.get("/api/products/", {"page_size": 100})
    assert len(response.json()["results"]) == size
    with django_assert_max_num_queries(5):
        response = api.get("/api/products/", {"page_size": 100, "q": "배추", "category": "rice-grains",
                                              "sort": "price_asc"})
    assert len(response.json()["results"]) == size
    with django_assert_max_num_queries(3):
        assert api.get("/api/vendors/").status_code == 200
    with django_assert_max_num_queries(4):
        assert api.get(f"/api/products/{product.pk}/").status_code == 200


# --- tokens -----------------------------------------------------------------------------------

def test_a_vendor_member_obtains_a_token(api, owner):
    response = api.post("/api/auth/token/", {"email": owner.email.upper(), "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=owner).key == token
    again = api.post("/api/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json")
    assert again.json()["token"] == token
    owner.refresh_from_db()
    assert owner.last_login is not None
    assert client_for(owner).get("/api/vendor/products/").status_code == 200


def test_token_is_refused_to_wrong_passwords_and_to_consumers(api, user, owner):
    wrong = api.post("/api/auth/token/", {"email": owner.email, "password": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["detail"]
    missing = api.post("/api/auth/token/", {"email": "not-an-email"}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"email", "password"}
    consumer = api.post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert consumer.status_code == 403 and not Token.objects.filter(user=user).exists()


def test_token_obtain_is_locked_after_repeated_failures(api, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post("/api/auth/token/", {"email": owner.email, "password": "nope"}, format="json").status_code == 400
    locked = api.post("/api/auth/token/", {"email": owner.email, "password": "nope"}, format="json")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json" and "잠겼습니다" in locked.json()["detail"]
    right = api.post("/api/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json")
    assert right.status_code == 429 and not Token.objects.filter(user=owner).exists()


def test_a_token_can_be_revoked(owner):
    client = client_for(owner)
    assert client.delete("/api/auth/token/").status_code == 204
    assert not Token.objects.filter(user=owner).exists()
    assert client.get("/api/vendor/products/").status_code == 401
    assert APIClient().delete("/api/auth/token/").status_code == 401


# --- vendor endpoints: who ---------------------------------------------------------------------

VENDOR_GETS = ["/api/vendor/products/", "/api/vendor/feed.csv"]


def test_anonymous_get_401_and_consumers_or_applicants_403(api, user):
    applicant = MembershipFactory(vendor=VendorFactory(status=VendorStatus.SUBMITTED)).user
    product = ProductFactory()
    variant = product.variants.get()
    for path in VENDOR_GETS + [f"/api/vendor/products/{product.pk}/", f"/api/vendor/variants/{variant.pk}/",
                               f"/api/vendor/products/{product.pk}/variants/"]:
        assert api.get(path).status_code == 401, path
        assert client_for(user).get(path).status_code == 403, path
        assert client_for(applicant).get(path).status_code == 403, path
    assert api.post("/api/vendor/stock/", [], format="json").status_code == 401
    assert client_for(user).post("/api/vendor/stock/", [], format="json").status_code == 403
    assert client_for(user).post(f"/api/vendor/products/{product.pk}/submit/").status_code == 403


def test_the_partner_admin_session_works_too(owner):
    client = APIClient()
    client.force_login(owner)
    assert client.get("/api/vendor/products/").status_code == 200


# --- vendor endpoints: products ---------------------------------------------------------------

def product_payload(**extra):
    return {"category": "rice-grains", "name": "홍성 찹쌀 4kg", "summary": "올해 햅찹쌀", "origin": "국내산(충남 홍성)",
            "tax_type": "exempt", **extra}


def test_vendor_lists_only_its_own_products(owner, vendor, other_vendor):
    mine = ProductFactory(vendor=vendor, status=ProductStatus.DRAFT)
    ProductFactory(vendor=other_vendor)
    response = client_for(owner).get("/api/vendor/products/")
    assert response.status_code == 200 and ids(response) == [mine.pk]
    row = response.json()["results"][0]
    assert row["status"] == "draft" and row["variants"][0]["stock"] == 10
    assert ids(client_for(owner).get("/api/vendor/products/", {"status": "on_sale"})) == []
    assert client_for(owner).get("/api/vendor/products/", {"status": "sold"}).status_code == 400
    assert client_for(owner).get("/api/vendor/products/", {"vendor": other_vendor.pk}).status_code == 400


def test_vendor_creates_a_draft_product(owner, vendor):
    response = client_for(owner).post("/api/vendor/products/", product_payload(status="on_sale"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    product = Product.objects.get(pk=body["id"])
    assert product.vendor == vendor and product.status == ProductStatus.DRAFT and body["status"] == "draft"
    assert product.slug and "찹쌀" in product.search_grams
    assert body["vendor"] == vendor.pk and body["category"] == "rice-grains"


def test_food_needs_an_origin_and_other_rules_answer_per_field(owner):
    client = client_for(owner)
    response = client.post("/api/vendor/products/", product_payload(origin=""), format="json")
    assert response.status_code == 400 and list(response.json()) == ["origin"]
    response = client.post("/api/vendor/products/", product_payload(category="household", origin=""), format="json")
    assert response.status_code == 201
    response = client.post("/api/vendor/products/", product_payload(category="nope", kind="car"), format="json")
    assert response.status_code == 400 and set(response.json()) == {"category", "kind"}
    response = client.post("/api/vendor/products/", product_payload(min_order_qty=5, max_order_qty=2), format="json")
    assert response.status_code == 400 and list(response.json()) == ["max_order_qty"]
    assert Product.objects.count() == 1


def test_vendor_cannot_be_set_to_someone_elses(owner, vendor, other_vendor):
    response = client_for(owner).post("/api/vendor/products/", product_payload(vendor=other_vendor.pk), format="json")
    assert response.status_code == 400 and list(response.json()) == ["vendor"]
    assert not Product.objects.exists()


def test_a_member_of_two_vendors_names_the_vendor(owner, vendor):
    second = MembershipFactory(user=owner, vendor=VendorFactory()).vendor
    client = client_for(owner)
    response = client.post("/api/vendor/products/", product_payload(), format="json")
    assert response.status_code == 400 and list(response.json()) == ["vendor"]
    response = client.post("/api/vendor/products/", product_payload(vendor=second.pk), format="json")
    assert response.status_code == 201 and Product.objects.get().vendor == second


def test_vendor_updates_its_product_but_not_its_status_or_vendor(owner, vendor, other_vendor):
    product = ProductFactory(vendor=vendor, status=ProductStatus.DRAFT)
    client = client_for(owner)
    response = client.patch(f"/api/vendor/products/{product.pk}/",
                            {"name": "홍성 현미 찹쌀", "status": "on_sale", "price": 1}, format="json")
    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert product.name == "홍성 현미 찹쌀" and product.status == ProductStatus.DRAFT and product.price == 25000
    assert "찹쌀" in product.search_grams
    response = client.patch(f"/api/vendor/products/{product.pk}/", {"vendor": other_vendor.pk}, format="json")
    assert response.status_code == 400
    response = client.put(f"/api/vendor/products/{product.pk}/", product_payload(name="새 이름"), format="json")
    assert response.status_code == 200 and response.json()["name"] == "새 이름"


def test_vendor_a_cannot_touch_vendor_bs_products_or_variants(owner, other_vendor):
    theirs = ProductFactory(vendor=other_vendor, status=ProductStatus.DRAFT)
    with_image(theirs)
    variant = theirs.variants.get()
    client = client_for(owner)
    assert client.get(f"/api/vendor/products/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/vendor/products/{theirs.pk}/", {"name": "x"}, format="json").status_code == 404
    assert client.put(f"/api/vendor/products/{theirs.pk}/", product_payload(), format="json").status_code == 404
    assert client.post(f"/api/vendor/products/{theirs.pk}/submit/").status_code == 404
    assert client.get(f"/api/vendor/products/{theirs.pk}/variants/").status_code == 404
    assert client.post(f"/api/vendor/products/{theirs.pk}/variants/", {"sku": "X", "price": 1},
                       format="json").status_code == 404
    assert client.get(f"/api/vendor/variants/{variant.pk}/").status_code == 404
    assert client.patch(f"/api/vendor/variants/{variant.pk}/", {"stock": 0}, format="json").status_code == 404
    assert client.post(f"/api/vendor/products/{theirs.pk}/images/",
                       {"image": upload("p.png", image_bytes("PNG"))}, format="multipart").status_code == 404
    theirs.refresh_from_db()
    variant.refresh_from_db()
    assert theirs.name != "x" and theirs.status == ProductStatus.DRAFT and variant.stock == 10
    assert theirs.variants.count() == 1 and theirs.images.count() == 1


# --- vendor endpoints: variants, images, submit ------------------------------------------------

def test_variants_are_added_and_changed_and_the_product_follows(owner, vendor):
    product = ProductFactory(vendor=vendor, status=ProductStatus.DRAFT, variants=[])
    client = client_for(owner)
    url = f"/api/vendor/products/{product.pk}/variants/"
    first = client.post(url, {"name": "10kg", "sku": "KIMCHI-10", "price": 30000, "stock": 5}, format="json")
    second = client.post(url, {"name": "20kg", "sku": "KIMCHI-20", "price": 55000, "list_price": 60000}, format="json")
    assert first.status_code == 201 and second.status_code == 201, second.content
    assert second.json()["position"] == 1 and second.json()["stock"] == 0
    product.refresh_from_db()
    assert product.price == 30000 and product.in_stock
    duplicate = client.post(url, {"sku": "KIMCHI-10", "price": 1000}, format="json")
    assert duplicate.status_code == 400 and list(duplicate.json()) == ["sku"]
    negative = client.patch(f"/api/vendor/variants/{first.json()['id']}/", {"stock": -1}, format="json")
    assert negative.status_code == 400 and list(negative.json()) == ["stock"]
    clash = client.patch(f"/api/vendor/variants/{first.json()['id']}/", {"sku": "KIMCHI-20"}, format="json")
    assert clash.status_code == 400 and list(clash.json()) == ["sku"]
    changed = client.patch(f"/api/vendor/variants/{first.json()['id']}/", {"stock": 0, "price": 28000}, format="json")
    assert changed.status_code == 200 and changed.json()["is_available"] is False
    product.refresh_from_db()
    assert product.price == 28000 and not product.in_stock
    assert [v["sku"] for v in client.get(url).json()] == ["KIMCHI-10", "KIMCHI-20"]


def test_a_stock_change_by_api_sends_the_low_stock_notice(owner, vendor, django_capture_on_commit_callbacks):
    product = ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 10,
                                                       "low_stock_threshold": 3}])
    variant = product.variants.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).patch(f"/api/vendor/variants/{variant.pk}/", {"stock": 2}, format="json")
    assert response.status_code == 200
    assert Notification.objects.filter(user=owner).count() == 1


def test_images_are_uploaded_and_checked(owner, vendor, django_capture_on_commit_callbacks):
    product = ProductFactory(vendor=vendor, status=ProductStatus.DRAFT)
    client = client_for(owner)
    url = f"/api/vendor/products/{product.pk}/images/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"image": upload("a.png", image_bytes("PNG", (800, 600))), "alt": "앞면"},
                               format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["alt"] == "앞면" and response.json()["url"].startswith("http://testserver/media/")
    bad = client.post(url, {"image": upload("a.png", b"<script>not an image</script>")}, format="multipart")
    assert bad.status_code == 400 and list(bad.json()) == ["image"]
    assert product.images.count() == 1
    assert product.images.get().thumbs  # the thumbnail task ran after commit


def test_submit_goes_through_the_review_rules(owner, vendor):
    product = ProductFactory(vendor=vendor, status=ProductStatus.DRAFT, published_at=None)
    client = client_for(owner)
    url = f"/api/vendor/products/{product.pk}/submit/"
    incomplete = client.post(url)
    assert incomplete.status_code == 400 and "이미지" in incomplete.json()["detail"]
    with_image(product)
    submitted = client.post(url)
    assert submitted.status_code == 200 and submitted.json()["status"] == "pending"
    again = client.post(url)
    assert again.status_code == 409 and again.json()["detail"]
    assert list(product.events.values_list("to_status", flat=True)) == ["pending"]


# --- vendor endpoints: bulk stock and feed ----------------------------------------------------

@pytest.fixture
def stocked(vendor, other_vendor):
    mine = ProductFactory(vendor=vendor, variants=[{"sku": "A-1", "name": "1", "price": 1000, "stock": 5},
                                                   {"sku": "A-2", "name": "2", "price": 2000, "stock": 5}])
    other = ProductFactory(vendor=vendor, variants=[{"sku": "B-1", "name": "1", "price": 3000, "stock": 0}])
    theirs = ProductFactory(vendor=other_vendor, variants=[{"sku": "Z-1", "name": "1", "price": 1000, "stock": 5}])
    return mine, other, theirs


def stocks() -> dict:
    return dict(ProductVariant.objects.values_list("sku", "stock"))


def test_bulk_stock_sets_every_sku_in_one_go(owner, stocked):
    mine, other, _theirs = stocked
    response = client_for(owner).post("/api/vendor/stock/", [{"sku": "A-1", "stock": 0}, {"sku": "B-1", "stock": 7}],
                                      format="json")
    assert response.status_code == 200, response.content
    assert response.json()["updated"] == 2
    assert stocks() == {"A-1": 0, "A-2": 5, "B-1": 7, "Z-1": 5}
    other.refresh_from_db()
    assert other.in_stock


@pytest.mark.parametrize(("payload", "field"), [
    ([{"sku": "A-1", "stock": 1}, {"sku": "NOPE", "stock": 1}], "sku"),
    ([{"sku": "A-1", "stock": 1}, {"sku": "Z-1", "stock": 0}], "sku"),  # another vendor's SKU is unknown here
    ([{"sku": "A-1", "stock": 1}, {"sku": "A-1", "stock": 2}], "sku"),
])
def test_bulk_stock_changes_nothing_when_a_sku_is_wrong(owner, stocked, payload, field):
    before = stocks()
    response = client_for(owner).post("/api/vendor/stock/", payload, format="json")
    assert response.status_code == 400 and list(response.json()) == [field]
    assert stocks() == before


def test_bulk_stock_refuses_a_sku_two_of_the_vendors_products_share(owner, vendor, stocked):
    ProductFactory(vendor=vendor, variants=[{"sku": "A-1", "name": "x", "price": 1000, "stock": 5}])
    before = sorted(ProductVariant.objects.values_list("pk", "stock"))
    response = client_for(owner).post("/api/vendor/stock/", [{"sku": "A-1", "stock": 0}], format="json")
    assert response.status_code == 400 and "A-1" in response.json()["sku"][0]
    assert sorted(ProductVariant.objects.values_list("pk", "stock")) == before


def test_bulk_stock_refuses_bad_values_and_shapes(owner, stocked):
    client = client_for(owner)
    before = stocks()
    response = client.post("/api/vendor/stock/", [{"sku": "A-1", "stock": 1}, {"sku": "A-2", "stock": -3}],
                           format="json")
    # Errors are keyed by the item's position in the list.
    assert response.status_code == 400 and list(response.json()) == ["1"] and "stock" in response.json()["1"]
    assert client.post("/api/vendor/stock/", {"sku": "A-1", "stock": 1}, format="json").status_code == 400
    assert client.post("/api/vendor/stock/", [], format="json").status_code == 400
    assert stocks() == before


def test_bulk_stock_rolls_back_when_a_later_item_fails(owner, stocked, monkeypatch):
    from catalog import stock as catalog_stock
    from catalog.exceptions import NotAllowed

    real = catalog_stock.variant_stock_set
    calls = []

    def second_refused(**kwargs):
        calls.append(kwargs["variant_id"])
        if len(calls) == 2:
            raise NotAllowed("refused")
        return real(**kwargs)

    monkeypatch.setattr(catalog_stock, "variant_stock_set", second_refused)
    before = stocks()
    response = client_for(owner).post("/api/vendor/stock/", [{"sku": "A-1", "stock": 1}, {"sku": "A-2", "stock": 2}],
                                      format="json")
    assert response.status_code == 403 and len(calls) == 2
    assert stocks() == before


def test_feed_is_a_csv_of_own_products_on_sale(owner, vendor, other_vendor):
    listed = with_image(ProductFactory(vendor=vendor, name="홍성 현미, 5kg",
                                       variants=[{"name": "5kg", "price": 25000, "list_price": 30000, "stock": 0}]))
    ProductFactory(vendor=vendor, status=ProductStatus.DRAFT)
    ProductFactory(vendor=other_vendor, name="남의 상품")
    response = client_for(owner).get("/api/vendor/feed.csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(raw[1:])))
    assert [int(row["id"]) for row in rows] == [listed.pk]
    row = rows[0]
    assert row["name"] == "홍성 현미, 5kg" and row["url"].startswith("http://testserver/")
    assert row["image_url"] == f"http://testserver/media/products/{listed.pk}/main.jpg"
    assert (row["price"], row["list_price"], row["in_stock"]) == ("25000", "30000", "false")
    assert (row["category"], row["vendor"], row["origin"], row["tax_type"]) == (
        "쌀/잡곡", vendor.name, "국내산(충남 홍성)", "taxable")
    wrong = client_for(owner).get("/api/vendor/feed.csv", {"vendor": other_vendor.pk})
    assert wrong.status_code == 400 and wrong["Content-Type"] == "application/json"
    assert client_for(owner).get("/api/vendor/feed.csv", {"vendor": "²"}).status_code == 400
    assert client_for(owner).get("/api/vendor/feed.csv", {"vendor": vendor.pk}).status_code == 200


@pytest.mark.parametrize("size", [20, 100])
def test_vendor_product_list_runs_a_fixed_number_of_queries(owner, vendor, size, django_assert_max_num_queries):
    for _ in range(size):
        with_image(ProductFactory(vendor=vendor))
    client = client_for(owner)
    # token, membership, count, page, variants, images
    with django_assert_max_num_queries(6):
        response = client.get("/api/vendor/products/", {"page_size": 100})
    assert len(response.json()["results"]) == size


# --- schema and docs ----------------------------------------------------------------------------

def test_schema_and_docs(api, tmp_path):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/vendor/stock/" in schema.content
    docs = api.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    # Warnings are errors: a view the generator cannot describe fails here, not in a client.
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

