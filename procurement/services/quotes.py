"""The quote basket, quote requests (split per vendor), vendor answers and their versions, declines,
the 1:1 message thread of a vendor quote, and the reminder for requests nobody answered.

Only an active member of a verified agency puts things in the basket or asks for quotes
(NotVerified otherwise). A request is one QuoteRequest with one VendorQuote per vendor, made
in one transaction with its numbers (RQ-YYYYMMDD-NNNNN, QT-YYYYMMDD-NNNNN). A vendor's answer
is a QuoteVersion; a revision adds the next version and keeps the earlier ones. Notices go
out after commit through Celery tasks (procurement.tasks; their bodies are in
services.notifications) keyed so that a retried task sends nothing twice.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import ProductVariant, TaxType
from ddasum import jobs
from ddasum.numbering import daily_number
from ddasum.transitions import StateMachine
from ddasum.uploads import JPEG, PDF, PNG, CleanUpload, upload_clean
from vendors.models import Vendor, WebhookEvent
from vendors.selectors import user_is_vendor_member
from vendors.services import vendor_notify
from vendors.webhooks import webhook_event

from ..amounts import quote_totals
from ..exceptions import InvalidTransition, NotAllowed, NotVerified, ProcurementError
from ..models import (
    AgencyMembership,
    MembershipStatus,
    Need,
    QuoteBasketLine,
    QuoteEvent,
    QuoteLine,
    QuoteMessage,
    QuoteRequest,
    QuoteRequestAttachment,
    QuoteRequestEvent,
    QuoteRequestItem,
    QuoteStatus,
    QuoteVersion,
    RequestKind,
    RequestStatus,
    VendorQuote,
)
from ..selectors.access import active_memberships, user_is_agency_member
from ..selectors.quotes import basket_lines, quotable_variants

logger = logging.getLogger(__name__)

Q, R = QuoteStatus, RequestStatus
Side = QuoteMessage.Side

BASKET_LINES_MAX = 50
QUANTITY_MAX = 999_999
UNIT_PRICE_MAX = 100_000_000
REQUEST_ITEMS_MAX = 100
REQUEST_ATTACHMENTS_MAX = 5
MESSAGE_MAX = 4000
ATTACHMENT_KINDS = (PDF, JPEG, PNG)
REQUEST_NUMBER_PREFIX, QUOTE_NUMBER_PREFIX = "RQ-", "QT-"
# The validity the answer form proposes.
DEFAULT_VALIDITY_DAYS = 30

# The one transition table of a vendor quote. accepted / not_selected are set by
# procurement.services.purchases (quote_accept); declined may still be answered while the
# request is open (the vendor found a way after all).
QUOTE_TRANSITIONS: dict[str, frozenset] = {
    Q.REQUESTED: frozenset({Q.ANSWERED, Q.DECLINED, Q.NOT_SELECTED, Q.CANCELLED}),
    Q.ANSWERED: frozenset({Q.ANSWERED, Q.DECLINED, Q.ACCEPTED, Q.NOT_SELECTED, Q.CANCELLED}),
    Q.DECLINED: frozenset({Q.ANSWERED, Q.NOT_SELECTED}),
    Q.ACCEPTED: frozenset(),
    Q.NOT_SELECTED: frozenset(),
    Q.CANCELLED: frozenset(),
}
REQUEST_TRANSITIONS: dict[str, frozenset] = {
    R.OPEN: frozenset({R.ACCEPTED, R.CLOSED, R.CANCELLED}),
    R.ACCEPTED: frozenset(),
    R.CLOSED: frozenset(),
    R.CANCELLED: frozenset(),
}
QUOTE_MACHINE = StateMachine(
    transitions=QUOTE_TRANSITIONS, choices=QuoteStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태의 견적은 '%(to)s'(으)로 바꿀 수 없습니다."),
    stamps={Q.ANSWERED: "answered_at"}, event_model=QuoteEvent, event_fk="quote",
)
REQUEST_MACHINE = StateMachine(
    transitions=REQUEST_TRANSITIONS, choices=RequestStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태의 견적요청은 '%(to)s'(으)로 바꿀 수 없습니다."),
    event_model=QuoteRequestEvent, event_fk="request",
)
# A quote the agency may still be waiting for (the vendor may answer or revise it).
ANSWERABLE = frozenset({Q.REQUESTED, Q.ANSWERED, Q.DECLINED})


# --- who may -------------------------------------------------------------------------------


def _require_verified(user) -> None:
    """An active member of some verified agency (the basket)."""
    if not (user and user.is_authenticated and user.is_active):
        raise NotAllowed(_("로그인해 주세요."))
    if not active_memberships(user).exists():
        raise NotVerified(_not_verified_message(user))


def _not_verified_message(user) -> str:
    if AgencyMembership.objects.filter(user=user).exclude(status=MembershipStatus.REJECTED).exists():
        return _("기관 구성원 확인이 끝나면 견적을 요청할 수 있습니다. 확인될 때까지 상품은 둘러볼 수 있습니다.")
    return _("공공기관 구매 담당자로 가입하고 확인을 받은 뒤 견적을 요청할 수 있습니다.")


def _require_buyer(user, agency_id: int) -> None:
    if not (user and user.is_authenticated and user.is_active):
        raise NotAllowed(_("로그인해 주세요."))
    if not active_memberships(user).filter(agency_id=agency_id).exists():
        raise NotVerified(_not_verified_message(user))


def _require_vendor_member(user, quote: VendorQuote) -> None:
    if not user_is_vendor_member(user, quote.vendor_id):
        raise NotAllowed(_("이 견적의 입점기업 구성원만 처리할 수 있습니다."))


def quote_sides(user, quote: VendorQuote) -> set:
    """The sides of the thread `user` speaks for: the agency, the vendor (rarely both), or none."""
    sides = set()
    if user_is_agency_member(user, quote.request.agency_id):
        sides.add(Side.AGENCY)
    if user_is_vendor_member(user, quote.vendor_id):
        sides.add(Side.VENDOR)
    return sides


def quote_transition(quote: VendorQuote, to: str, *, actor=None, reason: str = "") -> QuoteEvent:
    """Check the table, save the status with its timestamp and write the event row (views never assign status).

    The one place a vendor quote's status changes; quote_accept (services.purchases) uses it too.
    """
    QUOTE_MACHINE.check(quote, to)
    fields = []
    if to == Q.ANSWERED:
        quote.decline_reason = ""
        fields += ["decline_reason", "current_version"]
    elif to == Q.DECLINED:
        fields.append("decline_reason")
    return QUOTE_MACHINE.move(quote, to, actor=actor, reason=reason, fields=fields)


def request_transition(request: QuoteRequest, to: str, *, actor=None, reason: str = "") -> QuoteRequestEvent:
    """The one place a quote request's status changes (quote_accept in services.purchases uses it too)."""
    return REQUEST_MACHINE.move(request, to, actor=actor, reason=reason)


