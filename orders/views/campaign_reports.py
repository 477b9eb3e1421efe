"""Campaign report pages: operators see every vendor, a vendor only its own items."""
from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignItem, CampaignState, ItemStatus
from ddasum.spreadsheets import attachment_response
from vendors.admin_site import partner_admin_site
from vendors.selectors import partner_vendor_ids

from ..selectors.campaign_reports import campaign_report, report_csv


def _viewer_vendor_ids(request):
    """None for an operator (every vendor), else the vendors whose partner admin the user may enter."""
    user = request.user
    if user.is_active and user.is_staff:
        return None
    return partner_vendor_ids(user)


def _site(request):
    return admin.site if request.user.is_staff else partner_admin_site


def _report_for(request, slug: str):
    """The campaign and the viewer's scope; 404 for anyone who has no item in it (and is no operator)."""
    campaign = get_object_or_404(Campaign, slug=slug)
    vendor_ids = _viewer_vendor_ids(request)
    if vendor_ids is not None and not (
        vendor_ids and CampaignItem.objects.filter(campaign=campaign, vendor_id__in=vendor_ids).exists()
    ):
        raise Http404
    return campaign, vendor_ids


def _signed_in(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


@_signed_in
def campaign_report_list(request):
    """The campaigns whose report the viewer may read: all for operators, those with its items for a vendor."""
    vendor_ids = _viewer_vendor_ids(request)
    campaigns = Campaign.objects.order_by("-starts_at", "-pk")
    if vendor_ids is not None:
        if not vendor_ids:
            raise Http404
        campaigns = campaigns.filter(pk__in=CampaignItem.objects.filter(vendor_id__in=vendor_ids)
                                     .values("campaign_id"))
    campaigns = list(campaigns.annotate(
        item_count=Count("items", filter=Q(items__status=ItemStatus.APPROVED)
                         & (Q() if vendor_ids is None else Q(items__vendor_id__in=vendor_ids))))[:200])
    now = timezone.now()
    for c in campaigns:
        c.state_label = CampaignState(c.state_at(now)).label
    return TemplateResponse(request, "orders/reports/campaign_list.html", {
        **_site(request).each_context(request), "title": _("기획전 보고서"), "campaigns": campaigns,
        "scoped": vendor_ids is not None,
    })


@_signed_in
def campaign_report_view(request, slug: str):
    """One campaign's report: totals, per vendor, per product, against the time before it."""
    campaign, vendor_ids = _report_for(request, slug)
    report = campaign_report(campaign=campaign, vendor_ids=vendor_ids)
    return TemplateResponse(request, "orders/reports/campaign.html", {
        **_site(request).each_context(request), "title": _("%(title)s 보고서") % {"title": campaign.title},
        "report": report, "campaign": campaign,
        "tables": [(_("입점기업별"), report.vendors, False), (_("상품별"), report.products, True)],
    })


@_signed_in
def campaign_report_csv(request, slug: str):
    campaign, vendor_ids = _report_for(request, slug)
    report = campaign_report(campaign=campaign, vendor_ids=vendor_ids)
    return attachment_response(report_csv(report), f"campaign-{campaign.slug}.csv")
