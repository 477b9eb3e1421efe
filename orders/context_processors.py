"""The header's cart link: how many lines the visitor's cart holds."""
from ddasum.page_cache import is_cached_render

from .models import CartLine

_CACHE_ATTR = "_orders_cart_line_count"


def cart_line_count(request) -> int:
    """Lines in the request's cart, counted once per request (a page that already knows sets it)."""
    count = getattr(request, _CACHE_ATTR, None)
    if count is None and is_cached_render(request):
        count = 0  # a page for every visitor: static/js/visitor.js shows this visitor's count
    if count is None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            count = CartLine.objects.filter(cart__user=user).count()
        else:
            session = getattr(request, "session", None)
            key = session.session_key if session is not None else None
            # A visitor without a session has no cart: no query.
            count = CartLine.objects.filter(cart__session_key=key).count() if key else 0
        setattr(request, _CACHE_ATTR, count)
    return count


def cart_line_count_set(request, count: int) -> None:
    setattr(request, _CACHE_ATTR, count)


def cart(request):
    """`cart_line_count` for base.html; a callable, so pages that do not show it run no query."""
    return {"cart_line_count": lambda: cart_line_count(request)}
