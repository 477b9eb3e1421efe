"""Whole storefront pages kept for anonymous visitors (Redis in production, locmem embedded).

An entry is keyed by the host, the URL (path and query), the language and the catalogue
version. Every change to something a storefront page shows (a product, an option's price or
stock state, an image, a vendor, a category, a campaign, a coupon, a review) bumps the version
(`version_bump`, called by the model watchers the apps register and by the services that write
with UPDATE), so the next request misses and renders afresh. The version is read when a request
starts and the page is stored under that version: a page rendered from data that changed while
it was rendered is stored under a version no later request asks for.

Pages follow the clock: an entry never outlives the next campaign or coupon start or end (the
boundaries the apps register, `boundary_register`), nor local midnight (certifications end on a
date), nor PAGE_CACHE_SECONDS.

Nothing personal is stored: only anonymous GETs with no pending message are served from or
stored in the cache; the CSRF tokens of the page's forms are stored as a placeholder and each
visitor gets a fresh token of their own when the page is served; the header's cart count comes
from an uncached JSON endpoint (static/js/visitor.js) on cached pages. A view can attach what its
page needs to do on every view (count it, remember it as recently viewed) as `on_hit`. The public
products API list keeps its answers the same way (`public_data`): it reads no session or token.
"""
import hashlib
import math
import os
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

# Pages live in a cache of their own ("pages": the same Redis under another prefix, or a locmem of
# its own) so they never evict the application's keys; the version lives in the application's cache,
# so clearing that one (a deploy, `cache.clear()`) also retires every stored page.
ALIAS = "pages"
VERSION_KEY = "page-cache:version"
BOUNDARY_KEY = "page-cache:boundary:{version}"
# What a stored page holds instead of a CSRF token (a real token is put back for each visitor).
CSRF_PLACEHOLDER = "__page_cache_csrf_token__"
# How many seconds ago a stored page was rendered (countdowns count from then; 0 when fresh).
AGE_PLACEHOLDER = "__page_cache_age__"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
MAX_QUERY_CHARS = 300  # longer query strings are served but not stored (nobody shares them)

_boundaries: list[Callable[[datetime], datetime | None]] = []


def _cache():
    return caches[ALIAS]


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_SECONDS", 0) > 0


# --- the version ---------------------------------------------------------------------------------


