"""Storefront pages: listings, search, product and vendor pages (the home page is ddasum.site).

Every listing page runs a fixed number of queries whatever its size: products come from
selectors.product_list (vendor and category joined, images prefetched), prices are
formatted once by the `won` filter, and nothing on a card reaches for variants or facts.
"""
import json
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ddasum import page_cache
from ddasum.page_cache import anonymous_page
from ddasum.views import DESCRIPTION_CHARS, seo_meta
from vendors.models import Vendor, VendorStatus, selling_q

from .context_processors import category_menu
from .delivery_dates import delivery_slots_open
from .exceptions import NotAllowed
from .models import RETURN_EXCEPTIONS_DEFAULT, Category, Product, ProductStatus, ShippingPolicy
from .recent import RecentList
from .restock import restock_alert_request, wish_notices_enabled, wish_notices_set
from .search import CappedPaginator, query_terms, search_first_page
from .selectors import SORT_CHOICES, ProductFilterForm, product_detail_get, product_list, related_products
from .shipping import shipping_fee
from .views_count import product_view_count
from .wishes import wish_list, wish_set, wished_ids

# Cards per listing page; a module constant so tests can change it with monkeypatch.
PAGE_SIZE = 24
SUGGESTED_PRODUCTS = 8
RELATED_PRODUCTS = 8
RECENT_STRIP = 6
QUERY_MAX_LENGTH = 60

# Escapes that keep JSON inside a <script> element from closing it (as json_script does).
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


class StorefrontFilterForm(ProductFilterForm):
    """The listing filters as a storefront page shows them.

    `page` is "products" (all, category as a select), "category" (the category is in the
    path) or "search" (the query travels as a hidden field; relevance is the default sort).
    """

    def __init__(self, data, *, page: str, categories=()):
        super().__init__(data)
        del self.fields["vendor"]
        if page == "category":
            del self.fields["category"]
        else:
            choices = [("", gettext_lazy("전체"))]
            for parent in categories:
                choices.append((parent["slug"], _(parent["name"])))
                choices += [(child["slug"], f"└ {child['name']}") for child in parent["children"]]
            self.fields["category"] = forms.ChoiceField(label=gettext_lazy("분류"), required=False, choices=choices)
            self.order_fields(["category"])
        if page == "search":
            self.fields["q"].widget = forms.HiddenInput()
            self.fields["sort"].choices = [("", gettext_lazy("정확도순"))] + [
                (value, label) for value, label in SORT_CHOICES if value != "newest"
            ]
        else:
            del self.fields["q"]
        for name in ("price_min", "price_max"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "placeholder": "0", "step": "1000"})
        self.fields["sort"].widget.attrs["data-autosubmit"] = ""

    @property
    def active_filters(self) -> bool:
        """Whether any filter other than the sort (and the query) is in use or in error."""
        if self.errors:
            return True
        return any(value not in (None, "", False) for name, value in self.cleaned_data.items() if name not in ("q", "sort"))


def _filters_from(request, *, page: str):
    data = request.GET.copy()
    if "q" in data:
        data["q"] = data["q"][:QUERY_MAX_LENGTH]
    form = StorefrontFilterForm(data, page=page, categories=category_menu())
    # Fields in error are left out of cleaned_data, so a bad value drops only its own filter.
    form.is_valid()
    return form, dict(form.cleaned_data)


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _absolute(request, path: str, *, page: int = 1, **params) -> str:
    """An absolute URL of `path` with only the given non-empty parameters (page only past the first)."""
    params = {key: value for key, value in params.items() if value not in (None, "")}
    if page > 1:
        params["page"] = page
    return request.build_absolute_uri(f"{path}?{urlencode(params)}" if params else path)


