"""Campaign items: vendors apply, the operator decides, and the page counts its visitors.

The item's status has one transition table:

    applied  → approved   the operator (item_decide)
    applied  → declined   the operator, with a reason (item_decide)
    applied  → withdrawn  the vendor or the operator (item_withdraw)
    approved → withdrawn  the operator only (item_withdraw): once approved, an item may be on the
                          live page and in carts, so the vendor asks the operator to take it off;
                          orders already placed keep the price they were placed at.

Declined and withdrawn are final: the vendor applies again with a new application. Every
change writes a CampaignItemEvent; the operator's changes are told to the vendor once, after
commit. Operators add items directly from the campaign admin (approved at once, item_add).
"""
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Product, ProductVariant
from ddasum import jobs
from ddasum.money import won
from ddasum.transitions import StateMachine
from vendors.selectors import user_is_vendor_member
from vendors.services import vendor_notify

from ..exceptions import CampaignError, InvalidTransition, NotAllowed
from ..models import (
    Campaign,
    CampaignItem,
    CampaignItemEvent,
    CampaignSection,
    CampaignVisit,
    ItemStatus,
)

S = ItemStatus
OPERATOR, VENDOR = "operator", "vendor"

# (from, to): who may take the step.
ALLOWED_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.APPLIED, S.APPROVED): frozenset({OPERATOR}),
    (S.APPLIED, S.DECLINED): frozenset({OPERATOR}),
    (S.APPLIED, S.WITHDRAWN): frozenset({OPERATOR, VENDOR}),
    (S.APPROVED, S.WITHDRAWN): frozenset({OPERATOR}),
}
# The same table as {from: {to, …}}; the roles are checked in _transition().
ITEM_MACHINE = StateMachine(
    transitions={start: frozenset(to for (f, to) in ALLOWED_TRANSITIONS if f == start) for start, _to in ALLOWED_TRANSITIONS},
    choices=ItemStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태에서는 '%(to)s'(으)로 바꿀 수 없습니다."),
    event_model=CampaignItemEvent, event_fk="item",
)
ACTIVE_STATUSES = (S.APPLIED, S.APPROVED)
MAX_PERCENT_OFF = 90


class ApplicationRefused(CampaignError):
    """The application's terms break a rule; `field` names the form field it belongs to (or None)."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ItemTerms:
    campaign_price: int | None = None
    percent_off: int | None = None
    stock_cap: int | None = None
    per_customer_limit: int | None = None


def _role(actor, item: CampaignItem) -> str | None:
    if actor is not None and actor.is_active and actor.is_staff:
        return OPERATOR
    if user_is_vendor_member(actor, item.vendor_id):
        return VENDOR
    return None


def _transition(item: CampaignItem, to: str, *, actor, reason: str = "") -> CampaignItemEvent:
    """Check the table and the actor's role, save the new status and write the event row (the item is locked)."""
    ITEM_MACHINE.check(item, to)
    roles = ALLOWED_TRANSITIONS[(item.status, to)]
    role = _role(actor, item)
    if role not in roles:
        if role == VENDOR and item.status == S.APPROVED:
            raise NotAllowed(_("승인된 신청은 운영자에게 철회를 요청해 주세요."))
        raise NotAllowed(_("이 신청을 처리할 권한이 없습니다."))
    return ITEM_MACHINE.move(item, to, actor=actor, reason=reason,
                             fields=("decline_reason", "decided_by", "decided_at"))


def _notify_after_commit(event: CampaignItemEvent) -> None:
    jobs.after_commit("campaigns.item_event_notify_task", event_id=event.pk)


# --- the rules of an application -----------------------------------------------------------


def regular_price_of(product: Product, variant: ProductVariant | None) -> int:
    """The price a fixed campaign price must undercut: the option's, or the product's cheapest option's."""
    if variant is not None:
        return variant.price
    cheapest = ProductVariant.objects.filter(product=product, is_active=True).aggregate(m=Min("price"))["m"]
    return cheapest or 0


