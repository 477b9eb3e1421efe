"""Serializers of the procurement API: what a request, a quote and a bundle look like, and the input bodies."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from catalog.models import TaxType
from vendors.models import Vendor

from ..models import (
    BundleStatus,
    PublicAgency,
    QuoteBundle,
    QuoteLine,
    QuoteRequest,
    QuoteRequestItem,
    QuoteVersion,
    VendorQuote,
)
from ..services.bundle import bundle_is_current

ITEMS_MAX = 100


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


# --- serializers: output -------------------------------------------------------------------------


class ProcurementAgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicAgency
        fields = ("id", "name", "kind", "region")


class ProcurementVendorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ("id", "name", "business_number", "enterprise_type", "region")


class RequestItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteRequestItem
        fields = ("id", "vendor", "variant", "name", "spec", "unit", "quantity", "note")


class QuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = ("id", "request_item", "variant", "name", "spec", "unit", "quantity", "list_price", "unit_price",
                  "amount", "tax_type")


class QuoteVersionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteVersion
        fields = ("id", "version", "issued_on", "valid_until", "taxable_supply", "taxable_vat", "exempt_amount",
                  "total", "created_at")


class QuoteVersionSerializer(QuoteVersionBriefSerializer):
    lines = QuoteLineSerializer(many=True, read_only=True)
    pdf_ready = serializers.SerializerMethodField()

    class Meta(QuoteVersionBriefSerializer.Meta):
        fields = (*QuoteVersionBriefSerializer.Meta.fields, "delivery_terms", "notes", "pdf_ready", "lines")

    def get_pdf_ready(self, version) -> bool:
        return bool(version.pdf)


class QuoteSummarySerializer(serializers.ModelSerializer):
    """A vendor's part of a request, as the agency sees it in the request."""

    vendor = ProcurementVendorSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    total = serializers.SerializerMethodField()
    valid_until = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = VendorQuote
        fields = ("number", "vendor", "status", "status_display", "answered_at", "decline_reason", "total",
                  "valid_until", "url")

    def get_total(self, quote) -> int | None:
        return quote.current_version.total if quote.current_version else None

    @extend_schema_field(OpenApiTypes.DATE)
    def get_valid_until(self, quote):
        return quote.current_version.valid_until if quote.current_version else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, quote) -> str:
        return _absolute(self.context.get("request"), reverse("procurement_api:quote", args=[quote.number]))


class QuoteRequestSerializer(serializers.ModelSerializer):
    agency = ProcurementAgencySerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    quote_count = serializers.IntegerField(read_only=True)
    answered_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = QuoteRequest
        fields = ("number", "agency", "kind", "title", "delivery_place", "wanted_delivery_date", "budget_note",
                  "reply_by", "message", "status", "status_display", "created_at", "quote_count", "answered_count")


class QuoteRequestDetailSerializer(QuoteRequestSerializer):
    items = RequestItemSerializer(many=True, read_only=True)
    quotes = QuoteSummarySerializer(many=True, read_only=True)

    class Meta(QuoteRequestSerializer.Meta):
        fields = (*QuoteRequestSerializer.Meta.fields, "items", "quotes")


class RequestRefSerializer(serializers.ModelSerializer):
    agency = ProcurementAgencySerializer(read_only=True)

    class Meta:
        model = QuoteRequest
        fields = ("number", "agency", "title", "delivery_place", "wanted_delivery_date", "reply_by", "message",
                  "status")


class BundleSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = QuoteBundle
        fields = ("status", "current", "page_count", "contents", "missing", "error", "requested_at", "built_at",
                  "pdf_url")

    def get_current(self, bundle) -> bool:
        return bundle.status == BundleStatus.READY and bundle_is_current(bundle)

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, bundle) -> str | None:
        if bundle.status != BundleStatus.READY or not bundle.pdf:
            return None
        return _absolute(self.context.get("request"), reverse("procurement_api:bundle_pdf", args=[bundle.quote.number]))


class QuoteDetailSerializer(serializers.ModelSerializer):
    """A vendor quote with its current version and lines: for the agency and for the vendor."""

    request = RequestRefSerializer(read_only=True)
    vendor = ProcurementVendorSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    items = serializers.SerializerMethodField()
    current_version = QuoteVersionSerializer(read_only=True)
    versions = QuoteVersionBriefSerializer(many=True, read_only=True)

    class Meta:
        model = VendorQuote
        fields = ("number", "status", "status_display", "request", "vendor", "items", "decline_reason",
                  "answered_at", "accepted_at", "created_at", "current_version", "versions")

    @extend_schema_field(RequestItemSerializer(many=True))
    def get_items(self, quote) -> list:
        # Only what was asked of this vendor (the request's other vendors stay private).
        items = [i for i in quote.request.items.all() if i.vendor_id == quote.vendor_id]
        return RequestItemSerializer(items, many=True).data


class VendorInboxSerializer(serializers.ModelSerializer):
    """A quote addressed to one of the user's vendors, with what the agency asked of it."""

    request = RequestRefSerializer(read_only=True)
    vendor = ProcurementVendorSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    items = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = VendorQuote
        fields = ("number", "status", "status_display", "request", "vendor", "items", "total", "answered_at",
                  "created_at", "url")

    @extend_schema_field(RequestItemSerializer(many=True))
    def get_items(self, quote) -> list:
        items = [i for i in quote.request.items.all() if i.vendor_id == quote.vendor_id]
        return RequestItemSerializer(items, many=True).data

    def get_total(self, quote) -> int | None:
        return quote.current_version.total if quote.current_version else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, quote) -> str:
        return _absolute(self.context.get("request"), reverse("procurement_api:quote", args=[quote.number]))


