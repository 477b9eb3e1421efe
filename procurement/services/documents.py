"""Generated procurement PDFs: quotes (견적서), purchase orders (발주서), delivery notes (납품서)
and product spec sheets (상품 사양서).

Each document is made from plain "facts" (the lines, the amounts, the parties' details);
their hash is the document's fingerprint (the pipeline is ddasum.documents), so making it again writes nothing unless something
it shows has changed, and a retried task is harmless. Rendering happens in Celery tasks
(procurement.tasks, with ddasum.pdf); the download views only queue them.

A quote version's PDF is the quote as issued: once a later version exists, an earlier
version's PDF is never made again (a new seal or address shows on the new version only).
The current version's PDF follows the vendor's details until the next version.
"""
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.models import Product, TaxType
from ddasum.documents import data_uri, document_make_if_changed, fingerprint
from ddasum.money import EXEMPT, TAXABLE
from ddasum.pdf import render_pdf
from vendors.selectors import vendor_seal_data_uri, vendor_supplier_facts

from ..amounts import amount_in_words, quote_totals
from ..models import AgencyMembership, POStatus, PurchaseOrder, QuoteVersion
from ..selectors.access import DELIVERED_STATUSES

# Bump when a template changes what it shows: every document is made again when next asked.
TEMPLATE_VERSION = 1
TAX_LABELS = {TAXABLE: TaxType.TAXABLE.label, EXEMPT: TaxType.EXEMPT.label}
# Largest product image put on a spec sheet (a thumbnail when there is one: smaller and faster).
SPEC_IMAGE_WIDTH = "480"


# --- facts ------------------------------------------------------------------------------------


def _date(value) -> str:
    if not value:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d")


def vendor_facts(vendor) -> dict:
    """The 공급자 block: registration details, seal and the account to pay into."""
    return {
        **vendor_supplier_facts(vendor),
        "email": vendor.email, "enterprise_type": str(vendor.get_enterprise_type_display()),
        "bank": {"name": vendor.bank_name, "number": vendor.bank_account_number,
                 "holder": vendor.bank_account_holder},
    }


def agency_facts(agency) -> dict:
    return {"id": agency.pk, "name": agency.name, "registration_number": agency.registration_number,
            "address": agency.full_address, "phone": agency.phone}


def _person(user, agency_id) -> dict:
    if user is None:
        return {"name": "", "department": ""}
    department = (AgencyMembership.objects.filter(user=user, agency_id=agency_id)
                  .values_list("department", flat=True).first() or "")
    return {"name": user.name, "department": department, "phone": user.phone, "email": user.email}


def _lines(lines) -> list[dict]:
    return [
        {"name": ln.name, "spec": ln.spec, "unit": ln.unit, "quantity": ln.quantity, "unit_price": ln.unit_price,
         "amount": ln.amount, "tax_type": ln.tax_type, "tax_label": str(TAX_LABELS.get(ln.tax_type, ln.tax_type))}
        for ln in lines
    ]


def _totals(lines) -> dict:
    """공급가액 / 세액 / 합계 per tax type (amounts.quote_totals), and the total in words."""
    totals = quote_totals(lines)
    rows = []
    if totals.taxable_supply or totals.taxable_vat:
        rows.append({"label": str(TAX_LABELS[TAXABLE]), "supply": totals.taxable_supply, "vat": totals.taxable_vat,
                     "total": totals.taxable_supply + totals.taxable_vat})
    if totals.exempt_amount:
        rows.append({"label": str(TAX_LABELS[EXEMPT]), "supply": totals.exempt_amount, "vat": 0,
                     "total": totals.exempt_amount})
    return {"rows": rows, "supply": totals.supply_total, "vat": totals.taxable_vat, "total": totals.total,
            "words": amount_in_words(totals.total)}


def quote_facts(version: QuoteVersion) -> dict:
    """What a quote version's PDF shows, as plain data (cheap: no rendering)."""
    quote = version.quote
    request = quote.request
    with translation.override("ko"):
        lines = list(version.lines.all())
        return {
            "v": TEMPLATE_VERSION, "kind": "quote",
            "number": f"{quote.number}-{version.version}", "quote_number": quote.number, "version": version.version,
            "issued_on": _date(version.issued_on), "valid_until": _date(version.valid_until),
            "delivery_terms": version.delivery_terms, "notes": version.notes,
            "request": {"number": request.number, "title": request.title, "delivery_place": request.delivery_place,
                        "wanted_delivery_date": _date(request.wanted_delivery_date)},
            "agency": agency_facts(request.agency),
            "requester": _person(request.created_by, request.agency_id),
            "vendor": vendor_facts(quote.vendor),
            "lines": _lines(lines),
            "totals": _totals(lines),
        }


