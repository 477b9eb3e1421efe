"""Vendor-order fulfilment: preparing, shipping, delivery, completion, returns and notes.

Every status change goes through `orders.services.vendor_order_transition` (the table, the
timestamp, the event row) on a row locked with `select_for_update` in the same transaction;
notices leave after the commit. Vendors (their members) and operators prepare, ship, mark
delivered, decide returns and write notes; the buyer confirms the purchase and asks for a
return. A guest buyer's page checks the guest itself and passes `guest_ok=True`, as for
`vendor_order_cancel`.

Returns may be asked for while the vendor order is delivered, that is until it is confirmed,
by the buyer or automatically `ORDER_AUTO_COMPLETE_DAYS` after delivery. Return photos are
private files under `return-photos/<vendor_order_id>/`, named after the request's event so
that a second request after a refusal keeps its own photos; they are listed by prefix.
Refunded goods do not go back into stock: the vendor decides what can be sold again.
"""
import csv
import io
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ddasum.spreadsheets import CsvUnreadable, csv_decode, excel_csv
from ddasum.storage import private_storage
from ddasum.uploads import JPEG, PNG, WEBP, CleanUpload, upload_clean

from .exceptions import InvalidTransition, NotAllowed, OrderError
from .models import Carrier, StatusEvent, VendorOrder, VendorOrderStatus
from .services import vendor_member_may, vendor_order_transition

logger = logging.getLogger(__name__)

__all__ = ["vendor_orders_auto_complete_task"]

V = VendorOrderStatus
SHIPPABLE = frozenset({V.PAID, V.PREPARING})
RETURN_PHOTOS_MAX = 3
RETURN_PHOTO_KINDS = (JPEG, PNG, WEBP)
RETURN_PHOTOS_DIR = "return-photos"
NOTE_MAX_CHARS = 1000
SHIP_CSV_MAX_ROWS = 2000
SHIP_CSV_MAX_BYTES = 2 * 1024 * 1024


# --- shared checks ---------------------------------------------------------------------


def _locked(vendor_order_id: int) -> VendorOrder:
    # Only the vendor order's row is locked, not the order and vendor rows joined to it.
    return (VendorOrder.objects.select_for_update(of=("self",)).select_related("order", "vendor")
            .get(pk=vendor_order_id))


def _vendor_check(actor, vendor_order: VendorOrder) -> None:
    if not vendor_member_may(actor, vendor_order):
        raise NotAllowed(_("이 주문을 처리할 권한이 없습니다."))


def _buyer_check(actor, vendor_order: VendorOrder, *, guest_ok: bool) -> None:
    """The buyer (or a guest whose page already proved the order is theirs), or an operator."""
    if guest_ok and vendor_order.order.buyer_id is None:
        return
    if actor and actor.is_authenticated and (actor.is_staff or vendor_order.order.buyer_id == actor.pk):
        return
    raise NotAllowed(_("이 주문을 처리할 권한이 없습니다."))


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _notify_event(event: StatusEvent) -> None:
    from .notifications import vendor_order_event_notify_task

    transaction.on_commit(lambda: vendor_order_event_notify_task.delay(event_id=event.pk))


# --- preparing and shipping ------------------------------------------------------------


@dataclass
class PrepareResult:
    changed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # vendor orders not in 'paid', left as they are


@transaction.atomic
def vendor_orders_prepare(*, vendor_order_ids, actor) -> PrepareResult:
    """Move the paid ones among these vendor orders to 'preparing'; the others are skipped.

    Every vendor order must be the actor's to handle, or nothing changes.
    """
    ids = sorted({int(pk) for pk in vendor_order_ids})
    vendor_orders = list(VendorOrder.objects.select_for_update(of=("self",)).select_related("vendor")
                         .filter(pk__in=ids).order_by("pk"))
    if len(vendor_orders) != len(ids):
        raise NotAllowed(_("이 주문을 처리할 권한이 없습니다."))
    for vendor_order in vendor_orders:
        _vendor_check(actor, vendor_order)
    result = PrepareResult()
    for vendor_order in vendor_orders:
        if vendor_order.status != V.PAID:
            result.skipped.append(vendor_order)
            continue
        vendor_order_transition(vendor_order, V.PREPARING, actor=_user(actor))
        result.changed.append(vendor_order)
    return result


_TRACKING_CHARS = re.compile(r"^[0-9-]+$")


