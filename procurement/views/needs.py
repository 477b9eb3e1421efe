"""The needs board (우리 이런 제품 필요해요): list, post, read, propose, turn a proposal into a request.

Signed-in users read the board. A proposal is seen by the need's agency, by its own vendor's
members and by operators; attachments by the need's agency, members of approved vendors and
operators. Anyone else gets 404.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from catalog.models import Category
from ddasum.views import call_service
from vendors.models import Vendor, VendorStatus
from vendors.selectors import vendor_ids_for_user

from ..forms.purchases import NeedForm, ProposalForm
from ..models import Need, NeedAttachment, NeedProposal, NeedStatus
from ..selectors.access import agency_ids_for_user, agency_list
from ..services import needs as svc
from .common import no_agency_response, private_file_response

PER_PAGE = 20
APPROVED = frozenset({VendorStatus.APPROVED})


def _proposing_vendors(user) -> list[Vendor]:
    ids = vendor_ids_for_user(user, statuses=APPROVED)
    return list(Vendor.objects.filter(pk__in=ids).order_by("name")) if ids else []


@never_cache
@login_required
def need_list(request):
    agency_ids = agency_ids_for_user(request.user)
    mine = request.GET.get("mine") == "1" and bool(agency_ids)
    needs = Need.objects.filter(agency_id__in=agency_ids) if mine else Need.objects.filter(status=NeedStatus.OPEN)
    categories = list(Category.objects.filter(parent__isnull=True, is_active=True))
    category = next((c for c in categories if c.slug == request.GET.get("category")), None)
    if category:
        needs = needs.filter(Q(category=category) | Q(category__parent=category))
    needs = (needs.select_related("agency", "category").annotate(proposal_count=Count("proposals"))
             .order_by("-created_at", "-id"))
    page = Paginator(needs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "procurement/need_list.html", {
        "page_obj": page, "categories": categories, "category": category, "mine": mine,
        "may_post": bool(agency_ids), "seo": {"title": _("우리 이런 제품 필요해요"), "noindex": True},
    })


@never_cache
@login_required
def need_new(request):
    agencies = agency_list(user=request.user)
    if not agencies:
        return no_agency_response(request)
    form = NeedForm(request.POST or None, request.FILES or None, agencies=agencies,
                    initial={"category": request.GET.get("category")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            need, ok = call_service(request, svc.need_create, user=request.user, agency_id=data["agency"],
                                    data=data, attachments=data["attachments"])
            if ok:
                messages.success(request, _("필요 제품을 올렸습니다. 이 분류의 기업들에 알렸습니다."))
                return redirect(need.get_absolute_url())
    return render(request, "procurement/need_new.html", {
        "form": form, "seo": {"title": _("필요 제품 올리기"), "noindex": True}}, status=status)


def _need_page(request, need: Need, *, proposal_form=None, status=200):
    user = request.user
    is_agency = need.agency_id in agency_ids_for_user(user)
    proposals = need.proposals.select_related("vendor", "quote_request").prefetch_related("products")
    if not (user.is_staff or is_agency):
        proposals = proposals.filter(vendor_id__in=vendor_ids_for_user(user))
    vendors = _proposing_vendors(user)
    may_propose = bool(vendors) and need.status == NeedStatus.OPEN
    if may_propose and proposal_form is None:
        own = next((p for p in proposals if p.vendor_id in {v.pk for v in vendors}), None)
        initial = {"vendor": vendors[0].pk}
        if own:
            initial = {"vendor": own.vendor_id, "message": own.message, "price_idea": own.price_idea,
                       "products": [p.pk for p in own.products.all()]}
        proposal_form = ProposalForm(vendors=vendors, initial=initial)
    may_read_files = user.is_staff or is_agency or bool(vendors)
    return render(request, "procurement/need_detail.html", {
        "need": need, "proposals": proposals, "is_agency": is_agency, "may_propose": may_propose,
        "proposal_form": proposal_form, "attachments": need.attachments.all() if may_read_files else [],
        "seo": {"title": need.title, "noindex": True},
    }, status=status)


@never_cache
@login_required
def need_detail(request, pk):
    need = get_object_or_404(Need.objects.select_related("agency", "category"), pk=pk)
    return _need_page(request, need)


@login_required
@require_POST
def need_propose(request, pk):
    need = get_object_or_404(Need.objects.select_related("agency", "category"), pk=pk)
    vendors = _proposing_vendors(request.user)
    if not vendors:
        raise Http404
    form = ProposalForm(request.POST, vendors=vendors)
    if not form.is_valid():
        return _need_page(request, need, proposal_form=form, status=400)
    data = form.cleaned_data
    _proposal, ok = call_service(
        request, svc.need_propose, need_id=need.pk, actor=request.user, vendor_id=data["vendor"].pk,
        message=data["message"], price_idea=data["price_idea"], product_ids=[p.pk for p in data["products"]],
    )
    if ok:
        messages.success(request, _("제안을 보냈습니다. 기관에 알렸습니다."))
    return redirect(need.get_absolute_url())


@login_required
@require_POST
def proposal_to_request(request, pk):
    proposal = get_object_or_404(NeedProposal.objects.select_related("need"), pk=pk)
    if proposal.need.agency_id not in agency_ids_for_user(request.user):
        raise Http404
    quote_request, ok = call_service(request, svc.proposal_to_request, proposal_id=proposal.pk, actor=request.user)
    if ok:
        messages.success(request, _("제안을 견적요청 %(number)s(으)로 보냈습니다.") % {"number": quote_request.number})
        return redirect(quote_request.get_absolute_url())
    return redirect(proposal.need.get_absolute_url())


@login_required
@require_POST
def need_close(request, pk):
    need = get_object_or_404(Need, pk=pk)
    if not (request.user.is_staff or need.agency_id in agency_ids_for_user(request.user)):
        raise Http404
    _need, ok = call_service(request, svc.need_close, need_id=need.pk, actor=request.user,
                             fulfilled=request.POST.get("fulfilled") == "1")
    if ok:
        messages.success(request, _("게시글을 마감했습니다."))
    return redirect(need.get_absolute_url())


@never_cache
@login_required
def need_attachment(request, pk):
    attachment = get_object_or_404(NeedAttachment.objects.select_related("need"), pk=pk)
    user = request.user
    if not (user.is_staff or attachment.need.agency_id in agency_ids_for_user(user)
            or vendor_ids_for_user(user, statuses=APPROVED)):
        raise Http404
    return private_file_response(request, attachment.file, attachment.original_name)
