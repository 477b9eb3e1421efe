"""Reads of the catalog shared by the storefront and the API: one filter form, one list query."""
from django import forms
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from vendors.models import EnterpriseType, Region, SocialFactKind, Vendor, VendorSocialFact

from .models import Category, Product, ProductKind
from .search import product_search

SORTS = {
    "newest": ("-in_stock", "-published_at", "-id"),
    "price_asc": ("-in_stock", "price", "-id"),
    "price_desc": ("-in_stock", "-price", "-id"),
    "popular": ("-in_stock", "-popularity", "-id"),
    "reviews": ("-in_stock", "-review_count", "-id"),
    "rating": ("-in_stock", "-rating_avg", "-review_count", "-id"),
}
SORT_CHOICES = [
    ("newest", _("신상품순")),
    ("popular", _("인기순")),
    ("price_asc", _("낮은 가격순")),
    ("price_desc", _("높은 가격순")),
    ("reviews", _("리뷰 많은순")),
    ("rating", _("평점순")),
]
FILTER_PARAMS = frozenset({"q", "category", "region", "enterprise_type", "kind", "price_min", "price_max",
                           "procurement", "in_stock", "social", "vendor", "sort", "page", "page_size"})


class ProductFilterForm(forms.Form):
    """The listing's filters; the storefront and the API read their parameters through it."""

    q = forms.CharField(label=_("검색어"), required=False, max_length=60)
    category = forms.SlugField(label=_("분류"), required=False, allow_unicode=True)
    region = forms.ChoiceField(label=_("시군"), required=False, choices=[("", _("전체"))] + Region.choices)
    enterprise_type = forms.ChoiceField(label=_("기업 유형"), required=False,
                                        choices=[("", _("전체"))] + EnterpriseType.choices)
    kind = forms.ChoiceField(label=_("상품·서비스"), required=False, choices=[("", _("전체"))] + ProductKind.choices)
    price_min = forms.IntegerField(label=_("최저 가격"), required=False, min_value=0)
    price_max = forms.IntegerField(label=_("최고 가격"), required=False, min_value=0)
    procurement = forms.BooleanField(label=_("공공구매 가능"), required=False)
    in_stock = forms.BooleanField(label=_("구매 가능한 상품만"), required=False)
    social = forms.ChoiceField(label=_("사회적 가치"), required=False, choices=[("", _("전체"))] + SocialFactKind.choices)
    vendor = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    sort = forms.ChoiceField(label=_("정렬"), required=False, choices=SORT_CHOICES)

    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", _("최고 가격이 최저 가격보다 낮습니다."))
        return data


def category_tree_ids(slug: str) -> list[int] | None:
    """The category with that slug and its sub-categories, or None if there is none."""
    category = Category.objects.filter(slug=slug, is_active=True).only("id").first()
    if category is None:
        return None
    return [category.pk, *Category.objects.filter(parent_id=category.pk).values_list("id", flat=True)]


def product_list(*, filters: dict):
    """Products on sale matching the cleaned filters, sold-out ones last."""
    qs = Product.objects.on_sale()
    if filters.get("category"):
        ids = category_tree_ids(filters["category"])
        qs = qs.filter(category_id__in=ids) if ids is not None else qs.none()
    if filters.get("region"):
        qs = qs.filter(vendor__region=filters["region"])
    if filters.get("enterprise_type"):
        qs = qs.filter(vendor__enterprise_type=filters["enterprise_type"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("price_min") is not None:
        qs = qs.filter(price__gte=filters["price_min"])
    if filters.get("price_max") is not None:
        qs = qs.filter(price__lte=filters["price_max"])
    if filters.get("procurement"):
        qs = qs.filter(procurement_eligible=True)
    if filters.get("in_stock"):
        qs = qs.filter(in_stock=True)
    if filters.get("vendor"):
        qs = qs.filter(vendor_id=filters["vendor"])
    if filters.get("social"):
        qs = qs.filter(
            Q(vendor__social_facts__kind=filters["social"]) & Q(vendor__social_facts__verified_at__isnull=False)
        )
    if filters.get("q"):
        qs = product_search(qs, filters["q"])
        if filters.get("sort") in SORTS and filters["sort"] != "newest":
            qs = qs.order_by(*SORTS[filters["sort"]])
    else:
        qs = qs.order_by(*SORTS.get(filters.get("sort") or "newest", SORTS["newest"]))
    return qs.for_cards()


def product_detail_get(*, pk: int):
    return (
        Product.objects.on_sale()
        .select_related("vendor", "category", "vendor__shipping_policy")
        .prefetch_related("variants", "images")
        .filter(pk=pk)
        .first()
    )


def related_products(product, limit: int = 8):
    return (
        Product.objects.on_sale().filter(category_id=product.category_id).exclude(pk=product.pk)
        .order_by("-in_stock", "-popularity", "-id").for_cards()[:limit]
    )


FEATURED_VENDORS = 6
FEATURED_CACHE_KEY = "catalog:featured-vendors:v1"
FEATURED_TIMEOUT = 600


def featured_vendors(limit: int = FEATURED_VENDORS) -> list:
    """Selling vendors with the most products on sale, then the most verified social facts.

    Counting over every product is the home page's heaviest query, so its answer is cached.
    """
    ranked = cache.get(FEATURED_CACHE_KEY)
    if ranked is None:
        product_counts = dict(
            Product.objects.on_sale().order_by().values("vendor_id").annotate(n=Count("id")).values_list("vendor_id", "n")
        )
        fact_counts = dict(
            VendorSocialFact.objects.verified().filter(vendor__in=Vendor.objects.selling()).order_by()
            .values("vendor_id").annotate(n=Count("id")).values_list("vendor_id", "n")
        )
        ranked = sorted(
            ((pk, product_counts.get(pk, 0), fact_counts.get(pk, 0)) for pk in set(product_counts) | set(fact_counts)),
            key=lambda row: (-row[1], -row[2], row[0]),
        )[:limit]
        cache.set(FEATURED_CACHE_KEY, ranked, FEATURED_TIMEOUT)
    vendors = Vendor.objects.selling().in_bulk([pk for pk, _n, _f in ranked])
    featured = []
    for pk, product_count, fact_count in ranked:
        if pk in vendors:
            vendor = vendors[pk]
            vendor.product_count, vendor.fact_count = product_count, fact_count
            featured.append(vendor)
    return featured