def _quote_reference(po: PurchaseOrder) -> str:
    if not po.quote_id:
        return ""
    if po.quote_version_id:
        return f"{po.quote.number}-{po.quote_version.version}"
    return po.quote.number


def po_facts(po: PurchaseOrder) -> dict:
    """What a purchase order (발주서) shows; only cancellation changes it after it is issued."""
    with translation.override("ko"):
        lines = list(po.lines.all())
        cancelled = po.status == POStatus.CANCELLED
        return {
            "v": TEMPLATE_VERSION, "kind": "po", "number": po.number, "issued_on": _date(po.issued_at),
            "source": str(po.get_source_display()),
            "quote_number": _quote_reference(po),
            "void": cancelled, "status_label": str(po.get_status_display()) if cancelled else "",
            "agency": agency_facts(po.agency), "orderer": _person(po.created_by, po.agency_id),
            "vendor": vendor_facts(po.vendor),
            "delivery_place": po.delivery_place, "wanted_delivery_date": _date(po.wanted_delivery_date),
            "memo": po.memo, "payment_method": str(po.get_payment_method_display()),
            "lines": _lines(lines), "totals": _totals(lines),
        }


def delivery_note_facts(po: PurchaseOrder) -> dict:
    """What the delivery note (납품서) shows: what was delivered, when, and its inspection."""
    with translation.override("ko"):
        lines = list(po.lines.all())
        return {
            "v": TEMPLATE_VERSION, "kind": "delivery_note", "number": po.number,
            "delivered_on": _date(po.delivered_at), "inspected_on": _date(po.inspected_at),
            "agency": agency_facts(po.agency), "orderer": _person(po.created_by, po.agency_id),
            "vendor": vendor_facts(po.vendor), "delivery_place": po.delivery_place,
            "note": po.delivery_note, "lines": _lines(lines), "totals": _totals(lines),
        }


def _spec_lines(text: str) -> list[list[str]]:
    """The product's 상품 정보 고시, one "항목: 내용" a line, as rows."""
    rows = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        rows.append([key.strip(), value.strip()] if sep else ["", line])
    return rows


def _main_image(product: Product):
    images = getattr(product, "_prefetched_objects_cache", {}).get("images")
    images = list(images) if images is not None else list(product.images.all()[:1])
    return images[0] if images else None


def spec_sheet_facts(product: Product, variant_ids=()) -> dict:
    """What a product's spec sheet (상품 사양서) shows, from the catalog."""
    image = _main_image(product)
    image_name = ""
    if image is not None:
        image_name = image.thumbs.get(SPEC_IMAGE_WIDTH) or image.image.name
    variants = [v for v in product.variants.all() if (v.pk in variant_ids if variant_ids else v.is_active)]
    with translation.override("ko"):
        return {
            "v": TEMPLATE_VERSION, "kind": "spec", "id": product.pk, "name": product.name,
            "summary": product.summary, "category": product.category.name if product.category_id else "",
            "kind_label": str(product.get_kind_display()), "tax_label": str(product.get_tax_type_display()),
            "origin": product.origin, "unit": product.unit, "price": product.price,
            "min_order_qty": product.min_order_qty,
            "vendor": {"name": product.vendor.name, "phone": product.vendor.phone,
                       "enterprise_type": str(product.vendor.get_enterprise_type_display())},
            "specs": _spec_lines(product.specs),
            "variants": [{"name": v.name, "sku": v.sku, "price": v.price} for v in variants],
            "image": image_name,
        }


# --- rendering --------------------------------------------------------------------------------


def _render(template: str, facts: dict, **extra) -> bytes:
    context = {**facts, **extra}
    vendor = facts.get("vendor")
    if isinstance(vendor, dict) and vendor.get("seal"):
        context["seal_uri"] = vendor_seal_data_uri(vendor["id"])
    with translation.override("ko"):
        return render_pdf(template, context)


def render_quote(facts: dict) -> bytes:
    return _render("pdf/procurement/quote.html", facts, title=_("견적서"))


def render_po(facts: dict) -> bytes:
    return _render("pdf/procurement/purchase_order.html", facts, title=_("발주서"))


