"""ddasum.documents: the pipeline every generated PDF goes through (facts → fingerprint → render → store)."""
import base64
import logging
import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ddasum import documents as documents_module
from ddasum.documents import (
    content_name,
    data_uri,
    document_make_if_changed,
    document_task_run,
    documents_orphans_sweep,
    file_store,
    fingerprint,
)
from ddasum.pdf import PdfUnavailable
from ddasum.tasks import documents_orphans_sweep_task
from orders.models import Document, DocumentKind, Settlement
from orders.services.settlements import settlement_pdf_make
from tests.factories import image_bytes

FACTS = {
    "v": 1, "kind": "statement", "number": "S20260101-0001",
    "vendor": {"id": 7, "name": "홍성유기농 협동조합", "seal": {"id": 3, "sha256": "ab" * 32}},
    "lines": [{"name": "현미 5kg", "quantity": 2, "unit_price": 25000, "rate": Decimal("10.5")}],
    "issued_on": date(2026, 1, 2), "void": False, "refunded": None, "b": [], "a": "",
}


def test_the_fingerprint_is_the_one_stored_documents_were_made_with():
    # What orders.documents.fingerprint, procurement.documents.fingerprint and
    # orders.settlements._fingerprint gave for these facts before they became this one function:
    # a different value would make every stored document again.
    assert fingerprint(FACTS) == "337d61899b0d2cbe293f3282f508742816eea627918903fd71ee9b8e26accf73"
    assert fingerprint(dict(reversed(FACTS.items()))) == fingerprint(FACTS)
    assert fingerprint({**FACTS, "void": True}) != fingerprint(FACTS)


def test_data_uri_of_a_media_image_sniffs_its_type():
    png = image_bytes("PNG")
    name = default_storage.save("products/p.png", ContentFile(png))
    assert data_uri(name) == "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    assert data_uri(default_storage.save("products/x.bin", ContentFile(b"not an image"))) == ""


def test_data_uri_of_a_missing_file_is_empty_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="ddasum.documents"):
        assert data_uri("products/gone.png") == ""
    assert "products/gone.png" in caplog.text
    assert data_uri("") == ""


@pytest.mark.django_db
def test_data_uri_of_a_field_file_takes_the_given_type():
    document = Document(kind=DocumentKind.RECEIPT, number="T-1")
    document.file.save("T-1.pdf", ContentFile(b"%PDF-1.4 x"), save=False)
    assert data_uri(document.file, content_type="application/pdf") == (
        "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4 x").decode("ascii"))


@pytest.mark.django_db
def test_file_store_saves_a_new_row_and_replaces_the_file_of_an_existing_one(django_capture_on_commit_callbacks):
    document = Document(kind=DocumentKind.RECEIPT, number="T-1")
    file_store(document, field="file", fingerprint_field="fingerprint", data=b"one", digest="a" * 64, name="T-1.pdf")
    assert document.pk and Document.objects.get(pk=document.pk).fingerprint == "a" * 64
    first, storage = document.file.name, document.file.storage
    stamped = Document.objects.get(pk=document.pk).updated_at
    with django_capture_on_commit_callbacks(execute=True):
        file_store(document, field="file", fingerprint_field="fingerprint", data=b"two", digest="b" * 64,
                   name="T-1.pdf")
        assert storage.exists(first)  # the old file stays until the new row is committed
    stored = Document.objects.get(pk=document.pk)
    assert stored.fingerprint == "b" * 64 and stored.file.read() == b"two"
    assert stored.updated_at > stamped  # an existing row keeps its auto_now stamp current
    assert not storage.exists(first)


@pytest.mark.django_db
def test_a_failed_save_removes_the_new_file_and_keeps_the_old(monkeypatch):
    document = Document(kind=DocumentKind.RECEIPT, number="T-1")
    file_store(document, field="file", fingerprint_field="fingerprint", data=b"one", digest="a" * 64, name="T-1.pdf")
    first, storage = document.file.name, document.file.storage

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(document, "save", broken)
    with pytest.raises(RuntimeError):
        file_store(document, field="file", fingerprint_field="fingerprint", data=b"two", digest="b" * 64,
                   name="T-1.pdf")
    assert storage.listdir(os.path.dirname(first))[1] == [os.path.basename(first)]  # no new file left behind


@pytest.mark.django_db
def test_make_if_changed_renders_only_when_the_facts_change():
    facts = {"total": 1000}
    renders = []

    def make():
        return document_make_if_changed(
            load=lambda: Document.objects.filter(number="T-1").first() or Document(kind=DocumentKind.RECEIPT,
                                                                                     number="T-1"),
            facts=lambda row: dict(facts), render=lambda row, shown: renders.append(shown) or b"%PDF",
            name=lambda row: f"{row.number}.pdf",
        )

    made = make()
    assert made is not None and made.fingerprint == fingerprint({"total": 1000}) and renders == [{"total": 1000}]
    assert make() is None and len(renders) == 1
    facts["total"] = 2000
    again = make()
    assert again.pk == made.pk and again.fingerprint == fingerprint({"total": 2000}) and len(renders) == 2
    assert document_make_if_changed(load=lambda: None, facts=dict, render=bytes, name=str) is None