def item_terms_check(
    *, campaign: Campaign, product: Product, variant: ProductVariant | None, terms: ItemTerms,
    section: CampaignSection | None = None, exclude_item_id: int | None = None, now=None,
    by_operator: bool = False,
) -> None:
    """Raise ApplicationRefused (with the form field) if these terms cannot go into the campaign.

    Forms call it to show the error next to the field; the services call it again under lock.
    Operators may fill a campaign that is not published yet; vendors apply to published ones.
    """
    now = now or timezone.now()
    if not by_operator and not campaign.is_published:
        raise ApplicationRefused(_("공개된 기획전에만 참여할 수 있습니다."), "campaign")
    if campaign.ends_at <= now:
        raise ApplicationRefused(_("이미 끝난 기획전입니다."), "campaign")
    if section is not None and section.campaign_id != campaign.pk:
        raise ApplicationRefused(_("이 기획전의 구역이 아닙니다."), "section")
    if variant is not None and (variant.product_id != product.pk or not variant.is_active):
        raise ApplicationRefused(_("이 상품의 판매 중인 옵션을 골라 주세요."), "variant")
    price, percent = terms.campaign_price, terms.percent_off
    if price is None and percent is None:
        raise ApplicationRefused(_("기획전 가격이나 할인율 중 하나를 입력해 주세요."), "campaign_price")
    if price is not None and percent is not None:
        raise ApplicationRefused(_("기획전 가격과 할인율 중 하나만 입력해 주세요."), "percent_off")
    if percent is not None and not 1 <= percent <= MAX_PERCENT_OFF:
        raise ApplicationRefused(_("할인율은 1~%(max)s%% 사이로 입력해 주세요.") % {"max": MAX_PERCENT_OFF}, "percent_off")
    if price is not None:
        regular = regular_price_of(product, variant)
        if price < 1:
            raise ApplicationRefused(_("기획전 가격은 1원 이상이어야 합니다."), "campaign_price")
        if price >= regular:
            message = _("기획전 가격은 정상가(%(regular)s)보다 낮아야 합니다.") % {"regular": won(regular)}
            if variant is None:
                message += " " + _("옵션마다 가격이 다르면 옵션을 고르거나 할인율로 신청해 주세요.")
            raise ApplicationRefused(message, "campaign_price")
    if terms.stock_cap is not None and terms.stock_cap < 1:
        raise ApplicationRefused(_("한정 수량은 1개 이상으로 입력해 주세요."), "stock_cap")
    if terms.per_customer_limit is not None and terms.per_customer_limit < 1:
        raise ApplicationRefused(_("1인 구매 한도는 1개 이상으로 입력해 주세요."), "per_customer_limit")
    same = CampaignItem.objects.filter(campaign=campaign, product=product, status__in=ACTIVE_STATUSES)
    if exclude_item_id:
        same = same.exclude(pk=exclude_item_id)
    if variant is not None:
        # A whole-product item covers every option; two different options may both take part.
        same = same.filter(Q(variant__isnull=True) | Q(variant=variant))
    clash = same.first()
    if clash is not None:
        raise ApplicationRefused(
            _("이 상품은 이미 이 기획전에 들어 있습니다 (%(what)s, %(status)s). 먼저 신청을 철회해 주세요.")
            % {"what": clash.variant.name if clash.variant_id else _("상품 전체"), "status": clash.get_status_display()},
            "product",
        )


def _load(*, campaign_id, product_id, variant_id, section_id):
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise ApplicationRefused(_("기획전을 찾을 수 없습니다."), "campaign")
    # Locking the product serialises applications for it, so the duplicate check holds.
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise ApplicationRefused(_("상품을 찾을 수 없습니다."), "product")
    variant = None
    if variant_id:
        variant = ProductVariant.objects.filter(pk=variant_id).first()
        if variant is None:
            raise ApplicationRefused(_("옵션을 찾을 수 없습니다."), "variant")
    section = None
    if section_id:
        section = CampaignSection.objects.filter(pk=section_id).first()
        if section is None:
            raise ApplicationRefused(_("구역을 찾을 수 없습니다."), "section")
    return campaign, product, variant, section


@transaction.atomic
def item_apply(
    *, actor, vendor_id: int, campaign_id: int, product_id: int, variant_id: int | None = None,
    campaign_price: int | None = None, percent_off: int | None = None, stock_cap: int | None = None,
    per_customer_limit: int | None = None, section_id: int | None = None,
) -> CampaignItem:
    """A vendor member applies one of its own products on sale (or one option) to a campaign."""
    if not (actor and actor.is_authenticated and (actor.is_staff or user_is_vendor_member(actor, vendor_id))):
        raise NotAllowed(_("이 기업의 이름으로 신청할 권한이 없습니다."))
    campaign, product, variant, section = _load(
        campaign_id=campaign_id, product_id=product_id, variant_id=variant_id, section_id=section_id,
    )
    if product.vendor_id != vendor_id:
        raise ApplicationRefused(_("다른 기업의 상품은 신청할 수 없습니다."), "product")
    if not Product.objects.on_sale().filter(pk=product.pk).exists():
        raise ApplicationRefused(_("판매 중인 상품만 신청할 수 있습니다."), "product")
    if not campaign.accepts_applications:
        raise ApplicationRefused(_("이 기획전은 참여 신청을 받지 않습니다."), "campaign")
    terms = ItemTerms(campaign_price, percent_off, stock_cap, per_customer_limit)
    item_terms_check(campaign=campaign, product=product, variant=variant, terms=terms, section=section)
    item = CampaignItem.objects.create(
        campaign=campaign, product=product, variant=variant, vendor_id=vendor_id, section=section,
        campaign_price=campaign_price, percent_off=percent_off, stock_cap=stock_cap,
        per_customer_limit=per_customer_limit, status=S.APPLIED, applied_by=actor,
    )
    CampaignItemEvent.objects.create(item=item, actor=actor, from_status="", to_status=S.APPLIED)
    return item


