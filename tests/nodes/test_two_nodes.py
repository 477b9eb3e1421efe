"""Two web nodes and a worker on one PostgreSQL, Redis and object store, nothing shared on disk.

Two gunicorns (gunicorn.conf.py) on two loopback ports, each with its own empty MEDIA_ROOT and
PRIVATE_MEDIA_ROOT, and a Celery worker taking every queue; all three use this test's prefix of
the object store. A vendor uploads on node A and the operator reads the file on node B; an agency
asks for a bundle on A, the worker builds it, the agency downloads it from B; a visitor's cart and
login cross nodes; the worker's thumbnails are served by both.

Runs in the PostgreSQL pass of .ci/run (PostgreSQL, Redis and SeaweedFS); skips with the reason
otherwise (fails instead with DDASUM_REQUIRE_SERVICES=1).
"""
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token

from catalog.models import ProductStatus, TaxType
from ddasum.celery import queue_names
from tests.ddasum.test_celery_worker import _require_services
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OperatorFactory,
    ProductFactory,
    UserFactory,
    VendorFactory,
    image_bytes,
    pdf_bytes,
)
from tests.otp import otp_device, totp_code
from tests.procurement.docs_helpers import make_quote, vendor_documents
from tests.procurement.factories import AgencyMembershipFactory
from vendors.models import REQUIRED_DOCUMENTS, DocumentKind, VendorStatus

from .http import Browser

pytestmark = [pytest.mark.real_celery, pytest.mark.object_storage, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, logs, seconds: int = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {seconds} s\n{logs()}")


class Cluster:
    def __init__(self, tmp_path: Path, env: dict):
        self.tmp_path, self.env, self.procs = tmp_path, env, []
        self.nodes: dict[str, str] = {}

    def _start(self, name: str, args: list[str], extra_env: dict) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "w+")
        proc = subprocess.Popen(args, cwd=ROOT, env={**self.env, **extra_env}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        proc.name, proc.log_path = name, self.tmp_path / f"{name}.log"
        self.procs.append(proc)
        return proc

    def web(self, name: str):
        port = _free_port()
        media = self.tmp_path / name  # this node's own (and unused) local folders
        self._start(name, [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
                           f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "ddasum.wsgi:application"],
                    {"MEDIA_ROOT": str(media / "media"), "PRIVATE_MEDIA_ROOT": str(media / "private")})
        self.nodes[name] = f"http://127.0.0.1:{port}"

    def worker(self, queue: str):
        media = self.tmp_path / "worker"
        self._start("worker", [sys.executable, "-m", "celery", "-A", "ddasum", "worker", "-P", "threads", "-c", "2",
                               "-Q", ",".join(queue_names(queue)), "-n", f"{queue}@%h", "--without-gossip",
                               "--without-mingle", "--without-heartbeat", "-l", "info"],
                    {"MEDIA_ROOT": str(media / "media"), "PRIVATE_MEDIA_ROOT": str(media / "private")})

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log_path.read_text(errors='replace')[-3000:]}" for p in self.procs)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def cluster(settings, object_storage, tmp_path):
    _require_services()
    db = connection.settings_dict
    queue = f"test-nodes-{uuid.uuid4().hex[:8]}"
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("S3_", "DJANGO_ALLOW")) and name not in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT")}
    env.update({
        "DJANGO_ENV": "local", "DEBUG": "false",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                        f"/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL, "CELERY_QUEUE": queue,
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        **settings.TEST_STORAGE_ENV,  # the object store under this test's prefix
    })
    env.pop("EMAIL_URL", None)
    nodes = Cluster(tmp_path, env)
    try:
        nodes.web("a")
        nodes.web("b")
        nodes.worker(queue)
        for url in nodes.nodes.values():
            _wait(f"{url}/healthz", lambda url=url: Browser().get(f"{url}/healthz").status == 200, nodes.logs)
        yield nodes
    finally:
        nodes.stop()


def _login(browser: Browser, node: str, user) -> None:
    login = reverse("accounts:login")
    assert browser.get(node + login).status == 200
    answer = browser.post(node + login, {"username": user.email, "password": PASSWORD})
    assert answer.status == 302, answer.text()[:2000]


def _login_operator(browser: Browser, node: str, user) -> None:
    """An operator signs in with the password, then the authenticator's code (2FA on /admin/)."""
    device = otp_device(user)
    _login(browser, node, user)
    otp = reverse("accounts:otp")
    assert browser.get(node + otp).status == 200
    answer = browser.post(node + otp, {"code": totp_code(device)})
    assert answer.status == 302, answer.text()[:2000]