def tracking_clean(carrier: str, tracking_number: str) -> tuple[str, str]:
    """Check a carrier and tracking number; return them as stored (digits only). Raise OrderError."""
    carrier = (carrier or "").strip()
    if carrier not in Carrier.values:
        raise OrderError(_("택배사를 골라 주세요."))
    number = re.sub(r"\s+", "", tracking_number or "")
    if not number:
        if carrier == Carrier.DIRECT:
            return carrier, ""
        raise OrderError(_("송장번호를 입력해 주세요."))
    digits = number.replace("-", "")
    if not _TRACKING_CHARS.match(number) or not 8 <= len(digits) <= 20:
        raise OrderError(_("송장번호는 숫자 8~20자리로 입력해 주세요 (하이픈은 넣어도 됩니다)."))
    return carrier, digits


def _ship(vendor_order: VendorOrder, carrier: str, number: str, actor) -> StatusEvent:
    if vendor_order.status not in SHIPPABLE:
        raise InvalidTransition(
            _("'%(status)s' 상태의 주문은 발송 처리할 수 없습니다.") % {"status": vendor_order.get_status_display()}
        )
    label = Carrier(carrier).label
    event = vendor_order_transition(vendor_order, V.SHIPPED, actor=_user(actor),
                                    reason=f"{label} {number}".strip())
    vendor_order.carrier, vendor_order.tracking_number = carrier, number
    vendor_order.save(update_fields=["carrier", "tracking_number"])
    _notify_event(event)
    return event


@transaction.atomic
def vendor_order_ship(*, vendor_order_id: int, carrier: str, tracking_number: str, actor) -> VendorOrder:
    """Ship a paid or preparing vendor order with its carrier and tracking number; the buyer is told."""
    carrier, number = tracking_clean(carrier, tracking_number)
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    _ship(vendor_order, carrier, number, actor)
    return vendor_order


@transaction.atomic
def vendor_order_tracking_correct(*, vendor_order_id: int, carrier: str, tracking_number: str, actor) -> VendorOrder:
    """Fix a mistyped carrier or tracking number of a shipped vendor order; the buyer gets the new one."""
    carrier, number = tracking_clean(carrier, tracking_number)
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status != V.SHIPPED:
        raise InvalidTransition(_("배송 중인 주문만 송장번호를 고칠 수 있습니다."))
    if (vendor_order.carrier, vendor_order.tracking_number) == (carrier, number):
        return vendor_order
    vendor_order.carrier, vendor_order.tracking_number = carrier, number
    vendor_order.save(update_fields=["carrier", "tracking_number"])
    logger.info("vendor order %s: tracking corrected to %s %s by %s", vendor_order.pk, carrier, number,
                getattr(actor, "pk", None))
    from .notifications import vendor_order_tracking_notify_task

    transaction.on_commit(lambda: vendor_order_tracking_notify_task.delay(vendor_order_id=vendor_order.pk))
    return vendor_order


# --- shipping many by CSV --------------------------------------------------------------

SHIP_CSV_COLUMNS = ("주문번호", "택배사", "송장번호")
_HEADER_ALIASES = {"기업주문번호": "주문번호", "택배": "택배사", "운송장번호": "송장번호", "송장": "송장번호"}
_CARRIER_ALIASES = {
    "cj": Carrier.CJ, "대한통운": Carrier.CJ, "cj택배": Carrier.CJ, "우체국": Carrier.POST, "우편": Carrier.POST,
    "롯데": Carrier.LOTTE, "한진": Carrier.HANJIN, "로젠": Carrier.LOGEN, "직접": Carrier.DIRECT,
    "직접배달": Carrier.DIRECT, "직배송": Carrier.DIRECT,
}


@cache
def _carrier_words() -> dict[str, str]:
    """Codes, Korean names (the labels' source text, whatever language is active) and common short names."""
    words = {c.value: c.value for c in Carrier}
    with translation.override(None):
        words.update({re.sub(r"\s+", "", str(c.label)).lower(): c.value for c in Carrier})
    return {**words, **_CARRIER_ALIASES}


class ShipCsvRefused(OrderError):
    """The file had errors: nothing was shipped; `plan` says what is wrong, row by row."""

    def __init__(self, plan: "ShipPlan"):
        super().__init__(_("파일에 오류가 %(n)s건 있어 아무것도 반영하지 않았습니다.") % {"n": len(plan.errors)})
        self.plan = plan


