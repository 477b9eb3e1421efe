"""The needs board (우리 이런 제품 필요해요): agencies post what they need first.

A buyer posts a need; the vendors selling in its category hear of it once (a Celery task
after commit). Vendors answer with a proposal (message, price idea, their own products);
the buyer turns a proposal into a quote request in one click, which marks the need
fulfilled. A daily beat task closes the needs whose deadline has passed.
"""
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category, Product
from ddasum import jobs
from ddasum.transitions import StateMachine
from ddasum.uploads import CleanUpload, upload_clean
from vendors.models import Vendor, VendorStatus
from vendors.selectors import user_is_vendor_member

from ..exceptions import InvalidTransition, NotAllowed, NotVerified, ProcurementError
from ..models import Need, NeedAttachment, NeedEvent, NeedProposal, NeedStatus, QuoteRequest
from ..selectors.access import user_is_agency_member
from ..selectors.quotes import quotable_variants
from .quotes import quote_request_create

NEED_ATTACHMENTS_MAX = 5
# Days the vendor gets to answer a quote request made from a proposal.
PROPOSAL_REQUEST_REPLY_DAYS = getattr(settings, "PROCUREMENT_PROPOSAL_REPLY_DAYS", 7)

N = NeedStatus
NEED_TRANSITIONS = {
    N.OPEN: frozenset({N.FULFILLED, N.CLOSED, N.CANCELLED}),
    # A closed need's proposals can still become a quote request.
    N.CLOSED: frozenset({N.FULFILLED}),
    N.FULFILLED: frozenset(),
    N.CANCELLED: frozenset(),
}
NEED_MACHINE = StateMachine(
    transitions=NEED_TRANSITIONS, choices=NeedStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태의 게시글은 '%(to)s'(으)로 바꿀 수 없습니다."),
    stamp_every=("closed_at",), event_model=NeedEvent, event_fk="need",
)


def _need_transition(need: Need, to: str, *, actor=None, reason: str = "") -> NeedEvent:
    """The one place a need's status changes."""
    return NEED_MACHINE.move(need, to, actor=actor, reason=reason)


def _clean(upload) -> CleanUpload:
    if isinstance(upload, CleanUpload):
        return upload
    try:
        return upload_clean(upload)
    except ValidationError as exc:
        raise ProcurementError(exc.messages[0]) from None


def need_vendors(need: Need):
    """Vendors selling in the need's category (or one of its sub-categories) now."""
    products = Product.objects.on_sale().filter(Q(category_id=need.category_id) | Q(category__parent_id=need.category_id))
    return Vendor.objects.filter(pk__in=products.values("vendor_id")).order_by("pk")


# --- posting and closing -------------------------------------------------------------------------


def need_create(*, user, agency_id: int, data: dict, attachments=()) -> Need:
    """Post a need for the agency; the vendors of its category are told after commit."""
    if not user_is_agency_member(user, agency_id):
        raise NotVerified(_("확인된 기관 구성원만 필요 제품을 올릴 수 있습니다."))
    category = data.get("category")
    if not isinstance(category, Category):
        category = Category.objects.filter(pk=category, is_active=True).first() if category else None
    if category is None:
        raise ProcurementError(_("분류를 골라 주세요."))
    title, description = (data.get("title") or "").strip(), (data.get("description") or "").strip()
    if not title or not description:
        raise ProcurementError(_("제목과 설명을 입력해 주세요."))
    deadline = data.get("deadline")
    if deadline is None or deadline <= timezone.localdate():
        raise ProcurementError(_("제안 마감일은 내일 이후로 정해 주세요."))
    attachments = list(attachments or ())
    if len(attachments) > NEED_ATTACHMENTS_MAX:
        raise ProcurementError(_("첨부 파일은 %(n)s개까지 올릴 수 있습니다.") % {"n": NEED_ATTACHMENTS_MAX})
    cleaned = [_clean(a) for a in attachments]
    stored = []
    try:
        with transaction.atomic():
            need = Need.objects.create(
                agency_id=agency_id, created_by=user, category=category, title=title[:120], description=description,
                quantity=(data.get("quantity") or "").strip()[:50], budget=data.get("budget") or None,
                deadline=deadline,
            )
            for clean in cleaned:
                attachment = NeedAttachment(need=need, original_name=clean.original_name,
                                            content_type=clean.content_type, size=clean.size, uploaded_by=user)
                attachment.file.save(clean.content.name, clean.content, save=False)
                stored.append(attachment.file)
                attachment.save()
            jobs.after_commit("procurement.need_posted_notify_task", need_id=need.pk)
    except Exception:
        for f in stored:  # nothing left on disk without its row
            f.storage.delete(f.name)
        raise
    return need


@transaction.atomic
def need_close(*, need_id: int, actor, fulfilled: bool = False) -> Need:
    """The agency (or an operator) closes its need, as fulfilled or not."""
    need = Need.objects.select_for_update().get(pk=need_id)
    if not (actor and actor.is_authenticated and (actor.is_staff or user_is_agency_member(actor, need.agency_id))):
        raise NotAllowed(_("게시한 기관의 구성원만 마감할 수 있습니다."))
    _need_transition(need, N.FULFILLED if fulfilled else N.CLOSED, actor=actor)
    return need