# --- serializers: input --------------------------------------------------------------------------


class RequestItemInputSerializer(serializers.Serializer):
    vendor_id = serializers.IntegerField(label=gettext_lazy("입점기업"), min_value=1, required=False,
                                         help_text=gettext_lazy("상품(variant_id)을 주면 비워 둬도 됩니다."))
    variant_id = serializers.IntegerField(label=gettext_lazy("상품 옵션"), min_value=1, required=False)
    name = serializers.CharField(label=gettext_lazy("품명"), max_length=200, required=False, allow_blank=True)
    spec = serializers.CharField(label=gettext_lazy("규격"), max_length=200, required=False, allow_blank=True)
    unit = serializers.CharField(label=gettext_lazy("단위"), max_length=20, required=False, allow_blank=True)
    quantity = serializers.IntegerField(label=gettext_lazy("수량"), min_value=1, max_value=999_999)
    note = serializers.CharField(label=gettext_lazy("비고"), max_length=200, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("vendor_id") and not attrs.get("variant_id"):
            raise ValidationError({"vendor_id": [_("입점기업이나 상품 옵션 중 하나는 있어야 합니다.")]})
        if not attrs.get("variant_id") and not (attrs.get("name") or "").strip():
            raise ValidationError({"name": [_("맞춤 견적 품목에는 품명이 있어야 합니다.")]})
        return attrs


class QuoteRequestCreateSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(
        label=gettext_lazy("기관"), queryset=PublicAgency.objects.none(), required=False,
        help_text=gettext_lazy("내가 속한 기관 중 하나. 하나뿐이면 비워 둬도 됩니다."),
        error_messages={"does_not_exist": gettext_lazy("고를 수 없는 기관입니다: {pk_value}")},
    )
    title = serializers.CharField(label=gettext_lazy("제목"), max_length=120)
    delivery_place = serializers.CharField(label=gettext_lazy("납품 장소"), max_length=200)
    reply_by = serializers.DateField(label=gettext_lazy("회신 기한"))
    wanted_delivery_date = serializers.DateField(label=gettext_lazy("희망 납기일"), required=False, allow_null=True)
    budget_note = serializers.CharField(label=gettext_lazy("예산 메모"), max_length=200, required=False,
                                        allow_blank=True)
    message = serializers.CharField(label=gettext_lazy("요청 내용"), required=False, allow_blank=True)
    items = RequestItemInputSerializer(label=gettext_lazy("품목"), many=True, allow_empty=False,
                                       max_length=ITEMS_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ids = self.context.get("agency_ids") or ()
        self.fields["agency"].queryset = PublicAgency.objects.filter(pk__in=ids)

    def validate_reply_by(self, value):
        if value <= timezone.localdate():
            raise ValidationError(_("회신 기한은 내일 이후의 날짜로 정해 주세요."))
        return value

    def validate(self, attrs):
        if "agency" not in attrs:
            ids = self.context.get("agency_ids") or ()
            if len(ids) != 1:
                raise ValidationError({"agency": [_("견적을 요청할 기관을 골라 주세요.")]})
            attrs["agency"] = PublicAgency.objects.get(pk=next(iter(ids)))
        return attrs


class QuoteLineInputSerializer(serializers.Serializer):
    request_item_id = serializers.IntegerField(label=gettext_lazy("요청 품목"), min_value=1, required=False)
    variant_id = serializers.IntegerField(label=gettext_lazy("상품 옵션"), min_value=1, required=False)
    name = serializers.CharField(label=gettext_lazy("품명"), max_length=200, required=False, allow_blank=True)
    spec = serializers.CharField(label=gettext_lazy("규격"), max_length=200, required=False, allow_blank=True)
    unit = serializers.CharField(label=gettext_lazy("단위"), max_length=20, required=False, allow_blank=True)
    quantity = serializers.IntegerField(label=gettext_lazy("수량"), min_value=1, max_value=999_999)
    unit_price = serializers.IntegerField(label=gettext_lazy("단가(부가세 포함)"), min_value=0,
                                          max_value=100_000_000)
    tax_type = serializers.ChoiceField(label=gettext_lazy("과세 구분"), choices=TaxType.choices, required=False)


class QuoteSubmitSerializer(serializers.Serializer):
    valid_until = serializers.DateField(label=gettext_lazy("유효기간"))
    delivery_terms = serializers.CharField(label=gettext_lazy("납품 조건"), max_length=200, required=False,
                                           allow_blank=True)
    notes = serializers.CharField(label=gettext_lazy("비고"), required=False, allow_blank=True)
    lines = QuoteLineInputSerializer(label=gettext_lazy("견적 품목"), many=True, allow_empty=False,
                                     max_length=ITEMS_MAX)

    def validate_valid_until(self, value):
        if value < timezone.localdate():
            raise ValidationError(_("유효기간은 오늘 이후의 날짜로 정해 주세요."))
        return value


class QuoteDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(label=gettext_lazy("견적 불가 사유"), max_length=2000)
