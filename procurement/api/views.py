"""The procurement API under /api/procurement/: agencies ask for quotes, vendors answer them.

Token authentication (POST /api/procurement/auth/token/ gives a token to members of a
verified agency and to members of an approved vendor) or the site's session. Scoped like
the web pages: an agency member sees the requests and quotes of their own agencies, a
vendor member the quotes addressed to their own vendors; anything else is a 404 that does
not confirm the object exists. Writes go through the services (quote_request_create,
quote_submit, quote_decline, bundle_request); a service's refusal (DomainError) is a 400
with its Korean message (ddasum.api.exception_handler), a malformed body a 400 with the
field errors.
"""
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ddasum.api import ApiPagination, ErrorSerializer, domain_error_status_register, query_params_check
from vendors.api_keys import ApiKeyScopes, VendorApiKeyAuthentication, api_vendor_ids, request_api_key
from vendors.models import ApiScope, DocumentReadChannel
from vendors.selectors import partner_vendor_ids

from ..exceptions import NotAllowed
from ..models import (
    BundleStatus,
    QuoteBundle,
    QuoteLine,
    QuoteRequest,
    QuoteRequestItem,
    QuoteStatus,
    QuoteVersion,
    RequestStatus,
    VendorQuote,
)
from ..selectors.access import agency_ids_for_user
from ..services.bundle import bundle_downloaded, bundle_is_current, bundle_request
from ..services.quotes import quote_decline, quote_request_create, quote_submit
from .serializers import (
    BundleSerializer,
    QuoteDeclineSerializer,
    QuoteDetailSerializer,
    QuoteRequestCreateSerializer,
    QuoteRequestDetailSerializer,
    QuoteRequestSerializer,
    QuoteSubmitSerializer,
    VendorInboxSerializer,
)

domain_error_status_register(NotAllowed, status.HTTP_403_FORBIDDEN)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("지금은 할 수 없습니다.")
    default_code = "conflict"


# --- who ---------------------------------------------------------------------------------------


def request_agency_ids(request) -> frozenset:
    ids = getattr(request, "_procurement_agency_ids", None)
    if ids is None:
        # A vendor's API key speaks for its vendor only, never for an agency its maker belongs to.
        ids = frozenset() if request_api_key(request) else agency_ids_for_user(request.user)
        request._procurement_agency_ids = ids
    return ids


def request_vendor_ids(request) -> frozenset:
    """An API key's one vendor, or the user's approved vendors."""
    return api_vendor_ids(request)


def user_may_use_procurement_api(user) -> bool:
    """Who may hold a procurement API token: members of a verified agency or of an approved vendor."""
    return bool(agency_ids_for_user(user) or partner_vendor_ids(user))


def token_holder_check(user) -> bool:
    """The token endpoint's check, refusing with this API's own message (not the catalog's vendors-only one)."""
    if not user_may_use_procurement_api(user):
        raise PermissionDenied(_("확인된 공공기관 또는 승인된 입점기업의 구성원만 API 토큰을 받을 수 있습니다."))
    return True


