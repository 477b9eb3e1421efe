"""Bulk import and export of a vendor's products and stock as CSV or XLSX.

One row per variant, in the columns of `COLUMNS`; the export writes exactly what the import
reads, so a vendor can edit the sheet and load it again. An import is read and checked in
full first (`import_plan`, the preview); only `import_apply` writes, in one transaction,
and only when no row has an error.
"""
import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.exceptions import DomainError
from ddasum.spreadsheets import CsvUnreadable, Sheet, cell_unescape, csv_decode, excel_csv, excel_xlsx
from vendors.models import Vendor
from vendors.selectors import user_is_vendor_member

from .exceptions import NotAllowed
from .models import Category, Product, ProductKind, ProductStatus, ProductVariant, TaxType
from .services import origin_missing, product_refresh
from .stock import stock_changed

CSV, XLSX = "csv", "xlsx"
MAX_ROWS = 5000
# An XLSX is a zip: refuse one that would unpack to more than this (a zip bomb).
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
MAX_COLUMNS = 40

C_ID, C_NAME, C_CATEGORY, C_KIND, C_TAX, C_ORIGIN, C_UNIT, C_SUMMARY = (
    "상품ID", "상품명", "분류", "종류", "과세구분", "원산지", "판매단위", "한줄소개")
C_VARIANT, C_SKU, C_PRICE, C_LIST_PRICE, C_STOCK, C_TRACK, C_ACTIVE = (
    "옵션명", "SKU", "판매가", "정상가", "재고", "재고관리", "판매")
COLUMNS = (C_ID, C_NAME, C_CATEGORY, C_KIND, C_TAX, C_ORIGIN, C_UNIT, C_SUMMARY,
           C_VARIANT, C_SKU, C_PRICE, C_LIST_PRICE, C_STOCK, C_TRACK, C_ACTIVE)
VARIANT_COLUMNS = (C_VARIANT, C_SKU, C_PRICE, C_LIST_PRICE, C_STOCK)

KIND_WORDS = {"상품": ProductKind.GOODS, "goods": ProductKind.GOODS,
              "서비스": ProductKind.SERVICE, "service": ProductKind.SERVICE}
TAX_WORDS = {"과세": TaxType.TAXABLE, "taxable": TaxType.TAXABLE, "면세": TaxType.EXEMPT, "exempt": TaxType.EXEMPT}
YES = {"y", "yes", "예", "네", "o", "true", "1"}
NO = {"n", "no", "아니오", "아니요", "x", "false", "0"}
KIND_LABELS = {ProductKind.GOODS: "상품", ProductKind.SERVICE: "서비스"}
TAX_LABELS = {TaxType.TAXABLE: "과세", TaxType.EXEMPT: "면세"}

PRODUCT_FIELDS = {
    "name": gettext_lazy("상품명"), "category": gettext_lazy("분류"), "kind": gettext_lazy("종류"),
    "tax_type": gettext_lazy("과세구분"), "origin": gettext_lazy("원산지"), "unit": gettext_lazy("판매단위"),
    "summary": gettext_lazy("한줄소개"),
}
PRODUCT_COLUMN = {"name": C_NAME, "category": C_CATEGORY, "kind": C_KIND, "tax_type": C_TAX, "origin": C_ORIGIN,
                  "unit": C_UNIT, "summary": C_SUMMARY}
VARIANT_FIELDS = {
    "name": gettext_lazy("옵션명"), "price": gettext_lazy("판매가"), "list_price": gettext_lazy("정상가"),
    "stock": gettext_lazy("재고"), "track_stock": gettext_lazy("재고관리"), "is_active": gettext_lazy("판매"),
}

CREATE, UPDATE, SAME = "create", "update", "same"


class ImportRefused(DomainError):
    """The file has row errors (or changed under us); nothing was saved. `plan` lists them."""

    def __init__(self, plan: "ImportPlan"):
        super().__init__(_("오류가 있는 행이 있어 아무것도 저장하지 않았습니다."))
        self.plan = plan


# --- reading the file -----------------------------------------------------------------