@dataclass
class ShipRow:
    line: int
    number: str
    carrier: str = ""
    tracking_number: str = ""
    vendor_order: VendorOrder | None = None
    errors: list = field(default_factory=list)
    skipped: bool = False  # no carrier and no number: not shipped yet, left alone

    @property
    def carrier_label(self) -> str:
        return str(Carrier(self.carrier).label) if self.carrier in Carrier.values else ""


@dataclass
class ShipPlan:
    rows: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.file_errors + [
            _("%(line)s행: %(error)s") % {"line": row.line, "error": error} for row in self.rows for error in row.errors
        ]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_ship(self) -> list[ShipRow]:
        return [row for row in self.rows if not row.skipped and not row.errors]

    @property
    def skipped(self) -> list[ShipRow]:
        return [row for row in self.rows if row.skipped]


def _header_key(value: str) -> str:
    key = re.sub(r"\s+", "", value or "").lstrip("\ufeff")
    return _HEADER_ALIASES.get(key, key)


def _records(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """The file's rows as (line number, {column: text}), and file-level errors."""
    if len(data) > SHIP_CSV_MAX_BYTES:
        return [], [_("파일이 너무 큽니다. 2MB까지 올릴 수 있습니다.")]
    try:
        text = csv_decode(data)
        records = list(csv.reader(io.StringIO(text, newline="")))
    except CsvUnreadable as exc:
        return [], [exc.message]
    except csv.Error:
        return [], [_("CSV 파일이 아닙니다. 파일 내용을 확인해 주세요.")]
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        return [], [_("빈 파일입니다.")]
    header = [_header_key(cell) for cell in records[0]]
    missing = [name for name in SHIP_CSV_COLUMNS if name not in header]
    if missing:
        return [], [_("첫 행에 %(names)s 열이 있어야 합니다.") % {"names": ", ".join(missing)}]
    index = {name: header.index(name) for name in SHIP_CSV_COLUMNS}
    rows = []
    for line, record in enumerate(records[1:], start=2):
        values = {name: (record[i].strip() if i < len(record) else "") for name, i in index.items()}
        if any(values.values()):
            rows.append((line, values))
    if len(rows) > SHIP_CSV_MAX_ROWS:
        return [], [_("한 번에 %(n)s행까지 올릴 수 있습니다.") % {"n": f"{SHIP_CSV_MAX_ROWS:,}"}]
    if not rows:
        return [], [_("반영할 행이 없습니다.")]
    return rows, []


def _carrier_of(text: str) -> str | None:
    return _carrier_words().get(re.sub(r"\s+", "", text).lower())


def ship_csv_plan(*, vendor_ids, data: bytes, actor, lock: bool = False) -> ShipPlan:
    """Read a tracking-number file and say, row by row, what it would ship (changes nothing).

    `vendor_ids` are the vendors whose orders the file may touch (None: any, for operators);
    another vendor's order number reads as not found. A row may name the vendor order
    (20261122-00042-1) or, when the vendor has one part of it, the order (20261122-00042).
    """
    records, file_errors = _records(data)
    plan = ShipPlan(file_errors=file_errors)
    if file_errors:
        return plan
    numbers = {values["주문번호"] for _line, values in records if values["주문번호"]}
    qs = VendorOrder.objects.select_related("order", "vendor").filter(
        Q(number__in=numbers) | Q(order__number__in=numbers))
    if vendor_ids is not None:
        qs = qs.filter(vendor_id__in=list(vendor_ids))
    if lock:
        qs = qs.select_for_update(of=("self",)).order_by("pk")
    by_number: dict[str, VendorOrder] = {}
    by_order: dict[str, list[VendorOrder]] = {}
    may: dict[int, bool] = {}  # per vendor, not per row: one membership query each
    for vendor_order in qs:
        if vendor_order.vendor_id not in may:
            may[vendor_order.vendor_id] = vendor_member_may(actor, vendor_order)
        if not may[vendor_order.vendor_id]:
            continue
        by_number[vendor_order.number] = vendor_order
        by_order.setdefault(vendor_order.order.number, []).append(vendor_order)
    seen: dict[int, int] = {}
    for line, values in records:
        row = ShipRow(line=line, number=values["주문번호"])
        plan.rows.append(row)
        carrier_text, number_text = values["택배사"], values["송장번호"]
        if not row.number:
            row.errors.append(_("주문번호가 비어 있습니다."))
            continue
        row.vendor_order = by_number.get(row.number)
        if row.vendor_order is None:
            matches = by_order.get(row.number, [])
            if len(matches) == 1:
                row.vendor_order = matches[0]
            elif len(matches) > 1:
                row.errors.append(_("이 주문에는 기업 주문이 여러 개 있습니다. 기업 주문번호(%(example)s)로 적어 주세요.")
                                  % {"example": matches[0].number})
                continue
            else:
                row.errors.append(_("주문번호 %(number)s을(를) 찾을 수 없습니다.") % {"number": row.number})
                continue
        if not carrier_text and not number_text:
            row.skipped = True
            continue
        if row.vendor_order.pk in seen:
            row.errors.append(_("%(line)s행과 같은 주문입니다.") % {"line": seen[row.vendor_order.pk]})
            continue
        seen[row.vendor_order.pk] = line
        carrier = _carrier_of(carrier_text)
        if not carrier_text:
            row.errors.append(_("택배사가 비어 있습니다."))
        elif carrier is None:
            row.errors.append(_("택배사 '%(text)s'을(를) 알 수 없습니다. %(names)s 중 하나로 적어 주세요.") % {
                "text": carrier_text or "", "names": ", ".join(str(c.label) for c in Carrier)})
        else:
            row.carrier = carrier
            if re.fullmatch(r"[0-9.]+[eE]\+?[0-9]+", number_text):
                row.errors.append(_("송장번호가 '%(text)s'(으)로 바뀌어 있습니다. 엑셀에서 송장번호 열을 텍스트 서식으로 "
                                    "바꾼 뒤 다시 저장해 주세요.") % {"text": number_text})
            else:
                try:
                    row.carrier, row.tracking_number = tracking_clean(carrier, number_text)
                except OrderError as exc:
                    row.errors.append(exc.message)
        status = row.vendor_order.status
        if status not in SHIPPABLE:
            row.errors.append(_("'%(status)s' 상태라 발송 처리할 수 없습니다.") % {"status": V(status).label})
    return plan


def vendor_orders_ship_csv(*, vendor_ids, data: bytes, actor, dry_run: bool = False) -> ShipPlan:
    """Ship every row of a tracking-number file in one transaction, or none if any row is wrong.

    With `dry_run` it only returns the plan (the preview). The file is checked again under
    the rows' locks before anything is written, so a preview that went stale is refused.
    """
    if dry_run:
        return ship_csv_plan(vendor_ids=vendor_ids, data=data, actor=actor)
    with transaction.atomic():
        plan = ship_csv_plan(vendor_ids=vendor_ids, data=data, actor=actor, lock=True)
        if not plan.ok:
            raise ShipCsvRefused(plan)
        if not plan.to_ship:
            raise OrderError(_("송장번호가 적힌 행이 없습니다. 택배사와 송장번호를 채워 주세요."))
        for row in plan.to_ship:
            _ship(row.vendor_order, row.carrier, row.tracking_number, actor)
    return plan


def ship_csv_export(*, vendor_ids) -> bytes:
    """The vendor orders waiting to ship as a CSV to fill in (UTF-8 with a BOM, for Excel)."""
    qs = (VendorOrder.objects.filter(status__in=SHIPPABLE).select_related("order").prefetch_related("lines")
          .order_by("order__placed_at", "pk"))
    if vendor_ids is not None:
        qs = qs.filter(vendor_id__in=list(vendor_ids))
    rows = [[*SHIP_CSV_COLUMNS, "받는 분", "연락처", "우편번호", "주소", "배송 메모", "상품"]]
    for vendor_order in qs:
        order = vendor_order.order
        items = " / ".join(f"{ln.product_name} {ln.variant_name} × {ln.quantity}" for ln in vendor_order.lines.all())
        rows.append([vendor_order.number, "", "", order.recipient_name, order.recipient_phone,
                     order.postal_code, f"{order.address} {order.address_detail}".strip(), order.memo, items])
    return excel_csv(rows)


# --- delivery and completion -----------------------------------------------------------


@transaction.atomic
def vendor_order_deliver(*, vendor_order_id: int, actor) -> VendorOrder:
    """The vendor (or an operator) marks a shipped vendor order delivered; the buyer is told."""
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status != V.SHIPPED:
        # The table also leads from 'return requested' back to 'delivered': that is a refusal, with a reason.
        raise InvalidTransition(
            _("'%(status)s' 상태의 주문은 배송 완료로 바꿀 수 없습니다.") % {"status": vendor_order.get_status_display()}
        )
    _notify_event(vendor_order_transition(vendor_order, V.DELIVERED, actor=_user(actor)))
    return vendor_order


@transaction.atomic
def vendor_order_complete(*, vendor_order_id: int, actor, guest_ok: bool = False) -> VendorOrder:
    """The buyer confirms the purchase (구매 확정); confirming twice changes nothing."""
    vendor_order = _locked(vendor_order_id)
    _buyer_check(actor, vendor_order, guest_ok=guest_ok)
    if vendor_order.status == V.COMPLETED:
        return vendor_order
    vendor_order_transition(vendor_order, V.COMPLETED, actor=_user(actor), reason=_("구매 확정"))
    return vendor_order


@transaction.atomic
def _auto_complete(vendor_order_id: int, cutoff) -> bool:
    vendor_order = (VendorOrder.objects.select_for_update()
                    .filter(pk=vendor_order_id, status=V.DELIVERED, delivered_at__lte=cutoff).first())
    if vendor_order is None:
        return False  # confirmed, returned or re-delivered meanwhile
    vendor_order_transition(
        vendor_order, V.COMPLETED,
        reason=_("배송 완료 후 %(days)s일이 지나 자동으로 구매 확정되었습니다.") % {"days": settings.ORDER_AUTO_COMPLETE_DAYS},
    )
    return True


def vendor_orders_auto_complete() -> int:
    """Confirm vendor orders delivered more than ORDER_AUTO_COMPLETE_DAYS ago; safe to repeat."""
    cutoff = timezone.now() - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS)
    due = list(VendorOrder.objects.filter(status=V.DELIVERED, delivered_at__lte=cutoff)
               .order_by("pk").values_list("pk", flat=True))
    # One short transaction per vendor order: a buyer confirming at the same moment waits for one row only.
    return sum(1 for pk in due if _auto_complete(pk, cutoff))


