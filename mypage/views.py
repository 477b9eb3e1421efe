import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.models import PolicyVersion
from accounts.selectors import policy_current
from campaigns.selectors.claims import coupon_box, coupon_box_count
from catalog.models import Wish
from ddasum.exceptions import DomainError
from ddasum.spreadsheets import attachment_response, excel_csv
from orders.selectors.mypage import buyer_state_counts
from reviews.selectors import reviewable_lines

from .forms import LeaveForm
from .selectors import export_rows, member_export
from .services import account_delete, account_delete_refusal


@login_required
def hub(request):
    """마이페이지: orders by state (each a link to the filtered list) and the member's shopping pages."""
    user = request.user
    # A policy changed since the member agreed: say so, with the link (and the upcoming one, announced).
    changed = [v for v in (policy_current(PolicyVersion.Kind.TERMS), policy_current(PolicyVersion.Kind.PRIVACY))
               if v and v.pk not in (user.terms_version_id, user.privacy_version_id)]
    return render(request, "mypage/hub.html", {
        "policies_changed": changed,
        "states": buyer_state_counts(user),
        "writable_count": reviewable_lines(user=user).count(),
        "wish_count": Wish.objects.filter(user=user).count(),
        "coupon_count": coupon_box_count(user),
        "seo": {"title": _("마이페이지"), "noindex": True},
    })


@never_cache
@login_required
def leave(request):
    """회원탈퇴: password, a confirmation, refused (with the reason) while something is in progress."""
    refusal = account_delete_refusal(request.user)
    form = LeaveForm(request.POST or None, user=request.user)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            account_delete(user_id=request.user.pk)
        except DomainError as exc:
            refusal = exc.message
        else:
            logout(request)
            messages.success(request, _("탈퇴했습니다. 그동안 따숨몰을 이용해 주셔서 고맙습니다."))
            return redirect("home")
    return render(request, "mypage/leave.html", {"form": form, "refusal": refusal,
                                                 "seo": {"title": _("회원탈퇴"), "noindex": True}})


@never_cache
@login_required
def export(request):
    """내 정보 내려받기: the page, and the file as JSON (?format=json) or CSV (?format=csv)."""
    fmt = request.GET.get("format")
    if fmt not in ("json", "csv"):
        return render(request, "mypage/export.html", {"seo": {"title": _("내 정보 내려받기"), "noindex": True}})
    data = member_export(request.user)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        return attachment_response(body, f"ddasum-my-data-{stamp}.json", "application/json; charset=utf-8")
    return attachment_response(excel_csv(export_rows(data)), f"ddasum-my-data-{stamp}.csv")


@login_required
def coupons(request):
    """쿠폰함: the member's claimed coupons with discount, minimum, expiry and state."""
    return render(request, "mypage/coupons.html", {
        "entries": coupon_box(request.user),
        "seo": {"title": _("쿠폰함"), "noindex": True},
    })
