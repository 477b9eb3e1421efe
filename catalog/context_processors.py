"""The storefront's category menu on every page, kept in the cache so a page's query count stays fixed."""
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from .models import Category

MENU_CACHE_KEY = "catalog:category-menu:v1"
# An operator's edit to the categories shows within this many seconds.
MENU_TIMEOUT = 300


def category_menu() -> list[dict]:
    """Active top-level categories in the mall's order, each with its active sub-categories."""
    menu = cache.get(MENU_CACHE_KEY)
    if menu is not None:
        return menu
    rows = list(Category.objects.filter(is_active=True).values("id", "name", "slug", "icon", "parent_id"))
    by_parent: dict[int, list[dict]] = {}
    for row in rows:
        if row["parent_id"]:
            by_parent.setdefault(row["parent_id"], []).append(row)
    menu = [
        {
            "name": row["name"], "slug": row["slug"], "icon": row["icon"], "url": Category(slug=row["slug"]).get_absolute_url(),
            "children": [
                {"name": c["name"], "slug": c["slug"], "icon": c["icon"], "url": Category(slug=c["slug"]).get_absolute_url()}
                for c in by_parent.get(row["id"], [])
            ],
        }
        for row in rows
        if not row["parent_id"]
    ]
    cache.set(MENU_CACHE_KEY, menu, MENU_TIMEOUT)
    return menu


def categories(request):
    """CATEGORY_MENU for base.html; read from the cache only on pages that show it."""
    return {"CATEGORY_MENU": SimpleLazyObject(category_menu)}
