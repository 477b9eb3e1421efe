"""Products in the partner admin (scoped to the vendor) and the operators' review, by URL."""
import pytest
from django.urls import reverse

from accounts.models import Notification
from catalog.models import Category, Product, ProductImage, ProductStatus, ShippingPolicy
from catalog.services import product_action, product_image_add
from tests.factories import MembershipFactory, ProductFactory, category, image_bytes, upload
from tests.otp import otp_login
from vendors.models import MembershipRole, SocialFactKind, VendorSocialFact
from vendors.services import vendor_social_fact_verify

pytestmark = pytest.mark.django_db


def management(prefix, total, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def product_fields(**overrides):
    data = {
        "category": category("rice-grains").pk, "kind": "goods", "name": "홍성 유기농 절임배추", "summary": "김장용",
        "description": "첫 문단\n\n- 국내산 배추\n- 천일염", "tax_type": "exempt", "origin": "국내산(충남 홍성)",
        "unit": "1박스", "specs": "", "min_order_qty": "1", "max_order_qty": "",
    }
    return {**data, **overrides}


def variant_row(i, **values):
    row = {"name": f"옵션{i}", "sku": f"SKU-{i}", "price": "30000", "list_price": "", "stock": "10",
           "track_stock": "on", "low_stock_threshold": "5", "is_active": "on", "position": str(i), **values}
    return {f"variants-{i}-{k}": v for k, v in row.items() if v is not None}


@pytest.fixture
def mine(vendor):
    return ProductFactory(vendor=vendor, name="우리 현미")


@pytest.fixture
def theirs(other_vendor, other_owner):
    return ProductFactory(vendor=other_vendor, name="남의 현미")


# --- scoping --------------------------------------------------------------------------


def test_lists_show_only_own_rows(partner_client, vendor, other_vendor, mine, theirs):
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000)
    ShippingPolicy.objects.create(vendor=other_vendor, base_fee=4000)
    html = partner_client.get(reverse("partner:catalog_product_changelist")).content.decode()
    assert "우리 현미" in html and "남의 현미" not in html
    assert f'href="{mine.get_absolute_url()}"' in html  # the storefront page of what is on sale
    html = partner_client.get(reverse("partner:catalog_productvariant_changelist")).content.decode()
    assert "우리 현미" in html and "남의 현미" not in html
    html = partner_client.get(reverse("partner:catalog_shippingpolicy_changelist")).content.decode()
    assert vendor.name in html and other_vendor.name not in html
    # Searching does not reach across either.
    html = partner_client.get(reverse("partner:catalog_product_changelist"), {"q": "남의"}).content.decode()
    assert "남의 현미" not in html


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_other_vendors_catalog_objects_give_404(partner_client, other_vendor, theirs, view):
    policy = ShippingPolicy.objects.create(vendor=other_vendor)
    objects = {"product": theirs, "productvariant": theirs.variants.get(), "shippingpolicy": policy}
    for model, obj in objects.items():
        response = partner_client.get(reverse(f"partner:catalog_{model}_{view}", args=[obj.pk]))
        assert response.status_code in (403, 404), (model, view, response.status_code)


def test_other_vendors_product_cannot_be_changed_or_acted_on(partner_client, theirs):
    response = partner_client.post(reverse("partner:catalog_product_change", args=[theirs.pk]), {"name": "hacked"})
    assert response.status_code == 404
    response = partner_client.post(reverse("partner:catalog_product_action", args=[theirs.pk, "hide"]), {"reason": ""})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "남의 현미" and theirs.status == ProductStatus.ON_SALE


def test_autocompletes_offer_only_own_rows(partner_client, vendor, mine, theirs):
    url = reverse("partner:autocomplete")
    response = partner_client.get(url, {"app_label": "catalog", "model_name": "productvariant",
                                        "field_name": "product", "term": "현미"})
    assert response.status_code == 200
    assert {int(r["id"]) for r in response.json()["results"]} == {mine.pk}
    response = partner_client.get(url, {"app_label": "catalog", "model_name": "product", "field_name": "vendor",
                                        "term": ""})
    assert {int(r["id"]) for r in response.json()["results"]} == {vendor.pk}


