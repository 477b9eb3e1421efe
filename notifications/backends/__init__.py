"""Text-message backends (SMS and 알림톡), chosen by settings.MESSAGE_TEXT_BACKEND.

Every backend has `send(TextMessage) -> SendResult`. A failure the provider may get over (no
answer, a 5xx) raises ProviderUnavailable, an OSError, so the Celery task retries it with
backoff; a refusal (bad number, template mismatch) is a SendResult with ok=False.
"""
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class ProviderUnavailable(OSError):
    """The provider did not answer, or answered with a server error: try again later."""


@dataclass(frozen=True)
class TextMessage:
    channel: str  # "sms" or "alimtalk"
    to: str  # digits only
    text: str  # the full text (for 알림톡: the template filled in, also the SMS replacement)
    subject: str = ""
    template_id: str = ""
    variables: dict = field(default_factory=dict)  # 알림톡: {"이름": "김따숨"} (without #{…})


@dataclass
class SendResult:
    ok: bool
    message_id: str = ""
    group_id: str = ""
    code: str = ""
    detail: str = ""


@cache
def _backend_class(path: str):
    return import_string(path)


def text_backend():
    """The configured SMS/알림톡 backend (a new instance: settings may change in tests)."""
    return _backend_class(settings.MESSAGE_TEXT_BACKEND)()
