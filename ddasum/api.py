"""What every API of the site shares: domain errors and Django validation errors as JSON.

REST_FRAMEWORK["EXCEPTION_HANDLER"] points here, so a service that refuses (DomainError) or
a model that does not validate (django.core.exceptions.ValidationError) gives a 4xx JSON
answer with its Korean message instead of a 500.
"""
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
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
