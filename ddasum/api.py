"""What every API of the site shares: errors as JSON, pagination and query-parameter checks.

REST_FRAMEWORK["EXCEPTION_HANDLER"] points here, so a service that refuses (DomainError) or
a model that does not validate (django.core.exceptions.ValidationError) gives a 4xx JSON
answer with its Korean message instead of a 500.
"""
import math

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .exceptions import DomainError

# Which HTTP status a kind of domain error means; an app registers its own errors from its
# api.py (ddasum may not import the apps). Anything unregistered is a plain 400.
_domain_error_statuses: dict[type, int] = {}


class ErrorSerializer(serializers.Serializer):
    """The body of an error that is not about one field: {"detail": "..."}."""

    detail = serializers.CharField()


def domain_error_status_register(error_class: type[DomainError], http_status: int) -> None:
    """Answer `error_class` (and its subclasses) with `http_status`, e.g. 403 or 409."""
    _domain_error_statuses[error_class] = http_status


def domain_error_status(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in _domain_error_statuses:
            return _domain_error_statuses[cls]
    return status.HTTP_400_BAD_REQUEST


def validation_error_detail(exc: DjangoValidationError) -> dict:
    """Django's errors keyed like DRF's: field names, and `non_field_errors` for the rest."""
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


# DRF's own messages for its errors, in the site's words (Korean first, English through the .po).
# A view that raised one of these with its own message keeps it.
_API_ERROR_DETAILS = {
    exceptions.NotAuthenticated: gettext_lazy("로그인하거나 API 토큰을 보내야 합니다."),
    exceptions.AuthenticationFailed: gettext_lazy("로그인 정보 또는 API 토큰이 올바르지 않습니다."),
    exceptions.PermissionDenied: gettext_lazy("이 작업을 할 권한이 없습니다."),
    exceptions.NotFound: gettext_lazy("찾을 수 없습니다."),
    exceptions.MethodNotAllowed: gettext_lazy("이 주소에서 허용되지 않는 요청 방식입니다."),
    exceptions.NotAcceptable: gettext_lazy("요청한 응답 형식을 제공할 수 없습니다."),
    exceptions.UnsupportedMediaType: gettext_lazy("지원하지 않는 요청 본문 형식입니다."),
    exceptions.ParseError: gettext_lazy("요청 본문을 읽을 수 없습니다."),
}


def _korean_detail(exc, response: Response) -> None:
    data = response.data
    if isinstance(exc, ValidationError):
        # Field errors keep DRF's shape ({"field": ["…"]}, Korean through DRF's ko catalogue);
        # clients and the schema rely on it.
        return
    if isinstance(exc, exceptions.Throttled):
        response.data = {"detail": throttled_detail(exc.wait)}
        return
    for cls in type(exc).__mro__:
        if cls in _API_ERROR_DETAILS:
            if isinstance(data, dict) and str(data.get("detail", "")) == str(cls.default_detail):
                response.data = {"detail": str(_API_ERROR_DETAILS[cls])}
            return


def throttled_detail(wait: float | None) -> str:
    if wait:
        seconds = max(1, math.ceil(wait))
        return _("요청이 너무 많습니다. %(seconds)s초 뒤에 다시 시도해 주세요.") % {"seconds": seconds}
    return _("요청이 너무 많습니다. 잠시 뒤에 다시 시도해 주세요.")


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        set_rollback()
        return Response({"detail": exc.message}, status=domain_error_status(exc))
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None:
        _korean_detail(exc, response)
    return response


# --- throttling -----------------------------------------------------------------------------
# REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]: the public API per address, the token APIs per user,
# and a tighter scope for the token exchange. Over the rate: 429, Retry-After and a Korean detail
# (exception_handler above).


class _RatesFromSettings:
    """DRF binds the rates when its module is imported; read them from the settings each time."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802 (DRF's name)
        return api_settings.DEFAULT_THROTTLE_RATES


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Visitors without a session or token (the public catalogue), counted by address."""


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Signed-in users and token holders, counted by user."""

    def get_cache_key(self, request, view):
        # A vendor's API key acts as its maker but is counted on its own (vendors.api_keys.ApiKeyThrottle),
        # so an integration does not use up the person's rate.
        if getattr(request.auth, "counted_per_key", False):
            return None
        return super().get_cache_key(request, view)


class ScopedThrottle(_RatesFromSettings, ScopedRateThrottle):
    """Views naming a `throttle_scope` (the token exchange) get that scope's rate as well."""


# --- pagination and query parameters -------------------------------------------------------

MAX_PAGE_SIZE = 100
# DRF's own ?format=json is not a filter; it is always allowed.
PROTOCOL_PARAMS = frozenset({api_settings.URL_FORMAT_OVERRIDE})


def whole_number(raw: str | None) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


class ApiPagination(PageNumberPagination):
    """Pages of the settings' PAGE_SIZE, `page_size` up to 100; a bad page or size is a 400."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_page_message = gettext_lazy("없는 페이지입니다.")

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        # DRF falls back to the default on a bad value; a client should hear about it instead.
        size = whole_number(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {"page_size": [_("1에서 %(max)s 사이의 수여야 합니다.") % {"max": self.max_page_size}]}
            )
        return size

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings:
            return paginator.num_pages
        number = whole_number(raw)
        if number is None or number < 1:
            raise ValidationError({"page": [_("1 이상의 수여야 합니다.")]})
        return number


def query_params_check(request, allowed) -> None:
    """Refuse query parameters the endpoint does not know, so a typo is not silently ignored."""
    unknown = sorted(set(request.query_params) - set(allowed) - PROTOCOL_PARAMS)
    if unknown:
        raise ValidationError({
            "detail": _("알 수 없는 검색 조건입니다: %(names)s") % {"names": ", ".join(unknown)},
            "unknown_params": unknown,
        })


def form_errors(form: forms.Form) -> dict:
    """A Django form's errors keyed like DRF's (`non_field_errors` for the rest)."""
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): list(messages)
        for field, messages in form.errors.items()
    }
