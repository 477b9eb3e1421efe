"""Procurement documents benchmark: the quote PDF and the one-click bundle, warm, in one process.

Usage:

    .venv/bin/python bench/procurement_bench.py            # 20 measured runs of each
    .venv/bin/python bench/procurement_bench.py --runs 50

It makes a throw-away test database (Django's test-database machinery: in memory for
SQLite, test_<name> for PostgreSQL) and a temporary file storage, so the development data
is never touched. Then, after two warm-up runs of each (the first render loads the fonts):

1. quote render: `render_quote` of a typical one-page quote (six lines, 과세 and 면세, seal
   image), from facts already read;
2. quote make: `quote_pdf_make` as the task runs it (read the facts, render, store), made
   to run every time by clearing the stored fingerprint;
3. bundle: `bundle_build` of the full bundle with four documents and the cover: the quote
   (its PDF already made, as it is when the vendor submits), the business registration
   certificate (a one-page scanned PDF), the enterprise-type proof (an A4 JPEG scan at
   150 dpi) and the bank book copy (a PNG photo), plus the ZIP; forced by clearing the
   bundle's fingerprint;
4. bundle + 3 spec sheets: the same with three catalog products; their sheets are kept in
   the cache by what they show, so a bundle made again (new version, delivery) reuses them;
5. bundle + 3 spec sheets, cache cleared: the three sheets rendered too (one render);
6. bundle, quote not made yet: the quote PDF is made inside the build too.

Numbers are printed, never asserted.
"""
import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ddasum.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402


