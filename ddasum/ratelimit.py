"""A small limiter for pages: so many tries per key in a time window, in the cache.

Fixed windows counted with `cache.add` + `cache.incr`, which both the local-memory cache and
Redis do atomically, so several processes share one count on Redis. The rates live in
settings.RATE_LIMITS ("5/h", "10/15m", "3/d"); a page names its scope and what it is counted
by (the visitor's address, and the e-mail or phone it targets where that makes sense):

    @ratelimit("signup", by=(client_ip,))
    def signup(request): ...

A refused request gets a Korean page with 429 and Retry-After (JSON under /api/). The API's
own limits are DRF throttles (ddasum.api), with the same answer.
"""
import functools
import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def rate_parse(text: str) -> Rate:
    """"5/h" → 5 per hour; "10/15m" → 10 per 15 minutes."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"not a rate: {text!r} (e.g. '5/h', '10/15m')")
    count, multiple, unit = match.groups()
    return Rate(int(count), int(multiple or 1) * _UNITS[unit])


def client_ip(request) -> str:
    """The visitor's address; behind NUM_PROXIES proxies, the one the nearest proxy saw (as DRF does)."""
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def posted(field: str, *, normalise: Callable[[str], str] = lambda v: v.strip().lower()):
    """A key function counting by a posted value (the e-mail a reset is asked for)."""
    def key(request) -> str:
        value = normalise(request.POST.get(field, ""))
        return f"{field}={value}" if value else ""
    key.__name__ = f"posted_{field}"
    return key


def user_key(request) -> str:
    return f"user={request.user.pk}" if request.user.is_authenticated else ""


def hit(scope: str, key: str, rate: Rate, *, now: float | None = None) -> int:
    """Count one try; 0 if allowed, else the seconds until the window ends."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    ttl = rate.seconds + 5
    cache.add(cache_key, 0, ttl)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, ttl)
        count = 1
    if count > rate.count:
        return max(1, math.ceil((window + 1) * rate.seconds - now))
    return 0


def limits_check(request, scope: str, by: Iterable[Callable]) -> int:
    """Count this request in `scope` for each key; the longest wait if any limit is over, else 0."""
    rates = settings.RATE_LIMITS.get(scope)
    if not rates:
        return 0
    wait = 0
    for key_function in by:
        key = key_function(request)
        if not key:
            continue
        name = key_function.__name__
        rate = rate_parse(rates[name] if isinstance(rates, dict) else rates)
        wait = max(wait, hit(f"{scope}:{name}", key, rate))
    return wait


def too_many(request, wait: int):
    """429 with Retry-After: a Korean page, or {"detail": …} under /api/."""
    minutes = max(1, math.ceil(wait / 60))
    message = _("시도가 너무 많습니다. %(minutes)s분 뒤에 다시 시도해 주세요.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "ratelimited.html", {"message": message, "wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def ratelimit(scope: str, *, by: Iterable[Callable], methods: Iterable[str] = ("POST",)):
    """Refuse the view with 429 once any of its limits is over (counting only `methods`)."""
    by = tuple(by)
    methods = frozenset(methods)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                wait = limits_check(request, scope, by)
                if wait:
                    return too_many(request, wait)
            return view(request, *args, **kwargs)
        return wrapped
    return decorator
