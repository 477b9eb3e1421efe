"""Orders benchmark on PostgreSQL: concurrent checkout, a month's settlement, the sales reports.

Usage (a database of its own, made and filled on the first run):

    createdb -h 127.0.0.1 -U postgres ddasum_orders_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ddasum_orders_bench .venv/bin/python bench/orders_bench.py
    ... --rounds 10          more checkout rounds (50 buyers each)
    ... --refill             drop the generated orders and fill again

What it does:

1. Fills (once) 1,000 vendors with 2 products each and 300,000 paid orders of 2025, one
   vendor order each and 1–3 lines (~600,000 lines): 100,000 in September (all confirmed
   within September, the settlement month) and 200,000 over the other eleven months (with
   some cancelled and partly refunded ones). Rows go in with COPY.
2. Checkout: `--rounds` rounds of 50 buyers, each with its own cart, released together by
   a barrier onto `order_place` for one variant with `--stock` units — first as threads of
   this process (as the PostgreSQL test does), then as forked processes (as requests over
   several web workers would be; threads of one interpreter take turns on the GIL). Prints
   latency (median, p95, max) of every call, how many succeeded, how many got 품절, and
   whether the stock ever went below zero or more orders were made than there were units.
3. Settlement: deletes September's settlements, times `settlements_build_period` for the
   month (100,000 vendor orders), then times the second, idempotent run.
4. Reports: times each report function for 2025 and each report page through Django's
   test client (in process, no network), `--runs` times after two warm-ups.

Celery runs with a local in-memory broker, not eagerly: `.delay()` only queues (as with
Redis in production), so the mails and PDFs that follow a checkout or a settlement are
not part of the time. Numbers are printed, never asserted.
"""
import argparse
import io
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ddasum.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from catalog.models import Category, Product, ProductStatus, ProductVariant  # noqa: E402
from catalog.services import product_refresh  # noqa: E402
from ddasum.celery import app as celery_app  # noqa: E402
from ddasum.validators import business_number_check_digit  # noqa: E402
from orders.exceptions import OutOfStock  # noqa: E402
from orders.models import (  # noqa: E402
    Cart,
    Order,
    OrderLine,
    Settlement,
    SettlementLine,
    VendorOrder,
)
from orders.selectors import reports  # noqa: E402
from orders.services.checkout import Checkout, order_place  # noqa: E402
from orders.services.settlements import month_period, settlements_build_period  # noqa: E402
from vendors.models import EnterpriseType, Region, Vendor, VendorStatus  # noqa: E402

YEAR, MONTH = 2025, 9
VENDORS, ORDERS, MONTH_ORDERS = 1_000, 300_000, 100_000
CHUNK = 20_000
PREFIX = "오더벤치"
KEY = "bench-"


# --- filling ------------------------------------------------------------------------------------


def _copy(model, rows: list[dict]) -> None:
    """COPY rows (dicts by attname; missing fields take their defaults) into the model's table."""
    fields = [f for f in model._meta.concrete_fields]
    defaults = {f.attname: (f.get_default() if f.has_default() else ("" if not f.null else None)) for f in fields}
    out = io.StringIO()
    for row in rows:
        values = []
        for f in fields:
            value = row.get(f.attname, defaults[f.attname])
            if value is None:
                values.append("\\N")
            elif isinstance(value, bool):
                values.append("t" if value else "f")
            elif isinstance(value, datetime):
                values.append(value.isoformat())
            else:
                values.append(str(value))
        out.write("\t".join(values) + "\n")
    out.seek(0)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN', out)


def _next_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                       f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")