def _scan(size, seed: int, fmt: str) -> bytes:
    """A grey "scanned document": lines of dark blocks on white, so it compresses like a real scan."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    img = Image.new("RGB", size, (250, 250, 247))
    draw = ImageDraw.Draw(img)
    y = size[1] // 12
    while y < size[1] - size[1] // 12:
        x = size[0] // 10
        while x < size[0] - size[0] // 10:
            w = rng.randint(8, 40)
            draw.rectangle([x, y, x + w, y + 14], fill=(rng.randint(20, 80),) * 3)
            x += w + rng.randint(4, 12)
        y += 30
    draw.ellipse([size[0] - 300, size[1] - 320, size[0] - 120, size[1] - 140], outline=(200, 30, 30), width=8)
    out = io.BytesIO()
    img.save(out, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return out.getvalue()


def _scan_pdf(seed: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(_scan((1240, 1754), seed, "JPEG"))).save(out, "PDF", resolution=150.0)
    return out.getvalue()


def _median_ms(fn, runs: int, warmup: int = 2) -> tuple[float, float, float, float]:
    """(median wall ms, p95 wall ms, min wall ms, median CPU ms of this process).

    On a machine shared with other work the minimum is the best estimate of the cost alone;
    CPU time leaves out the waits for a core (but not the slowdown of a shared one)."""
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    times.sort()
    return (statistics.median(times), times[max(0, int(round(len(times) * 0.95)) - 1)], times[0],
            statistics.median(cpu))


def build_world():
    import datetime as dt
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from accounts.models import User
    from catalog.models import Category, Product, ProductStatus, ProductVariant, TaxType
    from catalog.services import product_refresh
    from procurement.amounts import quote_totals
    from procurement.models import (
        AgencyMembership,
        AgencyStatus,
        MembershipStatus,
        PublicAgency,
        QuoteLine,
        QuoteRequest,
        QuoteVersion,
        VendorQuote,
    )
    from vendors.models import DocumentKind, EnterpriseType, Vendor, VendorDocument, VendorStatus

    if not Category.objects.exists():
        from importlib import import_module

        from django.apps import apps

        import_module("catalog.migrations.0002_categories").seed(apps, None)
    vendor = Vendor.objects.create(
        name="홍성 따숨 사회적협동조합", business_number="312-82-12344", representative="김다온",
        enterprise_type=EnterpriseType.SOCIAL, cert_number="2021-123", region="hongseong", postal_code="32244",
        cert_valid_until=timezone.localdate() + dt.timedelta(days=300),
        address="충청남도 홍성군 홍성읍 아문길 27", phone="041-631-1234", email="bench@example.kr",
        business_type="제조업, 도소매", business_item="장류, 농산물 가공품", status=VendorStatus.APPROVED,
        bank_name="농협은행", bank_account_number="301-1234-5678-91", bank_account_holder="홍성 따숨 사회적협동조합")
    agency = PublicAgency.objects.create(
        name="충청남도 홍성군청", kind="local_gov", registration_number="310-83-00011", region="hongseong",
        postal_code="32244", address="충청남도 홍성군 홍성읍 군청로 27", phone="041-630-1114",
        status=AgencyStatus.VERIFIED)
    buyer = User.objects.create_user(email="buyer@hongseong.go.kr", password="bench-Pass-2026", name="이구매")
    AgencyMembership.objects.create(user=buyer, agency=agency, status=MembershipStatus.ACTIVE, department="회계과")

    def document(kind, data, content_type, ext):
        doc = VendorDocument(vendor=vendor, kind=kind, original_name=f"{kind}.{ext}", content_type=content_type,
                             size=len(data), sha256=hashlib.sha256(data).hexdigest())
        doc.file.save(f"{kind}.{ext}", ContentFile(data), save=False)
        doc.save()

    document(DocumentKind.SEAL, _scan((200, 200), 1, "PNG"), "image/png", "png")
    document(DocumentKind.BUSINESS_REGISTRATION, _scan_pdf(2), "application/pdf", "pdf")
    document(DocumentKind.ENTERPRISE_PROOF, _scan((1240, 1754), 3, "JPEG"), "image/jpeg", "jpg")
    document(DocumentKind.BANK_BOOK, _scan((1000, 700), 4, "PNG"), "image/png", "png")

    category = Category.objects.get(slug="rice-grains")
    variants = []
    for i in range(3):
        product = Product.objects.create(
            vendor=vendor, category=category, name=f"홍성 유기농 현미 {i + 1}", summary="농약 없이 키운 햅쌀",
            origin="국내산(충남 홍성)", unit="10kg 1포", status=ProductStatus.ON_SALE, published_at=timezone.now(),
            procurement_eligible=True, tax_type=TaxType.EXEMPT,
            specs="품목: 현미\n용량: 10kg\n생산자: 홍성 따숨 사회적협동조합\n보관방법: 서늘하고 건조한 곳\n"
                  "인증: 유기농(제 12-345호)\n소비자 상담: 041-631-1234")
        variants.append(ProductVariant.objects.create(product=product, sku=f"BENCH-{i}", price=55_000, stock=100))
        product_refresh(product_id=product.pk)

    def quote(number, *, with_products: bool):
        request = QuoteRequest.objects.create(
            number=f"RQ-19990101-{number:05d}", agency=agency, created_by=buyer, title="2026년 상반기 행사 물품 구매",
            delivery_place="홍성군청 본관 1층 회계과", reply_by=timezone.localdate() + dt.timedelta(days=7))
        vq = VendorQuote.objects.create(request=request, vendor=vendor, number=f"QT-19990101-{number:05d}",
                                        status="answered")
        lines = [
            ("유기농 현미 10kg", "10kg 포대", "포", 20, 55_000, TaxType.EXEMPT),
            ("전통 된장 선물세트", "1kg × 2", "세트", 40, 28_000, TaxType.TAXABLE),
            ("고추장 500g", "500g", "개", 60, 9_000, TaxType.TAXABLE),
            ("참기름 300ml", "300ml 병", "병", 30, 15_000, TaxType.TAXABLE),
            ("유기농 쌀과자", "120g", "봉", 100, 3_500, TaxType.TAXABLE),
            ("친환경 포장 상자", "소형", "개", 40, 1_200, TaxType.TAXABLE),
        ]
        totals = quote_totals([{"amount": q * p, "tax_type": t} for _n, _s, _u, q, p, t in lines])
        version = QuoteVersion.objects.create(
            quote=vq, version=1, valid_until=timezone.localdate() + dt.timedelta(days=30),
            delivery_terms="주문 후 7일 이내 납품, 배송비 포함", notes="납품 후 30일 이내 지급, 세금계산서 발행",
            taxable_supply=totals.taxable_supply, taxable_vat=totals.taxable_vat, exempt_amount=totals.exempt_amount,
            total=totals.total)
        for i, (name, spec, unit, qty, price, tax) in enumerate(lines):
            variant = variants[i] if with_products and i < len(variants) else None
            QuoteLine.objects.create(version=version, variant=variant, name=name, spec=spec, unit=unit, quantity=qty,
                                     unit_price=price, amount=qty * price, tax_type=tax)
        vq.current_version = version
        vq.save(update_fields=["current_version"])
        return vq

    return quote(1, with_products=False), quote(2, with_products=True)


def run(runs: int) -> None:
    from django.core.cache import cache

    from procurement.models import QuoteBundle, QuoteVersion
    from procurement.services.bundle import bundle_build
    from procurement.services.documents import quote_facts, quote_pdf_make, render_quote

    load = os.getloadavg()[0]
    plain, with_specs = build_world()
    version = QuoteVersion.objects.select_related("quote__request__agency", "quote__vendor").get(
        pk=plain.current_version_id)
    facts = quote_facts(version)

    started = time.perf_counter()
    first = render_quote(facts)
    cold_ms = (time.perf_counter() - started) * 1000
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(first)).pages)

    def quote_make(version_id):
        QuoteVersion.objects.filter(pk=version_id).update(pdf_fingerprint="")
        assert quote_pdf_make(version_id=version_id) is not None

    def bundle(quote, *, quote_too=False, specs_too=False):
        def go():
            QuoteBundle.objects.filter(quote=quote).update(fingerprint="")
            if specs_too:
                cache.clear()
            if quote_too:
                QuoteVersion.objects.filter(pk=quote.current_version_id).update(pdf_fingerprint="")
            built = bundle_build(quote_id=quote.pk)
            assert built.status == "ready", built.error
        return go

    rows = [
        ("quote render (one page, six lines)", _median_ms(lambda: render_quote(facts), runs)),
        ("quote_pdf_make (facts + render + store)", _median_ms(lambda: quote_make(plain.current_version_id), runs)),
        ("bundle: cover + quote + 3 documents, PDF + ZIP", _median_ms(bundle(plain), runs)),
        ("bundle + 3 spec sheets (kept)", _median_ms(bundle(with_specs), runs)),
        ("bundle + 3 spec sheets, rendered", _median_ms(bundle(with_specs, specs_too=True), runs)),
        ("bundle, quote PDF made inside the build", _median_ms(bundle(plain, quote_too=True), runs)),
    ]
    built = QuoteBundle.objects.get(quote=plain)
    specs_built = QuoteBundle.objects.get(quote=with_specs)
    print(f"database: {connection.vendor}; runs: {runs} (after 2 warm-ups)")
    print(f"first (cold) quote render: {cold_ms:.0f} ms; quote pages: {pages}")
    print(f"bundle pages: {built.page_count} ({len(built.pdf.read()) // 1024} KB PDF, "
          f"{len(built.zip.read()) // 1024} KB ZIP); with spec sheets: {specs_built.page_count} pages")
    print()
    print(f"load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print()
    print(f"| {'what':<48} | median ms | p95 ms | min ms | CPU ms (median) |")
    print(f"|{'-' * 50}|----------:|-------:|-------:|----------------:|")
    for label, (median, p95, low, cpu) in rows:
        print(f"| {label:<48} | {median:9.1f} | {p95:6.1f} | {low:6.1f} | {cpu:15.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    with tempfile.TemporaryDirectory(prefix="ddasum-bench-") as tmp:
        storages = {**settings.STORAGES,
                    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                "OPTIONS": {"location": f"{tmp}/media"}},
                    "private": {"BACKEND": "ddasum.storage.PrivateFileSystemStorage",
                                "OPTIONS": {"location": f"{tmp}/private"}}}
        with override_settings(STORAGES=storages, MEDIA_ROOT=f"{tmp}/media",
                               CELERY_TASK_ALWAYS_EAGER=True):
            old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
            try:
                run(args.runs)
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