@transaction.atomic
def item_add(
    *, actor, campaign_id: int, product_id: int, variant_id: int | None = None, campaign_price: int | None = None,
    percent_off: int | None = None, stock_cap: int | None = None, per_customer_limit: int | None = None,
    section_id: int | None = None, sort_order: int = 0,
) -> CampaignItem:
    """The operator puts a product into a campaign directly: approved at once, no application."""
    if not (actor and actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 기획전 상품을 바로 넣을 수 있습니다."))
    campaign, product, variant, section = _load(
        campaign_id=campaign_id, product_id=product_id, variant_id=variant_id, section_id=section_id,
    )
    terms = ItemTerms(campaign_price, percent_off, stock_cap, per_customer_limit)
    item_terms_check(campaign=campaign, product=product, variant=variant, terms=terms, section=section,
                     by_operator=True)
    now = timezone.now()
    item = CampaignItem.objects.create(
        campaign=campaign, product=product, variant=variant, vendor_id=product.vendor_id, section=section,
        campaign_price=campaign_price, percent_off=percent_off, stock_cap=stock_cap,
        per_customer_limit=per_customer_limit, sort_order=sort_order, status=S.APPROVED,
        applied_by=actor, decided_by=actor, decided_at=now,
    )
    CampaignItemEvent.objects.create(item=item, actor=actor, from_status="", to_status=S.APPROVED)
    return item


@transaction.atomic
def item_decide(*, item_id: int, actor, approve: bool, reason: str = "") -> CampaignItem:
    """The operator approves or declines an application; the vendor is told once, after commit."""
    if not (actor and actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 승인하거나 반려할 수 있습니다."))
    item = CampaignItem.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=item_id)
    reason = (reason or "").strip()
    if approve:
        if item.status == S.APPLIED and item.campaign.ends_at <= timezone.now():
            raise CampaignError(_("이미 끝난 기획전의 신청은 승인할 수 없습니다."))
        to = S.APPROVED
    else:
        if not reason:
            raise ApplicationRefused(_("반려 사유를 입력해 주세요."), "reason")
        to = S.DECLINED
        item.decline_reason = reason
    item.decided_by, item.decided_at = actor, timezone.now()
    event = _transition(item, to, actor=actor, reason=reason)
    _notify_after_commit(event)
    return item


@transaction.atomic
def item_withdraw(*, item_id: int, actor, reason: str = "") -> CampaignItem:
    """Take an item out: the vendor before approval, the operator at any time before it is final."""
    item = CampaignItem.objects.select_for_update().get(pk=item_id)
    event = _transition(item, S.WITHDRAWN, actor=actor, reason=(reason or "").strip())
    if _role(actor, item) == OPERATOR:
        _notify_after_commit(event)
    return item


def item_event_notify(*, event_id: int) -> int:
    """Tell the vendor what the operator did with its application (once per event)."""
    with transaction.atomic():
        event = (
            CampaignItemEvent.objects.select_for_update(of=("self",))
            .select_related("item__campaign", "item__product", "item__vendor", "item__variant")
            .get(pk=event_id)
        )
        if event.notified_at:
            return 0
        item = event.item
        names = {"campaign": item.campaign.title, "product": item.product.name}
        if event.to_status == S.APPROVED:
            title = _("기획전 참여가 승인되었습니다")
            body = _("%(campaign)s에 신청한 %(product)s이(가) 승인되었습니다. 기획전이 시작되면 기획전 가격으로 판매됩니다.") % names
        elif event.to_status == S.DECLINED:
            title = _("기획전 참여 신청이 반려되었습니다")
            body = _("%(campaign)s에 신청한 %(product)s이(가) 반려되었습니다.") % names
        elif event.to_status == S.WITHDRAWN:
            title = _("기획전 상품이 빠졌습니다")
            body = _("운영자가 %(campaign)s에서 %(product)s을(를) 뺐습니다.") % names
        else:
            return 0
        if event.reason:
            body += "\n" + _("사유: %(reason)s") % {"reason": event.reason}
        sent = vendor_notify(
            item.vendor, title=title, body=body,
            url=reverse("partner:campaigns_campaignapplication_change", args=[item.pk]),
            key=f"campaign-item-event:{event.pk}",
        )
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return sent


# --- visits ----------------------------------------------------------------------------------


def campaign_visit_record(*, campaign_id: int, day: date | None = None) -> None:
    """Count one page view for the day: an UPDATE, or the day's first row (a racing insert retries)."""
    day = day or timezone.localdate()
    rows = CampaignVisit.objects.filter(campaign_id=campaign_id, day=day)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            CampaignVisit.objects.create(campaign_id=campaign_id, day=day, count=1)
    except IntegrityError:
        rows.update(count=F("count") + 1)