def fill_catalog(rng: random.Random) -> list[Vendor]:
    regions, types = list(Region), list(EnterpriseType)
    vendors = []
    for i in range(VENDORS):
        first = f"{(i % 899) + 100:03d}{86 if i % 3 else 81:02d}{i + 5000:04d}"
        number = first + str(business_number_check_digit(first))
        vendors.append(Vendor(
            name=f"{PREFIX}{i:04d}", business_number=f"{number[:3]}-{number[3:5]}-{number[5:]}", representative="김벤치",
            enterprise_type=rng.choice(types), cert_number="B-1",
            cert_valid_until=timezone.localdate().replace(year=timezone.localdate().year + 2),
            region=rng.choice(regions), postal_code="32244", address="충청남도 홍성군 홍성읍", phone="041-000-0000",
            email=f"orderbench{i}@example.kr", business_type="제조업", business_item="벤치",
            status=VendorStatus.APPROVED, commission_rate=rng.choice(["0", "5", "8.5", "10", "12.5"]),
        ))
    Vendor.objects.bulk_create(vendors, batch_size=2_000)
    vendors = list(Vendor.objects.filter(name__startswith=PREFIX).order_by("pk"))
    categories = list(Category.objects.filter(parent=None))
    now = timezone.now()
    products = []
    for v in vendors:
        for j in range(2):
            products.append(Product(vendor=v, category=rng.choice(categories), name=f"{v.name} 상품{j}",
                                    summary="벤치", origin="국내산", status=ProductStatus.ON_SALE, published_at=now,
                                    slug="bench", tax_type=rng.choice(["taxable", "exempt"])))
    products = Product.objects.bulk_create(products, batch_size=2_000)
    ProductVariant.objects.bulk_create([
        ProductVariant(product=p, name="기본", sku=f"OB{p.pk}", price=rng.randrange(5_000, 80_000, 500), stock=1_000_000)
        for p in products
    ], batch_size=2_000)
    return vendors


def fill_orders(rng: random.Random, vendors: list[Vendor]) -> None:
    """300,000 paid orders of YEAR, one vendor order each; MONTH has 100,000, all confirmed within it."""
    tz = timezone.get_default_timezone()
    by_vendor: dict[int, list] = {}
    for vid, var_id, pid, name, price, tax in ProductVariant.objects.filter(product__vendor__in=vendors).values_list(
            "product__vendor_id", "pk", "product_id", "product__name", "price", "product__tax_type"):
        by_vendor.setdefault(vid, []).append((var_id, pid, name, price, tax))
    vendor_rates = {v.pk: v.commission_rate for v in vendors}
    vendor_names = {v.pk: v.name for v in vendors}
    vendor_ids = list(by_vendor)
    other_months = [m for m in range(1, 13) if m != MONTH]
    order_id, vo_id, line_id = _next_id(Order), _next_id(VendorOrder), _next_id(OrderLine)
    made = 0
    while made < ORDERS:
        n = min(CHUNK, ORDERS - made)
        orders, vos, lines = [], [], []
        for k in range(n):
            index = made + k
            month = MONTH if index < MONTH_ORDERS else rng.choice(other_months)
            start = datetime(YEAR, month, 1, tzinfo=tz)
            end = datetime(YEAR + (month == 12), month % 12 + 1, 1, tzinfo=tz)
            paid = start + (end - start - timedelta(hours=1)) * rng.random()
            vendor_id = rng.choice(vendor_ids)
            items = []
            for _n in range(rng.choice((1, 1, 2, 3))):
                var_id, pid, name, price, tax = rng.choice(by_vendor[vendor_id])
                qty = rng.choice((1, 1, 1, 2, 3))
                items.append((var_id, pid, name, price, tax, qty))
            items_total = sum(i[3] * i[5] for i in items)
            shipping = 0 if items_total >= 50_000 else 3_000
            total = items_total + shipping
            cancelled = month != MONTH and rng.random() < 0.02
            refunded = total if cancelled else (rng.choice((1_000, 3_000, 5_000)) if rng.random() < 0.01 else 0)
            taxable = sum(i[3] * i[5] for i in items if i[4] == "taxable")
            number = f"B{order_id:09d}"
            completed = min(paid + timedelta(hours=rng.uniform(30, 120)), end - timedelta(minutes=1))
            orders.append({
                "id": order_id, "number": number, "email": "bench@example.kr", "orderer_name": "김벤치",
                "orderer_phone": "010-0000-0000", "recipient_name": "김벤치", "recipient_phone": "010-0000-0000",
                "postal_code": "32244", "address": "충청남도 홍성군", "payment_method": "card",
                "status": "cancelled" if cancelled else "paid", "items_total": items_total,
                "shipping_total": shipping, "discount_total": 0, "total": total, "taxable_total": taxable,
                "exempt_total": items_total - taxable, "idempotency_key": f"{KEY}{order_id}",
                "placed_at": paid - timedelta(minutes=3), "paid_at": paid,
                "cancelled_at": paid + timedelta(hours=2) if cancelled else None, "expires_at": None,
            })
            vos.append({
                "id": vo_id, "order_id": order_id, "vendor_id": vendor_id, "number": f"{number}-1",
                "status": "cancelled" if cancelled else "completed", "items_total": items_total,
                "shipping_fee": shipping, "total": total, "refunded_amount": refunded,
                "commission_rate": vendor_rates[vendor_id], "paid_at": paid,
                "shipped_at": None if cancelled else paid + timedelta(hours=20),
                "delivered_at": None if cancelled else completed - timedelta(hours=6),
                "completed_at": None if cancelled else completed,
                "cancelled_at": paid + timedelta(hours=2) if cancelled else None,
            })
            for var_id, pid, name, price, tax, qty in items:
                lines.append({
                    "id": line_id, "order_id": order_id, "vendor_order_id": vo_id, "variant_id": var_id,
                    "product_id_snapshot": pid, "product_name": name, "variant_name": "기본", "sku": f"OB{pid}",
                    "unit_price": price, "quantity": qty, "line_total": price * qty, "tax_type": tax,
                    "vendor_name": vendor_names[vendor_id],
                })
                line_id += 1
            order_id += 1
            vo_id += 1
        with transaction.atomic():
            _copy(Order, orders)
            _copy(VendorOrder, vos)
            _copy(OrderLine, lines)
        made += n
        print(f"  {made:>7,} orders", flush=True)
    for model in (Order, VendorOrder, OrderLine):
        _reset_sequence(model)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def fill(rng: random.Random) -> None:
    started = time.perf_counter()
    vendors = fill_catalog(rng)
    fill_orders(rng, vendors)
    print(f"filled in {time.perf_counter() - started:.0f}s")


