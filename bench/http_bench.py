"""HTTP benchmark: gunicorn in production settings, pages at c=1 and c=8, and the checkout burst.

Usage (PostgreSQL and Redis of their own; the database is filled on the first run):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ddasum_http_bench REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python bench/http_bench.py --products 100000 --seconds 5

It fills the database with bench/catalog_bench.py's generator (`--products` of them, a tenth as
many vendors), collects the static files, starts gunicorn with gunicorn.conf.py and
DJANGO_ENV=production (DEBUG off, Redis cache, the page cache on) on a free loopback port, then:

- each page (robots.txt first, as the ceiling) for `--seconds` at concurrency 1 and 8 with a small
  asyncio HTTP/1.1 keep-alive client (wrk is used instead when it is installed), as an anonymous
  visitor: the page cache serves most of these;
- the checkout burst: 50 buyers (members, then guests) each with the product in the cart and the
  checkout page open, submitting at once for a variant with 10 units in stock.

It prints one table, and the machine's load average before and after. Numbers are printed, never
asserted. Only loopback addresses are used; every loop is bounded in count and time.
"""
import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BUYERS, UNITS = 50, 10
# The server's secret; this process signs the members' sessions with it too.
SECRET = "bench-only-" + "x" * 50


# --- a small HTTP/1.1 client ---------------------------------------------------------------------


class Connection:
    """One keep-alive connection to the server; requests one at a time."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, *, headers: dict | None = None, body: bytes = b""):
        if self.writer is None:
            await self.open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "X-Forwarded-Proto: https",
                 "Connection: keep-alive", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        response_headers: list[tuple[str, str]] = []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            response_headers.append((name.strip().lower(), value.strip()))
        found = dict(response_headers)
        if "content-length" in found:
            data = await self.reader.readexactly(int(found["content-length"]))
        elif found.get("transfer-encoding") == "chunked":
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                data += chunk[:-2]
        else:
            data = await self.reader.read()
        if found.get("connection", "").lower() == "close":
            self.close()
        return status, response_headers, data

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def load(port: int, path: str, *, concurrency: int, seconds: float, cookie: str = "") -> dict:
    """Request `path` from `concurrency` connections for `seconds`; latencies and statuses."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def worker():
        conn = Connection(port)
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    status, _h, _b = await conn.request("GET", path, headers={"Cookie": cookie} if cookie else None)
                except (ConnectionError, asyncio.IncompleteReadError, OSError):
                    conn.close()
                    status = 0
                latencies.append((time.perf_counter() - start) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": statistics.median(latencies),
            "p95": latencies[max(0, int(len(latencies) * 0.95) - 1)], "statuses": statuses}


def wrk_load(port: int, path: str, *, concurrency: int, seconds: float, cookie: str = "") -> dict:
    out = subprocess.run(["wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}", f"-d{int(seconds)}s", "--latency",
                          "-H", "X-Forwarded-Proto: https", *(["-H", f"Cookie: {cookie}"] if cookie else []),
                          f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label):
        value = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        number, unit = float(value.group(1)), value.group(2)
        return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number

    return {"rps": rps, "p50": ms("50"), "p95": ms("90"), "statuses": {}, "note": "wrk p90"}


# --- cookies and forms ---------------------------------------------------------------------------


def cookies_of(headers, jar: dict) -> dict:
    for name, value in headers:
        if name == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _sep, val = pair.partition("=")
            jar[key.strip()] = val.strip()
    return jar


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else ""


class Buyer:
    """A browser: cookies, one connection; the product in the cart and the checkout page open."""

    def __init__(self, port: int, *, session_key: str | None, guest: bool):
        self.port, self.guest = port, guest
        self.jar = {"sessionid": session_key} if session_key else {}
        self.conn = Connection(port)
        self.fields: dict = {}

    async def get(self, path):
        status, headers, body = await self.conn.request("GET", path, headers={"Cookie": cookie_header(self.jar)})
        cookies_of(headers, self.jar)
        return status, body.decode("utf-8", "replace")

    async def post(self, path, data: dict):
        body = urlencode(data).encode()
        status, headers, response = await self.conn.request("POST", path, body=body, headers={
            "Cookie": cookie_header(self.jar), "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://127.0.0.1:{self.port}", "Referer": f"https://127.0.0.1:{self.port}{path}",
        })
        cookies_of(headers, self.jar)
        return status, dict(headers), response.decode("utf-8", "replace")

    async def prepare(self, product_path: str, variant_id: int):
        _status, page = await self.get(product_path)
        token = form_value(page, "csrfmiddlewaretoken")
        await self.post("/orders/cart/add/", {"csrfmiddlewaretoken": token, "variant": variant_id, "quantity": 1})
        _status, page = await self.get("/orders/checkout/")
        self.fields = {
            "csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken"),
            "checkout_key": form_value(page, "checkout_key"), "expected_total": form_value(page, "expected_total"),
            "orderer_name": "김벤치", "orderer_phone": "01011112222", "email": "bench@example.kr",
            "recipient_name": "이받음", "recipient_phone": "010-3333-4444", "postal_code": "32244",
            "address": "충청남도 홍성군 홍성읍 아문길 27", "address_detail": "101호", "payment_method": "bank_transfer",
            "agree_terms": "on", "agree_third_party": "on",
        }
        if not self.guest:
            self.fields["address_choice"] = "new"

    async def submit(self, start: asyncio.Event) -> tuple[float, int, str]:
        await start.wait()
        began = time.perf_counter()
        status, headers, body = await self.post("/orders/checkout/", self.fields)
        if status == 200 and os.environ.get("HTTP_BENCH_DUMP"):
            Path(f"{os.environ['HTTP_BENCH_DUMP']}.{'guest' if self.guest else 'member'}.html").write_text(body)
        return (time.perf_counter() - began) * 1000, status, headers.get("location", "")


