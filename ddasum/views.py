from django.contrib import messages
from django.db import connection
from django.http import JsonResponse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache

from .exceptions import DomainError


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
