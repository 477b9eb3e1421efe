"""Views of the catalog's API: public reads, then vendors' own listings (see catalog.api)."""
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ddasum import page_cache
from ddasum.api import (
    ApiPagination,
    ErrorSerializer,
    domain_error_status_register,
    form_errors,
    query_params_check,
    whole_number,
)
from ddasum.spreadsheets import attachment_response, excel_csv
from vendors.api_keys import ApiKeyScopes, VendorApiKeyAuthentication, api_vendor_ids
from vendors.models import ApiScope, Vendor, VendorSocialFact
from vendors.selectors import partner_vendor_ids

from ..exceptions import InvalidTransition, NotAllowed
from ..models import Category, Product, ProductStatus, ProductVariant
from ..selectors import FILTER_PARAMS, ProductFilterForm, product_detail_get, product_list
from ..services import product_action, product_image_add, product_save
from ..stock import variant_save, variant_stocks_set
from .serializers import (
    CategorySerializer,
    ProductCardSerializer,
    ProductDetailSerializer,
    ProductImageSerializer,
    ProductImageUploadSerializer,
    StockItemSerializer,
    StockResultSerializer,
    VendorProductSerializer,
    VendorPublicDetailSerializer,
    VendorPublicSerializer,
    VendorVariantSerializer,
    absolute,
)

domain_error_status_register(NotAllowed, status.HTTP_403_FORBIDDEN)
domain_error_status_register(InvalidTransition, status.HTTP_409_CONFLICT)

MAX_STOCK_ITEMS = 1000


# --- shared pieces ----------------------------------------------------------------------

def product_filters(request) -> dict:
    """The storefront's filters read from the query string, through the storefront's own form."""
    query_params_check(request, FILTER_PARAMS)
    form = ProductFilterForm(request.query_params)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    return form.cleaned_data


def _form_field_type(field: forms.Field):
    if isinstance(field, forms.IntegerField):
        return OpenApiTypes.INT
    if isinstance(field, forms.BooleanField):
        return OpenApiTypes.BOOL
    return OpenApiTypes.STR


# The schema's query parameters come from the form, so the docs cannot drift from the filters.
PRODUCT_FILTER_PARAMETERS = [
    OpenApiParameter(
        name, _form_field_type(field), OpenApiParameter.QUERY, required=False, description=str(field.label or ""),
        enum=[value for value, _label in field.choices if value] if isinstance(field, forms.ChoiceField) else None,
    )
    for name, field in ProductFilterForm.base_fields.items()
]


class PublicMixin:
    # Anyone may read; no session is looked up, so a page costs the same for everyone.
    authentication_classes = ()
    permission_classes = (AllowAny,)


def request_vendor_ids(request) -> frozenset:
    """The vendors whose listings the request manages: an API key's one vendor, or the user's."""
    return api_vendor_ids(request)


def user_may_use_vendor_api(user) -> bool:
    """Who may hold an API token: members of an approved (or suspended) vendor."""
    return bool(partner_vendor_ids(user))


class IsPartnerMember(BasePermission):
    message = gettext_lazy("승인된 입점기업의 구성원만 쓸 수 있습니다.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request_vendor_ids(request))


class VendorMixin:
    authentication_classes = (TokenAuthentication, VendorApiKeyAuthentication, SessionAuthentication)
    permission_classes = (IsPartnerMember, ApiKeyScopes)
    # What a vendor API key needs here (vendors.api_keys): reading or changing listings.
    api_key_read_scope = ApiScope.PRODUCTS_READ
    api_key_write_scope = ApiScope.PRODUCTS_WRITE

    @property
    def vendor_ids(self) -> frozenset:
        return request_vendor_ids(self.request)

    def own_products(self):
        return Product.objects.filter(vendor_id__in=self.vendor_ids)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "vendor_ids": self.vendor_ids}


# --- public views -----------------------------------------------------------------------

@extend_schema(summary=gettext_lazy("상품 분류 (상위 분류와 하위 분류)"))
class CategoryListApi(PublicMixin, generics.ListAPIView):
    """List the active top-level categories in the mall's order, each with its active sub-categories."""

    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return (
            Category.objects.filter(parent=None, is_active=True)
            .prefetch_related(Prefetch("children", queryset=Category.objects.filter(is_active=True),
                                       to_attr="active_children"))
        )


@extend_schema(
    summary=gettext_lazy("판매 중인 상품 목록 (상점과 같은 검색·필터·정렬)"),
    parameters=PRODUCT_FILTER_PARAMETERS,
    responses={200: ProductCardSerializer(many=True), 400: OpenApiResponse(description=gettext_lazy(
        "알 수 없는 검색 조건(unknown_params) 또는 잘못된 값 (필드별 메시지)"))},
)
class ProductListApi(PublicMixin, generics.ListAPIView):
    """List products on sale with the storefront's filters, search and sorting; unknown parameters are refused."""

    serializer_class = ProductCardSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        return product_list(filters=product_filters(self.request))

    def list(self, request, *args, **kwargs):
        # The same answer for everyone (no session or token is read): kept under the catalogue version.
        return Response(page_cache.public_data(request._request, lambda: super(ProductListApi, self).list(
            request, *args, **kwargs).data))