@anonymous_page
def products(request):
    """All products on sale, filtered."""
    form, filters = _filters_from(request, page="products")
    page_obj = _paginate(request, product_list(filters=filters))
    title = _("전체 상품")
    context = {
        "form": form, "page_obj": page_obj, "title": title, "categories": category_menu(),
        "seo": seo_meta(
            request, title=title,
            description=_("충청남도 사회적기업·협동조합·마을기업·자활기업이 만든 상품과 서비스를 둘러보세요."),
            canonical=_absolute(request, reverse("catalog:products"), category=filters.get("category"),
                                page=page_obj.number),
        ),
    }
    return render(request, "catalog/product_list.html", context)


@anonymous_page
def category(request, slug):
    """A category's products, its sub-categories' included."""
    current = Category.objects.filter(slug=slug, is_active=True).select_related("parent").first()
    if current is None or (current.parent_id and not current.parent.is_active):
        raise Http404
    form, filters = _filters_from(request, page="category")
    filters["category"] = current.slug
    page_obj = _paginate(request, product_list(filters=filters))
    menu_entry = next((c for c in category_menu() if c["slug"] == current.slug), None)
    name = _(current.name)
    context = {
        "form": form, "page_obj": page_obj, "title": name, "category": current,
        "subcategories": menu_entry["children"] if menu_entry else [],
        "seo": seo_meta(
            request, title=name,
            description=_("충남 사회적경제기업이 만든 %(name)s 상품을 만나 보세요.") % {"name": name},
            canonical=_absolute(request, current.get_absolute_url(), page=page_obj.number),
        ),
    }
    return render(request, "catalog/product_list.html", context)


@anonymous_page
def search(request):
    """Korean-aware search over names, summaries, vendors and categories, with the listing's filters."""
    form, filters = _filters_from(request, page="search")
    query = filters.get("q") or ""
    page_obj = None
    if query_terms(query):
        results = product_list(filters=filters)
        if request.GET.get("page") in (None, "", "1"):
            page_obj = search_first_page(
                results, filters=filters, per_page=PAGE_SIZE, version=page_cache.version(),
                cards=lambda ids: Product.objects.on_sale().filter(pk__in=ids).for_cards())
        else:
            page_obj = CappedPaginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    found = bool(page_obj and page_obj.paginator.count)
    title = _("'%(q)s' 검색 결과") % {"q": query} if query else _("상품 검색")
    context = {
        "form": form, "page_obj": page_obj, "title": title, "query": query, "is_search": True,
        "categories": category_menu(),
        "suggestions": [] if found else list(product_list(filters={"sort": "popular"})[:SUGGESTED_PRODUCTS]),
        "seo": seo_meta(request, title=title, canonical=_absolute(request, reverse("catalog:search"), q=query),
                    noindex=True),
    }
    return render(request, "catalog/search.html", context)


def _spec_rows(specs: str) -> list[tuple[str, str]]:
    rows = []
    for line in (specs or "").splitlines():
        line = line.strip()
        if line:
            label, _sep, value = line.partition(":")
            rows.append((label.strip(), value.strip()))
    return rows


def _product_jsonld(request, product, *, images, variants, canonical: str, description: str) -> str:
    """schema.org Product as JSON that is safe inside a <script> element."""
    offered = min((v for v in variants if v.is_available), key=lambda v: v.price, default=None) or (
        min(variants, key=lambda v: v.price, default=None)
    )
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "image": [request.build_absolute_uri(image.thumb_url(960)) for image in images],
        "description": description,
        "sku": offered.sku if offered else str(product.pk),
        "brand": {"@type": "Brand", "name": product.vendor.name},
        "offers": {
            "@type": "Offer",
            "url": canonical,
            "price": product.price,
            "priceCurrency": "KRW",
            "availability": "https://schema.org/InStock" if product.in_stock else "https://schema.org/OutOfStock",
            "seller": {"@type": "Organization", "name": product.vendor.name},
        },
    }
    if product.review_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(product.rating_avg),
            "reviewCount": product.review_count,
            "bestRating": 5,
            "worstRating": 1,
        }
    if not data["image"]:
        del data["image"]
    if product.category.is_food and product.origin:
        data["countryOfOrigin"] = product.origin
    return json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)


