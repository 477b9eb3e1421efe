"""Sign-in security: the name axes counts failures under, and the operators' login history."""
import ipaddress

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from ddasum.otp import otp_verified
from ddasum.ratelimit import client_ip

from .models import LoginEvent, User

USER_AGENT_CHARS = 300


def login_username(request, credentials) -> str | None:
    """The name django-axes counts failures under: the email, lower-cased, so A@x and a@x share a count."""
    value = (credentials or {}).get("username") or request.POST.get("username")
    return value.strip().lower() if value else None


def login_history_kept_for(user) -> bool:
    """Whose sign-ins are recorded: operators."""
    return bool(user and (user.is_staff or user.is_superuser))


def _ip_or_none(request) -> str | None:
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:  # no address (a request made in code) or a proxy's odd value
        return None


def login_event_record(*, request, user, username: str, kind: str, success: bool) -> LoginEvent | None:
    if not login_history_kept_for(user):
        return None
    return LoginEvent.objects.create(
        user=user, username=(username or getattr(user, "email", ""))[:254],
        ip=_ip_or_none(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:USER_AGENT_CHARS],
        kind=kind, success=success, otp_used=kind == LoginEvent.Kind.OTP and success,
    )


@receiver(user_logged_in, dispatch_uid="accounts.login_history.password")
def _logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    event = login_event_record(request=request, user=user, username=user.email, kind=LoginEvent.Kind.PASSWORD,
                               success=True)
    if event and otp_verified(user):  # a login that keeps an already verified session
        LoginEvent.objects.filter(pk=event.pk).update(otp_used=True)


@receiver(user_login_failed, dispatch_uid="accounts.login_history.failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = login_username(request, credentials) if request is not None else (credentials or {}).get("username")
    if not username:
        return
    user = User.objects.filter(email__iexact=username).first()
    login_event_record(request=request, user=user, username=username, kind=LoginEvent.Kind.PASSWORD, success=False)