@extend_schema(summary=gettext_lazy("판매 중인 상품 하나"), responses={200: ProductDetailSerializer, 404: ErrorSerializer})
class ProductDetailApi(PublicMixin, generics.RetrieveAPIView):
    """Show one product on sale: options with price and availability (not stock counts), images, vendor, shipping."""

    serializer_class = ProductDetailSerializer

    def get_object(self):
        product = product_detail_get(pk=self.kwargs["pk"])
        if product is None:
            raise NotFound(_("판매 중인 상품을 찾을 수 없습니다."))
        return product


def public_vendors():
    return (
        Vendor.objects.selling()
        .annotate(product_count=Count("products", filter=Q(products__status=ProductStatus.ON_SALE)))
        .prefetch_related(Prefetch("social_facts", queryset=VendorSocialFact.objects.verified().order_by("kind"),
                                   to_attr="verified_facts"))
        .order_by("name", "id")
    )


@extend_schema(summary=gettext_lazy("판매 중인 입점기업 목록"))
class VendorListApi(PublicMixin, generics.ListAPIView):
    """List selling vendors with their public profile and verified social-value facts."""

    serializer_class = VendorPublicSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        query_params_check(self.request, {"page", "page_size"})
        return public_vendors()


@extend_schema(summary=gettext_lazy("판매 중인 입점기업 하나"))
class VendorDetailApi(PublicMixin, generics.RetrieveAPIView):
    """Show a selling vendor's public profile and photos."""

    serializer_class = VendorPublicDetailSerializer

    def get_queryset(self):
        return public_vendors().prefetch_related("photos")


# --- vendor views -------------------------------------------------------------------------

VENDOR_PRODUCT_STATUS_PARAMETER = OpenApiParameter(
    "status", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=ProductStatus.values,
    description=gettext_lazy("상태로 거르기"),
)



class VendorProductQuerysetMixin(VendorMixin):
    serializer_class = VendorProductSerializer

    def get_queryset(self):
        return (
            self.own_products().select_related("category", "vendor")
            .prefetch_related("variants", "images")
            .order_by("-created_at", "-id")
        )