def test_list_editable_ignores_other_vendors_variants(partner_client, theirs):
    variant = theirs.variants.get()
    partner_client.post(reverse("partner:catalog_productvariant_changelist"), changelist_row(variant, price=1, stock=0))
    variant.refresh_from_db()
    assert variant.price != 1 and variant.stock == 10


# --- a vendor creates and submits a product -------------------------------------------------


def test_vendor_creates_product_with_two_variants_and_an_image_then_submits(
        partner_client, vendor, django_capture_on_commit_callbacks):
    url = reverse("partner:catalog_product_add")
    page = partner_client.get(url)
    assert page.status_code == 200
    assert 'type="hidden" name="vendor"' in page.content.decode()  # one vendor: set, not chosen
    data = {
        "vendor": vendor.pk, **product_fields(),
        **management("variants", 2), **variant_row(0, name="10kg", price="30000"),
        **variant_row(1, name="20kg", price="55000", list_price="60000"),
        **management("images", 1), "images-0-image": upload("photo.jpg", image_bytes("JPEG", (800, 600))),
        "images-0-alt": "", "images-0-position": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    product = Product.objects.get(name="홍성 유기농 절임배추")
    assert product.vendor == vendor and product.status == ProductStatus.DRAFT
    assert list(product.variants.values_list("name", flat=True)) == ["10kg", "20kg"]
    assert product.price == 30000 and product.in_stock and product.slug
    assert "<li>국내산 배추</li>" in product.description_html
    image = ProductImage.objects.get(product=product)
    assert image.image.name.endswith(".jpg") and sorted(image.thumbs, key=int) == ["240", "480", "960"]

    change_url = reverse("partner:catalog_product_change", args=[product.pk])
    page = partner_client.get(change_url).content.decode()
    submit_url = reverse("partner:catalog_product_action", args=[product.pk, "submit"])
    assert submit_url in page
    assert reverse("partner:catalog_product_action", args=[product.pk, "show"]) not in page
    assert partner_client.get(submit_url).status_code == 200  # the confirm page
    response = partner_client.post(submit_url)
    assert response["Location"] == change_url
    product.refresh_from_db()
    assert product.status == ProductStatus.PENDING  # the vendor's first product waits for review
    page = partner_client.get(change_url).content.decode()
    assert reverse("partner:catalog_product_action", args=[product.pk, "withdraw"]) in page
    assert submit_url not in page
    # Vendors do not approve.
    response = partner_client.post(reverse("partner:catalog_product_action", args=[product.pk, "approve"]))
    assert response.status_code == 404


def test_food_needs_origin_and_the_vendor_cannot_be_someone_else(partner_client, vendor, other_vendor):
    data = {"vendor": vendor.pk, **product_fields(origin=""), **management("variants", 1), **variant_row(0),
            **management("images", 0)}
    response = partner_client.post(reverse("partner:catalog_product_add"), data)
    assert response.status_code == 200
    assert "원산지를 입력해 주세요" in str(response.context["adminform"].form.errors["origin"])
    response = partner_client.post(reverse("partner:catalog_product_add"), {**data, "vendor": other_vendor.pk,
                                                                            "origin": "국내산"})
    assert response.status_code == 200 and "vendor" in response.context["adminform"].form.errors
    # A non-food category needs no origin.
    data = {**data, "category": category("household").pk, "name": "천연 수세미"}
    assert partner_client.post(reverse("partner:catalog_product_add"), data).status_code == 302
    assert not Product.objects.filter(vendor=other_vendor).exists()


def test_submit_without_image_says_why(partner_client, vendor):
    product = ProductFactory(vendor=vendor, status=ProductStatus.DRAFT, published_at=None)
    response = partner_client.post(reverse("partner:catalog_product_action", args=[product.pk, "submit"]), follow=True)
    assert "상품 이미지가 없습니다" in response.content.decode()
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_inline_stock_change_goes_through_the_service(partner_client, vendor, django_capture_on_commit_callbacks):
    product = ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 10}])
    variant = product.variants.get()
    data = {
        **product_fields(name=product.name), "vendor": vendor.pk,
        **management("variants", 1, 1), **variant_row(0, id=str(variant.pk), product=str(product.pk), name="5kg",
                                                     sku=variant.sku, price="26000", stock="2"),
        **management("images", 0), **management("events", 0),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(reverse("partner:catalog_product_change", args=[product.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (variant.stock, variant.price, product.price) == (2, 26000, 26000)
    assert Notification.objects.filter(title__startswith="재고 부족").exists()


def test_published_products_are_hidden_not_deleted(partner_client, vendor, mine):
    assert partner_client.get(reverse("partner:catalog_product_delete", args=[mine.pk])).status_code == 403
    draft = ProductFactory(vendor=vendor, status=ProductStatus.DRAFT, published_at=None)
    response = partner_client.post(reverse("partner:catalog_product_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Product.objects.filter(pk=draft.pk).exists()
    hide_url = reverse("partner:catalog_product_action", args=[mine.pk, "hide"])
    assert hide_url in partner_client.get(reverse("partner:catalog_product_change", args=[mine.pk])).content.decode()
    partner_client.post(hide_url, {"reason": "재료 소진"})
    mine.refresh_from_db()
    assert mine.status == ProductStatus.HIDDEN and mine.status_reason == "재료 소진"
    partner_client.post(reverse("partner:catalog_product_action", args=[mine.pk, "show"]))
    mine.refresh_from_db()
    assert mine.status == ProductStatus.ON_SALE


# --- stock and prices in a list -------------------------------------------------------


def changelist_row(variant, **values):
    row = {"id": variant.pk, "price": variant.price, "list_price": variant.list_price or "", "stock": variant.stock,
           "is_active": "on" if variant.is_active else "", **values}
    return {f"form-0-{k}": v for k, v in row.items() if v != ""} | {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
        "_save": "저장"}


def test_list_edit_of_stock_warns_when_low(client, vendor, django_capture_on_commit_callbacks):
    product = ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 10,
                                                      "low_stock_threshold": 3}])
    staff = MembershipFactory(vendor=vendor, role=MembershipRole.STAFF).user
    client.force_login(staff)
    variant = product.variants.get()
    url = reverse("partner:catalog_productvariant_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, changelist_row(variant, stock=2, price=24000))
    assert response.status_code == 302
    variant.refresh_from_db()
    product.refresh_from_db()
    assert (variant.stock, variant.price, product.price) == (2, 24000, 24000)
    notice = Notification.objects.get(user=staff)
    assert "재고 부족" in notice.title and notice.url == reverse("partner:catalog_product_change", args=[product.pk])
    # Negative stock is refused with the model's message; sold out is fine and shows.
    response = client.post(url, changelist_row(variant, stock=-1))
    assert response.status_code == 200 and "재고는 0보다 작을 수 없습니다" in response.content.decode()
    client.post(url, changelist_row(variant, stock=0))
    product.refresh_from_db()
    assert not product.in_stock
    # No adding or deleting variants here.
    assert client.get(reverse("partner:catalog_productvariant_add")).status_code == 403
    assert client.get(reverse("partner:catalog_productvariant_delete", args=[variant.pk])).status_code == 403


# --- shipping policy ------------------------------------------------------------------


def test_one_shipping_policy_per_vendor(partner_client, vendor, other_vendor):
    add_url = reverse("partner:catalog_shippingpolicy_add")
    data = {"vendor": vendor.pk, "base_fee": "3000", "free_threshold": "50000", "remote_extra_fee": "3000",
            "jeju_extra_fee": "4000", "bundle_rule": "per_vendor", "shipping_days": "2", "notes": "평일 오후 2시 전 주문은 당일 출고",
            "return_period_days": "7", "return_fee": "3000", "exchange_fee": "6000", "return_address": "",
            "return_exceptions": ""}
    assert partner_client.post(add_url, {**data, "vendor": other_vendor.pk}).status_code == 200
    assert not ShippingPolicy.objects.exists()
    assert partner_client.post(add_url, data).status_code == 302
    assert ShippingPolicy.objects.get().vendor == vendor
    assert partner_client.get(add_url).status_code == 403
    policy = ShippingPolicy.objects.get()
    response = partner_client.post(reverse("partner:catalog_shippingpolicy_change", args=[policy.pk]),
                                   {**data, "base_fee": "2500"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.base_fee == 2500


# --- the operator's review ------------------------------------------------------------


@pytest.fixture
def pending(vendor, owner, django_capture_on_commit_callbacks):
    product = ProductFactory(vendor=vendor, status=ProductStatus.DRAFT, published_at=None, name="검토할 배추")
    with django_capture_on_commit_callbacks(execute=True):
        product_image_add(product_id=product.pk, upload=upload("p.png", image_bytes("PNG")))
    product_action(product_id=product.pk, action="submit", actor=owner)
    product.refresh_from_db()
    assert product.status == ProductStatus.PENDING
    return product


def test_review_queue_puts_pending_first(client, operator, pending):
    ProductFactory(name="판매 중인 쌀")
    otp_login(client, operator)
    response = client.get(reverse("admin:catalog_product_changelist"))
    names = [p.name for p in response.context["cl"].result_list]
    assert names[0] == "검토할 배추"
    html = client.get(reverse("admin:catalog_product_changelist"), {"status": "pending"}).content.decode()
    assert "검토할 배추" in html and "판매 중인 쌀" not in html


def test_operator_approves(client, operator, owner, pending, django_capture_on_commit_callbacks):
    otp_login(client, operator)
    page = client.get(reverse("admin:catalog_product_change", args=[pending.pk])).content.decode()
    approve_url = reverse("admin:catalog_product_action", args=[pending.pk, "approve"])
    assert approve_url in page and reverse("admin:catalog_product_action", args=[pending.pk, "reject"]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url)
    assert response["Location"] == reverse("admin:catalog_product_change", args=[pending.pk])
    pending.refresh_from_db()
    assert pending.status == ProductStatus.ON_SALE and pending.published_at
    assert owner.notifications.filter(title__contains="승인").exists()
    # The history shows on the product page.
    page = client.get(reverse("admin:catalog_product_change", args=[pending.pk])).content.decode()
    assert "상태 이력" in page


def test_operator_rejects_with_a_reason(client, operator, owner, pending, django_capture_on_commit_callbacks):
    otp_login(client, operator)
    url = reverse("admin:catalog_product_action", args=[pending.pk, "reject"])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "사유를 입력해 주세요" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "원산지 표기가 불명확합니다"})
    pending.refresh_from_db()
    assert pending.status == ProductStatus.REJECTED and pending.status_reason == "원산지 표기가 불명확합니다"
    notice = owner.notifications.get(title__contains="반려")
    assert "원산지 표기가 불명확합니다" in notice.body
    # The vendor reads the reason on its own product page.
    client.force_login(owner)
    page = client.get(reverse("partner:catalog_product_change", args=[pending.pk])).content.decode()
    assert "원산지 표기가 불명확합니다" in page


def test_review_is_for_operators_only(client, owner, pending):
    client.force_login(owner)
    response = client.post(reverse("admin:catalog_product_action", args=[pending.pk, "approve"]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    pending.refresh_from_db()
    assert pending.status == ProductStatus.PENDING


def test_operator_bulk_approves(client, operator, pending):
    otp_login(client, operator)
    client.post(reverse("admin:catalog_product_changelist"),
                {"action": "approve_selected", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == ProductStatus.ON_SALE


def test_operator_edits_categories_but_cannot_delete_used_ones(client, operator, mine):
    otp_login(client, operator)
    rice = category("rice-grains")
    response = client.post(reverse("admin:catalog_category_add"), {
        "name": "찹쌀", "slug": "glutinous-rice", "parent": rice.pk, "position": "5", "icon": "", "is_food": "on",
        "is_active": "on"})
    assert response.status_code == 302
    sub = Category.objects.get(slug="glutinous-rice")
    assert sub.parent == rice and sub.requires_origin
    # Only one level of sub-categories.
    response = client.post(reverse("admin:catalog_category_add"), {
        "name": "흑찹쌀", "slug": "black-rice", "parent": sub.pk, "position": "1", "is_active": "on"})
    assert response.status_code == 200
    client.post(reverse("admin:catalog_category_delete", args=[rice.pk]), {"post": "yes"})
    assert Category.objects.filter(pk=rice.pk).exists()


# --- social-value facts ---------------------------------------------------------------


def test_social_facts_proposed_by_vendor_verified_by_operator(client, owner, vendor, operator, other_vendor):
    client.force_login(owner)
    add_url = reverse("partner:vendors_vendorsocialfact_add")
    response = client.post(add_url, {"vendor": vendor.pk, "kind": SocialFactKind.VULNERABLE_EMPLOYMENT,
                                     "value": "직원의 62%", "evidence": "고용보험 명부"})
    assert response.status_code == 302
    fact = VendorSocialFact.objects.get()
    assert fact.vendor == vendor and fact.verified_at is None
    # Not for another vendor, and not the same kind twice.
    client.post(add_url, {"vendor": other_vendor.pk, "kind": SocialFactKind.LOCAL_SOURCING, "value": "90%"})
    response = client.post(add_url, {"vendor": vendor.pk, "kind": SocialFactKind.VULNERABLE_EMPLOYMENT,
                                     "value": "70%"})
    assert response.status_code == 200 and VendorSocialFact.objects.count() == 1

    otp_login(client, operator)
    client.post(reverse("admin:vendors_vendorsocialfact_changelist"),
                {"action": "verify_selected", "_selected_action": [fact.pk]})
    fact.refresh_from_db()
    assert fact.verified_by == operator and fact.verified_at is not None
    assert VendorSocialFact.objects.verified().count() == 1

    # The vendor changes the value: it goes back to unverified.
    client.force_login(owner)
    change_url = reverse("partner:vendors_vendorsocialfact_change", args=[fact.pk])
    assert client.post(change_url, {"value": "직원의 70%", "evidence": "고용보험 명부"}).status_code == 302
    fact.refresh_from_db()
    assert fact.value == "직원의 70%" and fact.verified_at is None and fact.verified_by is None


def test_only_operators_verify_facts(owner, vendor):
    from vendors.exceptions import NotAllowed

    fact = VendorSocialFact.objects.create(vendor=vendor, kind=SocialFactKind.ECO_PACKAGING, value="종이 포장")
    with pytest.raises(NotAllowed):
        vendor_social_fact_verify(fact_id=fact.pk, actor=owner)


def test_partner_does_not_see_other_vendors_facts(partner_client, other_vendor):
    fact = VendorSocialFact.objects.create(vendor=other_vendor, kind=SocialFactKind.ECO_PACKAGING, value="비밀 포장")
    assert "비밀 포장" not in partner_client.get(reverse("partner:vendors_vendorsocialfact_changelist")).content.decode()
    assert partner_client.get(reverse("partner:vendors_vendorsocialfact_change", args=[fact.pk])).status_code == 404



def test_only_offered_actions_open_and_images_can_be_removed(partner_client, vendor, pending,
                                                             django_capture_on_commit_callbacks):
    url = reverse("partner:catalog_product_action", args=[pending.pk, "show"])
    response = partner_client.get(url, follow=True)
    assert "할 수 없는 작업입니다" in response.content.decode()
    image = pending.images.get()
    variant = pending.variants.get()
    data = {
        **product_fields(name=pending.name), "vendor": vendor.pk,
        **management("variants", 1, 1), **variant_row(0, id=str(variant.pk), product=str(pending.pk),
                                                     name=variant.name, sku=variant.sku, price=str(variant.price)),
        **management("images", 1, 1), "images-0-id": str(image.pk), "images-0-product": str(pending.pk),
        "images-0-alt": image.alt, "images-0-position": "0", "images-0-DELETE": "on",
        **management("events", 1, 1),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(reverse("partner:catalog_product_change", args=[pending.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert not ProductImage.objects.filter(pk=image.pk).exists()