def import_file_read(upload) -> tuple[str, bytes, list]:
    """Check an uploaded sheet by extension and content; return (format, bytes, rows) or raise ValidationError."""
    name = (getattr(upload, "name", "") or "").lower()
    if name.endswith(".csv"):
        fmt = CSV
    elif name.endswith(".xlsx"):
        fmt = XLSX
    elif name.endswith(".xls"):
        raise ValidationError(_("예전 엑셀 형식(.xls)은 읽을 수 없습니다. 엑셀에서 'Excel 통합 문서(.xlsx)'로 저장해 주세요."),
                              code="extension")
    else:
        raise ValidationError(_("CSV 또는 XLSX(엑셀) 파일만 올릴 수 있습니다."), code="extension")
    limit = settings.UPLOAD_MAX_BYTES
    too_large = ValidationError(_("파일이 너무 큽니다. %(limit)s까지 올릴 수 있습니다.") % {"limit": filesizeformat(limit)},
                                code="too_large")
    if upload.size is not None and upload.size > limit:
        raise too_large
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data.strip():
        raise ValidationError(_("빈 파일입니다."), code="empty")
    # Parsing checks the content: a file that does not parse is refused here, before any preview.
    return fmt, data, table_parse(fmt, data)


def _not_csv():
    return ValidationError(_("CSV 파일이 아닙니다. 파일 내용을 확인해 주세요."), code="type")


def _not_xlsx():
    return ValidationError(_("XLSX(엑셀) 파일이 아닙니다. 파일 내용을 확인해 주세요."), code="type")


def _csv_records(data: bytes):
    try:
        text = csv_decode(data)
    except CsvUnreadable as exc:
        raise ValidationError(exc.message, code=exc.code)
    try:
        for record in csv.reader(io.StringIO(text, newline="")):
            # The export guards formula-like text with a leading apostrophe; take it off again.
            yield [cell_unescape(c) for c in record[:MAX_COLUMNS]]
    except csv.Error:
        raise _not_csv()


def _xlsx_records(data: bytes):
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_xlsx()
    if "xl/workbook.xml" not in names:
        raise _not_xlsx()
    if unpacked > MAX_XLSX_UNPACKED:
        raise ValidationError(_("엑셀 파일의 내용이 너무 큽니다. 행을 나누어 올려 주세요."), code="too_large")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken file; all mean the same to the user
        raise _not_xlsx()
    try:
        sheet = workbook.worksheets[0]
        for record in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield list(record)
    except Exception:
        raise _not_xlsx()
    finally:
        workbook.close()


def _header_key(value) -> str:
    text = _text(value)
    return re.sub(r"\(.*?\)|\s", "", text).upper() if text else ""


def table_parse(fmt: str, data: bytes) -> list[tuple[int, dict]]:
    """The sheet's data rows as (row number as the spreadsheet shows it, {column: value})."""
    records = _csv_records(data) if fmt == CSV else _xlsx_records(data)
    header, rows = None, []
    wanted = {c.upper(): c for c in COLUMNS}
    for line, record in enumerate(records, start=1):
        if not any(_text(v) for v in record):
            continue
        if header is None:
            keys = [_header_key(v) for v in record]
            header = {i: wanted[k] for i, k in enumerate(keys) if k in wanted}
            dupes = [c for c, n in Counter(header.values()).items() if n > 1]
            if dupes:
                raise ValidationError(_("같은 이름의 열이 두 번 있습니다: %(cols)s") % {"cols": ", ".join(dupes)}, code="header")
            missing = [c for c in COLUMNS if c not in header.values()]
            if missing:
                raise ValidationError(
                    _("첫 행에 필요한 열이 없습니다: %(cols)s. 내보내기로 받은 파일의 첫 행을 그대로 써 주세요.")
                    % {"cols": ", ".join(missing)}, code="header")
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationError(_("한 번에 %(max)s행까지 올릴 수 있습니다. 파일을 나누어 올려 주세요.") % {"max": f"{MAX_ROWS:,}"},
                                  code="too_many")
        rows.append((line, {col: record[i] if i < len(record) else None for i, col in header.items()}))
    if header is None:
        raise ValidationError(_("빈 파일입니다."), code="empty")
    return rows


# --- cells ----------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class CellError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


def _number(value, *, required: bool) -> int | None:
    if isinstance(value, bool):
        raise CellError(_("숫자로 입력해 주세요"))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("소수점 없이 숫자로 입력해 주세요"))
        number = int(value)
    else:
        text = re.sub(r"[,\s]", "", _text(value)).removesuffix("원")
        if not text:
            if required:
                raise CellError(_("입력해 주세요"))
            return None
        if not re.fullmatch(r"[+-]?\d+", text):
            raise CellError(_("숫자로 입력해 주세요"))
        number = int(text)
    if number < 0:
        raise CellError(_("0 이상으로 입력해 주세요"))
    if number > 2_000_000_000:
        raise CellError(_("숫자가 너무 큽니다"))
    return number


