"""The document bundle built by a real Celery worker process (Redis broker, PostgreSQL rows).

Runs in the PostgreSQL + Redis pass; skips on the embedded default (and fails instead when
DDASUM_REQUIRE_SERVICES=1). The worker is the one of tests/ddasum/test_celery_worker.py; it is
started with the test's private storage (its directory, or its object-store prefix), so the files it
writes are the ones this process (and the download view) reads.
"""
import io
import time
from pathlib import Path

import pytest
from celery.result import EagerResult
from pypdf import PdfReader

from catalog.models import TaxType
from procurement.models import BundleStatus, QuoteBundle
from procurement.services.bundle import bundle_is_current, bundle_state
from procurement.tasks import bundle_build_task
from tests.ddasum.test_celery_worker import worker  # noqa: F401  (the fixture)
from tests.factories import ProductFactory
from tests.procurement.docs_helpers import file_bytes, make_quote, vendor_documents
from tests.procurement.factories import AgencyMembershipFactory

pytestmark = [pytest.mark.real_celery, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 90


@pytest.fixture
def bundle_worker(request, settings, monkeypatch):
    """The worker's queue, the worker started with this test's media and private directories."""
    for name, value in settings.TEST_STORAGE_ENV.items():  # the folders, or the object store's prefixes
        monkeypatch.setenv(name, value)
    private_root = settings.TEST_STORAGE_ENV.get("PRIVATE_MEDIA_ROOT")
    return request.getfixturevalue("worker"), Path(private_root) if private_root else None


def _wait_for_bundle(quote) -> QuoteBundle | None:
    deadline = time.monotonic() + WAIT_SECONDS
    bundle = None
    while time.monotonic() < deadline:
        bundle = QuoteBundle.objects.filter(quote=quote).first()
        if bundle is not None and bundle.status in (BundleStatus.READY, BundleStatus.FAILED):
            return bundle
        time.sleep(0.5)
    return bundle


def test_bundle_is_built_by_a_real_worker(bundle_worker, vendor):
    queue, private_root = bundle_worker
    membership = AgencyMembershipFactory(agency__name="충청남도 홍성군청")
    vendor_documents(vendor)
    product = ProductFactory(vendor=vendor, name="홍성 유기농 현미", procurement_eligible=True,
                             specs="용량: 10kg\n보관방법: 서늘한 곳")
    quote = make_quote(agency=membership.agency, vendor=vendor, buyer=membership.user, lines=[
        {"name": product.name, "spec": "10kg", "unit": "포", "quantity": 20, "unit_price": 55_000,
         "tax_type": TaxType.EXEMPT, "variant": product.variants.get()},
        {"name": "전통 된장 선물세트", "quantity": 20, "unit_price": 5_000, "tax_type": TaxType.TAXABLE},
    ])

    result = bundle_build_task.apply_async(kwargs={"quote_id": quote.pk}, queue=queue)
    assert not isinstance(result, EagerResult)  # sent through Redis, not run here
    bundle = _wait_for_bundle(quote)

    assert bundle is not None, f"the worker did not start the bundle within {WAIT_SECONDS} s"
    assert bundle.status == BundleStatus.READY, bundle.error or f"still {bundle.status} after {WAIT_SECONDS} s"
    # cover + quote + registration + type proof + bank book + one spec sheet
    assert bundle.page_count == 6
    assert bundle.missing == []
    # The files the worker wrote are in this test's private storage, where the views read them.
    for field in (bundle.pdf, bundle.zip):
        assert field.name, field
        if private_root is not None:
            assert (private_root / field.name).is_file(), field.name
        assert field.storage.exists(field.name)
    data = file_bytes(bundle.pdf)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == bundle.page_count
    cover = reader.pages[0].extract_text()
    assert "공공구매 제출 서류 묶음" in cover and quote.number in cover and "충청남도 홍성군청" in cover
    assert "견 적 서" in reader.pages[1].extract_text()
    # The worker's fingerprint is the one this process computes: the page offers the download.
    assert bundle_is_current(bundle)
    state = bundle_state(quote)
    assert state["status"] == "ready" and state["page_count"] == 6 and state["pdf_url"]
