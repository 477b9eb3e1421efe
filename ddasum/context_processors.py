from django.conf import settings


def site(request):
    """The operator's business details, on every page (the category menu is catalog's)."""
    return {"OPERATOR": settings.OPERATOR_INFO}
