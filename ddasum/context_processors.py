from django.conf import settings

from .page_cache import AGE_PLACEHOLDER, is_cached_render


def site(request):
    """The operator's business details, on every page (the category menu is catalog's)."""
    # page_cached: the page is rendered for the page cache; the header's personal bits come from
    # orders' visitor endpoint (static/js/visitor.js) instead.
    return {"OPERATOR": settings.OPERATOR_INFO, "page_cached": is_cached_render(request),
            "page_age_placeholder": AGE_PLACEHOLDER}
