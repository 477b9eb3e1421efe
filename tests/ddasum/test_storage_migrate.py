"""`manage.py storage_migrate`: an embedded shop's folders moved into the object store (SeaweedFS)."""
import io
import uuid

import pytest
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from ddasum import storage_copy as storage_copy_module
from ddasum.storage import private_storage
from tests.factories import pdf_upload
from vendors.models import DocumentKind, VendorStatus
from vendors.services import vendor_document_add

pytestmark = [pytest.mark.object_storage, pytest.mark.django_db, pytest.mark.local_files]


@pytest.fixture
def local(settings, tmp_path):
    """Files written the embedded way (the autouse fixture's folders), and the store to move them to."""
    media, private = FileSystemStorage(location=settings.MEDIA_ROOT), private_storage
    media.save("vendors/logos/a.png", io.BytesIO(b"\x89PNG logo a"))
    media.save("catalog/products/1/b.jpg", io.BytesIO(b"\xff\xd8\xff photo"))
    private.save("documents/2026/01/R-1.pdf", io.BytesIO(b"%PDF receipt"))
    private.save("procurement/bundles/2026/01/Q-1.zip", io.BytesIO(b"PK zip"))
    return {"media_root": settings.MEDIA_ROOT, "private_root": private.location}


@pytest.fixture
def store(settings, object_store, local):
    """The object store switched on for the site, as S3_BUCKET would, under a fresh prefix."""
    settings.STORAGES = {**settings.STORAGES, **object_store.storages(f"test-{uuid.uuid4().hex}")}
    return object_store


def run(local, **options) -> str:
    out = io.StringIO()
    call_command("storage_migrate", media_root=local["media_root"], private_root=local["private_root"],
                 stdout=out, **options)
    return out.getvalue()


def test_refuses_without_object_storage(local):
    with pytest.raises(CommandError, match="S3_BUCKET"):
        run(local)


def test_dry_run_copies_nothing_then_the_run_copies_everything_once(store, local):
    output = run(local, dry_run=True)
    assert "would copy 4 file(s)" in output and "would copy documents/2026/01/R-1.pdf" in output
    assert not storages["private"].exists("documents/2026/01/R-1.pdf")

    output = run(local)
    assert "copied 4 file(s)" in output and "0 already there" in output
    assert "] 1/2 copy" in output and "] 2/2 copy" in output  # a progress line per file
    with storages["private"].open("documents/2026/01/R-1.pdf", "rb") as fh:
        assert fh.read() == b"%PDF receipt"
    with storages["default"].open("catalog/products/1/b.jpg", "rb") as fh:
        assert fh.read() == b"\xff\xd8\xff photo"

    output = run(local)
    assert "copied 0 file(s)" in output and "4 already there" in output


def test_a_changed_file_is_copied_again(store, local):
    run(local)
    FileSystemStorage(location=local["private_root"]).delete("documents/2026/01/R-1.pdf")
    FileSystemStorage(location=local["private_root"]).save("documents/2026/01/R-1.pdf", io.BytesIO(b"%PDF v2"))
    output = run(local)
    assert "copied 1 file(s)" in output and "copy documents/2026/01/R-1.pdf" in output
    with storages["private"].open("documents/2026/01/R-1.pdf", "rb") as fh:
        assert fh.read() == b"%PDF v2"


def test_an_interrupted_run_goes_on_where_it_stopped(store, local, monkeypatch):
    calls = []
    real_save = storages["private"].save

    def save_then_fail(name, content, **kwargs):
        if calls:
            raise ConnectionError("the store went away")
        calls.append(name)
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(storages["private"], "save", save_then_fail)
    with pytest.raises(ConnectionError):
        run(local)
    monkeypatch.undo()
    output = run(local)
    # the media went in the first run, one private file too: only the other is left
    assert "copied 1 file(s)" in output and "3 already there" in output
    assert storage_copy_module.file_fingerprint(storages["private"], "procurement/bundles/2026/01/Q-1.zip")


def test_rows_written_on_disk_are_read_from_the_store_after_the_move(client, settings, object_store, vendor, owner,
                                                                      tmp_path):
    vendor.status = VendorStatus.DRAFT
    vendor.save()
    doc = vendor_document_add(vendor_id=vendor.pk, kind=DocumentKind.BUSINESS_REGISTRATION, upload=pdf_upload(),
                              user=owner)
    local = {"media_root": settings.MEDIA_ROOT, "private_root": private_storage.location}
    settings.STORAGES = {**settings.STORAGES, **object_store.storages(f"test-{uuid.uuid4().hex}")}
    assert not private_storage.exists(doc.file.name)
    run(local)
    doc.refresh_from_db()
    client.force_login(owner)
    response = client.get(reverse("vendors:document", args=[doc.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"