def version() -> int:
    """The catalogue version now; a fresh one starts at random so it never reuses the keys of an old one."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, int.from_bytes(os.urandom(6), "big"), timeout=None)
        current = cache.get(VERSION_KEY) or 0
    return current


def _version_incr() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (a fresh or flushed cache): start one
        version()


def version_bump(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Pages shown so far are stale: bump now, and again once the change commits.

    The bump after commit is the one that matters (a request that read the old rows and stores its
    page after the first bump stores it under a version that is then already old); the bump now
    makes the change show at once to whoever reads inside the same transaction.
    """
    _version_incr()
    connection = connections[using]
    if connection.in_atomic_block and not any(func is _version_incr for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(_version_incr, using=using)


def _watched(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    version_bump(using=using)


def watch(*models: str) -> None:
    """Bump the version whenever one of these models ("app_label.Model") is saved or deleted."""
    for model in models:
        post_save.connect(_watched, sender=model, dispatch_uid=f"page-cache:save:{model}", weak=False)
        post_delete.connect(_watched, sender=model, dispatch_uid=f"page-cache:delete:{model}", weak=False)


# --- the clock -----------------------------------------------------------------------------------


def boundary_register(next_boundary: Callable[[datetime], datetime | None]) -> None:
    """Register `next_boundary(now)`: the next moment after `now` when pages change by the clock."""
    if next_boundary not in _boundaries:
        _boundaries.append(next_boundary)


def _next_boundary(now: datetime, ver: int) -> float | None:
    """The registered boundaries' earliest after `now`, as a timestamp: read once per version until it passes.

    A change to a campaign or coupon bumps the version, so a new period is read at once. The answer
    is kept with the moment it was read at and holds only for moments between the two (a clock moved
    back, as tests do, reads again).
    """
    cache = _cache()
    key = BOUNDARY_KEY.format(version=ver)
    stored = cache.get(key)
    stamp = now.timestamp()
    if stored is not None and stored[0] <= stamp and (stored[1] == 0 or stamp < stored[1]):
        return stored[1] or None
    moments = [moment for moment in (fn(now) for fn in _boundaries) if moment is not None and moment > now]
    value = min(moments).timestamp() if moments else 0
    cache.set(key, (stamp, value), timeout=settings.PAGE_CACHE_SECONDS)
    return value or None


def expires_at(now: datetime, ver: int) -> float:
    """When a page rendered at `now` stops being right: the default life, the next boundary, midnight."""
    local = timezone.localtime(now)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    candidates = [now.timestamp() + settings.PAGE_CACHE_SECONDS, midnight.timestamp()]
    boundary = _next_boundary(now, ver)
    if boundary is not None:
        candidates.append(boundary)
    return min(candidates)


# --- the pages -----------------------------------------------------------------------------------


def _messages_pending(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def request_cacheable(request) -> bool:
    """An anonymous GET with no message waiting for it: the only kind served from or stored in the cache."""
    return (
        enabled()
        and request.method == "GET"
        and not request.user.is_authenticated
        and len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY_CHARS
        and not _messages_pending(request)
    )


def page_key(request, ver: int) -> str:
    url = f"{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(url.encode()).hexdigest()[:32]
    return f"page-cache:page:{ver}:{translation.get_language()}:{digest}"


def is_cached_render(request) -> bool:
    """Whether this request renders a page for the cache (then nothing personal goes into it)."""
    return getattr(request, "_page_cache_render", False)


def _store(request, response, key: str, ver: int, now: datetime) -> None:
    if (response.status_code != 200 or response.streaming or getattr(response, "page_cache_skip", False)
            or not response.get("Content-Type", "").startswith("text/html")):
        return
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "_queued_messages", None):
        return  # the view said something to this visitor
    until = expires_at(now, ver)
    timeout = math.floor(until - now.timestamp())
    if timeout <= 0:
        return
    html = _CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", response.content.decode(response.charset))
    _cache().set(key, {"at": now.timestamp(), "until": until, "type": response["Content-Type"], "html": html,
                    "meta": getattr(response, "page_cache_meta", None)}, timeout=timeout)


def _serve(request, entry: dict, now: datetime) -> HttpResponse:
    html = entry["html"].replace(AGE_PLACEHOLDER, str(max(0, int(now.timestamp() - entry["at"]))), 1)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    response = HttpResponse(html, content_type=entry["type"])
    response["X-Page-Cache"] = "hit"
    return response


def public_data(request, render: Callable[[], object]):
    """What a public, unauthenticated API view answers (its response data), kept like a page: keyed by host,
    URL, language and catalogue version, until the page would expire. `request` is Django's request (the
    view's own checks, such as its throttle, run before this); an error raised by `render` is not kept."""
    if not enabled() or request.method != "GET" or len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_CHARS:
        return render()
    ver = version()
    key = page_key(request, ver).replace("page-cache:page:", "page-cache:data:", 1)
    now = timezone.now()
    entry = _cache().get(key)
    if entry is not None and entry["until"] > now.timestamp():
        return entry["data"]
    data = render()
    until = expires_at(now, ver)
    timeout = math.floor(until - now.timestamp())
    if timeout > 0:
        _cache().set(key, {"until": until, "data": data}, timeout=timeout)
    return data


def anonymous_page(view=None, *, on_hit: Callable | None = None):
    """Serve the view's page from the cache to anonymous visitors, storing it on a miss.

    `on_hit(request, response, meta)` runs on every page served from the cache with what the view
    attached as `response.page_cache_meta` (the view's own per-view work: counting, cookies) and
    returns the response to send.
    """
    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request_cacheable(request):
                return func(request, *args, **kwargs)
            ver = version()
            key = page_key(request, ver)
            now = timezone.now()
            entry = _cache().get(key)
            if entry is not None and entry["until"] > now.timestamp():
                response = _serve(request, entry, now)
                return on_hit(request, response, entry["meta"]) if on_hit else response
            request._page_cache_render = True
            response = func(request, *args, **kwargs)
            _store(request, response, key, ver, now)
            if not response.streaming and AGE_PLACEHOLDER.encode() in response.content:
                response.content = response.content.replace(AGE_PLACEHOLDER.encode(), b"0", 1)
            if not response.has_header("X-Page-Cache"):
                response["X-Page-Cache"] = "miss"
            return response
        return wrapper
    return decorate(view) if view is not None else decorate