def _clean_file(upload) -> CleanUpload:
    if isinstance(upload, CleanUpload):
        return upload
    try:
        return upload_clean(upload, allowed=ATTACHMENT_KINDS)
    except ValidationError as exc:
        raise ProcurementError(" ".join(exc.messages)) from exc


def _int(value, *, label: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ProcurementError(_("%(label)s은(는) 숫자로 입력해 주세요.") % {"label": label}) from None
    if number < low or number > high:
        raise ProcurementError(_("%(label)s을(를) 확인해 주세요 (%(low)s~%(high)s).")
                               % {"label": label, "low": f"{low:,}", "high": f"{high:,}"})
    return number


# --- the basket ------------------------------------------------------------------------------


@transaction.atomic
def basket_line_set(*, user, variant_id: int, quantity: int, add: bool = False) -> QuoteBasketLine | None:
    """Put `quantity` of a variant in the user's quote basket (or add to it); 0 removes the line."""
    if quantity < 0 or quantity > QUANTITY_MAX:
        raise ProcurementError(_("수량을 확인해 주세요."))
    if not (user and user.is_authenticated):
        raise NotAllowed(_("로그인해 주세요."))
    line = QuoteBasketLine.objects.select_for_update().filter(user=user, variant_id=variant_id).first()
    new_quantity = (line.quantity if line and add else 0) + quantity
    if new_quantity == 0:
        if line:
            line.delete()
        return None
    _require_verified(user)
    if new_quantity > QUANTITY_MAX:
        raise ProcurementError(_("수량을 확인해 주세요."))
    if not quotable_variants().filter(pk=variant_id).exists():
        raise ProcurementError(_("공공구매 견적을 받을 수 없는 상품입니다. 판매 중인 공공구매 가능 상품만 담을 수 있습니다."))
    if line is None:
        if QuoteBasketLine.objects.filter(user=user).count() >= BASKET_LINES_MAX:
            raise ProcurementError(_("견적 바구니에는 %(n)s종류까지 담을 수 있습니다.") % {"n": BASKET_LINES_MAX})
        try:
            with transaction.atomic():
                return QuoteBasketLine.objects.create(user=user, variant_id=variant_id, quantity=new_quantity)
        except IntegrityError:
            # A double click made the line first: add to (or set) that one.
            line = QuoteBasketLine.objects.select_for_update().get(user=user, variant_id=variant_id)
            new_quantity = min((line.quantity if add else 0) + quantity, QUANTITY_MAX)
    line.quantity = new_quantity
    line.save(update_fields=["quantity"])
    return line


def _basket_rows(user) -> list[dict]:
    """The quotable basket lines as request items (locked), removed from the basket by the caller."""
    locked = list(QuoteBasketLine.objects.select_for_update().filter(user=user).order_by("pk")
                  .values_list("pk", flat=True))
    rows = []
    for line in basket_lines(user):
        if line.problem or line.pk not in locked:
            continue
        rows.append({
            "basket_line_id": line.pk, "vendor_id": line.vendor.pk, "variant_id": line.variant_id,
            "name": line.product.name, "spec": "" if line.variant.name == "기본" else line.variant.name,
            "unit": line.product.unit[:20] if line.product.unit else "개", "quantity": line.quantity, "note": "",
        })
    return rows


# --- quote requests ------------------------------------------------------------------------


def _request_items(rows: list[dict]) -> list[QuoteRequestItem]:
    """Check each row (vendor selling, variant its own and quotable) and make the unsaved items."""
    variant_ids = {int(r["variant_id"]) for r in rows if r.get("variant_id")}
    variants = {v.pk: v for v in quotable_variants().filter(pk__in=variant_ids).select_related("product")}
    vendor_ids = {int(r["vendor_id"]) for r in rows if r.get("vendor_id")} | {v.product.vendor_id for v in variants.values()}
    selling = set(Vendor.objects.selling().filter(pk__in=vendor_ids).values_list("pk", flat=True))
    items = []
    for n, row in enumerate(rows, 1):
        variant = None
        if row.get("variant_id"):
            variant = variants.get(int(row["variant_id"]))
            if variant is None:
                raise ProcurementError(_("%(n)s번째 항목: 공공구매 견적을 받을 수 없는 상품입니다.") % {"n": n})
        vendor_id = int(row["vendor_id"]) if row.get("vendor_id") else (variant.product.vendor_id if variant else None)
        if vendor_id is None or vendor_id not in selling:
            raise ProcurementError(_("%(n)s번째 항목: 지금 견적을 요청할 수 없는 기업입니다.") % {"n": n})
        if variant is not None and variant.product.vendor_id != vendor_id:
            raise ProcurementError(_("%(n)s번째 항목: 그 기업의 상품이 아닙니다.") % {"n": n})
        name = (row.get("name") or (variant.product.name if variant else "")).strip()
        if not name:
            raise ProcurementError(_("%(n)s번째 항목: 품명을 입력해 주세요.") % {"n": n})
        quantity = _int(row.get("quantity"), label=_("수량"), low=1, high=QUANTITY_MAX)
        items.append(QuoteRequestItem(
            vendor_id=vendor_id, variant=variant, name=name[:200], spec=(row.get("spec") or "").strip()[:200],
            unit=(row.get("unit") or "").strip()[:20] or "개", quantity=quantity,
            note=(row.get("note") or "").strip()[:200],
        ))
    return items


@transaction.atomic
def quote_request_create(*, user, agency_id: int, title: str, delivery_place: str, reply_by,
                         wanted_delivery_date=None, budget_note: str = "", message: str = "",
                         items: list[dict] | None = None, from_basket: bool = False, attachments=(),
                         need_id: int | None = None) -> QuoteRequest:
    """Ask vendors for quotes: one request, one VendorQuote per vendor; each vendor is told after commit."""
    _require_buyer(user, agency_id)
    today = timezone.localdate()
    title, delivery_place = (title or "").strip(), (delivery_place or "").strip()
    if not title:
        raise ProcurementError(_("제목을 입력해 주세요."))
    if not delivery_place:
        raise ProcurementError(_("납품 장소를 입력해 주세요."))
    if reply_by is None or reply_by <= today:
        raise ProcurementError(_("회신 기한은 내일 이후의 날짜로 정해 주세요."))
    if wanted_delivery_date is not None and wanted_delivery_date < today:
        raise ProcurementError(_("희망 납기일이 이미 지났습니다. 날짜를 확인해 주세요."))
    attachments = list(attachments or ())
    if len(attachments) > REQUEST_ATTACHMENTS_MAX:
        raise ProcurementError(_("첨부 파일은 %(n)s개까지 올릴 수 있습니다.") % {"n": REQUEST_ATTACHMENTS_MAX})
    rows = [dict(r) for r in (items or [])]
    basket_ids = []
    if from_basket:
        basket_rows = _basket_rows(user)
        basket_ids = [r.pop("basket_line_id") for r in basket_rows]
        rows += basket_rows
    if not rows:
        raise ProcurementError(_("견적을 요청할 상품이 없습니다. 견적 바구니를 확인해 주세요.") if from_basket
                               else _("견적을 요청할 품목을 하나 이상 입력해 주세요."))
    if len(rows) > REQUEST_ITEMS_MAX:
        raise ProcurementError(_("한 번에 %(n)s개 품목까지 요청할 수 있습니다.") % {"n": REQUEST_ITEMS_MAX})
    request_items = _request_items(rows)
    if need_id is not None and not Need.objects.filter(pk=need_id, agency_id=agency_id).exists():
        raise ProcurementError(_("이 기관의 필요 제품 게시글이 아닙니다."))
    cleaned = [_clean_file(a) for a in attachments]

    request = QuoteRequest.objects.create(
        number=daily_number("procurement-request", today, prefix=REQUEST_NUMBER_PREFIX),
        agency_id=agency_id, created_by=user,
        kind=RequestKind.BASKET if all(i.variant_id for i in request_items) else RequestKind.CUSTOM,
        title=title[:120], delivery_place=delivery_place[:200], wanted_delivery_date=wanted_delivery_date,
        budget_note=(budget_note or "").strip()[:200], reply_by=reply_by, message=(message or "").strip(),
        need_id=need_id,
    )
    for item in request_items:
        item.request = request
    QuoteRequestItem.objects.bulk_create(request_items)
    for vendor_id in sorted({i.vendor_id for i in request_items}):
        quote = VendorQuote.objects.create(
            request=request, vendor_id=vendor_id,
            number=daily_number("procurement-quote", today, prefix=QUOTE_NUMBER_PREFIX),
        )
        # The vendor's own systems hear of it too (thin: numbers and the deadline; details via the API).
        webhook_event(vendor_id=vendor_id, event=WebhookEvent.QUOTE_REQUESTED, subject=f"quote:{quote.pk}", data={
            "quote": quote.number, "request": request.number, "title": request.title,
            "reply_by": request.reply_by, "agency": request.agency.name,
        })
    for clean in cleaned:
        QuoteRequestAttachment.objects.create(
            request=request, file=clean.content, original_name=clean.original_name,
            content_type=clean.content_type, size=clean.size, uploaded_by=user,
        )
    if basket_ids:
        QuoteBasketLine.objects.filter(pk__in=basket_ids, user=user).delete()
    jobs.after_commit("procurement.quote_request_notify_task", request_id=request.pk)
    return request


@transaction.atomic
def quote_request_cancel(*, request_id: int, actor) -> QuoteRequest:
    """The agency withdraws its request: open quotes are cancelled and their vendors told."""
    request = QuoteRequest.objects.select_for_update().get(pk=request_id)
    if not (actor and actor.is_authenticated and (actor.is_staff or user_is_agency_member(actor, request.agency_id))):
        raise NotAllowed(_("이 기관의 구성원만 견적요청을 취소할 수 있습니다."))
    request_transition(request, R.CANCELLED, actor=actor)
    for quote in request.quotes.select_for_update().filter(status__in=[Q.REQUESTED, Q.ANSWERED]).order_by("pk"):
        quote_transition(quote, Q.CANCELLED, actor=actor)
    jobs.after_commit("procurement.quote_request_cancelled_notify_task", request_id=request_id)
    return request


# --- vendor answers ------------------------------------------------------------------------


def quote_answer_initial(quote: VendorQuote) -> list[dict]:
    """The rows the answer form starts with: the current version's lines, else one per requested item
    with the catalog price (VAT included) and the product's tax type."""
    version = quote.current_version
    if version is not None:
        lines = list(version.lines.select_related("variant__product").order_by("id"))
        return [{
            "request_item_id": ln.request_item_id, "variant_id": ln.variant_id, "name": ln.name, "spec": ln.spec,
            "unit": ln.unit, "quantity": ln.quantity, "unit_price": ln.unit_price, "tax_type": ln.tax_type,
            "list_price": ln.variant.price if ln.variant else ln.list_price,
        } for ln in lines]
    items = quote.request.items.filter(vendor_id=quote.vendor_id).select_related("variant__product").order_by("id")
    rows = []
    for item in items:
        variant = item.variant
        rows.append({
            "request_item_id": item.pk, "variant_id": item.variant_id, "name": item.name, "spec": item.spec,
            "unit": item.unit, "quantity": item.quantity,
            "unit_price": variant.price if variant else None,
            "tax_type": variant.product.tax_type if variant else TaxType.TAXABLE,
            "list_price": variant.price if variant else None, "note": item.note,
        })
    return rows


def _quote_lines(quote: VendorQuote, lines: list[dict]) -> list[QuoteLine]:
    items = {i.pk: i for i in QuoteRequestItem.objects.filter(request_id=quote.request_id, vendor_id=quote.vendor_id)}
    wanted = {int(ln["variant_id"]) for ln in lines if ln.get("variant_id")} | {
        i.variant_id for i in items.values() if i.variant_id}
    variants = {v.pk: v for v in ProductVariant.objects.select_related("product")
                .filter(pk__in=wanted, product__vendor_id=quote.vendor_id)}
    built = []
    for n, line in enumerate(lines, 1):
        item = None
        if line.get("request_item_id"):
            item = items.get(int(line["request_item_id"]))
            if item is None:
                raise ProcurementError(_("%(n)s번째 줄: 이 견적요청에 없는 항목입니다.") % {"n": n})
        variant_id = line.get("variant_id") or (item.variant_id if item else None)
        variant = variants.get(int(variant_id)) if variant_id else None
        if line.get("variant_id") and variant is None:
            raise ProcurementError(_("%(n)s번째 줄: 이 기업의 상품이 아닙니다.") % {"n": n})
        name = (line.get("name") or (item.name if item else "")).strip()
        if not name:
            raise ProcurementError(_("%(n)s번째 줄: 품명을 입력해 주세요.") % {"n": n})
        quantity = _int(line.get("quantity"), label=_("수량"), low=1, high=QUANTITY_MAX)
        unit_price = _int(line.get("unit_price"), label=_("단가"), low=0, high=UNIT_PRICE_MAX)
        tax_type = line.get("tax_type") or (variant.product.tax_type if variant else TaxType.TAXABLE)
        if tax_type not in TaxType.values:
            raise ProcurementError(_("%(n)s번째 줄: 과세 구분을 확인해 주세요.") % {"n": n})
        built.append(QuoteLine(
            request_item=item, variant=variant, name=name[:200],
            spec=(line.get("spec") if line.get("spec") is not None else (item.spec if item else "")).strip()[:200],
            unit=(line.get("unit") or (item.unit if item else "") or "개").strip()[:20],
            quantity=quantity, list_price=variant.price if variant else None, unit_price=unit_price,
            amount=unit_price * quantity, tax_type=tax_type,
            category_id=variant.product.category_id if variant else None,
        ))
    return built


@transaction.atomic
def quote_submit(*, quote_id: int, actor, valid_until, delivery_terms: str = "", notes: str = "",
                 lines: list[dict]) -> QuoteVersion:
    """The vendor answers (or revises) its quote: a new version with its lines and totals."""
    quote = VendorQuote.objects.select_for_update().select_related("request").get(pk=quote_id)
    _require_vendor_member(actor, quote)
    if quote.request.status != R.OPEN:
        raise InvalidTransition(_("이 견적요청은 이미 마감(채택·취소)되어 견적을 낼 수 없습니다."))
    if not QUOTE_MACHINE.allows(quote.status, Q.ANSWERED):
        raise InvalidTransition(_("'%(status)s' 상태의 견적은 고칠 수 없습니다.") % {"status": quote.get_status_display()})
    if valid_until is None or valid_until < timezone.localdate():
        raise ProcurementError(_("유효기간은 오늘 이후의 날짜로 정해 주세요."))
    if not lines:
        raise ProcurementError(_("견적 품목을 하나 이상 입력해 주세요."))
    built = _quote_lines(quote, lines)
    totals = quote_totals(built)
    if totals.total <= 0:
        raise ProcurementError(_("견적 합계가 0원입니다. 단가를 확인해 주세요."))
    previous = quote.versions.aggregate(last=Max("version"))["last"] or 0
    version = QuoteVersion.objects.create(
        quote=quote, version=previous + 1, valid_until=valid_until,
        delivery_terms=(delivery_terms or "").strip()[:200], notes=(notes or "").strip(),
        taxable_supply=totals.taxable_supply, taxable_vat=totals.taxable_vat, exempt_amount=totals.exempt_amount,
        total=totals.total, prepared_by=actor,
    )
    for line in built:
        line.version = version
    QuoteLine.objects.bulk_create(built)
    quote.current_version = version
    quote_transition(quote, Q.ANSWERED, actor=actor, reason=_("견적서 %(n)s차") % {"n": version.version})
    jobs.after_commit("procurement.quote_pdf_task", version_id=version.pk)
    jobs.after_commit("procurement.quote_answered_notify_task", version_id=version.pk)
    return version


@transaction.atomic
def quote_decline(*, quote_id: int, actor, reason: str) -> VendorQuote:
    """The vendor cannot quote this request; the agency is told why."""
    quote = VendorQuote.objects.select_for_update().select_related("request").get(pk=quote_id)
    _require_vendor_member(actor, quote)
    reason = (reason or "").strip()
    if not reason:
        raise ProcurementError(_("견적을 낼 수 없는 사유를 적어 주세요."))
    if quote.request.status != R.OPEN:
        raise InvalidTransition(_("이 견적요청은 이미 마감(채택·취소)되었습니다."))
    quote.decline_reason = reason[:2000]
    quote_transition(quote, Q.DECLINED, actor=actor, reason=quote.decline_reason)
    stamp = int(timezone.now().timestamp() * 1000)  # names this decline: a later one is told again
    jobs.after_commit("procurement.quote_declined_notify_task", quote_id=quote_id, stamp=stamp)
    return quote


# --- messages --------------------------------------------------------------------------------


@transaction.atomic
def quote_message_post(*, quote_id: int, actor, body: str, attachment=None) -> QuoteMessage:
    """Add a message to the quote's 1:1 thread; the other side is told after commit."""
    quote = VendorQuote.objects.select_related("request").get(pk=quote_id)
    sides = quote_sides(actor, quote) if actor and actor.is_authenticated else set()
    if not sides:
        raise NotAllowed(_("이 견적의 기관 또는 입점기업 구성원만 메시지를 남길 수 있습니다."))
    body = (body or "").strip()
    if not body:
        raise ProcurementError(_("메시지 내용을 입력해 주세요."))
    if len(body) > MESSAGE_MAX:
        raise ProcurementError(_("메시지는 %(n)s자까지 쓸 수 있습니다.") % {"n": f"{MESSAGE_MAX:,}"})
    side = Side.AGENCY if Side.AGENCY in sides else Side.VENDOR
    message = QuoteMessage(quote=quote, sender=actor, side=side, body=body)
    if attachment:
        clean = _clean_file(attachment)
        message.attachment = clean.content
        message.attachment_name = clean.original_name
    message.save()
    VendorQuote.objects.filter(pk=quote.pk).update(updated_at=timezone.now())
    jobs.after_commit("procurement.quote_message_notify_task", message_id=message.pk)
    return message


def quote_messages_mark_read(*, quote_id: int, user) -> int:
    """Mark the other side's unread messages of the thread read by `user`'s side; how many."""
    quote = VendorQuote.objects.select_related("request").get(pk=quote_id)
    sides = quote_sides(user, quote)
    others = {Side.AGENCY, Side.VENDOR} - sides if sides else set()
    if not others:
        return 0
    return QuoteMessage.objects.filter(quote=quote, side__in=others, read_at__isnull=True).update(
        read_at=timezone.now())


# --- reminders -------------------------------------------------------------------------------


def quotes_remind_unanswered(*, days: int | None = None) -> int:
    """Remind vendors once of requests left unanswered for `days`, while the reply-by date has not passed."""
    days = settings.PROCUREMENT_REMIND_AFTER_DAYS if days is None else days
    now = timezone.now()
    due = (VendorQuote.objects.filter(
        status=Q.REQUESTED, created_at__lt=now - timedelta(days=days), reminded_at__isnull=True,
        request__status=R.OPEN, request__reply_by__gte=timezone.localdate(),
    ).select_related("request__agency", "vendor").order_by("pk"))
    reminded = 0
    for quote in due:
        request = quote.request
        body = "\n".join([
            _("%(agency)s의 견적요청에 아직 답하지 않으셨습니다.") % {"agency": request.agency.name},
            _("제목: %(title)s") % {"title": request.title},
            _("회신 기한: %(date)s") % {"date": request.reply_by.strftime("%Y-%m-%d")},
            _("견적을 내거나, 어렵다면 사유와 함께 '견적 불가'로 답해 주세요."),
        ])
        vendor_notify(quote.vendor, title=_("견적요청 회신 안내 %(number)s") % {"number": quote.number}, body=body,
                      url=reverse("procurement:quote_answer", args=[quote.number]),
                      key=f"quote-remind:{quote.pk}", owners_only=False)
        # Claimed after the keyed notice: a run that dies in between reminds nobody twice.
        reminded += VendorQuote.objects.filter(pk=quote.pk, reminded_at__isnull=True).update(reminded_at=now)
    logger.info("unanswered quote reminders: %s", reminded)
    return reminded