def _product_seen(request, response, meta):
    """A product page served from the page cache still counts its view and joins the recently viewed."""
    product_view_count(meta["product_id"])
    recent = RecentList(request)
    recent.record(meta["product_id"])
    return recent.apply(response)


@anonymous_page(on_hit=_product_seen)
def product_detail(request, pk, slug=None):
    product = product_detail_get(pk=pk)
    if product is None:
        raise Http404
    path = product.get_absolute_url()
    if slug != (product.slug or "p"):
        return redirect(path, permanent=True)
    images = list(product.images.all())
    variants = [v for v in product.variants.all() if v.is_active]
    try:
        policy = product.vendor.shipping_policy
    except ShippingPolicy.DoesNotExist:
        policy = None
    canonical = request.build_absolute_uri(path)
    description = product.summary or Truncator(" ".join(strip_tags(product.description_html).split())).chars(
        DESCRIPTION_CHARS
    )
    vendor = product.vendor
    product_view_count(product.pk)
    recent = RecentList(request)
    recent.record(product.pk)
    context = {
        "product": product,
        "wished": product.pk in wished_ids(request.user, [product.pk]),
        "vendor": vendor,
        "images": images,
        "main_image": images[0] if images else None,
        "variants": variants,
        "checked_variant": next((v for v in variants if v.is_available), None),
        "delivery_slots": delivery_slots_open(product) if product.delivery_date_required else [],
        "has_sold_out": any(not v.is_available for v in variants),
        "specs": _spec_rows(product.specs),
        "policy": policy,
        # 교환·반품 정보: the vendor's policy, or the statutory defaults when it has none.
        "returns": policy or ShippingPolicy(vendor=vendor),
        "return_exceptions_default": RETURN_EXCEPTIONS_DEFAULT,
        "fee": shipping_fee(policy, items_total=product.price * product.min_order_qty) if policy else None,
        "related": list(related_products(product, limit=RELATED_PRODUCTS)),
        "jsonld": _product_jsonld(request, product, images=images, variants=variants, canonical=canonical,
                                  description=description),
        "seo": seo_meta(request, title=product.name, description=description or vendor.mission, canonical=canonical,
                    image=images[0].thumb_url(960) if images else None, kind="product"),
    }
    response = recent.apply(render(request, "catalog/product_detail.html", context))
    response.page_cache_meta = {"product_id": product.pk}
    # Open delivery dates close by the hour: such a page is not kept.
    response.page_cache_skip = product.delivery_date_required
    return response


def _vendor_review_sum(field: str):
    """The sum of `field` over the vendor's products on sale, as a subquery of the vendor's own row."""
    totals = (Product.objects.filter(vendor=OuterRef("pk"), status=ProductStatus.ON_SALE).order_by()
              .values("vendor").annotate(total=Sum(field)).values("total"))
    return Coalesce(Subquery(totals), 0)


def vendor_page(request, pk):
    """An approved vendor's page; while its certification is being renewed it shows no products."""
    vendor = (
        Vendor.objects.filter(pk=pk, status=VendorStatus.APPROVED)
        .annotate(is_selling=Case(When(selling_q(), then=Value(True)), default=Value(False), output_field=BooleanField()),
                  review_total=_vendor_review_sum("review_count"), rating_total=_vendor_review_sum("rating_sum"))
        .first()
    )
    if vendor is None:
        raise Http404
    sort = request.GET.get("sort")
    sort = sort if sort in dict(SORT_CHOICES) else "newest"
    page_obj = _paginate(request, product_list(filters={"vendor": vendor.pk, "sort": sort})) if vendor.is_selling else None
    photos = list(vendor.photos.all())
    context = {
        "vendor": vendor,
        "photos": photos,
        "vendor_rating": round(vendor.rating_total / vendor.review_total, 1) if vendor.review_total else None,
        "facts": list(vendor.social_facts.verified().order_by("kind")),
        "page_obj": page_obj,
        "sort": sort,
        "sort_choices": SORT_CHOICES,
        "seo": seo_meta(
            request, title=vendor.name,
            description=vendor.mission or _("%(type)s %(name)s의 상품과 이야기")
            % {"type": vendor.get_enterprise_type_display(), "name": vendor.name},
            canonical=_absolute(request, vendor.get_absolute_url(), page=page_obj.number if page_obj else 1),
            image=vendor.logo.url if vendor.logo else (photos[0].image.url if photos else None),
            noindex=not vendor.is_selling,
        ),
    }
    return render(request, "catalog/vendor.html", context)


