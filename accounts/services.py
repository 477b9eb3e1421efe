"""Writes about users: in-app notifications, outgoing mail and the second factor (TOTP devices)."""
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from .models import Notification, PolicyVersion, User
from .selectors import policy_current

OTP_DEVICE_NAME = "따숨몰"


def notification_create(*, user: User, title: str, body: str = "", url: str = "", key: str | None = None) -> Notification:
    """Create an in-app notification; with a `key`, a second call returns the first one."""
    if key:
        existing = Notification.objects.filter(key=key).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                return Notification.objects.create(user=user, title=title, body=body, url=url, key=key)
        except IntegrityError:
            return Notification.objects.get(key=key)
    return Notification.objects.create(user=user, title=title, body=body, url=url)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of `user` as read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def email_send(*, to: list[str], subject: str, body: str, html: str | None = None) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


# --- two-factor authentication (TOTP) --------------------------------------------------------


def otp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed device to scan (one, kept until confirmed, so a reload shows the same QR)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=OTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def otp_device_confirm(*, device: TOTPDevice) -> TOTPDevice:
    """The first code was right: this device is the user's second factor; older ones go.

    An API token obtained with the password alone goes too: the next one asks for the code.
    """
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    Token.objects.filter(user=device.user).delete()
    return device


def otp_devices_remove(*, user: User) -> int:
    """Turn two-factor authentication off (a vendor member's choice; never for operators)."""
    deleted, _by_model = TOTPDevice.objects.filter(user=user).delete()
    return deleted


# --- policies (이용약관, 개인정보처리방침) ----------------------------------------------------


def policy_version_ensure(*, kind: str, version: str, effective_at, body: str, summary: str = "") -> tuple[PolicyVersion, bool]:
    """The version `version` of `kind`, created with this text and date when missing (idempotent)."""
    return PolicyVersion.objects.get_or_create(
        kind=kind, version=version, defaults={"effective_at": effective_at, "body": body, "summary": summary}
    )


def consents_record(*, user: User, at=None, marketing: bool | None = None) -> User:
    """Record that `user` agreed to the versions in effect at `at` (and, when given, the marketing choice)."""
    at = at or timezone.now()
    user.terms_version = policy_current(PolicyVersion.Kind.TERMS, at=at)
    user.privacy_version = policy_current(PolicyVersion.Kind.PRIVACY, at=at)
    user.terms_agreed_at = user.terms_agreed_at or at
    user.age_confirmed_at = user.age_confirmed_at or at
    fields = ["terms_version", "privacy_version", "terms_agreed_at", "age_confirmed_at"]
    if marketing is not None:
        user.marketing_agreed_at = (user.marketing_agreed_at or at) if marketing else None
        fields.append("marketing_agreed_at")
    user.save(update_fields=fields)
    return user