@shared_task
def vendor_orders_auto_complete_task() -> int:
    """Daily: confirm the purchases nobody confirmed (beat schedule in settings)."""
    done = vendor_orders_auto_complete()
    logger.info("auto-complete: %s vendor orders confirmed", done)
    return done


# --- returns ---------------------------------------------------------------------------


def _photos_clean(photos) -> list[CleanUpload]:
    photos = [p for p in (photos or ()) if p]
    if len(photos) > RETURN_PHOTOS_MAX:
        raise OrderError(_("사진은 %(n)s장까지 올릴 수 있습니다.") % {"n": RETURN_PHOTOS_MAX})
    cleaned = []
    for n, photo in enumerate(photos, start=1):
        if isinstance(photo, CleanUpload):
            if photo.kind not in RETURN_PHOTO_KINDS:
                raise OrderError(_("사진 %(n)s: JPEG, PNG, WebP 파일만 올릴 수 있습니다.") % {"n": n})
            cleaned.append(photo)
            continue
        try:
            cleaned.append(upload_clean(photo, allowed=RETURN_PHOTO_KINDS))
        except ValidationError as exc:
            raise OrderError(_("사진 %(n)s: %(error)s") % {"n": n, "error": " ".join(exc.messages)}) from exc
    return cleaned


def vendor_order_return_request(*, vendor_order_id: int, actor, reason: str, photos=(),
                                guest_ok: bool = False) -> VendorOrder:
    """The buyer asks to return a delivered vendor order, with a reason and photos; the vendor is told.

    Photos are checked by content and re-encoded before any lock is taken; a bad file refuses
    the whole request.
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("반품 사유를 적어 주세요."))
    cleaned = _photos_clean(photos)
    return _return_request(vendor_order_id=vendor_order_id, actor=actor, reason=reason[:NOTE_MAX_CHARS],
                           photos=cleaned, guest_ok=guest_ok)


@transaction.atomic
def _return_request(*, vendor_order_id, actor, reason, photos, guest_ok) -> VendorOrder:
    vendor_order = _locked(vendor_order_id)
    _buyer_check(actor, vendor_order, guest_ok=guest_ok)
    event = vendor_order_transition(vendor_order, V.RETURN_REQUESTED, actor=_user(actor), reason=reason)
    vendor_order.return_reason = reason
    vendor_order.save(update_fields=["return_reason"])
    saved = []
    try:
        for n, photo in enumerate(photos, start=1):
            ext = photo.content.name.rsplit(".", 1)[-1]
            name = f"{RETURN_PHOTOS_DIR}/{vendor_order.pk}/{event.pk:010d}-{n}-{uuid.uuid4().hex[:8]}.{ext}"
            photo.content.seek(0)
            saved.append(private_storage.save(name, photo.content))
    except Exception:
        for name in saved:
            private_storage.delete(name)
        raise
    _notify_event(event)
    return vendor_order


def vendor_order_return_photos(vendor_order_id: int) -> list[str]:
    """The names of a vendor order's return photos in the private storage, oldest request first."""
    prefix = f"{RETURN_PHOTOS_DIR}/{int(vendor_order_id)}"
    try:
        _dirs, files = private_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [f"{prefix}/{name}" for name in sorted(files)]


