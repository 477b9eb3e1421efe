from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import PreferencesForm
from .kinds import KINDS
from .services import channels_chosen, marketing_agreed, preferences_save


@login_required
def preferences(request):
    """The member's channels per kind (their account settings) and advertising consent."""
    user = request.user
    chosen = {code: channels_chosen(user, kind) for code, kind in KINDS.items()}
    vendor = user.vendor_memberships.exists()
    form = PreferencesForm(request.POST or None, chosen=chosen, marketing=marketing_agreed(user), vendor=vendor)
    if request.method == "POST" and form.is_valid():
        preferences_save(user=user, chosen=form.chosen(), marketing=form.cleaned_data["marketing"])
        messages.success(request, _("알림 수신 설정을 저장했습니다."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "has_phone": bool(user.phone)})