class IsAgencyMember(BasePermission):
    message = gettext_lazy("확인된 공공기관의 구성원만 쓸 수 있습니다.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request_agency_ids(request))


class IsVendorMember(BasePermission):
    message = gettext_lazy("승인된 입점기업의 구성원만 쓸 수 있습니다.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request_vendor_ids(request))


class IsAgencyOrVendorMember(BasePermission):
    message = gettext_lazy("공공기관 또는 입점기업의 구성원만 쓸 수 있습니다.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated
                    and (request_agency_ids(request) or request_vendor_ids(request)))


class ProcurementApiMixin:
    authentication_classes = (TokenAuthentication, VendorApiKeyAuthentication, SessionAuthentication)
    permission_classes = (IsAgencyMember,)
    # A vendor API key needs the quotes scope (and reaches only the vendors' endpoints).
    api_key_scope = ApiScope.QUOTES

    def get_permissions(self):
        return [*super().get_permissions(), ApiKeyScopes()]

    @property
    def agency_ids(self) -> frozenset:
        return request_agency_ids(self.request)

    @property
    def vendor_ids(self) -> frozenset:
        return request_vendor_ids(self.request)

    def visible_quotes(self):
        """Quotes of the user's agencies' requests, and quotes addressed to the user's vendors."""
        return VendorQuote.objects.filter(Q(request__agency_id__in=self.agency_ids) | Q(vendor_id__in=self.vendor_ids))


# --- agency views ---------------------------------------------------------------------------------

REQUEST_STATUS_PARAMETER = OpenApiParameter(
    "status", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=RequestStatus.values,
    description=gettext_lazy("상태로 거르기"),
)
QUOTE_STATUS_PARAMETER = OpenApiParameter(
    "status", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=QuoteStatus.values,
    description=gettext_lazy("상태로 거르기"),
)
AGENCY_PARAMETER = OpenApiParameter("agency", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                                    description=gettext_lazy("여러 기관의 구성원이면 하나만 보기"))


def _choice_param(request, name: str, values) -> str | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if raw not in values:
        raise ValidationError({name: [_("고를 수 없는 값입니다: %(value)s") % {"value": raw}]})
    return raw


def _requests_with_counts(queryset):
    return queryset.select_related("agency").annotate(
        quote_count=Count("quotes", distinct=True),
        answered_count=Count("quotes", filter=Q(quotes__status__in=[QuoteStatus.ANSWERED, QuoteStatus.ACCEPTED]),
                             distinct=True),
    )


@extend_schema_view(
    get=extend_schema(summary=gettext_lazy("우리 기관의 견적요청 목록"),
                      parameters=[REQUEST_STATUS_PARAMETER, AGENCY_PARAMETER]),
    post=extend_schema(
        summary=gettext_lazy("견적요청 만들기 (입점기업별로 나뉘어 각 기업에 알림)"),
        request=QuoteRequestCreateSerializer,
        responses={201: QuoteRequestDetailSerializer,
                   400: OpenApiResponse(description=gettext_lazy("필드별 오류, 또는 요청할 수 없는 품목 (detail)"))},
    ),
)
class QuoteRequestListApi(ProcurementApiMixin, generics.ListCreateAPIView):
    """The agency's quote requests (newest first), or a new request with explicit items."""

    pagination_class = ApiPagination
    serializer_class = QuoteRequestSerializer

    def get_queryset(self):
        queryset = _requests_with_counts(QuoteRequest.objects.filter(agency_id__in=self.agency_ids)).order_by(
            "-created_at", "-id")
        if getattr(self, "swagger_fake_view", False) or self.request.method != "GET":
            return queryset
        request = self.request
        query_params_check(request, {"status", "agency", "page", "page_size"})
        wanted_status = _choice_param(request, "status", RequestStatus.values)
        if wanted_status:
            queryset = queryset.filter(status=wanted_status)
        raw_agency = request.query_params.get("agency")
        if raw_agency:
            if not raw_agency.isdigit() or int(raw_agency) not in self.agency_ids:
                raise ValidationError({"agency": [_("고를 수 없는 기관입니다: %(value)s") % {"value": raw_agency}]})
            queryset = queryset.filter(agency_id=int(raw_agency))
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = QuoteRequestCreateSerializer(data=request.data, context={"agency_ids": self.agency_ids})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        agency = data.pop("agency")
        items = [dict(i) for i in data.pop("items")]
        created = quote_request_create(user=request.user, agency_id=agency.pk, items=items, **data)
        return Response(QuoteRequestDetailSerializer(request_detail_get(created.number, self.agency_ids),
                                                     context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def request_detail_get(number: str, agency_ids) -> QuoteRequest:
    quotes = VendorQuote.objects.select_related("vendor", "current_version").order_by("vendor__name", "id")
    found = (_requests_with_counts(QuoteRequest.objects.filter(agency_id__in=agency_ids, number=number))
             .prefetch_related("items", Prefetch("quotes", queryset=quotes)).first())
    if found is None:
        raise NotFound(_("견적요청을 찾을 수 없습니다."))
    return found


@extend_schema(summary=gettext_lazy("견적요청 하나 (품목과 입점기업별 견적 현황)"),
               responses={200: QuoteRequestDetailSerializer, 404: ErrorSerializer})
class QuoteRequestDetailApi(ProcurementApiMixin, APIView):
    """One of the agency's requests with its items and each vendor's quote status and total."""

    def get(self, request, number: str):
        return Response(QuoteRequestDetailSerializer(request_detail_get(number, self.agency_ids),
                                                     context={"request": request}).data)


class QuoteObjectMixin(ProcurementApiMixin):
    permission_classes = (IsAgencyOrVendorMember,)

    def quote_get(self, number: str) -> VendorQuote:
        lines = QuoteLine.objects.order_by("id")
        quote = (
            self.visible_quotes().filter(number=number)
            .select_related("request__agency", "vendor", "current_version")
            .prefetch_related("request__items", Prefetch("current_version__lines", queryset=lines),
                              Prefetch("versions", queryset=QuoteVersion.objects.order_by("-version")))
            .first()
        )
        if quote is None:
            raise NotFound(_("견적을 찾을 수 없습니다."))
        return quote


@extend_schema(summary=gettext_lazy("견적 하나 (현재 견적서와 품목, 이전 차수)"),
               responses={200: QuoteDetailSerializer, 404: ErrorSerializer})
class QuoteDetailApi(QuoteObjectMixin, APIView):
    """A quote the user's agency asked for or the user's vendor was asked for."""

    def get(self, request, number: str):
        return Response(QuoteDetailSerializer(self.quote_get(number), context={"request": request}).data)


class BundleApi(QuoteObjectMixin, APIView):
    """The quote's one-click document bundle: its state, or a request to (re)build it."""

    @extend_schema(summary=gettext_lazy("서류 묶음 상태"),
                   responses={200: BundleSerializer, 404: OpenApiResponse(ErrorSerializer, description=gettext_lazy(
                       "견적이 없거나 묶음을 아직 요청하지 않음"))})
    def get(self, request, number: str):
        quote = self.quote_get(number)
        bundle = QuoteBundle.objects.filter(quote=quote).select_related("quote").first()
        if bundle is None:
            raise NotFound(_("서류 묶음을 아직 요청하지 않았습니다. 먼저 POST로 요청해 주세요."))
        return Response(BundleSerializer(bundle, context={"request": request}).data)

    @extend_schema(summary=gettext_lazy("서류 묶음 만들기 요청 (바뀐 것이 없으면 있는 묶음을 그대로 씀)"),
                   request=None, responses={202: BundleSerializer, 404: ErrorSerializer})
    def post(self, request, number: str):
        quote = self.quote_get(number)
        bundle_request(quote_id=quote.pk, user=request.user)
        bundle = QuoteBundle.objects.select_related("quote").get(quote=quote)
        return Response(BundleSerializer(bundle, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class BundlePdfApi(QuoteObjectMixin, APIView):
    """Download the bundle PDF once it is built and still current."""

    @extend_schema(
        operation_id="procurement_quotes_bundle_pdf",
        summary=gettext_lazy("서류 묶음 PDF 내려받기"),
        responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                   404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("묶음을 아직 요청하지 않음")),
                   409: OpenApiResponse(ErrorSerializer, description=gettext_lazy(
                       "묶음을 만드는 중이거나, 실패했거나, 견적·서류가 바뀌어 다시 만들어야 함"))},
    )
    def get(self, request, number: str):
        quote = self.quote_get(number)
        bundle = QuoteBundle.objects.filter(quote=quote).select_related("quote").first()
        if bundle is None:
            raise NotFound(_("서류 묶음을 아직 요청하지 않았습니다. 먼저 묶음을 요청해 주세요."))
        if bundle.status == BundleStatus.PENDING:
            raise Conflict(_("서류 묶음을 만드는 중입니다. 잠시 뒤에 다시 받아 주세요."))
        if bundle.status == BundleStatus.FAILED or not bundle.pdf:
            raise Conflict(_("서류 묶음을 만들지 못했습니다. 묶음을 다시 요청해 주세요."))
        if not bundle_is_current(bundle):
            raise Conflict(_("견적이나 서류가 바뀌었습니다. 묶음을 다시 요청해 주세요."))
        response = FileResponse(bundle.pdf.open("rb"), content_type="application/pdf", as_attachment=True,
                                filename=f"{quote.number}-bundle.pdf")
        response["Cache-Control"] = "private, no-store"
        bundle_downloaded(quote=quote, bundle=bundle, user=request.user, channel=DocumentReadChannel.API_BUNDLE_PDF,
                          request=request)
        return response


# --- vendor views ----------------------------------------------------------------------------------


@extend_schema(summary=gettext_lazy("우리 기업에 온 견적요청 목록"), parameters=[QUOTE_STATUS_PARAMETER])
class VendorQuoteListApi(ProcurementApiMixin, generics.ListAPIView):
    """Quotes addressed to the user's vendors, newest first, with the items asked of each."""

    permission_classes = (IsVendorMember,)
    pagination_class = ApiPagination
    serializer_class = VendorInboxSerializer

    def get_queryset(self):
        items = QuoteRequestItem.objects.filter(vendor_id__in=self.vendor_ids).order_by("id")
        queryset = (VendorQuote.objects.filter(vendor_id__in=self.vendor_ids)
                    .select_related("request__agency", "vendor", "current_version")
                    .prefetch_related(Prefetch("request__items", queryset=items))
                    .order_by("-created_at", "-id"))
        if getattr(self, "swagger_fake_view", False):
            return queryset
        query_params_check(self.request, {"status", "page", "page_size"})
        wanted = _choice_param(self.request, "status", QuoteStatus.values)
        return queryset.filter(status=wanted) if wanted else queryset


class VendorQuoteMixin(QuoteObjectMixin):
    permission_classes = (IsVendorMember,)

    def visible_quotes(self):
        return VendorQuote.objects.filter(vendor_id__in=self.vendor_ids)


class VendorQuoteSubmitApi(VendorQuoteMixin, APIView):
    """Answer (or revise) a quote: each call adds a version; the PDF is made after."""

    @extend_schema(summary=gettext_lazy("견적 내기 / 고치기 (새 차수)"), request=QuoteSubmitSerializer,
                   responses={201: QuoteDetailSerializer, 400: OpenApiResponse(description=gettext_lazy(
                       "필드별 오류, 또는 낼 수 없는 견적 (detail)")), 404: ErrorSerializer})
    def post(self, request, number: str):
        quote = self.quote_get(number)
        serializer = QuoteSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        quote_submit(quote_id=quote.pk, actor=request.user, lines=[dict(ln) for ln in data.pop("lines")], **data)
        return Response(QuoteDetailSerializer(self.quote_get(number), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class VendorQuoteDeclineApi(VendorQuoteMixin, APIView):
    """Decline to quote, with a reason the agency reads."""

    @extend_schema(summary=gettext_lazy("견적 불가 알리기"), request=QuoteDeclineSerializer,
                   responses={200: QuoteDetailSerializer, 400: OpenApiResponse(description=gettext_lazy(
                       "사유가 없거나 거절할 수 없는 견적")), 404: ErrorSerializer})
    def post(self, request, number: str):
        quote = self.quote_get(number)
        serializer = QuoteDeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote_decline(quote_id=quote.pk, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(QuoteDetailSerializer(self.quote_get(number), context={"request": request}).data)
