"""Deposits from the bank's statement (CSV) matched to bank-transfer orders waiting for them.

Columns 입금일시, 입금자명, 금액 and optionally 주문번호. A row with an order number is
matched to that order; a row without one to the only waiting order whose orderer name is
the depositor's name and whose total is the amount. Rows that match nothing, or more than
one order, are listed with the reason. `deposits_plan` is the preview and writes nothing;
`deposits_apply` matches again under row locks and applies every matched row in one
transaction, or none if the matches changed since the preview.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ddasum.exceptions import DomainError
from ddasum.money import won
from ddasum.spreadsheets import CsvNotText, CsvUnreadable, csv_decode

from ..models import Order, OrderStatus, PaymentMethod
from .confirmations import payment_deposit_confirm

C_AT, C_NAME, C_AMOUNT, C_ORDER = "입금일시", "입금자명", "금액", "주문번호"
COLUMNS = (C_AT, C_NAME, C_AMOUNT, C_ORDER)
REQUIRED = (C_AT, C_NAME, C_AMOUNT)
# What banks' own exports call the same columns.
ALIASES = {"거래일시": C_AT, "입금일": C_AT, "입금시각": C_AT, "입금자": C_NAME, "보낸분": C_NAME, "의뢰인": C_NAME,
           "입금액": C_AMOUNT, "입금금액": C_AMOUNT}
MAX_ROWS = 2000
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y/%m/%d %H:%M:%S",
                "%Y/%m/%d %H:%M", "%Y%m%d %H%M%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                "%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y%m%d")

BY_NUMBER, BY_NAME = "number", "name"


@dataclass
class DepositRow:
    line: int
    deposited_at: datetime | None
    depositor: str
    amount: int | None
    order_number: str
    problem: str = ""
    order: Order | None = None
    matched_by: str = ""

    @property
    def matched(self) -> bool:
        return self.order is not None and not self.problem

    @property
    def matched_by_label(self) -> str:
        return {BY_NUMBER: _("주문번호"), BY_NAME: _("입금자명·금액")}.get(self.matched_by, "")


@dataclass
class DepositPlan:
    rows: list[DepositRow] = field(default_factory=list)

    @property
    def matched(self) -> list[DepositRow]:
        return [r for r in self.rows if r.matched]

    @property
    def problems(self) -> list[DepositRow]:
        return [r for r in self.rows if not r.matched]

    @property
    def total(self) -> int:
        return sum(r.amount for r in self.matched)

    def signature(self) -> list[list[int]]:
        """Which row pays which order: compared between the preview and the apply step."""
        return [[r.line, r.order.pk] for r in self.matched]


class DepositsChanged(DomainError):
    """The matches differ from the preview's (an order was paid or expired since): nothing applied."""
    def __init__(self, plan: DepositPlan):
        super().__init__(_("미리보기 뒤에 주문 상태가 바뀌어 아무것도 반영하지 않았습니다. 새 미리보기를 확인해 주세요."))
        self.plan = plan


# --- reading ---------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return csv_decode(data)
    except CsvNotText:
        raise ValidationError(_("CSV 파일이 아닙니다. 은행에서 받은 입금 내역을 CSV로 저장해 올려 주세요."), code="type")
    except CsvUnreadable as exc:
        raise ValidationError(exc.message, code=exc.code)


def _header_key(value: str) -> str:
    bare = re.sub(r"\s|\(.*?\)", "", value or "")  # "주문번호 (선택)" is 주문번호
    return ALIASES.get(bare, bare)


def deposits_read(upload) -> bytes:
    """The uploaded file's bytes, checked for size and that it parses (ValidationError otherwise)."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(_("파일이 너무 큽니다. %(limit)s까지 올릴 수 있습니다.") % {"limit": filesizeformat(limit)})
    upload.seek(0)
    data = upload.read(limit + 1)
    if not data.strip():
        raise ValidationError(_("빈 파일입니다."))
    deposits_parse(data)
    return data


def _parse_when(text: str) -> datetime | None:
    text = re.sub(r"\s+", " ", text.strip())
    for fmt in DATE_FORMATS:
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    return None


def _parse_amount(text: str) -> int | None:
    cleaned = re.sub(r"[,\s원₩]", "", text or "")
    if not cleaned.isdigit():
        return None
    value = int(cleaned)
    return value if value > 0 else None


def name_key(name: str) -> str:
    """Names compare without spaces (bank statements often drop or add them)."""
    return re.sub(r"\s", "", name or "")


def deposits_parse(data: bytes) -> list[DepositRow]:
    """The file's rows with their own problems (unreadable date or amount); header errors raise ValidationError."""
    text = _decode(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise ValidationError(_("CSV 파일이 아닙니다. 파일 내용을 확인해 주세요."))
    header, rows = None, []
    for line, record in enumerate(records, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = {}
            for i, cell in enumerate(record):
                key = _header_key(cell)
                if key in COLUMNS and key not in header.values():
                    header[i] = key
            missing = [c for c in REQUIRED if c not in header.values()]
            if missing:
                raise ValidationError(_("첫 행에 필요한 열이 없습니다: %(cols)s. 첫 행은 %(all)s 이어야 합니다 (주문번호는 없어도 됩니다).")
                                      % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)})
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationError(_("한 번에 %(max)s행까지 올릴 수 있습니다. 파일을 나누어 올려 주세요.") % {"max": f"{MAX_ROWS:,}"})
        values = {key: (record[i].strip() if i < len(record) else "") for i, key in header.items()}
        row = DepositRow(line=line, deposited_at=_parse_when(values.get(C_AT, "")),
                         depositor=values.get(C_NAME, "")[:50], amount=_parse_amount(values.get(C_AMOUNT, "")),
                         order_number=values.get(C_ORDER, "")[:20])
        if row.deposited_at is None:
            row.problem = _("입금일시를 읽을 수 없습니다 (예: 2026-11-22 14:05).")
        elif row.amount is None:
            row.problem = _("금액을 읽을 수 없습니다 (예: 25000 또는 25,000).")
        elif not row.depositor and not row.order_number:
            row.problem = _("입금자명과 주문번호가 모두 비어 있습니다.")
        rows.append(row)
    if header is None:
        raise ValidationError(_("빈 파일입니다."))
    if not rows:
        raise ValidationError(_("입금 내역 행이 없습니다."))
    return rows


