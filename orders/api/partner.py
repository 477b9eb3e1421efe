"""Vendors' orders API: new and changed orders since a cursor, confirm, ship in bulk, decide returns.

For a vendor's own systems (a shop manager, 우체국쇼핑 or an open market's connector) with an
API key that has the `orders` scope (vendors.api_keys), or a member's token or session. A key
sees only its vendor's orders; another vendor's order number is a 404, never a 403.

The feed: vendor orders that were paid, ordered by (updated_at, id), from an opaque cursor. Each
response gives `next_cursor`; a client stores it and asks again later, and sees each change
once. Rows changed in the last ORDERS_API_CURSOR_SETTLE_SECONDS are held back to the next call:
a transaction stamps updated_at before it commits, so a slow one could otherwise commit behind
a cursor that already went past its time.

Writes go through orders.services (actions, shipping): the API only parses and maps errors.
"""
import base64
import binascii
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ddasum.api import ErrorSerializer, domain_error_status_register, query_params_check, whole_number
from vendors.api_keys import ApiKeyScopes, VendorApiKeyAuthentication, api_vendor_ids
from vendors.models import ApiScope

from ..exceptions import InvalidTransition, NotAllowed
from ..models import Carrier, OrderLine, VendorOrder, VendorOrderStatus
from ..services.actions import vendor_order_return_accept, vendor_order_return_reject, vendor_orders_prepare
from ..services.shipping import SHIP_MANY_MAX, ShipmentsRefused, vendor_orders_ship_many

domain_error_status_register(NotAllowed, status.HTTP_403_FORBIDDEN)
domain_error_status_register(InvalidTransition, status.HTTP_409_CONFLICT)

FEED_PAGE_SIZE = 50
FEED_MAX_PAGE_SIZE = 200


# --- serializers ------------------------------------------------------------------------------


class VendorOrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ("sku", "product_name", "variant_name", "unit_price", "quantity", "line_total", "tax_type",
                  "delivery_date")


class RecipientSerializer(serializers.Serializer):
    name = serializers.CharField(source="recipient_name")
    phone = serializers.CharField(source="recipient_phone")
    postal_code = serializers.CharField()
    address = serializers.CharField()
    address_detail = serializers.CharField()
    memo = serializers.CharField()


class VendorOrderSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    status_display = serializers.CharField(source="get_status_display")
    placed_at = serializers.DateTimeField(source="order.placed_at")
    orderer_name = serializers.CharField(source="order.orderer_name")
    recipient = RecipientSerializer(source="order")
    paid_total = serializers.IntegerField(help_text=gettext_lazy("구매자가 이 주문에 낸 금액 (합계 - 쿠폰 할인)"))
    lines = VendorOrderLineSerializer(many=True)

    class Meta:
        model = VendorOrder
        fields = (
            "number", "order_number", "status", "status_display", "placed_at", "paid_at", "shipped_at",
            "delivered_at", "completed_at", "cancelled_at", "updated_at", "items_total", "shipping_fee", "total",
            "discount", "paid_total", "refunded_amount", "carrier", "tracking_number", "return_reason",
            "delivery_date", "orderer_name", "recipient", "lines",
        )
        read_only_fields = fields


class VendorOrderFeedSerializer(serializers.Serializer):
    results = VendorOrderSerializer(many=True)
    next_cursor = serializers.CharField(help_text=gettext_lazy("다음 요청의 cursor로 보내세요 (바뀐 것이 없으면 같은 값)."))
    has_more = serializers.BooleanField(help_text=gettext_lazy("지금 바로 더 가져올 것이 있는지"))


class NumbersSerializer(serializers.Serializer):
    orders = serializers.ListField(
        child=serializers.CharField(max_length=24), min_length=1, max_length=SHIP_MANY_MAX,
        label=gettext_lazy("기업 주문번호"),
    )


class ConfirmResultSerializer(serializers.Serializer):
    confirmed = serializers.ListField(child=serializers.CharField())
    skipped = serializers.ListField(child=serializers.CharField(),
                                    help_text=gettext_lazy("결제 완료 상태가 아니라 그대로 둔 주문"))


class ShipmentSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=24, label=gettext_lazy("기업 주문번호"))
    carrier = serializers.CharField(max_length=20, label=gettext_lazy("택배사"),
                                    help_text=", ".join(Carrier.values))
    tracking_number = serializers.CharField(max_length=40, allow_blank=True, label=gettext_lazy("송장번호"))


class ShipSerializer(serializers.Serializer):
    shipments = ShipmentSerializer(many=True, allow_empty=False, max_length=SHIP_MANY_MAX,
                                   label=gettext_lazy("발송 목록"))


class ShipResultSerializer(serializers.Serializer):
    shipped = serializers.ListField(child=serializers.CharField())


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, label=gettext_lazy("사유"))


# --- cursor -------------------------------------------------------------------------------------


def cursor_encode(updated_at: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{updated_at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def cursor_decode(raw: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        when, pk = text.split("|")
        moment = datetime.fromisoformat(when)
        if timezone.is_naive(moment):
            raise ValueError
        return moment, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationError({"cursor": [_("올바르지 않은 cursor입니다. 받은 next_cursor를 그대로 보내 주세요.")]}) from exc


# --- views --------------------------------------------------------------------------------------


class IsVendorApiUser(BasePermission):
    message = gettext_lazy("승인된 입점기업의 구성원이나 그 기업의 API 키만 쓸 수 있습니다.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and api_vendor_ids(request))


class VendorOrderApiMixin:
    authentication_classes = (VendorApiKeyAuthentication, TokenAuthentication, SessionAuthentication)
    permission_classes = (IsVendorApiUser, ApiKeyScopes)
    api_key_scope = ApiScope.ORDERS

    @property
    def vendor_ids(self) -> frozenset:
        return api_vendor_ids(self.request)

    def own_orders(self):
        # Unpaid orders are not the vendor's business yet (an expired one never will be).
        return VendorOrder.objects.filter(vendor_id__in=self.vendor_ids, paid_at__isnull=False)

    def with_details(self, queryset):
        return queryset.select_related("order").prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))

    def order_get(self, number: str) -> VendorOrder:
        return get_object_or_404(self.own_orders(), number=number)


class VendorOrderFeedApi(VendorOrderApiMixin, APIView):
    @extend_schema(
        operation_id="partner_orders_feed",
        summary=gettext_lazy("새 주문과 바뀐 주문 (cursor 이후)"),
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description=gettext_lazy(
                "지난 응답의 next_cursor. 처음에는 비워 두면 처음부터 받습니다.")),
            OpenApiParameter("page_size", OpenApiTypes.INT, description=f"1-{FEED_MAX_PAGE_SIZE}, {FEED_PAGE_SIZE}"),
        ],
        responses={200: VendorOrderFeedSerializer, 400: OpenApiResponse(description=gettext_lazy("잘못된 cursor"))},
    )
    def get(self, request):
        query_params_check(request, {"cursor", "page_size"})
        raw_size = request.query_params.get("page_size")
        size = FEED_PAGE_SIZE if raw_size in (None, "") else whole_number(raw_size)
        if size is None or not 1 <= size <= FEED_MAX_PAGE_SIZE:
            raise ValidationError({"page_size": [_("1에서 %(max)s 사이의 수여야 합니다.") % {"max": FEED_MAX_PAGE_SIZE}]})
        settle = timedelta(seconds=settings.ORDERS_API_CURSOR_SETTLE_SECONDS)
        queryset = self.own_orders().filter(updated_at__lte=timezone.now() - settle)
        raw = request.query_params.get("cursor") or ""
        if raw:
            after, after_pk = cursor_decode(raw)
            queryset = queryset.filter(Q(updated_at__gt=after) | Q(updated_at=after, pk__gt=after_pk))
        rows = list(self.with_details(queryset.order_by("updated_at", "pk"))[:size + 1])
        has_more = len(rows) > size
        rows = rows[:size]
        next_cursor = cursor_encode(rows[-1].updated_at, rows[-1].pk) if rows else raw
        return Response({
            "results": VendorOrderSerializer(rows, many=True).data, "next_cursor": next_cursor, "has_more": has_more,
        })


