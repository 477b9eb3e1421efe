from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import CeleryPasswordResetForm, LoginForm, SignupForm
from .services import notification_mark_read


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


class PasswordResetView(auth_views.PasswordResetView):
    form_class = CeleryPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@login_required
def mypage(request):
    return render(request, "accounts/mypage.html")


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