@extend_schema_view(
    get=extend_schema(summary=gettext_lazy("내 상품 목록"), parameters=[VENDOR_PRODUCT_STATUS_PARAMETER]),
    post=extend_schema(summary=gettext_lazy("상품 만들기 (작성 중 상태로)")),
)
class VendorProductListApi(VendorProductQuerysetMixin, generics.ListCreateAPIView):
    """List the user's vendors' products in every status, or create one as a draft."""

    pagination_class = ApiPagination

    def filter_queryset(self, queryset):
        query_params_check(self.request, {"status", "page", "page_size"})
        value = self.request.query_params.get("status")
        if value:
            if value not in ProductStatus.values:
                raise ValidationError({"status": [_("없는 상태입니다: %(value)s") % {"value": value}]})
            queryset = queryset.filter(status=value)
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        vendor = data.pop("vendor")
        product = product_save(actor=request.user, vendor_id=vendor.pk, data=data)
        return Response(self.get_serializer(self.get_queryset().get(pk=product.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary=gettext_lazy("내 상품 하나")),
    put=extend_schema(summary=gettext_lazy("상품 고치기")),
    patch=extend_schema(summary=gettext_lazy("상품 일부 고치기")),
)
class VendorProductDetailApi(VendorProductQuerysetMixin, generics.RetrieveUpdateAPIView):
    """Read or change one of the user's products; status changes only through the submit action."""

    def update(self, request, *args, **kwargs):
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("vendor", None)
        product_save(actor=request.user, product_id=product.pk, data=data)
        return Response(self.get_serializer(self.get_queryset().get(pk=product.pk)).data)


class VendorProductSubmitApi(VendorProductQuerysetMixin, generics.GenericAPIView):
    """Submit a product: to the operator's review, or straight on sale when the review policy allows."""

    @extend_schema(
        summary=gettext_lazy("검토 요청 (첫 상품은 운영자 검토, 이후는 바로 판매될 수 있음)"), request=None,
        responses={200: VendorProductSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def post(self, request, pk):
        product = self.get_object()
        product_action(product_id=product.pk, action="submit", actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=product.pk)).data)


class VendorProductImageApi(VendorProductQuerysetMixin, generics.GenericAPIView):
    """Add an image (JPEG, PNG or WebP, checked by content and re-encoded); thumbnails follow."""

    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        summary=gettext_lazy("상품 이미지 올리기"), request=ProductImageUploadSerializer,
        responses={201: ProductImageSerializer},
    )
    def post(self, request, pk):
        product = self.get_object()
        serializer = ProductImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            image = product_image_add(product_id=product.pk, upload=serializer.validated_data["image"],
                                      actor=request.user, alt=serializer.validated_data.get("alt", ""))
        except DjangoValidationError as exc:
            raise ValidationError({"image": exc.messages}) from exc
        return Response(ProductImageSerializer(image, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary=gettext_lazy("상품의 옵션 목록")),
    post=extend_schema(summary=gettext_lazy("옵션 추가")),
)
class VendorVariantListApi(VendorMixin, generics.ListCreateAPIView):
    """List a product's options with their stock, or add one."""

    serializer_class = VendorVariantSerializer
    pagination_class = None

    def get_product(self) -> Product:
        return get_object_or_404(self.own_products(), pk=self.kwargs["product_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular builds the schema
            return ProductVariant.objects.none()
        return ProductVariant.objects.filter(product=self.get_product())

    def create(self, request, *args, **kwargs):
        product = self.get_product()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        variant = variant_save(actor=request.user, product_id=product.pk, data=dict(serializer.validated_data))
        return Response(self.get_serializer(variant).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary=gettext_lazy("옵션 하나")),
    put=extend_schema(summary=gettext_lazy("옵션 고치기 (가격, 재고, 판매 여부)")),
    patch=extend_schema(summary=gettext_lazy("옵션 일부 고치기")),
)
class VendorVariantDetailApi(VendorMixin, generics.RetrieveUpdateAPIView):
    """Read or change an option: price, list price, stock, stock tracking, on sale or not."""

    serializer_class = VendorVariantSerializer

    def get_queryset(self):
        return ProductVariant.objects.filter(product__vendor_id__in=self.vendor_ids)

    def update(self, request, *args, **kwargs):
        variant = self.get_object()
        serializer = self.get_serializer(variant, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        variant = variant_save(actor=request.user, variant_id=variant.pk, data=dict(serializer.validated_data))
        return Response(self.get_serializer(variant).data)


class VendorStockApi(VendorMixin, APIView):
    api_key_read_scope = api_key_write_scope = ApiScope.STOCK
    """Sync stock from another sales channel: a JSON list of {sku, stock}, applied in one transaction."""

    parser_classes = (JSONParser,)

    @extend_schema(
        summary=gettext_lazy("재고 한꺼번에 맞추기 (관리 코드별, 모두 되거나 하나도 안 됨)"),
        request=StockItemSerializer(many=True),
        responses={200: StockResultSerializer, 400: OpenApiResponse(description=gettext_lazy(
            "값이 잘못되었거나 없는 관리 코드가 있음; 아무것도 바뀌지 않습니다."))},
    )
    def post(self, request):
        serializer = StockItemSerializer(data=request.data, many=True, allow_empty=False, max_length=MAX_STOCK_ITEMS)
        serializer.is_valid(raise_exception=True)
        variants = variant_stocks_set(actor=request.user, vendor_ids=self.vendor_ids, items=serializer.validated_data)
        items = [{"sku": v.sku, "stock": v.stock, "variant": v.pk, "product": v.product_id} for v in variants]
        return Response({"updated": len(items), "items": items})


class FirstRendererNegotiation(BaseContentNegotiation):
    """Always the view's first renderer: the feed is CSV and its errors JSON, whatever Accept says."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


FEED_COLUMNS = ("id", "name", "url", "image_url", "price", "list_price", "in_stock", "category", "vendor", "origin",
                "tax_type")


class VendorFeedApi(VendorMixin, APIView):
    """Export the vendor's products on sale for other channels (open markets, the postal mall)."""

    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="vendor_feed_csv",
        summary=gettext_lazy("판매 중인 내 상품 피드 (CSV, UTF-8 BOM)"),
        description=gettext_lazy("열: ") + ", ".join(FEED_COLUMNS)
        + gettext_lazy(". in_stock은 true/false, tax_type은 taxable(과세)/exempt(면세)."),
        parameters=[OpenApiParameter("vendor", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                                     description=gettext_lazy("여러 입점기업의 구성원이면 하나만 고르기"))],
        responses={(200, "text/csv"): OpenApiTypes.STR,
                   400: OpenApiResponse(description=gettext_lazy("알 수 없는 조건 또는 고를 수 없는 입점기업"))},
    )
    def get(self, request):
        query_params_check(request, {"vendor"})
        vendor_ids = self.vendor_ids
        raw = request.query_params.get("vendor")
        if raw:
            if whole_number(raw) not in vendor_ids:
                raise ValidationError({"vendor": [_("고를 수 없는 입점기업입니다: %(value)s") % {"value": raw}]})
            vendor_ids = {whole_number(raw)}
        products = Product.objects.on_sale().filter(vendor_id__in=vendor_ids).order_by("vendor_id", "id").for_cards()
        rows = [FEED_COLUMNS]
        for product in products:
            image = product.main_image
            rows.append([
                product.pk, product.name, absolute(request, product.get_absolute_url()),
                absolute(request, image.image.url) if image else "", product.price,
                product.list_price if product.list_price is not None else "", "true" if product.in_stock else "false",
                product.category.name, product.vendor.name, product.origin, product.tax_type,
            ])
        return attachment_response(excel_csv(rows), f"ddasum-feed-{timezone.localdate():%Y%m%d}.csv")
