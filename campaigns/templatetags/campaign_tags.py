"""Campaigns on storefront pages: home banners, card and product-page prices, countdowns.

Every tag reads the request's one price book (campaigns.selectors.campaigns.price_book), so a list page
costs the same few queries whatever number of cards it shows.
"""
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.selectors.campaigns import campaign_schedule, price_book

register = template.Library()
HOME_UPCOMING = 4


def _request(context):
    return context.get("request")


@register.inclusion_tag("campaigns/_home_banners.html", takes_context=True)
def home_campaigns(context):
    """Live campaigns as banners (home order) and a strip of the coming ones."""
    request = _request(context)
    schedule = campaign_schedule(request)
    return {"request": request, "live": schedule["live"], "upcoming": schedule["upcoming"][:HOME_UPCOMING],
            "now": schedule["now"]}


@register.simple_tag(takes_context=True)
def campaign_card(context, product):
    """The live campaign price of a product card (CardPrice) or None."""
    return price_book(_request(context)).for_product(product.pk)


@register.simple_tag(takes_context=True)
def campaign_variant(context, variant):
    """The live CampaignPrice of one option or None (the product page's option list)."""
    return price_book(_request(context)).for_variant(variant.pk)


@register.filter
def time_left(target: datetime, now: datetime | None = None) -> str:
    """"3일 04:05:06" until `target` (00:00:00 once passed): the countdown before JavaScript runs."""
    if not target:
        return ""
    seconds = max(int((target - (now or timezone.now())).total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return _("%(days)s일 %(clock)s") % {"days": days, "clock": clock} if days else clock


@register.filter
def seconds_left(target: datetime, now: datetime | None = None) -> int:
    """Whole seconds from `now` to `target` (0 once passed), for the countdown script."""
    if not target:
        return 0
    return max(int((target - (now or timezone.now())).total_seconds()), 0)


@register.filter
def days_until(target: datetime, now: datetime | None = None) -> int:
    """Whole local days from `now` to `target` (D-day count of a teaser)."""
    if not target:
        return 0
    return (timezone.localdate(target) - timezone.localdate(now or timezone.now())).days


@register.filter
def isoformat(value: datetime) -> str:
    return value.isoformat() if value else ""
