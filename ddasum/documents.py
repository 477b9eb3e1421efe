"""The document pipeline every generated PDF goes through: facts → fingerprint → render → store.

A document (a receipt, a statement, a packing slip, a settlement statement, a quote, a
purchase order, a delivery note) is made from plain "facts": the lines, amounts and parties'
details it shows, as JSON-able data. Their hash is the document's fingerprint, stored beside
the file, so making it again writes nothing unless something it shows has changed, and a
retried task is harmless. Rendering happens in Celery tasks (ddasum.pdf), never in a request.

This is the lowest layer: it imports no app. The apps pass in their rows and callables
(how to lock and load the row, its facts, how to render them, the file's name).

Files are named by their row and content (`<number>-<fingerprint[:12]>.pdf`, in `file_store`):
a task that dies after writing the file but before its row commits leaves a file that the
re-run writes over, never a second `…_mZny6a9.pdf`; and `documents_orphans_sweep` removes
what no row points to (settings.GENERATED_DOCUMENTS) once it is older than any task runs.
"""
import base64
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from .pdf import PdfUnavailable
from .storage import private_storage

logger = logging.getLogger(__name__)

Row = TypeVar("Row", bound=models.Model)

# The image types a PDF template takes inline, by their first bytes.
IMAGE_SIGNATURES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}


def fingerprint(facts: dict) -> str:
    """The hash of what a document shows; the same facts always give the same 64 hex digits."""
    blob = json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def data_uri(file, *, content_type: str = "") -> str:
    """A stored file as a data: URI for a PDF template; "" when there is none or it cannot be read.

    `file` is a FieldFile, or a name in the default storage (public media). Without a content
    type, PNG, JPEG and WebP are recognised by their first bytes, and anything else gives "".
    """
    if not file:
        return ""
    try:
        handle = default_storage.open(file, "rb") if isinstance(file, str) else file.open("rb")
        with handle as fh:
            data = fh.read()
    except OSError:
        logger.warning("%s cannot be read for a document", getattr(file, "name", file))
        return ""
    content_type = content_type or next((ct for head, ct in IMAGE_SIGNATURES.items() if data.startswith(head)), "")
    if not content_type:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def content_name(name: str, digest: str) -> str:
    """`name` with the first 12 hex digits of the content's fingerprint: `R-1.pdf` → `R-1-337d61899b0d.pdf`."""
    stem, ext = os.path.splitext(name)
    return f"{stem}-{digest[:12]}{ext}"


def file_store(row: models.Model, *, field: str, fingerprint_field: str, data: bytes, digest: str, name: str) -> None:
    """Save a (re)made file on `row`, new or existing: the new file first, the row, the old file after commit.

    The file is named by the row (`name`, e.g. its number) and the fingerprint of what it shows,
    under the field's folder. A file already there under that name was left by a run that died
    before its row committed (the caller holds the row's lock): it is written over, not kept
    beside a `_x7Yz9ab` copy. A failed save removes the new file; the old one stays until the new
    row is committed. An existing row saves only the file, its fingerprint and its auto_now stamps.
    """
    file = getattr(row, field)
    storage = file.storage
    old_name = file.name if file else ""
    target = file.field.generate_filename(row, content_name(name, digest))
    written = True
    if target == old_name and storage.exists(target):
        written = False  # the same content's file is the one the row has
    else:
        if storage.exists(target):
            storage.delete(target)
        target = storage.save(target, ContentFile(data), max_length=file.field.max_length)
    setattr(row, field, target)
    setattr(row, fingerprint_field, digest)
    try:
        if row._state.adding:
            row.save()
        else:
            stamps = [f.name for f in row._meta.concrete_fields if getattr(f, "auto_now", False)]
            row.save(update_fields=[field, fingerprint_field, *stamps])
    except Exception:
        if written:
            storage.delete(target)
        raise
    if old_name and old_name != target:
        transaction.on_commit(lambda: storage.delete(old_name))


def document_make_if_changed(*, load: Callable[[], Row | None], facts: Callable[[Row], dict],
                             render: Callable[[Row, dict], bytes], name: Callable[[Row], str],
                             field: str = "file", fingerprint_field: str = "fingerprint") -> Row | None:
    """Make a document again only if what it shows changed; the row it was stored on, or None.

    In one transaction: `load()` locks and loads the row holding the file (None: nothing to
    make), `facts(row)` says what the document shows, and when their fingerprint differs from
    the stored one (or there is no file yet) `render(row, facts)` makes the file, which is
    stored as `name(row)` (asked after rendering, so a new row can be numbered while rendering).
    """
    with transaction.atomic():
        row = load()
        if row is None:
            return None
        shown = facts(row)
        digest = fingerprint(shown)
        if getattr(row, field) and getattr(row, fingerprint_field) == digest:
            return None
        data = render(row, shown)
        file_store(row, field=field, fingerprint_field=fingerprint_field, data=data, digest=digest, name=name(row))
    return row


def document_task_run(make: Callable[..., Any], *, label: str, missing: tuple[type[Exception], ...] = (),
                      **ids) -> Any:
    """Run a document maker for a Celery task: what it returns, or False when it could not make anything.

    A machine without WeasyPrint must not break payments or purchases (the download page says
    "준비 중"), and a row deleted before the task ran has nothing to make: both are logged.
    """
    try:
        return make(**ids)
    except PdfUnavailable as exc:
        logger.error("%s not made: WeasyPrint unavailable (%s)", label, exc)
    except missing:
        logger.info("%s not made: no longer there", label)
    return False


def _files_under(storage, folder: str) -> Iterator[tuple[str, list[str]]]:
    """(folder, its file names) for `folder` and every folder below it; nothing if it does not exist."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    yield folder, files
    for sub in sorted(folders):
        yield from _files_under(storage, f"{folder}{sub}/")


def _referenced(labels: tuple[str, ...], folder: str) -> set[str]:
    """The names the fields `labels` ("app.Model.field") point to under `folder`."""
    names = set()
    for label in labels:
        model_label, field = label.rsplit(".", 1)
        model = apps.get_model(model_label)
        names.update(model._default_manager.filter(**{f"{field}__startswith": folder}).values_list(field, flat=True))
    return names


def documents_orphans_sweep(*, now: datetime | None = None) -> list[str]:
    """Remove the generated files no row points to, once older than DOCUMENT_ORPHAN_GRACE_SECONDS.

    Only under the folders of settings.GENERATED_DOCUMENTS (never an upload); a file younger than
    the grace period may be one a task is writing before its row commits, and stays.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.DOCUMENT_ORPHAN_GRACE_SECONDS)
    removed = []
    for prefix, labels in settings.GENERATED_DOCUMENTS.items():
        for folder, files in _files_under(private_storage, prefix):
            if not files:
                continue
            referenced = _referenced(labels, folder)
            for file_name in files:
                name = folder + file_name
                if name in referenced:
                    continue
                try:
                    if private_storage.get_modified_time(name) > cutoff:
                        continue
                    private_storage.delete(name)
                except FileNotFoundError:
                    continue
                logger.warning("generated file %s removed: no row points to it", name)
                removed.append(name)
    return removed
