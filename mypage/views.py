from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from catalog.models import Wish
from orders.selectors.mypage import buyer_state_counts
from reviews.selectors import reviewable_lines


@login_required
def hub(request):
    """마이페이지: orders by state (each a link to the filtered list) and the member's shopping pages."""
    user = request.user
    return render(request, "mypage/hub.html", {
        "states": buyer_state_counts(user),
        "writable_count": reviewable_lines(user=user).count(),
        "wish_count": Wish.objects.filter(user=user).count(),
        "seo": {"title": _("마이페이지"), "noindex": True},
    })