def test_task_run_logs_what_it_could_not_make(caplog):
    def unavailable(**ids):
        raise PdfUnavailable("OSError: no Pango")

    def gone(**ids):
        raise Document.DoesNotExist

    with caplog.at_level(logging.INFO, logger="ddasum.documents"):
        assert document_task_run(unavailable, label="documents of order 7", order_id=7) is False
        assert document_task_run(gone, label="documents of order 8", missing=(Document.DoesNotExist,),
                                 order_id=8) is False
    assert "documents of order 7 not made: WeasyPrint unavailable (OSError: no Pango)" in caplog.text
    assert "documents of order 8 not made" in caplog.text
    assert document_task_run(lambda **ids: ids, label="x", order_id=9) == {"order_id": 9}
    with pytest.raises(Document.DoesNotExist):
        document_task_run(gone, label="not expected", order_id=10)


# --- files named by row and content; a re-run overwrites; orphans swept (issue 11, item 10) -------


def _folder_files(storage, name):
    return sorted(storage.listdir(os.path.dirname(name))[1])


@pytest.mark.django_db
def test_a_generated_file_is_named_by_its_row_and_content():
    document = Document(kind=DocumentKind.RECEIPT, number="R-1")
    file_store(document, field="file", fingerprint_field="fingerprint", data=b"%PDF one", digest="ab" * 32,
               name="R-1.pdf")
    today = timezone.localdate()
    assert document.file.name == f"documents/{today:%Y/%m}/R-1-abababababab.pdf"
    assert content_name("Q-7-bundle.zip", "0123456789abcdef" * 4) == "Q-7-bundle-0123456789ab.zip"


@pytest.mark.django_db
def test_a_rerun_after_a_task_died_before_its_commit_writes_over_the_file_it_left():
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            first = Document(kind=DocumentKind.RECEIPT, number="R-2")
            file_store(first, field="file", fingerprint_field="fingerprint", data=b"%PDF first", digest="cd" * 32,
                       name="R-2.pdf")
            left, storage = first.file.name, first.file.storage
            raise RuntimeError("the worker was killed before the commit")
    assert not Document.objects.exists() and storage.exists(left)  # the file, and no row
    again = Document(kind=DocumentKind.RECEIPT, number="R-2")
    file_store(again, field="file", fingerprint_field="fingerprint", data=b"%PDF again", digest="cd" * 32,
               name="R-2.pdf")
    assert again.file.name == left  # not R-2-cdcdcdcdcdcd_mZny6a9.pdf
    assert _folder_files(storage, left) == [os.path.basename(left)]
    assert Document.objects.get().file.read() == b"%PDF again"


@pytest.mark.django_db
def test_a_statement_pdf_made_again_after_a_dead_run_leaves_one_file(monkeypatch, vendor):
    settlement = Settlement.objects.create(vendor=vendor, number="ST-202601-0001", period_start=date(2026, 1, 1),
                                           period_end=date(2026, 1, 31), status="confirmed")
    real_store = documents_module.file_store

    def store_then_die(*args, **kwargs):
        real_store(*args, **kwargs)
        raise SystemExit("SIGKILL")  # the file is written, its row never commits

    monkeypatch.setattr(documents_module, "file_store", store_then_die)
    with pytest.raises(SystemExit):
        settlement_pdf_make(settlement_id=settlement.pk)
    assert not Document.objects.exists()
    monkeypatch.undo()
    document = settlement_pdf_make(settlement_id=settlement.pk)
    storage = document.file.storage
    assert document.file.name.startswith(f"documents/{timezone.localdate():%Y/%m}/ST-202601-0001-")
    assert _folder_files(storage, document.file.name) == [os.path.basename(document.file.name)]
    assert settlement_pdf_make(settlement_id=settlement.pk) is None  # current: nothing written


def _aged(storage, name, hours):
    moment = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(storage.path(name), (moment, moment))


@pytest.mark.local_files  # reads the files on disk
@pytest.mark.django_db
def test_the_sweep_removes_old_files_no_row_points_to_and_nothing_else(settings):
    settings.DOCUMENT_ORPHAN_GRACE_SECONDS = 6 * 3600
    kept = Document(kind=DocumentKind.RECEIPT, number="R-3")
    file_store(kept, field="file", fingerprint_field="fingerprint", data=b"%PDF kept", digest="ef" * 32,
               name="R-3.pdf")
    storage = kept.file.storage
    folder = os.path.dirname(kept.file.name)
    orphan = storage.save(f"{folder}/R-4-0123456789ab.pdf", ContentFile(b"%PDF orphan"))
    young = storage.save(f"{folder}/R-5-0123456789ab.pdf", ContentFile(b"%PDF being written"))
    old_bundle = storage.save("procurement/bundles/2025/01/QT-1-bundle-0123456789ab.zip", ContentFile(b"PK"))
    upload = storage.save("vendor-documents/7/bankbook.pdf", ContentFile(b"%PDF an upload"))
    for name in (kept.file.name, orphan, old_bundle, upload):
        _aged(storage, name, 48)
    _aged(storage, young, 1)
    removed = documents_orphans_sweep()
    assert sorted(removed) == sorted([orphan, old_bundle])
    assert not storage.exists(orphan) and not storage.exists(old_bundle)
    assert storage.exists(kept.file.name) and storage.exists(young) and storage.exists(upload)
    assert documents_orphans_sweep() == []


@pytest.mark.django_db
def test_the_sweep_task_is_on_the_beat(settings):
    assert documents_orphans_sweep_task() == 0
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "ddasum.documents_orphans_sweep_task" in entries and "ddasum.outbox_sweep_task" in entries