@extend_schema(summary=gettext_lazy("주문 한 건"), responses={200: VendorOrderSerializer, 404: ErrorSerializer})
class VendorOrderDetailApi(VendorOrderApiMixin, APIView):
    def get(self, request, number: str):
        vendor_order = get_object_or_404(self.with_details(self.own_orders()), number=number)
        return Response(VendorOrderSerializer(vendor_order).data)


def _numbers_to_orders(view, numbers: list[str]) -> dict[str, VendorOrder]:
    """The caller's vendor orders by number; a number that is not theirs is a field error."""
    found = {vo.number: vo for vo in view.own_orders().filter(number__in=numbers)}
    missing = [n for n in dict.fromkeys(numbers) if n not in found]
    if missing:
        raise ValidationError({"orders": [_("찾을 수 없는 주문번호입니다: %(numbers)s") % {"numbers": ", ".join(missing)}]})
    return found


@extend_schema(
    summary=gettext_lazy("주문 확인 (결제 완료 → 상품 준비 중)"),
    request=NumbersSerializer, responses={200: ConfirmResultSerializer, 400: OpenApiResponse()},
)
class VendorOrderConfirmApi(VendorOrderApiMixin, APIView):
    def post(self, request):
        serializer = NumbersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = _numbers_to_orders(self, serializer.validated_data["orders"])
        result = vendor_orders_prepare(vendor_order_ids=[vo.pk for vo in found.values()], actor=request.user)
        return Response({"confirmed": [vo.number for vo in result.changed],
                         "skipped": [vo.number for vo in result.skipped]})


@extend_schema(
    summary=gettext_lazy("발송 처리 (여러 건, 모두 되거나 하나도 안 됨)"),
    request=ShipSerializer, responses={200: ShipResultSerializer, 400: OpenApiResponse(
        description=gettext_lazy("shipments의 항목마다 {필드: [오류]}; 아무것도 반영되지 않았습니다."))},
)
class VendorOrderShipApi(VendorOrderApiMixin, APIView):
    def post(self, request):
        serializer = ShipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            shipped = vendor_orders_ship_many(vendor_ids=self.vendor_ids, actor=request.user,
                                              shipments=[dict(s) for s in serializer.validated_data["shipments"]])
        except ShipmentsRefused as exc:
            raise ValidationError({"shipments": exc.errors, "detail": exc.message}) from exc
        return Response({"shipped": [vo.number for vo in shipped]})


@extend_schema(summary=gettext_lazy("반품 승인"), request=None,
               responses={200: VendorOrderSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
class VendorOrderReturnAcceptApi(VendorOrderApiMixin, APIView):
    def post(self, request, number: str):
        vendor_order = self.order_get(number)
        if vendor_order.status != VendorOrderStatus.RETURN_REQUESTED:
            raise InvalidTransition(_("반품 요청 상태의 주문만 승인할 수 있습니다."))
        vendor_order_return_accept(vendor_order_id=vendor_order.pk, actor=request.user)
        return Response(VendorOrderSerializer(self.with_details(self.own_orders()).get(pk=vendor_order.pk)).data)


@extend_schema(summary=gettext_lazy("반품 거절 (사유는 구매자에게 전달)"), request=ReasonSerializer,
               responses={200: VendorOrderSerializer, 400: OpenApiResponse(), 404: ErrorSerializer,
                          409: ErrorSerializer})
class VendorOrderReturnRefuseApi(VendorOrderApiMixin, APIView):
    def post(self, request, number: str):
        vendor_order = self.order_get(number)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vendor_order_return_reject(vendor_order_id=vendor_order.pk, actor=request.user,
                                   reason=serializer.validated_data["reason"])
        return Response(VendorOrderSerializer(self.with_details(self.own_orders()).get(pk=vendor_order.pk)).data)