def _yes_no(value, *, default: bool) -> bool:
    text = _text(value).lower()
    if not text:
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_("Y 또는 N으로 입력해 주세요"))


def _choice(value, words: dict, default: str, labels: dict) -> str:
    text = _text(value)
    if not text:
        return default
    found = words.get(text) or words.get(text.lower())
    if found is None:
        raise CellError(_("%(choices)s 중 하나로 입력해 주세요") % {"choices": " / ".join(labels.values())})
    return found


def _limited(value, limit: int, *, required: bool = False) -> str:
    text = _text(value)
    if required and not text:
        raise CellError(_("입력해 주세요"))
    if len(text) > limit:
        raise CellError(_("%(limit)s자 이내로 입력해 주세요") % {"limit": limit})
    return text


class Categories:
    """Find a category by its slug, its name, or 'parent > child' as the admin shows it."""

    def __init__(self):
        self.all = list(Category.objects.select_related("parent"))
        self.by_slug = {c.slug.lower(): c for c in self.all}
        self.by_name: dict[str, list] = {}
        for c in self.all:
            for key in {c.name, str(c)}:
                self.by_name.setdefault(_squash(key), []).append(c)

    def find(self, value, current: Category | None = None) -> Category:
        text = _text(value)
        if not text:
            raise CellError(_("입력해 주세요"))
        found = self.by_slug.get(text.lower())
        if found is None:
            matches = self.by_name.get(_squash(text), [])
            if len(matches) > 1:
                raise CellError(_("같은 이름의 분류가 여럿입니다. 영문 주소 이름(%(slugs)s)으로 적어 주세요")
                                % {"slugs": ", ".join(c.slug for c in matches)})
            found = matches[0] if matches else None
        if found is None:
            raise CellError(_("'%(value)s' 분류가 없습니다") % {"value": text})
        if not found.is_active and found != current:
            raise CellError(_("'%(value)s' 분류는 지금 쓰지 않습니다") % {"value": text})
        return found

    def label(self, category: Category) -> str:
        """What the export writes: the name when it is unambiguous, else the slug."""
        return category.name if len(self.by_name.get(_squash(category.name), [])) == 1 else category.slug


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- the plan (preview) ---------------------------------------------------------------


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self):
        return _("%(line)s행 %(column)s: %(message)s") % {"line": self.line, "column": self.column,
                                                           "message": self.message}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class VariantPlan:
    line: int
    sku: str
    values: dict
    action: str = CREATE
    variant: ProductVariant | None = None
    changes: list[Change] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)


@dataclass
class ProductPlan:
    line: int
    values: dict
    product: Product | None = None
    lines: list[int] = field(default_factory=list)
    action: str = CREATE
    changes: list[Change] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    variants: list[VariantPlan] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.values["name"]

    @property
    def touched(self) -> bool:
        return self.action != SAME or any(v.action != SAME for v in self.variants)