@transaction.atomic
def needs_close_due(*, today=None) -> int:
    """Close the open needs whose deadline has passed (beat task), each with its event row; safe to repeat."""
    today = today or timezone.localdate()
    now = timezone.now()
    due = list(Need.objects.select_for_update().filter(status=N.OPEN, deadline__lt=today).order_by("pk")
               .values_list("pk", flat=True))
    Need.objects.filter(pk__in=due).update(status=N.CLOSED, closed_at=now)
    NeedEvent.objects.bulk_create(
        [NeedEvent(need_id=pk, from_status=N.OPEN, to_status=N.CLOSED, created_at=now) for pk in due]
    )
    return len(due)


# --- proposals -------------------------------------------------------------------------------------


@transaction.atomic
def need_propose(*, need_id: int, actor, vendor_id: int, message: str, price_idea=None,
                 product_ids=()) -> NeedProposal:
    """A vendor's proposal for a need; proposing again revises it (until the buyer asked for a quote)."""
    need = Need.objects.select_for_update().get(pk=need_id)
    vendor = Vendor.objects.filter(pk=vendor_id, status=VendorStatus.APPROVED).first()
    if vendor is None or not user_is_vendor_member(actor, vendor.pk):
        raise NotAllowed(_("입점 승인된 기업의 구성원만 제안할 수 있습니다."))
    if need.status != N.OPEN or need.deadline < timezone.localdate():
        raise InvalidTransition(_("제안을 받지 않는 게시글입니다 (%(status)s).") % {"status": need.get_status_display()})
    message = (message or "").strip()
    if not message:
        raise ProcurementError(_("제안 내용을 입력해 주세요."))
    product_ids = sorted({int(pk) for pk in product_ids or ()})
    products = list(Product.objects.on_sale().filter(vendor=vendor, pk__in=product_ids))
    if len(products) != len(product_ids):
        raise ProcurementError(_("우리 기업의 판매 중인 상품만 제안할 수 있습니다."))
    proposal = NeedProposal.objects.select_for_update().filter(need=need, vendor=vendor).first()
    if proposal and proposal.quote_request_id:
        raise InvalidTransition(_("이미 견적요청으로 이어진 제안은 고칠 수 없습니다."))
    created = proposal is None
    if created:
        proposal = NeedProposal(need=need, vendor=vendor)
    proposal.created_by, proposal.message, proposal.price_idea = actor, message, price_idea or None
    proposal.save()
    proposal.products.set(products)
    key = f"need-proposal:{proposal.pk}:{timezone.now():%Y%m%d%H%M%S%f}"
    jobs.after_commit("procurement.proposal_notify_task", proposal_id=proposal.pk, key=key, revised=not created)
    return proposal


def _quantity_of(text: str) -> int:
    """The number a need's free-text quantity starts with ("200개" → 200), at least 1."""
    match = re.search(r"\d[\d,]*", text or "")
    return min(max(int(match.group().replace(",", "")), 1), 999_999) if match else 1


def proposal_items(proposal: NeedProposal) -> list[dict]:
    """The quote request's items: the proposed products, or one free-text item from the need."""
    need = proposal.need
    quantity = _quantity_of(need.quantity)
    products = list(proposal.products.order_by("pk").prefetch_related("variants"))
    # A catalog variant only where a quote may name one; otherwise the product is a free-text item.
    quotable = set(quotable_variants().filter(product__in=products).values_list("pk", flat=True))
    items = []
    for product in products:
        variant = next((v for v in product.variants.all() if v.pk in quotable), None)
        items.append({
            "vendor_id": proposal.vendor_id, "variant_id": variant.pk if variant else None, "name": product.name,
            "spec": variant.name if variant else "", "unit": "개", "quantity": quantity,
            "note": need.quantity[:200],
        })
    if not items:
        items.append({"vendor_id": proposal.vendor_id, "variant_id": None, "name": need.title[:200], "spec": "",
                      "unit": "식", "quantity": quantity, "note": need.quantity[:200]})
    return items


@transaction.atomic
def proposal_to_request(*, proposal_id: int, actor) -> QuoteRequest:
    """Turn a proposal into a quote request to its vendor (one click); the need is fulfilled."""
    proposal = NeedProposal.objects.select_for_update().select_related("need__agency").get(pk=proposal_id)
    need = proposal.need
    if not user_is_agency_member(actor, need.agency_id):
        raise NotAllowed(_("게시한 기관의 구성원만 견적을 요청할 수 있습니다."))
    if proposal.quote_request_id:
        return proposal.quote_request
    if need.status == N.CANCELLED:
        raise InvalidTransition(_("취소된 게시글의 제안입니다."))
    message = "\n".join(filter(None, [
        _("필요 제품 게시글 '%(title)s'에 대한 제안으로 견적을 요청합니다.") % {"title": need.title},
        need.description,
        _("제안 내용: %(message)s") % {"message": proposal.message},
        _("예상 금액: %(amount)s원") % {"amount": f"{proposal.price_idea:,}"} if proposal.price_idea else "",
    ]))
    request = quote_request_create(
        user=actor, agency_id=need.agency_id, title=need.title[:120], delivery_place=need.agency.full_address[:200],
        reply_by=timezone.localdate() + timedelta(days=PROPOSAL_REQUEST_REPLY_DAYS),
        budget_note=_("예산 %(amount)s원") % {"amount": f"{need.budget:,}"} if need.budget else "",
        message=message, items=proposal_items(proposal), need_id=need.pk,
    )
    proposal.quote_request = request
    proposal.save(update_fields=["quote_request"])
    if need.status != N.FULFILLED:
        _need_transition(need, N.FULFILLED, actor=actor)
    return request
