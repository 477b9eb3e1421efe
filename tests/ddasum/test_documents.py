"""ddasum.documents: the pipeline every generated PDF goes through (facts → fingerprint → render → store)."""
import base64
import logging
import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ddasum.documents import data_uri, document_make_if_changed, document_task_run, file_store, fingerprint
from ddasum.pdf import PdfUnavailable
from orders.models import Document, DocumentKind
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