@require_POST
def wish_toggle(request, pk):
    """찜 on or off: a plain form POST (works without JavaScript); with `Accept: application/json` it answers JSON."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not request.user.is_authenticated:
        login = f"{reverse('accounts:login')}?{urlencode({'next': request.POST.get('next') or request.path})}"
        return JsonResponse({"login": login}, status=401) if wants_json else redirect(login)
    wanted = request.POST.get("wish") != "0"
    try:
        wished = wish_set(user=request.user, product_id=pk, wished=wanted)
    except Product.DoesNotExist:
        raise Http404 from None
    count = Product.objects.filter(pk=pk).values_list("wish_count", flat=True).first() or 0
    if wants_json:
        return JsonResponse({"wished": wished, "count": count})
    messages.success(request, _("찜했습니다.") if wished else _("찜을 풀었습니다."))
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("catalog:product_short", args=[pk])
    return redirect(target)


@login_required
def wishlist(request):
    """The member's 찜 list (my-page)."""
    page_obj = _paginate(request, wish_list(user=request.user))
    return render(request, "catalog/wishlist.html", {"page_obj": page_obj, "title": _("찜한 상품"),
                                                      "notices_on": wish_notices_enabled(request.user)})


class RestockAlertForm(forms.Form):
    option = forms.IntegerField(widget=forms.HiddenInput)
    email = forms.EmailField(label=gettext_lazy("알림 받을 이메일"), required=False,
                             error_messages={"invalid": gettext_lazy("이메일 주소를 확인해 주세요.")})


@require_POST
def restock_alert(request, pk):
    """재입고 알림 신청 on a sold-out option (members by their account, guests by an email)."""
    form = RestockAlertForm(request.POST)
    target = reverse("catalog:product_short", args=[pk])
    if not form.is_valid():
        messages.error(request, _("이메일 주소를 확인해 주세요."))
        return redirect(target)
    try:
        restock_alert_request(variant_id=form.cleaned_data["option"], user=request.user,
                              email=form.cleaned_data.get("email") or "")
    except NotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("재입고되면 한 번 알려 드립니다."))
    return redirect(target)


@login_required
@require_POST
def wish_notices(request):
    """Turn 찜 notices (back in stock, campaign price) on or off."""
    enabled = request.POST.get("enabled") == "1"
    wish_notices_set(user=request.user, enabled=enabled)
    messages.success(request, _("찜한 상품 알림을 받습니다.") if enabled else _("찜한 상품 알림을 받지 않습니다."))
    return redirect("catalog:wishlist")


def recently_viewed(request):
    """최근 본 상품 (the last 20), for guests from their cookie and for members from the database."""
    recent = RecentList(request)
    products = recent.products()
    if request.GET.get("embed"):
        # The product page's strip, fetched by shopper.js (the page itself stays at its fixed query count).
        exclude = request.GET.get("exclude", "")
        products = [p for p in products if str(p.pk) != exclude][:RECENT_STRIP]
        return recent.apply(render(request, "catalog/_recent_strip.html", {"products": products}))
    context = {"products": products, "title": _("최근 본 상품"),
               "seo": seo_meta(request, title=_("최근 본 상품"), noindex=True)}
    return recent.apply(render(request, "catalog/recent.html", context))
