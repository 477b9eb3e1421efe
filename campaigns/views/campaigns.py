"""Campaign pages: what is on and coming (/campaigns/), the archive, one campaign's page.

Everything follows the clock at request time: a page is scheduled, live or ended by when it
is asked for; no job opens or closes a campaign.
"""
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from ddasum.page_cache import anonymous_page

from ..exceptions import CouponRefused
from ..models import Campaign, CampaignState
from ..selectors.campaigns import (
    campaign_for_page,
    campaign_schedule,
    campaign_sections,
    request_now,
    upcoming_by_month,
)
from ..selectors.claims import claimable_coupons
from ..services.campaigns import campaign_visit_record
from ..services.claims import coupon_claim

ARCHIVE_PAGE_SIZE = 12
DESCRIPTION_CHARS = 150
# Crawlers and link previews are not visitors of the campaign report.
_BOT = re.compile(r"bot|crawl|spider|slurp|facebookexternalhit|preview|headless", re.IGNORECASE)


def _seo(request, *, title, description="", canonical="", image=None, noindex=False) -> dict:
    """The same `seo` dict the catalog pages give base.html (title, description, OpenGraph)."""
    return {
        "title": title,
        "description": Truncator(" ".join(strip_tags(description or "").split())).chars(DESCRIPTION_CHARS),
        "canonical": canonical,
        "image": request.build_absolute_uri(image) if image else "",
        "type": "website",
        "noindex": noindex,
    }


def campaign_list(request):
    """Live campaigns first, then a calendar of the coming ones by month."""
    schedule = campaign_schedule(request)
    context = {
        "live": schedule["live"],
        "months": upcoming_by_month(schedule["upcoming"]),
        "now": schedule["now"],
        "seo": _seo(request, title=_("기획전"),
                    description=_("설맞이, 가정의 달, 추석, 김장철까지 따숨몰의 기획전과 판매전 일정을 만나 보세요."),
                    canonical=request.build_absolute_uri(reverse("campaigns:list"))),
    }
    return render(request, "campaigns/list.html", context)


def campaign_archive(request):
    """Ended campaigns, the latest first."""
    now = request_now(request)
    page_obj = Paginator(Campaign.objects.ended(now).order_by("-ends_at", "-pk"), ARCHIVE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    canonical = reverse("campaigns:archive")
    if page_obj.number > 1:
        canonical += f"?page={page_obj.number}"
    context = {
        "page_obj": page_obj, "now": now,
        "seo": _seo(request, title=_("지난 기획전"), canonical=request.build_absolute_uri(canonical)),
    }
    return render(request, "campaigns/archive.html", context)


def _campaign_seen(request, response, meta):
    """A campaign page served from the page cache still counts the visit (bots and drafts aside)."""
    if meta and meta.get("count_visit") and not _BOT.search(request.headers.get("User-Agent", "")):
        campaign_visit_record(campaign_id=meta["campaign_id"], day=timezone.localdate())
    return response


@anonymous_page(on_hit=_campaign_seen)
def campaign_detail(request, slug):
    """A campaign's page: a teaser before it starts, prices while live, regular prices after."""
    campaign = campaign_for_page(slug, user=request.user)
    if campaign is None:
        raise Http404
    now = request_now(request)
    state = campaign.state_at(now)
    is_operator = request.user.is_authenticated and request.user.is_staff
    preview = is_operator and state in (CampaignState.DRAFT, CampaignState.SCHEDULED)
    sections = campaign_sections(campaign, now=now, preview=preview)
    if state != CampaignState.DRAFT and not is_operator and not _BOT.search(request.headers.get("User-Agent", "")):
        campaign_visit_record(campaign_id=campaign.pk, day=timezone.localdate(now))
    banner = campaign.banner_desktop.url if campaign.banner_desktop else None
    context = {
        "campaign": campaign,
        "state": state,
        "now": now,
        "preview": preview,
        "sections": sections,
        "item_count": sum(len(cards) for _section, cards in sections),
        "claimable_coupons": claimable_coupons(campaign, now=now) if state == CampaignState.LIVE else [],
        "seo": _seo(request, title=campaign.title, description=campaign.intro,
                    canonical=request.build_absolute_uri(campaign.get_absolute_url()), image=banner,
                    noindex=state == CampaignState.DRAFT),
    }
    response = render(request, "campaigns/detail.html", context)
    response.page_cache_meta = {"campaign_id": campaign.pk, "count_visit": state != CampaignState.DRAFT}
    # A draft is shown to operators only (never cached: they are signed in); a bot's user agent
    # changes nothing on the page.
    return response


@login_required
def coupon_claim_view(request, slug, coupon_id):
    """"쿠폰 받기": a plain POST puts the coupon in the member's 쿠폰함 (again: nothing changes)."""
    campaign = campaign_for_page(slug, user=request.user)
    if campaign is None:
        raise Http404
    if request.method == "POST":
        if not any(c.pk == coupon_id for c in claimable_coupons(campaign)):
            messages.error(request, _("받을 수 없는 쿠폰입니다."))
        else:
            try:
                _claim, created = coupon_claim(request.user, coupon_id)
            except CouponRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("쿠폰함에 쿠폰을 넣었습니다.") if created
                                 else _("이미 받은 쿠폰입니다."))
    return redirect(campaign.get_absolute_url())
