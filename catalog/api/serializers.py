"""Serializers of the catalog's API: public reads (a whitelist of what the shop shows) and vendors' own listings."""
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from vendors.models import Vendor, VendorPhoto, VendorSocialFact

from ..models import Category, Product, ProductImage, ProductVariant
from ..services import THUMB_WIDTHS


def absolute(request, url: str | None) -> str | None:
    """`url` made absolute for the request (as it is outside one)."""
    if not url:
        return None
    return request.build_absolute_uri(url) if request is not None else url


# --- public ---------------------------------------------------------------------------------- ----------------------------------------------------------------

class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "slug")


class CategoryChildSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ("id", "name", "slug", "icon", "is_food")


class CategorySerializer(CategoryChildSerializer):
    children = CategoryChildSerializer(many=True, read_only=True, source="active_children")

    class Meta(CategoryChildSerializer.Meta):
        fields = (*CategoryChildSerializer.Meta.fields, "children")


class VendorRefSerializer(serializers.ModelSerializer):
    enterprise_type_display = serializers.CharField(source="get_enterprise_type_display", read_only=True)
    region_display = serializers.CharField(source="get_region_display", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Vendor
        fields = ("id", "name", "enterprise_type", "enterprise_type_display", "region", "region_display", "url")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, vendor) -> str:
        return absolute(self.context.get("request"), vendor.get_absolute_url())


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnails = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ("id", "alt", "position", "url", "thumbnails")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, image) -> str:
        return absolute(self.context.get("request"), image.image.url)

    @extend_schema_field(serializers.DictField(child=serializers.URLField(), help_text="{\"240\": url, ...}"))
    def get_thumbnails(self, image) -> dict:
        # The original stands in for a size the thumbnail task has not made yet.
        request = self.context.get("request")
        return {str(width): absolute(request, image.thumb_url(width)) for width in THUMB_WIDTHS}


