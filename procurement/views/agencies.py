"""Agency pages: the procurement home, joining or requesting an agency, the waiting page, mail confirmation."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from ddasum.views import call_service
from vendors.selectors import partner_vendor_ids

from ..forms.quotes import AgencyJoinForm, AgencyRequestForm
from ..models import AgencyMembership, MembershipStatus, QuoteBasketLine, QuoteRequest, QuoteStatus, VendorQuote
from ..selectors.access import active_memberships
from ..services.agencies import agency_email_confirm, agency_join, domain_auto_accepts

RECENT_REQUESTS = 5


@never_cache
def home(request):
    """The procurement area: what the visitor can do next, as an agency buyer or a vendor."""
    user = request.user
    context = {"seo": {"title": _("공공구매"), "noindex": False}}
    if user.is_authenticated:
        memberships = list(AgencyMembership.objects.filter(user=user).select_related("agency").order_by("-created_at"))
        active = [m for m in memberships if m.status == MembershipStatus.ACTIVE and m.agency.status == "verified"]
        context.update(memberships=memberships, active_memberships=active,
                       pending=[m for m in memberships if m not in active])
        if active:
            agency_ids = [m.agency_id for m in active]
            context["recent_requests"] = list(
                QuoteRequest.objects.filter(agency_id__in=agency_ids).select_related("agency")
                .annotate(quote_count=Count("quotes", distinct=True),
                          answered_count=Count("quotes", filter=Q(quotes__status=QuoteStatus.ANSWERED), distinct=True))
                .order_by("-created_at", "-id")[:RECENT_REQUESTS])
            context["basket_count"] = QuoteBasketLine.objects.filter(user=user).count()
            context["links"] = [
                (label, url) for label, url in (
                    (_("발주·납품"), reverse("procurement:po_list")),
                    (_("공공구매 실적"), reverse("procurement:record_list")),
                    (_("필요 제품 게시판"), reverse("procurement:need_list")),
                    (_("우선구매 현황"), reverse("procurement:dashboard")),
                )
            ]
        vendor_ids = partner_vendor_ids(user)
        if vendor_ids:
            context["vendor_waiting"] = VendorQuote.objects.filter(
                vendor_id__in=vendor_ids, status=QuoteStatus.REQUESTED, request__status="open").count()
            context["vendor_links"] = [
                (label, url) for label, url in (
                    (_("발주·납품"), reverse("procurement:po_list")),
                    (_("필요 제품 게시판"), reverse("procurement:need_list")),
                    (_("기관 판매 현황"), reverse("procurement:vendor_report")),
                )
            ]
    context["eligible_url"] = reverse("catalog:products") + "?procurement=1"
    return render(request, "procurement/home.html", context)


@never_cache
@login_required
def agency_join_view(request):
    """Join a verified agency, or request a new one; two forms on one page."""
    if active_memberships(request.user).exists() and request.method == "GET" and "more" not in request.GET:
        messages.info(request, _("이미 확인된 기관 구성원입니다. 다른 기관에도 가입하려면 아래에서 요청하세요."))
    mode = request.POST.get("mode") if request.method == "POST" else ""
    join_form = AgencyJoinForm(request.POST if mode == "join" else None, prefix="join")
    new_form = AgencyRequestForm(request.POST if mode == "new" else None, prefix="new")
    form = join_form if mode == "join" else new_form if mode == "new" else None
    if form is not None and form.is_valid():
        data = form.cleaned_data
        kwargs = {"role": data["role"], "department": data.get("department", ""), "note": data.get("note", "")}
        if mode == "join":
            kwargs["agency_id"] = data["agency"].pk
        else:
            kwargs["agency_data"] = form.agency_data()
        membership, ok = call_service(request, agency_join, user=request.user, **kwargs)
        if ok:
            _joined_message(request, membership)
            return redirect("procurement:agency_pending" if membership.status != MembershipStatus.ACTIVE
                            else "procurement:home")
    context = {
        "join_form": join_form, "new_form": new_form, "mode": mode or "join",
        "official_domains": ", ".join(_official_domains()),
        "seo": {"title": _("기관 구매 담당자 가입"), "noindex": True},
    }
    return render(request, "procurement/agency_join.html", context)


def _official_domains():
    return [f"*.{d.lstrip('.')}" for d in settings.PROCUREMENT_OFFICIAL_DOMAINS]


def _joined_message(request, membership):
    agency = membership.agency
    if membership.status == MembershipStatus.ACTIVE:
        messages.success(request, _("%(agency)s 구매 담당자로 확인되어 있습니다.") % {"agency": agency.name})
    elif domain_auto_accepts(request.user.email, agency):
        messages.success(request, _("%(email)s(으)로 확인 메일을 보냈습니다. 메일의 링크를 열면 바로 가입이 완료됩니다.")
                         % {"email": request.user.email})
    elif agency.status != "verified":
        messages.success(request, _("기관 등록을 요청했습니다. 운영자가 기관과 가입을 확인하면 알려 드립니다."))
    else:
        messages.success(request, _("%(agency)s 가입을 요청했습니다. 운영자가 확인하면 알려 드립니다.")
                         % {"agency": agency.name})


@never_cache
@login_required
def agency_pending(request):
    """Where a buyer waits: each membership's state, the reason of a rejection, what comes next."""
    memberships = list(AgencyMembership.objects.filter(user=request.user).select_related("agency")
                       .order_by("-created_at"))
    for membership in memberships:
        membership.by_mail = (membership.status == MembershipStatus.PENDING
                              and domain_auto_accepts(request.user.email, membership.agency))
    context = {
        "memberships": memberships,
        "has_active": any(m.status == MembershipStatus.ACTIVE and m.agency.status == "verified" for m in memberships),
        "seo": {"title": _("기관 확인 상태"), "noindex": True},
    }
    return render(request, "procurement/agency_pending.html", context)


@never_cache
@login_required
def agency_confirm(request, token):
    """The link mailed to an official agency address: accept the membership."""
    membership, ok = call_service(request, agency_email_confirm, user=request.user, token=token)
    if ok:
        messages.success(request, _("%(agency)s 구매 담당자로 확인되었습니다. 이제 견적을 요청할 수 있습니다.")
                         % {"agency": membership.agency.name})
        return redirect("procurement:home")
    return redirect("procurement:agency_pending")