def render_delivery_note(facts: dict) -> bytes:
    return _render("pdf/procurement/delivery_note.html", facts, title=_("납품서"))


def spec_sheets_render(sheets: list[dict]) -> bytes:
    """All the spec sheets in one PDF (one render), each starting on a new page.

    Each sheet's title is a PDF bookmark named `spec-<product id>` (see the template), so
    `spec_sheet_pages` can cut the PDF back into one file per product.
    """
    for sheet in sheets:
        # A public media image (a product photo); "" when it cannot be read.
        sheet["image_uri"] = data_uri(sheet["image"])
    try:
        return _render("pdf/procurement/spec_sheets.html", {"sheets": sheets}, title=_("상품 사양서"))
    finally:
        for sheet in sheets:
            sheet.pop("image_uri", None)


def spec_sheet_pages(reader, sheets: list[dict]) -> dict[int, tuple[int, int]]:
    """{product id: (first page index, page count)} of a spec-sheet PDF read by pypdf."""
    starts = {}
    for item in reader.outline:
        if isinstance(item, list):
            continue
        title = str(item.title)
        if title.startswith("spec-"):
            starts[int(title[5:])] = reader.get_destination_page_number(item)
    ordered = [(sheet["id"], starts[sheet["id"]]) for sheet in sheets if sheet["id"] in starts]
    total = len(reader.pages)
    pages = {}
    for index, (product_id, start) in enumerate(ordered):
        end = ordered[index + 1][1] if index + 1 < len(ordered) else total
        pages[product_id] = (start, max(end - start, 1))
    return pages


# --- making documents -------------------------------------------------------------------------


def _version_locked(version_id: int) -> QuoteVersion:
    return (QuoteVersion.objects.select_for_update(of=("self",))
            .select_related("quote__request__agency", "quote__request__created_by", "quote__vendor")
            .get(pk=version_id))


def quote_pdf_is_current(version: QuoteVersion) -> bool:
    """Whether the stored PDF is the one to hand out (no rendering)."""
    if not version.pdf:
        return False
    if version.quote.current_version_id != version.pk:
        return True  # an earlier version stays as issued
    return version.pdf_fingerprint == fingerprint(quote_facts(version))


def quote_pdf_make(*, version_id: int) -> QuoteVersion | None:
    """Render and store the quote version's PDF; None when the stored one is current (idempotent)."""

    def load() -> QuoteVersion | None:
        version = _version_locked(version_id)
        # An earlier version's PDF stays as issued.
        return None if version.pdf and version.quote.current_version_id != version.pk else version

    return document_make_if_changed(
        load=load, facts=quote_facts, render=lambda version, facts: render_quote(facts),
        field="pdf", fingerprint_field="pdf_fingerprint",
        name=lambda version: f"{version.quote.number}-v{version.version}.pdf",
    )


def _po_locked(po_id: int) -> PurchaseOrder:
    return (PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("agency", "vendor", "created_by", "quote", "quote_version").get(pk=po_id))


def po_pdf_is_current(po: PurchaseOrder) -> bool:
    return bool(po.pdf) and po.pdf_fingerprint == fingerprint(po_facts(po))


def po_pdf_make(*, po_id: int) -> PurchaseOrder | None:
    """Render and store the purchase order's PDF (발주서); None when the stored one is current."""
    return document_make_if_changed(
        load=lambda: _po_locked(po_id), facts=po_facts, render=lambda po, facts: render_po(facts),
        field="pdf", fingerprint_field="pdf_fingerprint", name=lambda po: f"{po.number}.pdf",
    )


def delivery_note_applies(po: PurchaseOrder) -> bool:
    return po.status in DELIVERED_STATUSES


def delivery_note_is_current(po: PurchaseOrder) -> bool:
    return (delivery_note_applies(po) and bool(po.delivery_note_pdf)
            and po.delivery_note_fingerprint == fingerprint(delivery_note_facts(po)))


def delivery_note_pdf_make(*, po_id: int) -> PurchaseOrder | None:
    """Render and store the delivery note (납품서) once the order is delivered; None otherwise."""

    def load() -> PurchaseOrder | None:
        po = _po_locked(po_id)
        return po if delivery_note_applies(po) else None

    return document_make_if_changed(
        load=load, facts=delivery_note_facts, render=lambda po, facts: render_delivery_note(facts),
        field="delivery_note_pdf", fingerprint_field="delivery_note_fingerprint",
        name=lambda po: f"{po.number}-delivery.pdf",
    )