def test_two_web_nodes_and_a_worker_share_everything_but_the_disk(cluster, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # what the nodes check
    a, b = cluster.nodes["a"], cluster.nodes["b"]
    for node in (a, b):
        ready = Browser().get(f"{node}/readyz")
        assert ready.status == 200, ready.text()

    # --- a vendor uploads its application documents on A; the operator reads them on B --------------
    draft = VendorFactory(status=VendorStatus.DRAFT)
    owner = MembershipFactory(vendor=draft).user
    vendor_browser = Browser()
    _login(vendor_browser, a, owner)
    documents_url = a + reverse("vendors:application_documents", args=[draft.pk])
    assert vendor_browser.get(documents_url).status == 200
    files = {kind: (f"{kind}.png", image_bytes("PNG"), "image/png") if kind == DocumentKind.SEAL
             else (f"{kind}.pdf", pdf_bytes(), "application/pdf")
             for kind in REQUIRED_DOCUMENTS[draft.enterprise_type]}
    answer = vendor_browser.post(documents_url, {"submit": "1"}, files=files)
    assert answer.status == 302, answer.text()[:3000]
    draft.refresh_from_db()
    assert draft.documents.count() == len(files)
    operator_browser = Browser()
    _login_operator(operator_browser, b, OperatorFactory())
    for doc in draft.documents.all():
        answer = operator_browser.get(b + reverse("vendors:document", args=[doc.pk]))
        assert answer.status == 200, (doc.kind, answer.text()[:500])
        assert answer.body[:4] in (b"%PDF", b"\x89PNG")
    assert operator_browser.get(f"{b}/admin/vendors/vendor/{draft.pk}/change/").status == 200
    # nothing was written to either node's own folders
    for name in ("a", "b"):
        assert not [p for p in (tmp_path / name).rglob("*") if p.is_file()], name

    # --- an agency asks for the bundle on A; the worker builds it; B hands it out --------------------
    vendor = VendorFactory(status=VendorStatus.APPROVED)
    vendor_documents(vendor)
    membership = AgencyMembershipFactory(agency__name="충청남도 홍성군청")
    product = ProductFactory(vendor=vendor, name="홍성 유기농 현미", procurement_eligible=True)
    quote = make_quote(agency=membership.agency, vendor=vendor, buyer=membership.user, lines=[
        {"name": product.name, "quantity": 20, "unit_price": 55_000, "tax_type": TaxType.EXEMPT,
         "variant": product.variants.get()},
    ])
    agency_browser = Browser()
    _login(agency_browser, a, membership.user)
    answer = agency_browser.post(a + reverse("procurement:bundle_request", args=[quote.number]), {},
                                 headers={"Accept": "application/json"})
    assert answer.status in (200, 202), answer.text()[:2000]
    status_url = b + reverse("procurement:bundle_status", args=[quote.number])
    state = _wait("the bundle built by the worker",
                  lambda: (s := agency_browser.get(status_url).json())["status"] in ("ready", "failed") and s,
                  cluster.logs)
    assert state["status"] == "ready", state
    pdf = agency_browser.get(b + reverse("procurement:bundle_pdf", args=[quote.number]))
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF"), pdf.text()[:500]
    zipped = agency_browser.get(a + reverse("procurement:bundle_zip", args=[quote.number]))
    assert zipped.status == 200 and zipped.body.startswith(b"PK")

    # --- a visitor's cart and login cross nodes ------------------------------------------------------
    on_sale = ProductFactory(vendor=vendor, name="서천 한산모시 손수건", status=ProductStatus.ON_SALE)
    variant = on_sale.variants.get()
    shopper = UserFactory()
    visitor = Browser()
    assert visitor.get(a + on_sale.get_absolute_url()).status == 200
    answer = visitor.post(a + reverse("orders:cart_add"), {"variant": variant.pk, "quantity": 2})
    assert answer.status == 302, answer.text()[:2000]
    assert "서천 한산모시 손수건" in visitor.get(b + reverse("orders:cart")).text()  # anonymous cart on B
    _login(visitor, b, shopper)  # login on B keeps the cart
    cart_on_a = visitor.get(a + reverse("orders:cart")).text()
    assert "서천 한산모시 손수건" in cart_on_a
    assert shopper.email in cart_on_a or "로그아웃" in cart_on_a  # still signed in on A

    # --- a product photo uploaded on A: the worker's thumbnails are served by both nodes -------------
    token = Token.objects.create(user=MembershipFactory(vendor=vendor).user)
    api = Browser()
    answer = api.post(a + reverse("api:vendor_product_images", args=[on_sale.pk]), {},
                      files={"image": ("photo.jpg", image_bytes("JPEG", size=(1200, 900)), "image/jpeg")},
                      headers={"Authorization": f"Token {token.key}"})
    assert answer.status == 201, answer.text()[:2000]
    image = on_sale.images.get()
    image = _wait("the thumbnails made by the worker",
                  lambda: (image.refresh_from_db() or image.thumbs) and image, cluster.logs)
    for width, name in image.thumbs.items():
        for node in (a, b):
            thumb = Browser().get(f"{node}/media/{name}")
            assert thumb.status == 200 and thumb.body[8:12] == b"WEBP", (width, node, thumb.status)
    original = Browser().get(f"{b}{image.image.url}")
    assert original.status == 200 and original.body[:3] == b"\xff\xd8\xff"
