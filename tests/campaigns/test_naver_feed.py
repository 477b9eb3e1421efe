"""The 네이버 쇼핑 feed (campaigns.services.naver_feed): EP 3.0 TSV of what is on sale, written by the hourly
task to storage and served at /feeds/naver-ep.tsv."""
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from campaigns.services.naver_feed import COLUMNS, FEED_NAME, feed_value, naver_feed_generate, naver_feed_tsv
from campaigns.tasks import naver_feed_generate_task
from catalog.models import ProductImage, ProductStatus, ShippingPolicy
from catalog.services import product_refresh
from tests.factories import ProductFactory, VendorFactory, category
from vendors.models import VendorStatus

from .factories import CampaignFactory, CampaignItemFactory

pytestmark = pytest.mark.django_db


def _photo(product, n: int = 1):
    for i in range(n):
        ProductImage.objects.create(product=product, image=f"products/{product.pk}/p{i}.jpg", position=i)
    return product


def _table(data: bytes) -> list[dict]:
    text = data.decode("utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and all(lines[:-1])  # one line per row, ending in a newline
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[1:-1]]
    assert all(len(r) == len(header) for r in rows)
    return [dict(zip(header, r, strict=True)) for r in rows]


@pytest.fixture
def farm(db):
    vendor = VendorFactory(name="햇살농장협동조합")
    ShippingPolicy.objects.create(vendor=vendor, base_fee=3000, free_threshold=30000)
    return vendor


def test_header_is_the_ep_3_0_columns_with_the_required_ones():
    header = naver_feed_tsv().decode("utf-8").split("\n")[0].split("\t")
    assert header == list(COLUMNS)
    for required in ("id", "title", "price_pc", "link", "image_link", "category_name1", "shipping"):
        assert required in header
    assert header[:3] == ["id", "title", "price_pc"]


def test_a_row_carries_the_product(farm, settings):
    settings.SITE_URL = "https://ddasum.example"
    rice = _photo(ProductFactory(vendor=farm, name="홍성 유기농 현미", variants=[
        {"name": "5kg", "price": 25000, "stock": 10, "list_price": 28000}]), n=3)
    (row,) = _table(naver_feed_tsv())
    assert row["id"] == str(rice.pk)
    assert row["title"] == "홍성 유기농 현미"
    assert row["price_pc"] == row["price_mobile"] == "25000"
    assert row["normal_price"] == "28000"
    assert row["link"] == row["mobile_link"] == "https://ddasum.example" + rice.get_absolute_url()
    assert row["image_link"] == f"https://ddasum.example/media/products/{rice.pk}/p0.jpg"
    assert row["add_image_link"].split("|") == [f"https://ddasum.example/media/products/{rice.pk}/p{i}.jpg"
                                                for i in (1, 2)]
    assert row["category_name1"] == category("rice-grains").name and row["category_name2"] == ""
    assert row["brand"] == row["maker"] == "햇살농장협동조합"
    assert row["origin"] == "국내산(충남 홍성)"
    assert row["shipping"] == "3000"  # one unit is under the 30,000 free threshold
    assert row["event_words"] == ""


def test_free_shipping_when_one_unit_reaches_the_threshold_and_campaign_price_is_the_price(farm):
    gift = _photo(ProductFactory(vendor=farm, variants=[{"name": "선물세트", "price": 40000, "stock": 5}]))
    item = CampaignItemFactory(product=gift, campaign=CampaignFactory(title="추석 판매전"), percent_off=20)
    (row,) = _table(naver_feed_tsv())
    assert row["price_pc"] == "32000" and row["normal_price"] == "40000"
    assert row["event_words"] == item.campaign.title
    assert row["shipping"] == "0"  # 32,000 ≥ 30,000


def test_only_products_on_sale_in_stock_with_a_photo(farm):
    listed = _photo(ProductFactory(vendor=farm))
    _photo(ProductFactory(vendor=farm, variants=[{"name": "5kg", "price": 25000, "stock": 0}]))  # sold out
    hidden = _photo(ProductFactory(vendor=farm))
    hidden.status = ProductStatus.HIDDEN
    hidden.save(update_fields=["status"])
    ProductFactory(vendor=farm)  # no photo: image_link is required
    suspended = VendorFactory(status=VendorStatus.SUSPENDED)
    _photo(ProductFactory(vendor=suspended))
    no_number = VendorFactory(mail_order_number="")  # may not sell yet
    _photo(ProductFactory(vendor=no_number))
    assert [r["id"] for r in _table(naver_feed_tsv())] == [str(listed.pk)]


def test_tabs_and_line_breaks_never_split_a_row(farm):
    odd = _photo(ProductFactory(vendor=farm, name="현미\t5kg\n햅쌀"))
    odd.origin = "국내산\r\n(충남\t홍성)"
    odd.save(update_fields=["origin"])
    (row,) = _table(naver_feed_tsv())
    assert row["title"] == "현미 5kg 햅쌀"
    assert row["origin"] == "국내산 (충남 홍성)"
    assert feed_value("  a\u2028b  ") == "a b" and feed_value(None) == ""


def test_each_run_writes_what_is_on_sale_now_so_a_missed_run_is_made_up(farm, client):
    """The hourly task rebuilds the whole file from the database: a run that never happened
    leaves nothing behind that the next one does not write."""
    assert client.get(reverse("campaigns:naver_feed")).status_code == 404  # before the first run
    first = _photo(ProductFactory(vendor=farm))
    assert naver_feed_generate_task() == 1
    # Runs missed while things changed: a new product on sale, the first one sold out.
    second = _photo(ProductFactory(vendor=farm))
    first.variants.update(stock=0)
    product_refresh(product_id=first.pk)
    assert naver_feed_generate_task() == 1
    response = client.get(reverse("campaigns:naver_feed"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert [r["id"] for r in _table(body)] == [str(second.pk)]
    # Running again with nothing changed leaves the file as it is.
    assert naver_feed_generate().changed is False
    with default_storage.open(FEED_NAME, "rb") as stored:
        assert stored.read() == body


def test_fixed_number_of_queries(farm, django_assert_max_num_queries):
    for _ in range(5):
        _photo(ProductFactory(vendor=farm), n=2)
    CampaignItemFactory(product=ProductFactory(vendor=farm))
    with django_assert_max_num_queries(6):
        data = naver_feed_tsv()
    assert len(_table(data)) == 5