def drop() -> None:
    bench_orders = Order.objects.filter(idempotency_key__startswith=KEY)
    SettlementLine.objects.filter(vendor_order__order__in=bench_orders).delete()
    Settlement.objects.filter(vendor__name__startswith=PREFIX).delete()
    with connection.cursor() as cursor:
        for model in (OrderLine, VendorOrder):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE order_id IN '
                           f'(SELECT id FROM "{Order._meta.db_table}" WHERE idempotency_key LIKE %s)', [f"{KEY}%"])
    bench_orders.delete()
    Product.objects.filter(vendor__name__startswith=PREFIX).delete()
    Vendor.objects.filter(name__startswith=PREFIX).delete()


# --- measuring ----------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * p)) - 1)]


def _buy(cart, checkout) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        order_place(cart=cart, buyer=None, checkout=checkout, idempotency_key=f"bench-hot-{cart.pk}")
        outcome = "ok"
    except OutOfStock:
        outcome = "out"
    return outcome, (time.perf_counter() - start) * 1000


def _race_threads(carts, checkout) -> list[tuple[str, float]]:
    """Every buyer a thread of this process (one interpreter: the GIL takes turns among them)."""
    barrier, lock, results = threading.Barrier(len(carts)), threading.Lock(), []

    def buy(cart):
        try:
            connection.ensure_connection()  # connect before the start: a web worker keeps its connection
            barrier.wait()
            result = _buy(cart, checkout)
            with lock:
                results.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(c,)) for c in carts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _race_processes(carts, checkout) -> list[tuple[str, float]]:
    """Every buyer a forked process, as requests spread over web workers would be."""
    ctx = multiprocessing.get_context("fork")
    barrier, queue = ctx.Barrier(len(carts)), ctx.Queue()
    connections.close_all()  # each child opens its own connection

    def buy(cart):
        connection.ensure_connection()
        barrier.wait()
        queue.put(_buy(cart, checkout))
        connections.close_all()

    procs = [ctx.Process(target=buy, args=(c,)) for c in carts]
    for p in procs:
        p.start()
    results = [queue.get() for _p in procs]
    for p in procs:
        p.join()
    return results


