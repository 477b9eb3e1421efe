"""Catalog benchmark: 1,000 vendors and 100,000 products in PostgreSQL, then server time per page.

Usage (a database of its own, made and filled on the first run):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ddasum_bench .venv/bin/python bench/catalog_bench.py
    ... --runs 100            more requests per page
    ... --refill              drop the generated rows and fill again

It prints, for each page, the median and p95 time the Django request took in process (no
network) and its query count. Numbers are printed, never asserted.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ddasum.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Category, Product, ProductImage, ProductStatus, ProductVariant  # noqa: E402
from catalog.search import grams_text  # noqa: E402
from ddasum.validators import business_number_check_digit  # noqa: E402
from vendors.models import EnterpriseType, Region, Vendor, VendorStatus  # noqa: E402

VENDORS, PRODUCTS, BATCH = 1_000, 100_000, 5_000
WORDS = {
    "place": ["홍성", "예산", "서산", "당진", "공주", "논산", "금산", "부여", "서천", "청양", "태안", "보령", "아산", "천안", "계룡"],
    "adjective": ["유기농", "무농약", "햇", "국산", "친환경", "전통", "수제", "저온숙성", "꿀", "산지직송", "제철", "못난이"],
    "noun": ["현미", "찹쌀", "절임배추", "배추김치", "사과", "배", "딸기", "아로니아즙", "홍삼정", "된장", "고추장", "간장",
             "두부", "조청", "한과", "떡국떡", "표고버섯", "감자", "고구마", "꽃게", "바지락", "어리굴젓", "조미김", "한우",
             "삼겹살", "도시락", "비누", "장바구니", "도마", "토너", "키보드", "체험", "청소", "돌봄", "밤", "호두", "꿀"],
    "size": ["500g", "1kg", "2kg", "3kg", "5kg", "10kg", "20kg", "1박스", "1세트", "30포", "1회"],
}


def fill(rng: random.Random) -> None:
    started = time.perf_counter()
    categories = list(Category.objects.filter(parent=None))
    regions, types = list(Region), list(EnterpriseType)
    vendors = []
    for i in range(VENDORS):
        first = f"{(i % 899) + 100:03d}{86 if i % 3 else 81:02d}{i:04d}"
        number = first + str(business_number_check_digit(first))
        vendors.append(Vendor(
            name=f"벤치기업{i:04d}", business_number=f"{number[:3]}-{number[3:5]}-{number[5:]}", representative="김벤치",
            enterprise_type=rng.choice(types), cert_number="B-1",
            cert_valid_until=timezone.localdate().replace(year=timezone.localdate().year + 2),
            region=rng.choice(regions), postal_code="32244", address="충청남도 홍성군 홍성읍", phone="041-000-0000",
            email=f"bench{i}@example.kr", business_type="제조업", business_item="벤치", status=VendorStatus.APPROVED,
            mail_order_number=f"2026-충남홍성-{i:04d}",  # a shop without one sells nothing (vendors.selling_q)
        ))
    Vendor.objects.bulk_create(vendors, batch_size=BATCH)
    vendors = list(Vendor.objects.filter(name__startswith="벤치기업").only("pk", "name"))
    now = timezone.now()
    for start in range(0, PRODUCTS, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, PRODUCTS)):
            vendor, category = rng.choice(vendors), rng.choice(categories)
            name = " ".join([rng.choice(WORDS["place"]), rng.choice(WORDS["adjective"]), rng.choice(WORDS["noun"]),
                             rng.choice(WORDS["size"])])
            price = rng.randrange(3_000, 200_000, 100)
            rows.append(Product(
                vendor=vendor, category=category, name=name, summary="벤치마크용 상품", origin="국내산",
                status=ProductStatus.ON_SALE, price=price, in_stock=rng.random() > 0.05,
                popularity=rng.randint(0, 10_000), published_at=now - timezone.timedelta(minutes=i),
                procurement_eligible=rng.random() < 0.3, slug="bench",
                search_grams=grams_text(name, "벤치마크용 상품", vendor.name, category.name),
            ))
        with transaction.atomic():
            created = Product.objects.bulk_create(rows, batch_size=BATCH)
            variants, images = [], []
            for product in created:
                for j in range(rng.choice([1, 1, 2, 3])):
                    variants.append(ProductVariant(product=product, name=f"옵션{j}", sku=f"B{product.pk}-{j}",
                                                   price=product.price + j * 1000, stock=0 if not product.in_stock else 10))
                images.append(ProductImage(product=product, image="bench/placeholder.jpg", alt=product.name))
            ProductVariant.objects.bulk_create(variants, batch_size=BATCH)
            ProductImage.objects.bulk_create(images, batch_size=BATCH)
        print(f"  {start + len(rows):>7,} products", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled in {time.perf_counter() - started:.0f}s")


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int, int]:
    for _ in range(3):
        client.get(url)  # warm caches and connections
    times, queries, status = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        queries, status = len(ctx.captured_queries), response.status_code
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], queries, status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--refill", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database of its own (e.g. .../ddasum_bench).")
    call_command("migrate", verbosity=0)
    if args.refill:
        Product.objects.filter(vendor__name__startswith="벤치기업").delete()
        Vendor.objects.filter(name__startswith="벤치기업").delete()
    if Product.objects.count() < PRODUCTS:
        print(f"filling {VENDORS:,} vendors and {PRODUCTS:,} products …")
        fill(random.Random(2026))
    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    product = Product.objects.on_sale().filter(in_stock=True).order_by("pk")[PRODUCTS // 2]
    category = Category.objects.get(slug="fruit-vegetables")
    pages = [
        ("home", "/"),
        ("category + 2 filters", f"/categories/{category.slug}/?region=hongseong&in_stock=1"),
        ("search 배추 (2 syllables)", "/search/?q=배추"),
        ("search 절임배추", "/search/?q=절임배추"),
        ("product page", product.get_absolute_url()),
        ("products API", "/api/products/?category=fruit-vegetables&sort=price_asc"),
        ("products API search", "/api/products/?q=배추"),
    ]
    print(f"\n{Product.objects.count():,} products, {Vendor.objects.count():,} vendors, {args.runs} runs each")
    print(f"{'page':<28}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'status':>8}")
    for label, url in pages:
        median, p95, queries, status = measure(client, url, args.runs)
        print(f"{label:<28}{median:>10.1f}{p95:>10.1f}{queries:>9}{status:>8}")


if __name__ == "__main__":
    main()