@dataclass
class ImportPlan:
    rows: int = 0
    products: list[ProductPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return any(p.touched for p in self.products)

    def counts(self) -> dict:
        variants = [v for p in self.products for v in p.variants]
        return {
            "products_created": sum(p.action == CREATE for p in self.products),
            "products_updated": sum(p.action == UPDATE for p in self.products),
            "variants_created": sum(v.action == CREATE for v in variants),
            "variants_updated": sum(v.action == UPDATE for v in variants),
            "unchanged": sum(not p.touched for p in self.products),
        }


def _show(name: str, value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int):
        return f"{value:,}"
    if name == "kind":
        return KIND_LABELS.get(value, value)
    if name == "tax_type":
        return TAX_LABELS.get(value, value)
    return str(value)


def _row_values(line: int, row: dict, categories: Categories, current: dict, errors: list) -> tuple:
    """One row to (product id, product values, variant values or None); errors appended."""

    def cell(column, parse):
        try:
            return parse(row.get(column))
        except CellError as exc:
            errors.append(RowError(line, column, exc.message))
            return None

    product_id = cell(C_ID, lambda v: _number(v, required=False))
    product = current.get(product_id)
    values = {
        "name": cell(C_NAME, lambda v: _limited(v, 120, required=True)),
        "category": cell(C_CATEGORY, lambda v: categories.find(v, product.category if product else None)),
        "kind": cell(C_KIND, lambda v: _choice(v, KIND_WORDS, ProductKind.GOODS, KIND_LABELS)),
        "tax_type": cell(C_TAX, lambda v: _choice(v, TAX_WORDS, TaxType.TAXABLE, TAX_LABELS)),
        "origin": cell(C_ORIGIN, lambda v: _limited(v, 100)),
        "unit": cell(C_UNIT, lambda v: _limited(v, 50)),
        "summary": cell(C_SUMMARY, lambda v: _limited(v, 200)),
    }
    if not any(_text(row.get(c)) for c in VARIANT_COLUMNS):
        return product_id, values, None  # a product without variants (as the export writes one)
    is_service = values["kind"] == ProductKind.SERVICE
    track = cell(C_TRACK, lambda v: _yes_no(v, default=not is_service))
    variant = {
        "name": cell(C_VARIANT, lambda v: _limited(v, 80)) or "기본",
        "sku": cell(C_SKU, lambda v: _limited(v, 60, required=True)),
        "price": cell(C_PRICE, lambda v: _number(v, required=True)),
        "list_price": cell(C_LIST_PRICE, lambda v: _number(v, required=False)),
        "stock": cell(C_STOCK, lambda v: _number(v, required=bool(track))),
        "track_stock": track,
        "is_active": cell(C_ACTIVE, lambda v: _yes_no(v, default=True)),
    }
    if variant["stock"] is None:
        variant["stock"] = 0
    return product_id, values, variant


def import_plan(*, vendor: Vendor, rows: list[tuple[int, dict]], lock: bool = False) -> ImportPlan:
    """Check every row against the vendor's products; say what would be created and changed.

    Nothing is written. With `lock`, the vendor's products and variants named in the file
    are locked (for `import_apply`, inside its transaction).
    """
    plan = ImportPlan(rows=len(rows))
    categories = Categories()
    ids = set()
    for _line, row in rows:
        try:
            pid = _number(row.get(C_ID), required=False)
        except CellError:
            continue
        if pid is not None:
            ids.add(pid)
    owners = dict(Product.objects.filter(pk__in=ids).values_list("pk", "vendor_id"))
    products = Product.objects.filter(pk__in=ids, vendor=vendor).select_related("category").order_by("pk")
    variants = ProductVariant.objects.order_by("pk")
    if lock:
        products = products.select_for_update(of=("self",))
        variants = variants.select_for_update()
    mine = {p.pk: p for p in products.prefetch_related(Prefetch("variants", queryset=variants))}

    groups: dict[tuple, ProductPlan] = {}
    for line, row in rows:
        errors: list[RowError] = []
        product_id, values, variant = _row_values(line, row, categories, mine, errors)
        if product_id is not None:
            if product_id not in owners:
                errors.append(RowError(line, C_ID, _("없는 상품입니다")))
            elif product_id not in mine:
                errors.append(RowError(line, C_ID, _("다른 기업의 상품입니다")))
        plan.errors.extend(errors)
        if errors:
            continue
        key = ("id", product_id) if product_id is not None else ("new", values["name"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = ProductPlan(line=line, values=values, product=mine.get(product_id))
        else:
            for name, value in values.items():
                if value != group.values[name]:
                    plan.errors.append(RowError(line, PRODUCT_COLUMN[name],
                                                _("같은 상품의 %(line)s행과 값이 다릅니다") % {"line": group.line}))
        group.lines.append(line)
        if variant is not None:
            sku = variant.pop("sku")
            twin = next((v for v in group.variants if v.sku == sku), None)
            if twin is not None:
                plan.errors.append(RowError(line, C_SKU, _("같은 상품의 %(line)s행과 SKU가 같습니다") % {"line": twin.line}))
                continue
            group.variants.append(VariantPlan(line=line, sku=sku, values=variant))

    for group in groups.values():
        values = group.values
        if origin_missing(values["category"], values["origin"]):
            plan.errors.append(RowError(group.line, C_ORIGIN, _("식품은 원산지를 입력해 주세요")))
        _diff(group)
        plan.products.append(group)
    plan.errors.sort(key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else 0))
    return plan


def _diff(group: ProductPlan) -> None:
    product = group.product
    if product is not None:
        for name, label in PRODUCT_FIELDS.items():
            old = product.category if name == "category" else getattr(product, name)
            if old != group.values[name]:
                group.fields.append(name)
                group.changes.append(Change(str(label), _show(name, old), _show(name, group.values[name])))
        group.action = UPDATE if group.changes else SAME
    existing = {v.sku: v for v in product.variants.all()} if product is not None else {}
    for plan in group.variants:
        plan.variant = existing.get(plan.sku)
        if plan.variant is None:
            continue
        for name, label in VARIANT_FIELDS.items():
            old, new = getattr(plan.variant, name), plan.values[name]
            if old != new:
                plan.fields.append(name)
                plan.changes.append(Change(str(label), _show(name, old), _show(name, new)))
        plan.action = UPDATE if plan.changes else SAME


# --- applying -------------------------------------------------------------------------


@transaction.atomic
def import_apply(*, vendor_id: int, fmt: str, data: bytes, actor) -> ImportPlan:
    """Read the file again, check it again under locks and apply it, all or nothing.

    New products start as drafts; existing ones (by 상품ID, within the vendor) are updated,
    their variants matched by SKU; variants the file does not name are left alone. Stock
    changes go through stock_changed, so products refresh and low-stock notices go out.
    """
    vendor = Vendor.objects.get(pk=vendor_id)
    if not (actor.is_active and (actor.is_staff or user_is_vendor_member(actor, vendor.pk))):
        raise NotAllowed(_("이 기업의 상품을 바꿀 권한이 없습니다."))
    plan = import_plan(vendor=vendor, rows=table_parse(fmt, data), lock=True)
    if not plan.ok:
        raise ImportRefused(plan)
    for group in plan.products:
        if not group.touched:
            continue
        product = group.product
        if product is None:
            product = group.product = Product.objects.create(vendor=vendor, status=ProductStatus.DRAFT, **group.values)
        elif group.fields:
            for name in group.fields:
                setattr(product, name, group.values[name])
            product.save(update_fields=[*group.fields, "updated_at"])
        position = None
        decreased = []
        for variant_plan in group.variants:
            variant = variant_plan.variant
            if variant is None:
                if position is None:
                    last = product.variants.aggregate(m=Max("position"))["m"]
                    position = -1 if last is None else last
                position += 1
                ProductVariant.objects.create(product=product, sku=variant_plan.sku, position=position,
                                              **variant_plan.values)
                continue
            if not variant_plan.fields:
                continue
            before = variant.stock  # the row is locked since import_plan(lock=True)
            for name in variant_plan.fields:
                setattr(variant, name, variant_plan.values[name])
            variant.save(update_fields=variant_plan.fields)
            if variant.stock < before:
                decreased.append((variant, before))
        # Only a fall can cross a low-stock threshold; the product is refreshed once either way.
        for variant, before in decreased:
            stock_changed(variant=variant, before=before, refresh=False)
        product_refresh(product_id=product.pk)
    return plan


# --- export ---------------------------------------------------------------------------


def export_rows(*, vendor_id: int):
    """The header, then one row per variant of the vendor's products (a product without any: one row)."""
    categories = Categories()
    yield list(COLUMNS)
    products = (
        Product.objects.filter(vendor_id=vendor_id).select_related("category").order_by("pk")
        .prefetch_related(Prefetch("variants", queryset=ProductVariant.objects.order_by("position", "pk")))
    )
    for product in products.iterator(chunk_size=500):
        base = [product.pk, product.name, categories.label(product.category), KIND_LABELS[product.kind],
                TAX_LABELS[product.tax_type], product.origin, product.unit, product.summary]
        variants = list(product.variants.all())
        if not variants:
            yield base + ["", "", "", "", "", "", ""]
        for v in variants:
            yield base + [v.name, v.sku, v.price, v.list_price if v.list_price is not None else "", v.stock,
                          "Y" if v.track_stock else "N", "Y" if v.is_active else "N"]


def export_csv(*, vendor_id: int) -> bytes:
    """UTF-8 with a BOM, so Korean Excel opens it with the right characters."""
    return excel_csv(export_rows(vendor_id=vendor_id))


def export_xlsx(*, vendor_id: int) -> bytes:
    widths = {C_NAME: 30, C_SUMMARY: 30, C_CATEGORY: 16, C_ORIGIN: 18, C_VARIANT: 16, C_SKU: 16}
    sheet = Sheet(
        title="상품", rows=list(export_rows(vendor_id=vendor_id)), headings={0},
        widths=[widths.get(column, 10) for column in COLUMNS], freeze_panes="A2",
        text_columns=frozenset(COLUMNS.index(c) + 1 for c in (C_NAME, C_ORIGIN, C_UNIT, C_SUMMARY, C_VARIANT, C_SKU)),
    )
    return excel_xlsx([sheet])
