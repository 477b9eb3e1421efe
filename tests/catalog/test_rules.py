"""The catalog's rules: what the shop shows, variants and stock, review, images, descriptions, search."""
from datetime import timedelta

import pytest
from celery import Task
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from catalog import services, stock
from catalog import tasks as catalog_tasks
from catalog.exceptions import InvalidTransition, NotAllowed, ProductIncomplete
from catalog.models import Category, Product, ProductImage, ProductStatus
from catalog.search import grams, product_search, query_terms
from catalog.shipping import area_of, shipping_fee
from tests.factories import (
    MembershipFactory,
    ProductFactory,
    VendorFactory,
    category,
    image_bytes,
    upload,
)
from vendors.models import EnterpriseType, VendorStatus

pytestmark = pytest.mark.django_db


def on_sale_ids():
    return set(Product.objects.on_sale().values_list("pk", flat=True))


def test_twelve_categories_in_the_malls_order():
    names = list(Category.objects.filter(parent=None).values_list("name", flat=True))
    assert names == ["쌀/잡곡", "과일/채소/꾸러미", "축/수산물", "반찬/장류", "가공식품", "건강식품", "도시락/단체급식",
                     "생활용품", "교육/문화/체험", "서비스", "컴퓨터 주변기기", "돌봄서비스"]


def test_visibility_rule():
    visible = ProductFactory()
    sold_out = ProductFactory(variants=[{"name": "1kg", "price": 9000, "stock": 0}])
    draft = ProductFactory(status=ProductStatus.DRAFT)
    pending = ProductFactory(status=ProductStatus.PENDING)
    suspended = ProductFactory(vendor=VendorFactory(status=VendorStatus.SUSPENDED))
    withdrawn = ProductFactory(vendor=VendorFactory(status=VendorStatus.WITHDRAWN))
    lapsed = ProductFactory(vendor=VendorFactory(
        enterprise_type=EnterpriseType.SOCIAL, cert_number="1", cert_valid_until=timezone.localdate() - timedelta(days=1)))
    certified = ProductFactory(vendor=VendorFactory(
        enterprise_type=EnterpriseType.SOCIAL, cert_number="2", cert_valid_until=timezone.localdate()))
    ids = on_sale_ids()
    assert {visible.pk, sold_out.pk, certified.pk} <= ids
    assert not ids & {draft.pk, pending.pk, suspended.pk, withdrawn.pk, lapsed.pk}
    assert not sold_out.in_stock and visible.in_stock


def test_sold_out_means_every_variant_at_zero_and_services_are_never_sold_out():
    product = ProductFactory(variants=[{"name": "10kg", "price": 30000, "stock": 0},
                                       {"name": "20kg", "price": 55000, "stock": 2}])
    assert product.in_stock and product.price == 30000
    stock.variant_stock_set(variant_id=product.variants.get(name="20kg").pk, stock=0)
    product.refresh_from_db()
    assert not product.in_stock
    service = ProductFactory(variants=[{"name": "2시간", "price": 80000, "stock": 0, "track_stock": False}])
    assert service.in_stock


def test_price_comes_from_the_cheapest_active_variant_with_its_list_price():
    product = ProductFactory(variants=[
        {"name": "A", "price": 20000, "list_price": 25000, "stock": 1},
        {"name": "B", "price": 15000, "stock": 1, "is_active": False},
    ])
    assert (product.price, product.list_price, product.discount_percent) == (20000, 25000, 20)


def test_negative_stock_is_refused():
    product = ProductFactory()
    with pytest.raises(ProductIncomplete):
        stock.variant_stock_set(variant_id=product.variants.get().pk, stock=-1)


