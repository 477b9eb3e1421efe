"""The partner admin's pages carry what a phone needs: the viewport, the phone stylesheet, cameras for
photo inputs, labelled inline cells and list columns a phone can hide."""
import pytest
from django.urls import reverse

from catalog.admin import ProductPartnerAdmin
from catalog.models import Product
from ddasum.admin_scoping import PHONE_COLUMNS_DEFAULT
from tests.factories import ProductFactory, UserFactory, place_order
from tests.otp import otp_login
from vendors.admin_site import partner_admin_site

pytestmark = pytest.mark.django_db

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
PHONE_CSS = "css/partner-mobile.css"


@pytest.fixture
def product(vendor):
    return ProductFactory(vendor=vendor, variants=[{"name": "5kg", "price": 25000, "stock": 10},
                                                   {"name": "10kg", "price": 45000, "stock": 3}])


@pytest.fixture
def vendor_order(product):
    return place_order(items=[(product.variants.first(), 1)], buyer=UserFactory(), paid=True).vendor_orders.get()


def partner_pages(vendor, product, vendor_order):
    return [
        reverse("partner:index"),
        reverse("partner:catalog_product_changelist"),
        reverse("partner:catalog_product_add"),
        reverse("partner:catalog_product_change", args=[product.pk]),
        reverse("partner:catalog_productvariant_changelist"),
        reverse("partner:orders_vendororder_changelist"),
        reverse("partner:orders_vendororder_change", args=[vendor_order.pk]),
        reverse("partner:orders_vendororder_action", args=[vendor_order.pk, "ship"]),
        reverse("partner:vendors_vendor_change", args=[vendor.pk]),
    ]


def test_partner_pages_carry_the_viewport_and_the_phone_stylesheet(partner_client, vendor, product, vendor_order):
    for url in partner_pages(vendor, product, vendor_order):
        response = partner_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert VIEWPORT in html, url
        # After Django's responsive.css, so that its rules win.
        assert html.index("admin/css/responsive.css") < html.index(PHONE_CSS), url


def test_the_operators_admin_keeps_django_s_own_layout(client, operator, product):
    otp_login(client, operator)
    for url in (reverse("admin:index"), reverse("admin:catalog_product_changelist"),
                reverse("admin:catalog_product_change", args=[product.pk])):
        html = client.get(url).content.decode()
        assert VIEWPORT in html and PHONE_CSS not in html, url
        assert "phone-cell-label" not in html and "phone-hide-" not in html, url


def test_photo_inputs_open_the_camera(partner_client, vendor, product):
    html = partner_client.get(reverse("partner:catalog_product_add")).content.decode()
    for name in ("images-0-image", "images-__prefix__-image"):  # the blank row and the template of added ones
        assert f'accept="image/*" id="id_{name}" name="{name}"' in html or (
            f'name="{name}" accept="image/*"' in html), name
    html = partner_client.get(reverse("partner:catalog_product_change", args=[product.pk])).content.decode()
    assert 'name="images-0-image" accept="image/*"' in html
    html = partner_client.get(reverse("partner:vendors_vendor_change", args=[vendor.pk])).content.decode()
    assert 'name="logo" accept="image/*"' in html
    assert 'name="photos-0-image" accept="image/*"' in html


def test_inline_cells_carry_their_labels_for_the_phone_cards(partner_client, product):
    html = partner_client.get(reverse("partner:catalog_product_change", args=[product.pk])).content.decode()
    for i in (0, 1):
        assert f'<label class="phone-cell-label" for="id_variants-{i}-name">옵션명</label>' in html
        assert f'<label class="phone-cell-label" for="id_variants-{i}-price">판매가(원)</label>' in html
        assert f'<label class="phone-cell-label" for="id_variants-{i}-DELETE">' in html
    assert '<label class="phone-cell-label" for="id_images-0-image">이미지</label>' in html
    # The template row the "add another" button copies is labelled too (the script renumbers `for`).
    assert '<label class="phone-cell-label" for="id_variants-__prefix__-name">옵션명</label>' in html


def test_lists_name_the_columns_a_phone_hides(partner_client, product, vendor_order):
    html = partner_client.get(reverse("partner:catalog_product_changelist")).content.decode()
    assert 'id="phone-all-columns"' in html and "모든 열 보기" in html
    # name, category, status, price, in stock, updated, shop link (no bulk actions; one vendor: no vendor column)
    assert '<table id="result_list" class="phone-hide-2 phone-hide-5 phone-hide-6 phone-hide-7">' in html

    html = partner_client.get(reverse("partner:orders_vendororder_changelist")).content.decode()
    # action checkbox, number, placed, delivery date, recipient, items, total, status, tracking
    assert '<table id="result_list" class="phone-hide-3 phone-hide-4 phone-hide-5 phone-hide-7 phone-hide-9">' in html


def test_phone_columns_keep_the_link_column_and_default_to_the_first_ones():
    model_admin = partner_admin_site._registry[Product]
    assert isinstance(model_admin, ProductPartnerAdmin)
    columns = ["action_checkbox", "name", "vendor", "category", "status", "price_display"]
    assert model_admin.phone_hidden_columns(columns) == [3, 4]

    class NoChoice(ProductPartnerAdmin):
        phone_list_display = None

    default = NoChoice(Product, partner_admin_site)
    assert default.phone_hidden_columns(columns) == list(range(PHONE_COLUMNS_DEFAULT + 2, len(columns) + 1))

    class LinkForgotten(ProductPartnerAdmin):
        phone_list_display = ("status",)

    assert LinkForgotten(Product, partner_admin_site).phone_hidden_columns(["name", "category", "status"]) == [2]


def test_every_partner_list_names_phone_columns_it_has():
    for model, model_admin in partner_admin_site._registry.items():
        chosen = model_admin.phone_list_display
        if chosen is not None:
            assert set(chosen) <= set(model_admin.list_display), model._meta.label
