"""vendors.selectors: the vendor as documents show it (its seal and its 공급자 block)."""
import base64
import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.factories import image_bytes
from vendors.models import DocumentKind, VendorDocument
from vendors.selectors import vendor_seal, vendor_seal_data_uri, vendor_supplier_facts

pytestmark = pytest.mark.django_db


def seal(vendor, *, data=None, content_type="image/png", ago=timedelta(0)) -> VendorDocument:
    data = data if data is not None else image_bytes("PNG", size=(80, 80))
    doc = VendorDocument(vendor=vendor, kind=DocumentKind.SEAL, original_name="seal.png", content_type=content_type,
                         size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_at=timezone.now() - ago)
    doc.file.save("seal.png", ContentFile(data), save=False)
    doc.save()
    return doc


def test_the_seal_is_the_latest_upload(vendor):
    assert vendor_seal(vendor.pk) is None and vendor_seal_data_uri(vendor.pk) == ""
    seal(vendor, ago=timedelta(days=3))
    newest = seal(vendor)
    seal(vendor, ago=timedelta(days=1))
    assert vendor_seal(vendor.pk) == newest


def test_the_seal_as_a_data_uri(vendor):
    data = image_bytes("PNG", size=(80, 80))
    seal(vendor, data=data)
    assert vendor_seal_data_uri(vendor.pk) == "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def test_an_unreadable_or_non_image_seal_gives_no_uri(vendor, other_vendor):
    gone = seal(vendor)
    gone.file.storage.delete(gone.file.name)
    assert vendor_seal_data_uri(vendor.pk) == ""
    seal(other_vendor, data=b"%PDF-1.4", content_type="application/pdf")
    assert vendor_seal_data_uri(other_vendor.pk) == ""


def test_the_supplier_block(vendor):
    facts = vendor_supplier_facts(vendor)
    assert facts == {
        "id": vendor.pk, "name": vendor.name, "business_number": vendor.business_number,
        "representative": vendor.representative, "address": vendor.full_address,
        "business_type": vendor.business_type, "business_item": vendor.business_item, "phone": vendor.phone,
        "seal": None,
    }
    doc = seal(vendor)
    assert vendor_supplier_facts(vendor)["seal"] == {"id": doc.pk, "sha256": doc.sha256}