def checkout_serial(n: int = 30) -> None:
    """One buyer at a time (no waiting for anyone): what a checkout costs by itself."""
    variant = ProductVariant.objects.filter(sku__startswith="HOT-").order_by("-pk").first()
    ProductVariant.objects.filter(pk=variant.pk).update(stock=10_000)
    checkout = Checkout(email="bench@example.kr", orderer_name="김벤치", orderer_phone="010-1111-2222",
                        recipient_name="김벤치", recipient_phone="010-1111-2222", postal_code="32244",
                        address="충청남도 홍성군 홍성읍 아문길 27")
    times, queries = [], 0
    for i in range(n):
        cart = Cart.objects.create(session_key=f"bench-serial-{variant.pk}-{time.time_ns()}-{i}"[:40])
        cart.lines.create(variant=variant, quantity=1)
        with CaptureQueriesContext(connection) as ctx:
            outcome, ms = _buy(cart, checkout)
        times.append(ms)
        queries = len(ctx.captured_queries)
        cart.delete()
    print(f"\ncheckout, one buyer at a time: {n} orders, median {statistics.median(times):.1f} ms, "
          f"p95 {pct(times, 0.95):.1f} ms, {queries} queries each")


def checkout_rounds(rounds: int, buyers: int, stock: int, processes: bool = False) -> None:
    vendor = Vendor.objects.filter(name__startswith=PREFIX).order_by("pk").first()
    product = Product.objects.create(vendor=vendor, category=Category.objects.filter(parent=None).first(),
                                     name="한정 수량 벤치 상품", origin="국내산", status=ProductStatus.ON_SALE,
                                     published_at=timezone.now())
    variant = ProductVariant.objects.create(product=product, name="1kg", sku=f"HOT-{product.pk}", price=10_000,
                                            stock=stock)
    product_refresh(product_id=product.pk)
    checkout = Checkout(email="bench@example.kr", orderer_name="김벤치", orderer_phone="010-1111-2222",
                        recipient_name="김벤치", recipient_phone="010-1111-2222", postal_code="32244",
                        address="충청남도 홍성군 홍성읍 아문길 27")
    all_ok, all_fail, oversold, negative, made_total = [], [], 0, 0, 0
    for r in range(rounds):
        ProductVariant.objects.filter(pk=variant.pk).update(stock=stock)
        carts = []
        for i in range(buyers):
            cart = Cart.objects.create(session_key=f"bench-{product.pk}-{r}-{i}")
            cart.lines.create(variant=variant, quantity=1)
            carts.append(cart)
        before = Order.objects.filter(lines__variant=variant).count()
        results = (_race_processes if processes else _race_threads)(carts, checkout)
        variant.refresh_from_db()
        made = Order.objects.filter(lines__variant=variant).count() - before
        ok = [ms for outcome, ms in results if outcome == "ok"]
        fail = [ms for outcome, ms in results if outcome == "out"]
        all_ok += ok
        all_fail += fail
        made_total += made
        oversold += max(0, made - stock)
        negative += variant.stock < 0
        Cart.objects.filter(pk__in=[c.pk for c in carts]).delete()
        print(f"  round {r + 1}: {len(ok)} ok, {len(fail)} 품절, {len(results)} answers, orders made {made}, "
              f"stock left {variant.stock}", flush=True)
    every = all_ok + all_fail
    kind = "processes" if processes else "threads of one process"
    print(f"\ncheckout: {rounds} rounds × {buyers} concurrent buyers ({kind}) for {stock} units each round")
    print(f"{'':<22}{'n':>6}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for label, values in (("every call", every), ("successful orders", all_ok), ("품절 answers", all_fail)):
        if values:
            print(f"{label:<22}{len(values):>6}{statistics.median(values):>11.1f}{pct(values, 0.95):>9.1f}"
                  f"{max(values):>9.1f}")
    print(f"orders made {made_total} for {rounds * stock} units; oversold {oversold}; rounds ending below zero {negative}")


def settlement_run() -> None:
    start, end = month_period(YEAR, MONTH)
    SettlementLine.objects.filter(settlement__period_start=start, settlement__period_end=end).delete()
    Settlement.objects.filter(period_start=start, period_end=end).delete()
    count = VendorOrder.objects.filter(status="completed", completed_at__gte=reports.period_bounds(YEAR, MONTH)[0],
                                       completed_at__lt=reports.period_bounds(YEAR, MONTH)[1]).count()
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = settlements_build_period(period_start=start, period_end=end)
        first = time.perf_counter() - t0
    lines = SettlementLine.objects.filter(settlement__period_start=start).count()
    t0 = time.perf_counter()
    again = settlements_build_period(period_start=start, period_end=end)
    second = time.perf_counter() - t0
    print(f"\nsettlement of {start:%Y-%m}: {count:,} completed vendor orders")
    print(f"  first run  {first:6.2f} s  ({result.created_count:,} settlements, {lines:,} lines, "
          f"{len(ctx.captured_queries):,} queries)")
    print(f"  second run {second:6.2f} s  ({again.created_count} created: idempotent)")


def report_runs(runs: int) -> None:
    paid = Order.objects.filter(paid_at__gte=reports.period_bounds(YEAR)[0],
                                paid_at__lt=reports.period_bounds(YEAR)[1]).count()
    print(f"\nreports over {paid:,} orders paid in {YEAR} ({OrderLine.objects.count():,} lines); {runs} runs each")
    print(f"{'':<34}{'median ms':>10}{'p95 ms':>9}{'queries':>9}")

    def measure(label, fn):
        for _ in range(2):
            fn()
        times, queries = [], 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            queries = len(ctx.captured_queries)
        print(f"{label:<34}{statistics.median(times):>10.1f}{pct(times, 0.95):>9.1f}{queries:>9}", flush=True)

    measure("sales_by_month", lambda: reports.sales_by_month(year=YEAR))
    measure("sales_by_vendor", lambda: reports.sales_by_vendor(year=YEAR))
    measure("sales_by_category", lambda: reports.sales_by_category(year=YEAR))
    measure("sales_by_region", lambda: reports.sales_by_region(year=YEAR))
    measure("sales_by_enterprise_type", lambda: reports.sales_by_enterprise_type(year=YEAR))
    measure("sales_by_vendor (one month)", lambda: reports.sales_by_vendor(year=YEAR, month=MONTH))
    staff, _created = User.objects.get_or_create(email="orderbench-staff@example.kr",
                                                 defaults={"name": "벤치 운영자", "is_staff": True})
    client = Client()
    client.force_login(staff)

    def page(url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return get

    measure("page: monthly + chart", page(f"/orders/reports/?year={YEAR}"))
    measure("page: by vendor", page(f"/orders/reports/vendors/?year={YEAR}"))
    measure("page: by category", page(f"/orders/reports/categories/?year={YEAR}"))
    measure("page: by region", page(f"/orders/reports/regions/?year={YEAR}"))
    measure("CSV: by vendor", page(f"/orders/reports/vendors/?year={YEAR}&format=csv"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--stock", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--only", choices=["checkout", "settlement", "reports"])
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database of its own (e.g. .../ddasum_orders_bench).")
    # Queue tasks instead of running them in the request (a broker in memory, as Redis would be).
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if args.refill:
        print("dropping the generated rows …")
        drop()
    if not Order.objects.filter(idempotency_key__startswith=KEY).exists():
        print(f"filling {VENDORS:,} vendors and {ORDERS:,} orders …")
        fill(random.Random(2026))
    if args.only in (None, "checkout"):
        checkout_rounds(args.rounds, args.buyers, args.stock)
        checkout_rounds(args.rounds, args.buyers, args.stock, processes=True)
        checkout_serial()
    if args.only in (None, "settlement"):
        settlement_run()
    if args.only in (None, "reports"):
        report_runs(args.runs)


if __name__ == "__main__":
    main()
