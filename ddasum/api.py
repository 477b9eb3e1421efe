"""What every API of the site shares: errors as JSON, pagination and query-parameter checks.

REST_FRAMEWORK["EXCEPTION_HANDLER"] points here, so a service that refuses (DomainError) or
a model that does not validate (django.core.exceptions.ValidationError) gives a 4xx JSON
answer with its Korean message instead of a 500.
"""
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
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


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        set_rollback()
        return Response({"detail": exc.message}, status=domain_error_status(exc))
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


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