class ProductCardSerializer(serializers.ModelSerializer):
    """A product in a list: what a card shows, from the list query's joins and prefetches."""

    url = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()
    category = CategoryRefSerializer(read_only=True)
    vendor = VendorRefSerializer(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    tax_type_display = serializers.CharField(source="get_tax_type_display", read_only=True)
    discount_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Product
        fields = (
            "id", "name", "slug", "summary", "url", "image", "kind", "kind_display", "price", "list_price",
            "discount_percent", "in_stock", "tax_type", "tax_type_display", "origin", "procurement_eligible",
            "category", "vendor", "published_at",
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, product) -> str:
        return absolute(self.context.get("request"), product.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_image(self, product) -> str | None:
        image = product.main_image
        return absolute(self.context.get("request"), image.thumb_url(480)) if image else None


class PublicVariantSerializer(serializers.ModelSerializer):
    in_stock = serializers.BooleanField(source="is_available", read_only=True)

    class Meta:
        model = ProductVariant
        # Not the stock number: competitors and scrapers need not know it.
        fields = ("id", "name", "price", "list_price", "in_stock")


class ShippingPolicySerializer(serializers.Serializer):
    base_fee = serializers.IntegerField()
    free_threshold = serializers.IntegerField(allow_null=True)
    remote_extra_fee = serializers.IntegerField()
    jeju_extra_fee = serializers.IntegerField()
    bundle_rule = serializers.CharField()
    notes = serializers.CharField()


class ProductDetailSerializer(ProductCardSerializer):
    variants = serializers.SerializerMethodField()
    images = ProductImageSerializer(many=True, read_only=True)
    shipping = serializers.SerializerMethodField()

    class Meta(ProductCardSerializer.Meta):
        fields = (
            *ProductCardSerializer.Meta.fields, "description_html", "unit", "specs", "min_order_qty", "max_order_qty",
            "variants", "images", "shipping",
        )

    @extend_schema_field(PublicVariantSerializer(many=True))
    def get_variants(self, product) -> list:
        active = [v for v in product.variants.all() if v.is_active]
        return PublicVariantSerializer(active, many=True, context=self.context).data

    @extend_schema_field(ShippingPolicySerializer(allow_null=True))
    def get_shipping(self, product) -> dict | None:
        try:
            policy = product.vendor.shipping_policy
        except ObjectDoesNotExist:
            return None
        return ShippingPolicySerializer(policy).data


class SocialFactSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = VendorSocialFact
        fields = ("kind", "kind_display", "value")


class VendorPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = VendorPhoto
        fields = ("id", "caption", "url")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, photo) -> str:
        return absolute(self.context.get("request"), photo.image.url)


class VendorPublicSerializer(VendorRefSerializer):
    """What the shop shows of a vendor. A whitelist: bank account, documents, commission never appear."""

    logo = serializers.SerializerMethodField()
    social_facts = SocialFactSerializer(many=True, read_only=True, source="verified_facts")
    product_count = serializers.IntegerField(read_only=True)

    class Meta(VendorRefSerializer.Meta):
        fields = (
            *VendorRefSerializer.Meta.fields, "cert_number", "cert_valid_until", "mission", "website", "logo",
            "social_facts", "product_count",
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_logo(self, vendor) -> str | None:
        return absolute(self.context.get("request"), vendor.logo.url) if vendor.logo else None


class VendorPublicDetailSerializer(VendorPublicSerializer):
    photos = VendorPhotoSerializer(many=True, read_only=True)

    class Meta(VendorPublicSerializer.Meta):
        fields = (*VendorPublicSerializer.Meta.fields, "photos")


# --- vendors ---------------------------------------------------------------------------------

class VendorVariantSerializer(serializers.ModelSerializer):
    stock = serializers.IntegerField(min_value=0, required=False, label=gettext_lazy("재고"))
    is_available = serializers.BooleanField(read_only=True)

    class Meta:
        model = ProductVariant
        fields = (
            "id", "product", "name", "sku", "price", "list_price", "stock", "track_stock", "low_stock_threshold",
            "is_active", "position", "is_available",
        )
        read_only_fields = ("product",)
        # The service checks SKU uniqueness per product and answers on the "sku" field.
        validators = []


class VendorProductSerializer(serializers.ModelSerializer):
    vendor = serializers.PrimaryKeyRelatedField(
        queryset=Vendor.objects.none(), required=False,
        help_text=gettext_lazy("내 입점기업 중 하나. 하나뿐이면 비워 둬도 됩니다. 만든 뒤에는 바꿀 수 없습니다."),
        error_messages={"does_not_exist": gettext_lazy("고를 수 없는 입점기업입니다: {pk_value}")},
    )
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.filter(is_active=True),
        error_messages={"does_not_exist": gettext_lazy("없는 분류입니다: {value}")},
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    url = serializers.SerializerMethodField()
    variants = VendorVariantSerializer(many=True, read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = (
            "id", "vendor", "category", "kind", "name", "slug", "summary", "description", "tax_type", "origin",
            "unit", "specs", "procurement_eligible", "min_order_qty", "max_order_qty", "status", "status_display",
            "status_reason", "price", "list_price", "in_stock", "url", "published_at", "created_at", "updated_at",
            "variants", "images",
        )
        read_only_fields = ("slug", "status", "status_reason", "price", "list_price", "in_stock", "published_at",
                            "created_at", "updated_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ids = self.context.get("vendor_ids") or ()
        self.fields["vendor"].queryset = Vendor.objects.filter(pk__in=ids)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, product) -> str:
        return absolute(self.context.get("request"), product.get_absolute_url())

    def validate_vendor(self, vendor):
        if self.instance is not None and vendor.pk != self.instance.vendor_id:
            raise ValidationError(_("상품의 입점기업은 바꿀 수 없습니다."))
        return vendor

    def validate(self, attrs):
        if self.instance is None and "vendor" not in attrs:
            ids = self.context.get("vendor_ids") or ()
            if len(ids) != 1:
                raise ValidationError({"vendor": [_("상품을 올릴 입점기업을 골라 주세요.")]})
            attrs["vendor"] = Vendor.objects.get(pk=next(iter(ids)))
        low = attrs.get("min_order_qty", getattr(self.instance, "min_order_qty", 1))
        high = attrs.get("max_order_qty", getattr(self.instance, "max_order_qty", None))
        if high is not None and low is not None and high < low:
            raise ValidationError({"max_order_qty": [_("최대 주문 수량은 최소 주문 수량보다 작을 수 없습니다.")]})
        return attrs


class StockItemSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=60, label=gettext_lazy("관리 코드(SKU)"))
    stock = serializers.IntegerField(min_value=0, max_value=2_000_000_000, label=gettext_lazy("재고"))


class StockResultItemSerializer(serializers.Serializer):
    sku = serializers.CharField()
    stock = serializers.IntegerField()
    variant = serializers.IntegerField()
    product = serializers.IntegerField()


class StockResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
    items = StockResultItemSerializer(many=True)


class ProductImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(label=gettext_lazy("이미지"), help_text=gettext_lazy("JPEG, PNG, WebP, 10MB까지"))
    alt = serializers.CharField(max_length=120, required=False, allow_blank=True)