# --- matching --------------------------------------------------------------------------


def _waiting(lock: bool):
    qs = Order.objects.filter(payment_method=PaymentMethod.BANK_TRANSFER, status=OrderStatus.PENDING_PAYMENT)
    return qs.select_for_update() if lock else qs


def _by_number_problem(order: Order | None, row: DepositRow) -> str:
    if order is None:
        return _("주문번호 %(number)s인 주문이 없습니다.") % {"number": row.order_number}
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        return _("무통장입금 주문이 아닙니다.")
    if order.status == OrderStatus.PAID:
        return _("이미 결제 확인된 주문입니다. 중복 입금이면 입금자에게 돌려주어야 합니다.")
    if order.status == OrderStatus.EXPIRED:
        return _("입금 기한이 지나 만료된 주문입니다. 입금자에게 돌려주어야 합니다.")
    if order.status == OrderStatus.CANCELLED:
        return _("취소된 주문입니다. 입금자에게 돌려주어야 합니다.")
    if row.amount != order.total:
        return _("입금액 %(amount)s이 주문 금액 %(total)s과 다릅니다.") % {"amount": won(row.amount),
                                                                "total": won(order.total)}
    return ""


def deposits_match(rows: list[DepositRow], *, lock: bool = False) -> DepositPlan:
    """Match each row to a waiting order (rows with an order number first); fills `order` or `problem`."""
    claimed: dict[int, int] = {}  # order pk -> the row line that took it

    def claim(row: DepositRow, order: Order, how: str) -> None:
        if order.pk in claimed:
            row.problem = _("이 파일의 %(line)s행과 같은 주문입니다. 중복 입금이면 입금자에게 돌려주어야 합니다.") % {
                "line": claimed[order.pk]}
            return
        claimed[order.pk] = row.line
        row.order, row.matched_by = order, how

    numbered = [r for r in rows if not r.problem and r.order_number]
    # Locks are taken in primary-key order, as every writer takes them.
    by_number = {o.number: o for o in (Order.objects.select_for_update() if lock else Order.objects).filter(
        number__in=[r.order_number for r in numbered]).order_by("pk")}
    for row in numbered:
        order = by_number.get(row.order_number)
        row.problem = _by_number_problem(order, row)
        if not row.problem:
            claim(row, order, BY_NUMBER)
    named = [r for r in rows if not r.problem and not r.order_number]
    candidates: dict[int, list[Order]] = {}
    amounts = {r.amount for r in named}
    if amounts:
        for order in _waiting(lock).filter(total__in=amounts).order_by("pk"):
            candidates.setdefault(order.total, []).append(order)
    for row in named:
        found = [o for o in candidates.get(row.amount, [])
                 if name_key(o.orderer_name) == name_key(row.depositor) and o.pk not in claimed]
        if not found:
            row.problem = _("입금자명 '%(name)s'과 금액 %(amount)s이 맞는 입금 대기 주문이 없습니다.") % {
                "name": row.depositor, "amount": won(row.amount)}
        elif len(found) > 1:
            row.problem = _("입금자명과 금액이 같은 입금 대기 주문이 %(n)s건(%(numbers)s)이라 정할 수 없습니다. "
                            "주문번호를 적어 다시 올리거나 주문에서 직접 입금 확인해 주세요.") % {
                "n": len(found), "numbers": ", ".join(o.number for o in found)}
        else:
            claim(row, found[0], BY_NAME)
    return DepositPlan(rows)


def deposits_plan(data: bytes) -> DepositPlan:
    """The preview: what the file would do; writes nothing."""
    return deposits_match(deposits_parse(data))


@transaction.atomic
def deposits_apply(*, data: bytes, expected: list, actor) -> DepositPlan:
    """Apply every matched row in one transaction, if the matches are still the preview's; else nothing."""
    plan = deposits_match(deposits_parse(data), lock=True)
    if plan.signature() != [list(pair) for pair in expected] or not plan.matched:
        raise DepositsChanged(plan)
    for row in plan.matched:
        payment_deposit_confirm(order_id=row.order.pk, actor=actor, amount=row.amount, depositor=row.depositor,
                                deposited_at=row.deposited_at, source="csv",
                                note=_("입금 내역 CSV %(line)s행 (%(how)s)") % {"line": row.line,
                                                                          "how": row.matched_by_label})
    return plan