def vendor_order_return_photo_open(*, vendor_order_id: int, name: str):
    """Open one return photo of this vendor order (only a name from its own listing)."""
    if name not in vendor_order_return_photos(vendor_order_id):
        raise OrderError(_("없는 사진입니다."))
    return private_storage.open(name, "rb")


@transaction.atomic
def vendor_order_return_accept(*, vendor_order_id: int, actor) -> VendorOrder:
    """The vendor accepts the return (→ returned); the buyer is told, the refund follows."""
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    _notify_event(vendor_order_transition(vendor_order, V.RETURNED, actor=_user(actor)))
    return vendor_order


@transaction.atomic
def vendor_order_return_reject(*, vendor_order_id: int, actor, reason: str) -> VendorOrder:
    """The vendor refuses the return with a reason: back to delivered (the confirmation clock restarts)."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("반품을 거절하는 사유를 적어 주세요."))
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status != V.RETURN_REQUESTED:
        raise InvalidTransition(_("반품 요청 상태의 주문만 거절할 수 있습니다."))
    _notify_event(vendor_order_transition(vendor_order, V.DELIVERED, actor=_user(actor), reason=reason))
    return vendor_order


@transaction.atomic
def vendor_order_return_refund(*, vendor_order_id: int, actor) -> VendorOrder:
    """Refund a returned vendor order in full through the payment provider (→ refunded)."""
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    event = vendor_order_transition(vendor_order, V.REFUNDED, actor=_user(actor), reason=_("반품 환불"))
    from .payments import payment_refund

    # Inside the transaction: a refund the provider refuses leaves the vendor order 'returned'.
    # What was paid for it: its total less its share of the order's coupon discount.
    payment_refund(order=vendor_order.order, amount=vendor_order.paid_total, reason=_("반품 환불 %(number)s")
                   % {"number": vendor_order.number})
    vendor_order.refunded_amount = vendor_order.paid_total
    vendor_order.save(update_fields=["refunded_amount"])
    _notify_event(event)
    from . import documents

    queue = getattr(documents, "order_documents_queue", None)
    if queue is not None:
        order_id = vendor_order.order_id
        transaction.on_commit(lambda: queue(order_id=order_id))
    return vendor_order


# --- notes to the buyer ----------------------------------------------------------------


@transaction.atomic
def vendor_order_note(*, vendor_order_id: int, actor, note: str) -> VendorOrder:
    """Leave a note for the buyer (kept, dated, under the earlier ones); the buyer is told."""
    note = (note or "").strip()
    if not note:
        raise OrderError(_("구매자에게 보낼 내용을 적어 주세요."))
    if len(note) > NOTE_MAX_CHARS:
        raise OrderError(_("%(n)s자까지 적을 수 있습니다.") % {"n": NOTE_MAX_CHARS})
    vendor_order = _locked(vendor_order_id)
    _vendor_check(actor, vendor_order)
    if vendor_order.status == V.PENDING_PAYMENT:
        raise InvalidTransition(_("결제가 끝난 주문에만 메시지를 남길 수 있습니다."))
    entry = f"[{timezone.localtime():%Y-%m-%d %H:%M}] {note}"
    start = len(vendor_order.vendor_note) + 2 if vendor_order.vendor_note else 0
    vendor_order.vendor_note = f"{vendor_order.vendor_note}\n\n{entry}" if vendor_order.vendor_note else entry
    vendor_order.save(update_fields=["vendor_note"])
    end = len(vendor_order.vendor_note)
    from .notifications import vendor_order_note_notify_task

    # The note's place in the text is its identity: the notice is sent once per note.
    transaction.on_commit(
        lambda: vendor_order_note_notify_task.delay(vendor_order_id=vendor_order.pk, start=start, end=end))
    return vendor_order
