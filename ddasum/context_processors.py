from django.conf import settings

from .constants import MALL_CATEGORIES


def site(request):
    """The operator's business details and the category menu, on every page."""
    return {"OPERATOR": settings.OPERATOR_INFO, "MENU_CATEGORIES": MALL_CATEGORIES}