def test_low_stock_notifies_members_once_when_crossing(django_capture_on_commit_callbacks):
    product = ProductFactory(variants=[{"name": "5kg", "price": 25000, "stock": 10, "low_stock_threshold": 3}])
    member = MembershipFactory(vendor=product.vendor, role="staff").user
    variant = product.variants.get()
    with django_capture_on_commit_callbacks(execute=True):
        stock.variant_stock_set(variant_id=variant.pk, stock=5)
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        stock.variant_stock_set(variant_id=variant.pk, stock=3)
        stock.variant_stock_set(variant_id=variant.pk, stock=2)  # already under: no second notice
    notices = Notification.objects.filter(user=member)
    assert notices.count() == 1 and "재고 부족" in notices.get().title


def test_stock_change_by_other_vendor_member_is_refused():
    product = ProductFactory()
    stranger = MembershipFactory(vendor=VendorFactory()).user
    with pytest.raises(NotAllowed):
        stock.variant_stock_set(variant_id=product.variants.get().pk, stock=3, actor=stranger)


@pytest.fixture
def draft_product(db, django_capture_on_commit_callbacks):
    product = ProductFactory(status=ProductStatus.DRAFT, published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.product_image_add(product_id=product.pk, upload=upload("p.png", image_bytes("PNG", (800, 600))))
    return product


def test_first_product_waits_for_review_later_ones_do_not(draft_product, operator, settings):
    member = MembershipFactory(vendor=draft_product.vendor).user
    services.product_action(product_id=draft_product.pk, action="submit", actor=member)
    draft_product.refresh_from_db()
    assert draft_product.status == ProductStatus.PENDING
    services.product_action(product_id=draft_product.pk, action="approve", actor=operator)
    second = ProductFactory(vendor=draft_product.vendor, status=ProductStatus.DRAFT, published_at=None)
    services.product_image_add(product_id=second.pk, upload=upload("p.png", image_bytes("PNG")))
    services.product_action(product_id=second.pk, action="submit", actor=member)
    second.refresh_from_db()
    assert second.status == ProductStatus.ON_SALE
    settings.CATALOG_REVIEW_POLICY = "all"
    third = ProductFactory(vendor=draft_product.vendor, status=ProductStatus.DRAFT, published_at=None)
    services.product_image_add(product_id=third.pk, upload=upload("p.png", image_bytes("PNG")))
    services.product_action(product_id=third.pk, action="submit", actor=member)
    third.refresh_from_db()
    assert third.status == ProductStatus.PENDING
    assert list(draft_product.events.order_by("id").values_list("to_status", flat=True)) == ["pending", "on_sale"]


def test_reject_needs_a_reason_and_only_operators_review(draft_product, operator):
    member = MembershipFactory(vendor=draft_product.vendor).user
    services.product_action(product_id=draft_product.pk, action="submit", actor=member)
    with pytest.raises(NotAllowed):
        services.product_action(product_id=draft_product.pk, action="approve", actor=member)
    with pytest.raises(ProductIncomplete):
        services.product_action(product_id=draft_product.pk, action="reject", actor=operator)
    services.product_action(product_id=draft_product.pk, action="reject", actor=operator, reason="원산지가 불명확합니다")
    draft_product.refresh_from_db()
    assert draft_product.status == ProductStatus.REJECTED and draft_product.status_reason == "원산지가 불명확합니다"


def test_food_needs_origin_and_an_image_to_be_submitted():
    product = ProductFactory(status=ProductStatus.DRAFT, published_at=None, origin="")
    member = MembershipFactory(vendor=product.vendor).user
    with pytest.raises(ProductIncomplete) as exc:
        services.product_action(product_id=product.pk, action="submit", actor=member)
    assert "원산지" in exc.value.message and "이미지" in exc.value.message


def test_illegal_product_transitions(operator):
    product = ProductFactory()
    with pytest.raises(InvalidTransition):
        services.product_action(product_id=product.pk, action="withdraw", actor=operator)
    services.product_action(product_id=product.pk, action="hide", actor=operator)
    assert product.pk not in on_sale_ids()
    services.product_action(product_id=product.pk, action="show", actor=operator)
    assert product.pk in on_sale_ids()


def test_images_are_reencoded_and_get_thumbnails(draft_product):
    image = ProductImage.objects.get(product=draft_product)
    assert image.image.name.endswith(".png")
    assert sorted(image.thumbs, key=int) == ["240", "480", "960"]
    assert image.thumb_url(480).endswith("_w480.webp")
    again = services.product_image_thumbnails(image_id=image.pk)
    assert again == image.thumbs  # idempotent: same files rewritten


def test_thumbnail_falls_back_to_original_until_made():
    product = ProductFactory()
    image = ProductImage(product=product, image="products/x/orig.png")
    assert image.thumb_url(240) == image.image.url


def test_description_is_sanitised():
    html = services.render_description(
        "첫 문단\n\n- 하나\n- 둘\n\n<script>alert(1)</script>\n\n![사진](https://example.kr/a.jpg)\n\n"
        '<a href="javascript:alert(1)">x</a> <img src=x onerror=alert(1)>'
    )
    assert "<ul>" in html and "<li>하나</li>" in html and '<img alt="사진" src="https://example.kr/a.jpg">' in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_shipping_fee_rules():
    class Policy:
        base_fee, free_threshold, remote_extra_fee, jeju_extra_fee = 3000, 50000, 3000, 4000

    assert area_of("63100") == "jeju" and area_of("40220") == "remote" and area_of("32244") == "mainland"
    assert shipping_fee(Policy, items_total=30000, postal_code="32244").total == 3000
    assert shipping_fee(Policy, items_total=50000, postal_code="32244").total == 0
    assert shipping_fee(Policy, items_total=50000, postal_code="63100").total == 4000
    assert shipping_fee(Policy, items_total=10000, postal_code="40220").total == 6000


# --- search ---------------------------------------------------------------------------


def test_grams_and_particles():
    assert {"절", "절임", "임배", "배추"} <= grams("절임배추")
    assert query_terms("사과를 아로니아") == [("사과를", "사과"), ("아로니아",)]


@pytest.fixture
def searchable(db):
    veg = category("fruit-vegetables")
    return {
        "cabbage": ProductFactory(name="해남 절임배추 20kg", category=veg),
        "cabbage_raw": ProductFactory(name="배추", category=veg),
        "aronia": ProductFactory(name="유기농 아로니아즙 30포", category=category("health-food")),
        "apple": ProductFactory(name="예산 꿀사과 5kg", category=veg),
        "rice": ProductFactory(name="홍성 현미", vendor=VendorFactory(name="배추마을영농조합")),
    }


def search(q):
    return list(product_search(Product.objects.on_sale(), q).values_list("name", flat=True))


def test_korean_partial_words_and_particles(searchable):
    found = search("배추")
    assert found[0] == "배추"  # exact name first
    assert "해남 절임배추 20kg" in found and "홍성 현미" in found  # via the vendor's name
    assert search("아로니아") == ["유기농 아로니아즙 30포"]
    assert search("사과를") == ["예산 꿀사과 5kg"]
    assert search("절임배추 해남") == ["해남 절임배추 20kg"]
    assert search("없는상품") == []
    assert search("  !!  ") == []


@pytest.mark.postgres
def test_search_uses_the_gin_index_on_postgres(searchable):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (GIN index on bigrams)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_product_grams_gin'")
        assert "gin" in cursor.fetchone()[0]
    assert search("배추")[0] == "배추"
    qs = product_search(Product.objects.on_sale(), "배추")
    assert "@>" in str(qs.query)


def test_every_task_is_registered_as_app_dot_function_name():
    """Services queue tasks by these names (ddasum.jobs); a worker finds them under the same ones."""
    named = {name: task.name for name, task in vars(catalog_tasks).items() if isinstance(task, Task)}
    expected = (
        "product_image_thumbnails_task",
        "variant_low_stock_notify_task",
        "product_reviewed_notify_task",
        "restock_notices_send_task",
    )
    assert named == {name: f"catalog.{name}" for name in expected}
