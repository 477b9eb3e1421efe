import mimetypes

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache
from django.views.static import serve

from .exceptions import DomainError
from .storage import is_object_storage


def call_service(request, service, /, **kwargs):
    """Run a service for a page; a domain error becomes an error message and None."""
    try:
        return service(**kwargs), True
    except DomainError as exc:
        messages.error(request, exc.message)
        return None, False


@never_cache
def healthz(request):
    """Liveness for the compose healthcheck and load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
