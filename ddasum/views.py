import logging
import mimetypes
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import FileResponse, Http404, JsonResponse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache
from django.views.static import serve

from .celery import app as celery_app
from .exceptions import DomainError
from .storage import is_object_storage, private_storage

logger = logging.getLogger(__name__)


def call_service(request, service, /, **kwargs):
    """Run a service for a page; a domain error becomes an error message and None."""
    try:
        return service(**kwargs), True
    except DomainError as exc:
        messages.error(request, exc.message)
        return None, False


@never_cache
def healthz(request):
    """Liveness: the process answers. No database, cache or store is asked (see readyz)."""
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_migrations():
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")


def _check_cache():
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded: tasks run in this process, there is no broker
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


def _check_storage(storage):
    def check():
        storage.exists("readyz-probe")  # a HEAD in the object store, a stat on disk
    return check


READY_CHECKS = {
    "database": _check_database,
    "migrations": _check_migrations,
    "cache": _check_cache,
    "broker": _check_broker,
    "storage": _check_storage(default_storage),
    "private_storage": _check_storage(private_storage),
}


@never_cache
def readyz(request):
    """Readiness for a load balancer: database (migrations applied), cache, broker and both file
    storages answer. 200 with each check's result, or 503 naming what failed."""
    checks, failed = {}, []
    for name, check in READY_CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001  (any failure means not ready; the name says which)
            checks[name] = f"failed: {type(exc).__name__}"
            failed.append(name)
            logger.warning("readyz: %s failed: %s", name, exc)
        else:
            checks[name] = "ok"
    body = {"status": "failed" if failed else "ok", "checks": checks, "failed": failed}
    return JsonResponse(body, status=503 if failed else 200)


def int_param(value, lo: int, hi: int) -> int | None:
    """A query parameter as an int within [lo, hi], or None when missing or out of range."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if lo <= number <= hi else None


DESCRIPTION_CHARS = 150


def seo_meta(request, *, title, description="", canonical="", image=None, kind="website", noindex=False) -> dict:
    """What base.html puts in <title>, the description, canonical and OpenGraph tags."""
    return {
        "title": title,
        "description": Truncator(" ".join(strip_tags(description or "").split())).chars(DESCRIPTION_CHARS),
        "canonical": canonical,
        "image": request.build_absolute_uri(image) if image else "",
        "type": kind,
        "noindex": noindex,
    }


def media(request, path):
    """Public media (logos, product photos, thumbnails, banners) from whichever storage holds them.

    On disk: Django's static file view over MEDIA_ROOT. In the object store: streamed from it, so
    every web node serves what any node or worker wrote, while the bucket stays closed to the public.
    """
    if not is_object_storage(default_storage):
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    try:
        if not path or path.endswith("/") or not default_storage.exists(path):
            raise Http404
        handle = default_storage.open(path, "rb")
    except (SuspiciousOperation, ValueError) as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
