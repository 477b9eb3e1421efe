"""Storefront template helpers: prices, thumbnails, search highlights, page links."""
import re
from functools import lru_cache
from urllib.parse import urlencode

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from catalog.models import Wish
from catalog.search import query_terms
from catalog.selectors import FILTER_PARAMS
from ddasum import money

register = template.Library()

# Parameters a page link carries over; page is set per link, page_size is the API's.
_KEPT_PARAMS = FILTER_PARAMS - {"page", "page_size"}


@register.filter
def won(value) -> str:
    """12000 → "12,000원", formatted once in Python rather than through localized intcomma."""
    if value is None or value == "":
        return ""
    return money.won(int(value))


@register.filter
def thumb(image, width) -> str:
    """The URL of a ProductImage's thumbnail of that width (or its original until made)."""
    return image.thumb_url(int(width)) if image else ""


@lru_cache(maxsize=256)
def _highlight_pattern(query: str):
    forms = sorted({form for term in query_terms(query) for form in term}, key=len, reverse=True)
    if not forms:
        return None
    return re.compile("|".join(re.escape(form) for form in forms), re.IGNORECASE)


@register.filter
def highlight(text, query) -> str:
    """Wrap the query's words in `text` with <mark>; every piece of `text` is escaped first."""
    text = "" if text is None else str(text)
    pattern = _highlight_pattern(str(query or ""))
    if pattern is None:
        return escape(text)
    out, position = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[position : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


@register.simple_tag(takes_context=True)
def page_query(context, page) -> str:
    """A link to `page` of the current listing that keeps its filters (empty ones dropped)."""
    request = context["request"]
    params = [
        (key, value)
        for key, values in request.GET.lists()
        if key in _KEPT_PARAMS
        for value in values
        if value != ""
    ]
    if int(page) > 1:
        params.append(("page", page))
    return f"?{urlencode(params)}" if params else request.path


@register.simple_tag(takes_context=True)
def is_wished(context, product) -> bool:
    """Whether the signed-in member has wished `product`; one query per request whatever the list's size."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return False
    if not hasattr(request, "_wished_product_ids"):
        request._wished_product_ids = set(Wish.objects.filter(user=user).values_list("product_id", flat=True))
    return product.pk in request._wished_product_ids
