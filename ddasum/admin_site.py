"""The operator's admin site (/admin/): Django's, behind a second factor.

ddasum.apps.OperatorAdminConfig makes this the default `admin.site`. A staff user signed in
with a password only is sent to enrol a TOTP device (the first time) or give its code.
"""
from django.contrib import admin
from django.shortcuts import redirect

from .otp import otp_satisfied, otp_url


class OperatorAdminSite(admin.AdminSite):
    # A plain "-" (Django's is a lazy one, translated again for every cell of a list).
    empty_value_display = "-"

    def has_permission(self, request):
        return super().has_permission(request) and otp_satisfied(request)

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not otp_satisfied(request):
            return redirect(otp_url(request.GET.get("next") or request.path.replace("login/", "")))
        return super().login(request, extra_context)
