"""Two-factor authentication (django-otp, TOTP): who must pass it and whether this session has.

Operators (staff, superusers) must, for the operator's /admin/ and the partner admin; a vendor
member who turned it on in their account page must too. The pages that enrol and verify live in
accounts (`accounts:otp`); the admin sites send an unverified user there (ddasum.admin_site,
vendors.admin_site).
"""
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device


def otp_required(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_staff or user.is_superuser:
        return True
    # Read once per request: the user object is the request's own, and an admin page asks several times.
    if not hasattr(user, "_otp_has_device"):
        user._otp_has_device = user_has_device(user, confirmed=True)
    return user._otp_has_device


def otp_verified(user) -> bool:
    """The session passed a second factor (django_otp's middleware installs `is_verified`)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def otp_satisfied(request) -> bool:
    """Nothing more is asked of this session: no second factor needed, or it was given."""
    return not otp_required(request.user) or otp_verified(request.user)


def otp_url(next_url: str) -> str:
    """The page that enrols a device (first time) or asks for the code, then goes to `next_url`."""
    return reverse("accounts:otp") + "?" + urlencode({"next": next_url})
