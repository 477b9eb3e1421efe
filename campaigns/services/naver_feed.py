"""The 네이버 쇼핑 product feed (EP 3.0, 전체 EP): every product on sale, as one TSV file Naver fetches.

The format is Naver's EP 3.0 guide: UTF-8 text, the first line the column names, one product per
line, columns separated by a tab. Required columns are id, title, price_pc, link, image_link,
category_name1 and shipping (0 free, the fee one unit costs otherwise; -1 would be 착불); the rest
are recommended. A value may hold no tab or line break, so each is written as a space.

What is listed: `Product.objects.on_sale()` (the shop's one rule: on sale, vendor approved, with its
certification in period and its 통신판매업 number), in stock, with a photo (image_link is required).
The price is what the product page asks today: a live campaign price when there is one (the regular
price then goes to normal_price and the campaign's title to event_words), so Naver never shows a
price the landing page contradicts. That is why the feed lives in campaigns, above catalog.

The file is written to the public storage under FEED_NAME by the hourly beat task (regenerated
from the database each time, so a missed run is made up by the next) and served at /feeds/naver-ep.tsv.
"""
import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.utils import timezone

from catalog.models import Product, ProductImage
from catalog.shipping import shipping_fee

from ..selectors.campaigns import PriceBook

logger = logging.getLogger(__name__)

FEED_NAME = "feeds/naver-ep.tsv"

COLUMNS = (
    "id", "title", "price_pc", "price_mobile", "normal_price", "link", "mobile_link", "image_link", "add_image_link",
    "category_name1", "category_name2", "category_name3", "category_name4", "brand", "maker", "origin",
    "event_words", "review_count", "shipping",
)

TITLE_MAX = 100  # characters Naver shows of a product name
ADD_IMAGES_MAX = 10  # add_image_link: up to ten more photos, separated by "|"

_BREAKS = re.compile(r"[\t\r\n\v\f\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")


def feed_value(value) -> str:
    """A cell of the TSV: tabs and line breaks become spaces (they would split the row), trimmed."""
    if value is None:
        return ""
    text = _SPACES.sub(" ", _BREAKS.sub(" ", str(value)))
    return text.strip()


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL.rstrip("/") + url


def feed_products():
    """What the feed lists, with everything a row needs in three queries (products, photos, policies)."""
    return (
        Product.objects.on_sale().filter(in_stock=True, images__isnull=False).distinct()
        .select_related("vendor__shipping_policy", "category__parent")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"),
                                   to_attr="ordered_images"))
        .order_by("pk")
    )


def _shipping(product, price: int) -> int:
    """The fee of one unit at `price` (a threshold the unit alone reaches makes it free)."""
    policy = getattr(product.vendor, "shipping_policy", None)
    return shipping_fee(policy, items_total=price).base


def feed_row(product, book: PriceBook) -> list[str]:
    card = book.for_product(product.pk)
    campaign_price = card.price if card is not None and card.price is not None else None
    price = campaign_price if campaign_price is not None else product.price
    normal = (card.regular_price if campaign_price is not None
              else product.list_price if product.list_price and product.list_price > product.price else "")
    category = product.category
    names = [category.parent.name, category.name] if category.parent_id else [category.name]
    names += [""] * (4 - len(names))
    images = product.ordered_images
    link = _absolute(product.get_absolute_url())
    row = [
        product.pk, feed_value(product.name)[:TITLE_MAX], price, price, normal, link, link,
        _absolute(images[0].image.url), "|".join(_absolute(i.image.url) for i in images[1:1 + ADD_IMAGES_MAX]),
        *names, product.vendor.name, product.vendor.name, product.origin,
        card.campaign_title if campaign_price is not None else "", product.review_count,
        _shipping(product, price),
    ]
    return [feed_value(v) for v in row]


def naver_feed_tsv(now=None) -> bytes:
    """The whole feed as UTF-8 TSV bytes (header line first)."""
    book = PriceBook(now or timezone.now())
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(feed_row(p, book)) for p in feed_products()]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass
class FeedResult:
    rows: int
    changed: bool
    sha256: str


def naver_feed_generate(now=None) -> FeedResult:
    """Write the feed to FEED_NAME; an unchanged feed is left as it is (safe to run any number of times)."""
    data = naver_feed_tsv(now)
    digest = hashlib.sha256(data).hexdigest()
    rows = data.count(b"\n") - 1
    if default_storage.exists(FEED_NAME):
        with default_storage.open(FEED_NAME, "rb") as current:
            if hashlib.sha256(current.read()).hexdigest() == digest:
                return FeedResult(rows=rows, changed=False, sha256=digest)
        default_storage.delete(FEED_NAME)
    saved = default_storage.save(FEED_NAME, ContentFile(data))
    if saved != FEED_NAME:  # another run wrote it between the delete and the save: keep theirs
        default_storage.delete(saved)
    logger.info("naver feed: %s products, %s bytes", rows, len(data))
    return FeedResult(rows=rows, changed=True, sha256=digest)
