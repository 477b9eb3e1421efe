import base64

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from ddasum.otp import otp_required, otp_url, otp_verified
from ddasum.ratelimit import client_ip, posted, ratelimit

from .forms import CeleryPasswordResetForm, LoginForm, OtpCodeForm, SignupForm
from .models import LoginEvent, PolicyVersion
from .security import login_event_record
from .selectors import policy_current, policy_history, policy_upcoming
from .services import notification_mark_read, otp_device_confirm, otp_device_for_enrolment, otp_devices_remove


@ratelimit("signup", by=(client_ip,))
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("가입을 환영합니다, %(name)s님!") % {"name": user.name})
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)
        return redirect("accounts:mypage")
    return render(request, "accounts/signup.html", {"form": form, "next": request.GET.get("next", "")})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        # Operators (and members who turned it on) give their second factor before going on.
        url = super().get_success_url()
        user = self.request.user
        if otp_required(user) and not otp_verified(user):
            return otp_url(url)
        return url


@method_decorator(ratelimit("password_reset", by=(client_ip, posted("email"))), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = CeleryPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@login_required
def mypage(request):
    otp_on = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    return render(request, "accounts/mypage.html", {"otp_on": otp_on, "otp_form": OtpCodeForm()})


def policy(request, kind: str):
    """이용약관 / 개인정보처리방침: the version in effect (or an earlier one by ?version=), its
    history, and the next version when one is announced."""
    history = policy_history(kind)
    wanted = request.GET.get("version", "")
    current = next((v for v in history if v.version == wanted), None) if wanted else None
    if wanted and current is None:
        raise Http404
    in_effect = policy_current(kind)
    if current is None:
        current = in_effect
    else:
        current = PolicyVersion.objects.get(pk=current.pk)
    return render(request, "accounts/policy.html", {
        "kind": kind, "title": PolicyVersion.Kind(kind).label, "policy": current, "in_effect": in_effect,
        "history": history, "upcoming": policy_upcoming(kind),
    })


@login_required
def notifications(request):
    items = request.user.notifications.all()[:100]
    return render(request, "accounts/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request):
    """Mark one notification (by id) or all as read, then follow its link if there is one."""
    notification_id = request.POST.get("id")
    notification_id = int(notification_id) if notification_id and notification_id.isdigit() else None
    notification_mark_read(user=request.user, notification_id=notification_id)
    if notification_id:
        item = request.user.notifications.filter(pk=notification_id).first()
        if item and item.url.startswith("/"):
            return redirect(item.url)
    return redirect("accounts:notifications")


# --- two-factor authentication ----------------------------------------------------------------


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _qr_svg(uri: str) -> str:
    """The otpauth:// address as an inline SVG (no image request, nothing for the CSP to allow)."""
    svg = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).to_string(encoding="unicode")
    return mark_safe(svg)  # noqa: S308 (generated by qrcode from our own URI)


def _secret_groups(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def otp(request):
    """Enrol an authenticator app (first time: QR + code) or give its current code."""
    user = request.user
    default = reverse("admin:index") if user.is_staff else reverse("accounts:mypage")
    next_url = _safe_next(request, default)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = otp_device_for_enrolment(user=user)
    elif request.method == "GET" and otp_verified(user):
        return redirect(next_url)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", _("코드가 여러 번 틀렸습니다. 잠시 뒤에 다시 입력해 주세요."))
        elif device.verify_token(form.cleaned_data["code"]):
            if enrolling:
                device = otp_device_confirm(device=device)
                messages.success(request, _("2단계 인증을 켰습니다. 다음 로그인부터 인증 앱의 코드를 묻습니다."))
            django_otp.login(request, device)
            login_event_record(request=request, user=user, username=user.email, kind=LoginEvent.Kind.OTP, success=True)
            return redirect(next_url)
        else:
            login_event_record(request=request, user=user, username=user.email, kind=LoginEvent.Kind.OTP,
                               success=False)
            form.add_error("code", _("코드가 맞지 않습니다. 인증 앱에 지금 표시된 코드를 입력해 주세요."))
    context = {"form": form, "enrolling": enrolling, "next": next_url}
    if enrolling:
        context |= {"qr_svg": _qr_svg(device.config_url), "secret": _secret_groups(device),
                    "otpauth_uri": device.config_url}
    return render(request, "accounts/otp.html", context)


@login_required
@require_POST
def otp_disable(request):
    """A member turns two-factor authentication off (with a current code); operators cannot."""
    user = request.user
    if user.is_staff or user.is_superuser:
        messages.error(request, _("운영자는 2단계 인증을 끌 수 없습니다."))
        return redirect("accounts:mypage")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = OtpCodeForm(request.POST)
    if device and form.is_valid() and device.verify_is_allowed()[0] and device.verify_token(form.cleaned_data["code"]):
        otp_devices_remove(user=user)
        messages.success(request, _("2단계 인증을 껐습니다."))
    else:
        messages.error(request, _("코드가 맞지 않아 2단계 인증을 끄지 않았습니다."))
    return redirect("accounts:mypage")