def cpu_seconds(group: int | None = None, command: str = "") -> dict[int, float]:
    """{pid: user + system CPU seconds} of the processes in a process group (gunicorn's workers), or of a command."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        if (group is not None and int(fields[2]) == group) or (command and head.split("(", 1)[1] == command):
            found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes still there (new ones count from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


async def burst(port: int, buyers: list[Buyer], product_path: str, variant_id: int, server_group: int) -> dict:
    for buyer in buyers:  # one after the other: the preparation is not measured
        await buyer.prepare(product_path, variant_id)
        buyer.conn.close()  # idle connections would be closed by the server's keep-alive timeout
    for buyer in buyers:
        await buyer.conn.open()
    start = asyncio.Event()
    tasks = [asyncio.create_task(buyer.submit(start)) for buyer in buyers]
    await asyncio.sleep(0.2)
    cpu_before, db_before = cpu_seconds(server_group), cpu_seconds(command="postgres")
    start.set()
    results = await asyncio.gather(*tasks)
    cpu_ms = cpu_spent(cpu_before, cpu_seconds(server_group)) * 1000
    db_ms = cpu_spent(db_before, cpu_seconds(command="postgres")) * 1000
    for buyer in buyers:
        buyer.conn.close()
    latencies = sorted(r[0] for r in results)
    to_cart = sum(1 for _ms, status, location in results if status == 302 and location.endswith("/orders/cart/"))
    outcomes: dict[str, int] = {}
    for _ms, status, location in results:
        path = location.split("?")[0]
        outcome = f"{status} " + ("order page" if re.fullmatch(r"/orders/\d{8}-\d+/", path) else path or "page again")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {"p50": statistics.median(latencies), "p95": latencies[int(len(latencies) * 0.95) - 1],
            "max": latencies[-1], "sent_back_to_cart": to_cart, "outcomes": outcomes,
            "server_cpu_ms_each": cpu_ms / len(buyers), "db_cpu_ms_each": db_ms / len(buyers)}


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(args, static_root: str) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_ENV="production", SECRET_KEY=SECRET, ALLOWED_HOSTS="127.0.0.1,localhost",
               STATIC_ROOT=static_root, GUNICORN_WORKERS=str(args.workers), GUNICORN_THREADS=str(args.threads),
               GUNICORN_MAX_REQUESTS="0", DJANGO_SETTINGS_MODULE="ddasum.settings",
               # The server is measured, not its limits: anonymous calls count under "anon" and "user" alike.
               API_RATE_ANON="1000000/min", API_RATE_USER="1000000/min")
    return env


def bench_campaign(sample):
    """A live campaign of 40 products from different vendors, made once."""
    from campaigns.models import Campaign
    from tests.campaigns.factories import CampaignFactory, CampaignItemFactory

    campaign = Campaign.objects.filter(slug="http-bench").first()
    if campaign is None:
        campaign = CampaignFactory(title="HTTP벤치 김장 기획전", slug="http-bench")
        vendors_seen, n = set(), 0
        for product in sample.select_related("vendor")[:2000]:
            if product.vendor_id in vendors_seen:
                continue
            vendors_seen.add(product.vendor_id)
            CampaignItemFactory(campaign=campaign, product=product, vendor=product.vendor)
            n += 1
            if n == 40:
                break
    return campaign


def signed_in_fixture(sample):
    """The shopper (3 items in the cart, 30 orders) and the owner of the vendor they bought from, made once."""
    from orders.models import Cart
    from orders.services.cart import cart_line_set
    from tests.factories import MembershipFactory, UserFactory, place_order
    from vendors.models import VendorMembership

    shopper = UserFactory._meta.model.objects.filter(email="httpbench-shopper@example.kr").first()
    vendor_product = sample.exclude(variants__stock__lt=100).first()
    if shopper is None:
        shopper = UserFactory(email="httpbench-shopper@example.kr", name="김쇼핑")
        vendor_product = sample.filter(variants__track_stock=True).first()
        vendor_product.variants.update(stock=1000)
        owner = MembershipFactory(vendor=vendor_product.vendor).user
        owner.email = "httpbench-owner@example.kr"
        owner.save(update_fields=["email"])
        variant = vendor_product.variants.first()
        for n in range(30):
            place_order(items=[(variant, 1)], buyer=shopper, email=shopper.email, paid=n % 2 == 0)
    cart, _made = Cart.objects.get_or_create(user=shopper)
    if cart.lines.count() != 3:
        cart.lines.all().delete()
        for product in sample[10:13]:
            cart_line_set(cart=cart, variant_id=product.variants.first().pk, quantity=1)
    owner = VendorMembership.objects.select_related("user").get(user__email="httpbench-owner@example.kr").user
    return shopper, owner, vendor_product


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--burst-only", action="store_true", help="only the checkout burst")
    parser.add_argument("--no-cache", action="store_true", help="PAGE_CACHE_SECONDS=0 (the pages as rendered)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Point DATABASE_URL at a PostgreSQL database of its own and REDIS_URL at a Redis database of its own.")
    load_before = os.getloadavg()
    os.environ["SECRET_KEY"] = SECRET

    sys.path.insert(0, str(ROOT / "bench"))
    import catalog_bench  # noqa: E402 (sets Django up)

    catalog_bench.PRODUCTS, catalog_bench.VENDORS = args.products, max(10, args.products // 100)
    catalog_bench.BATCH = min(catalog_bench.BATCH, args.products)
    import random

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Category, Product, ProductVariant
    from catalog.services import product_refresh
    from orders.models import Cart, Order
    from tests.factories import ProductFactory, UserFactory, VendorFactory
    from vendors.models import Vendor

    call_command("migrate", verbosity=0)
    if Product.objects.count() < args.products:
        print(f"filling {catalog_bench.VENDORS:,} vendors and {args.products:,} products …", flush=True)
        catalog_bench.fill(random.Random(2026))
    # Databases filled before catalog_bench set the mail-order number sold nothing.
    Vendor.objects.filter(name__startswith="벤치기업", mail_order_number="").update(mail_order_number="2026-충남홍성-0000")
    static_root = tempfile.mkdtemp(prefix="ddasum-bench-static-")
    env = server_env(args, static_root)
    if args.no_cache:
        env["PAGE_CACHE_SECONDS"] = "0"
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    # The checkout burst's product and buyers.
    bench_vendor = Vendor.objects.filter(name="HTTP벤치기업").first() or VendorFactory(name="HTTP벤치기업")
    product = Product.objects.filter(vendor=bench_vendor).first() or ProductFactory(
        vendor=bench_vendor, name="벤치 한정 절임배추", variants=[{"name": "10kg", "price": 30000, "stock": UNITS}])
    variant = product.variants.get()
    members = list(UserFactory._meta.model.objects.filter(email__regex=r"^httpbench[0-9]+@").order_by("pk")[:BUYERS])
    while len(members) < BUYERS:
        members.append(UserFactory(email=f"httpbench{len(members)}@example.kr"))

    def member_session(user) -> str:
        from importlib import import_module

        from django.conf import settings

        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    def reset_stock():
        Cart.objects.filter(user__in=members).delete()
        ProductVariant.objects.filter(pk=variant.pk).update(stock=UNITS)
        product_refresh(product_id=product.pk)
        from ddasum import page_cache
        page_cache.version_bump()

    sample = Product.objects.on_sale().filter(in_stock=True).exclude(vendor=bench_vendor).order_by("pk")
    sample_product = sample[sample.count() // 2]
    category = Category.objects.get(slug="fruit-vegetables")
    pages = [
        ("robots.txt (no SQL)", "/robots.txt"),
        ("home", "/"),
        ("category + 2 filters", f"/categories/{category.slug}/?region=hongseong&in_stock=1"),
        ("search 배추", "/search/?q=%EB%B0%B0%EC%B6%94"),
        ("product page", sample_product.get_absolute_url()),
        ("products API list", "/api/products/?category=fruit-vegetables&sort=price_asc"),
        ("campaign page (40 items)", bench_campaign(sample).get_absolute_url()),
    ]
    pages = [(label, path, "") for label, path in pages]
    # Signed in: a member with 3 items in the cart and 30 orders; the owner of a vendor with ~100
    # products and those 30 orders (no two-factor device, as most vendor members).
    shopper, owner, vendor_product = signed_in_fixture(sample)
    member_cookie, owner_cookie = (f"sessionid={member_session(user)}" for user in (shopper, owner))
    pages += [
        ("cart, 3 items (member)", "/orders/cart/", member_cookie),
        ("my-page (member)", "/mypage/", member_cookie),
        ("order list, 30 orders (member)", "/orders/", member_cookie),
        ("partner: products list", "/partner/catalog/product/", owner_cookie),
        ("partner: vendor orders list", "/partner/orders/vendororder/", owner_cookie),
    ]
    connection.close()

    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "ddasum.wsgi:application"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        for _attempt in range(100):  # up to 20 s
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.2)
        use_wrk = shutil.which("wrk") is not None
        rows = []
        for label, path, cookie in [] if args.burst_only else pages:
            asyncio.run(load(port, path, concurrency=1, seconds=1, cookie=cookie))  # warm: connections, the cache
            one = wrk_load(port, path, concurrency=1, seconds=args.seconds, cookie=cookie) if use_wrk else asyncio.run(
                load(port, path, concurrency=1, seconds=args.seconds, cookie=cookie))
            eight = wrk_load(port, path, concurrency=8, seconds=args.seconds, cookie=cookie) if use_wrk else (
                asyncio.run(load(port, path, concurrency=8, seconds=args.seconds, cookie=cookie)))
            rows.append((label, one, eight))
        ceiling = rows[0][2]["rps"] if rows else 1
        print(f"\n{Product.objects.count():,} products; gunicorn {args.workers} workers × {args.threads} threads; "
              f"page cache {'off' if args.no_cache else 'on'}; client {'wrk' if use_wrk else 'asyncio'}; "
              f"{args.seconds:g} s per run")
        print("| page | req/s c=8 (c=1) | p50 ms c=8 | p95 ms c=8 (c=1) | ÷ robots.txt | statuses |")
        print("|---|---:|---:|---:|---:|---|")
        for label, one, eight in rows:
            print(f"| {label} | {eight['rps']:,.0f} ({one['rps']:,.0f}) | {eight['p50']:.1f} | "
                  f"{eight['p95']:.1f} ({one['p95']:.1f}) | {eight['rps'] / ceiling:.3f} | "
                  f"{eight['statuses'] or '-'} |")

        # A running shop's workers have placed orders before: one small burst, not counted, takes the
        # first-use costs (code paths, regular expressions, connections) out of the measured ones.
        reset_stock()
        connection.close()
        asyncio.run(burst(port, [Buyer(port, session_key=None, guest=True) for _ in range(16)],
                          product.get_absolute_url(), variant.pk, server.pid))
        for kind in ("members", "guests"):
            reset_stock()
            connection.close()
            buyers = [Buyer(port, session_key=member_session(user) if kind == "members" else None,
                            guest=kind == "guests") for user in (members if kind == "members" else range(BUYERS))]
            connection.close()
            before = Order.objects.filter(lines__variant=variant).distinct().count()
            result = asyncio.run(burst(port, buyers, product.get_absolute_url(), variant.pk, server.pid))
            placed = Order.objects.filter(lines__variant=variant).distinct().count() - before
            connection.close()
            print(f"checkout burst, {BUYERS} {kind} for {UNITS} units: p50 {result['p50']:.0f} ms, "
                  f"p95 {result['p95']:.0f} ms, max {result['max']:.0f} ms; {placed} orders placed, "
                  f"{result['sent_back_to_cart']} sent back to the cart with the sold-out message; "
                  f"responses {result['outcomes']}; CPU a submit: gunicorn {result['server_cpu_ms_each']:.1f} ms, "
                  f"PostgreSQL {result['db_cpu_ms_each']:.1f} ms")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(static_root, ignore_errors=True)
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
          f"after {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores)")


if __name__ == "__main__":
    main()
