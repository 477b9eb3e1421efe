"""Shipping many vendor orders from a tracking-number file, and the file of orders waiting to ship.

A vendor (or the operator) downloads the vendor orders waiting to ship as a CSV, fills in the
carrier and tracking number, and uploads it: every row is checked and shown first (a preview),
then all rows ship in one transaction, or none if any row is wrong.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from functools import cache

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from ddasum.spreadsheets import CsvUnreadable, csv_decode, excel_csv

from ..exceptions import OrderError
from ..models import Carrier, VendorOrder, VendorOrderStatus
from ..selectors.access import vendor_member_may
from .actions import SHIPPABLE, tracking_clean, vendor_order_ship_locked

V = VendorOrderStatus


SHIP_CSV_MAX_ROWS = 2000


SHIP_CSV_MAX_BYTES = 2 * 1024 * 1024


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
            vendor_order_ship_locked(row.vendor_order, row.carrier, row.tracking_number, actor)
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


# --- many at once through the API ------------------------------------------------------------


SHIP_MANY_MAX = 500


class ShipmentsRefused(OrderError):
    """Some items were wrong: nothing was shipped; `errors` has one {field: [message]} per item ({} if fine)."""

    def __init__(self, errors: list[dict]):
        super().__init__(_("처리할 수 없는 항목이 있어 아무것도 반영하지 않았습니다."))
        self.errors = errors


def vendor_orders_ship_many(*, vendor_ids, shipments: list[dict], actor) -> list[VendorOrder]:
    """Ship every {number, carrier, tracking_number} in one transaction, or none if any is wrong.

    `vendor_ids` are the vendors whose orders may be named; another vendor's number reads as
    not found. Errors come back per item and field (ShipmentsRefused), as the API shows them.
    """
    if len(shipments) > SHIP_MANY_MAX:
        raise OrderError(_("한 번에 %(n)s건까지 처리할 수 있습니다.") % {"n": SHIP_MANY_MAX})
    errors: list[dict] = [{} for _item in shipments]
    cleaned: list[tuple[str, str] | None] = []
    for i, item in enumerate(shipments):
        carrier = _carrier_of(item.get("carrier") or "")
        if carrier is None:
            errors[i]["carrier"] = [_("택배사 '%(text)s'을(를) 알 수 없습니다. %(names)s 중 하나로 적어 주세요.") % {
                "text": item.get("carrier") or "", "names": ", ".join(c.value for c in Carrier)}]
            cleaned.append(None)
            continue
        try:
            cleaned.append(tracking_clean(carrier, item.get("tracking_number") or ""))
        except OrderError as exc:
            errors[i]["tracking_number"] = [exc.message]
            cleaned.append(None)
    with transaction.atomic():
        numbers = [item.get("number") for item in shipments]
        found = {vo.number: vo for vo in VendorOrder.objects.select_for_update(of=("self",)).select_related("vendor")
                 .filter(number__in=numbers, vendor_id__in=list(vendor_ids)).order_by("pk")}
        seen: set[str] = set()
        may: dict[int, bool] = {}
        for i, number in enumerate(numbers):
            vendor_order = found.get(number)
            if vendor_order is not None and vendor_order.vendor_id not in may:
                may[vendor_order.vendor_id] = vendor_member_may(actor, vendor_order)
            if vendor_order is None or not may[vendor_order.vendor_id]:
                errors[i]["number"] = [_("주문번호 %(number)s을(를) 찾을 수 없습니다.") % {"number": number}]
            elif number in seen:
                errors[i]["number"] = [_("같은 주문이 두 번 들어 있습니다.")]
            elif vendor_order.status not in SHIPPABLE:
                errors[i]["number"] = [_("'%(status)s' 상태라 발송 처리할 수 없습니다.") % {
                    "status": V(vendor_order.status).label}]
            seen.add(number)
        if any(errors):
            raise ShipmentsRefused(errors)
        shipped = []
        for number, (carrier, tracking) in sorted(zip(numbers, cleaned, strict=True), key=lambda p: found[p[0]].pk):
            vendor_order_ship_locked(found[number], carrier, tracking, actor)
            shipped.append(found[number])
    return shipped
