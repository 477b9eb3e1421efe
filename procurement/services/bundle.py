"""The one-click document bundle of a quote (서류 한 번에 받기): one PDF and a ZIP.

The PDF holds, in order: a cover page listing what it holds (with page numbers) and what is
missing or needs checking, the quote (the current version), the business registration
certificate, the enterprise-type proof (사회적기업 인증서 and the like), the bank book copy,
a spec sheet per quoted catalog product and, once the purchase order is delivered, the
delivery note (납품서). Image documents become fitted A4 pages; PDFs are merged with pypdf.
The ZIP holds the same files one by one (the vendor's originals), under Korean names.

Only what the vendor shares goes in: its documents only when it submitted this quote
(selectors.access.quote_shares_documents), and of each kind the confirmed current one
(vendors.selectors.vendor_documents_shareable: a renewal waiting for the operator never
replaces the confirmed certificate). Every PDF in it, and the bundle itself, is rewritten
without active content (ddasum.pdf_clean): files stored before uploads were cleaned may carry some.

Nothing fails silently: a document the vendor has not uploaded, one that cannot be read,
and a certification past its end date are listed on the cover (and in `missing`, which the
quote page shows before anyone downloads). An expired certificate is still included.

Cached by fingerprint: the hash of the quote version and what its PDF shows, each included
document's id and sha256, the products' spec facts, the certification's state and the
delivery. `bundle_request` queues a build only when that changed (or the last build
failed); `bundle_build` does nothing when the stored files are current.
"""
import hashlib
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError

from catalog.models import Product
from ddasum import jobs
from ddasum.documents import file_store, fingerprint
from ddasum.pdf import render_pdf
from ddasum.pdf_clean import PdfUnsafe, pdf_clean
from vendors.models import CERTIFIED_TYPES, DocumentKind, VendorDocument, document_label
from vendors.selectors import vendor_documents_shareable
from vendors.services import document_reads_record

from ..exceptions import NotAllowed, ProcurementError
from ..models import BundleStatus, PurchaseOrder, QuoteBundle, QuoteVersion, VendorQuote
from ..selectors.access import BUNDLE_DOCUMENT_KINDS, quote_may_view, quote_reader_grant, quote_shares_documents
from .documents import (
    DELIVERED_STATUSES,
    delivery_note_facts,
    delivery_note_pdf_make,
    quote_facts,
    quote_pdf_make,
    spec_sheet_facts,
    spec_sheet_pages,
    spec_sheets_render,
)

logger = logging.getLogger(__name__)

__all__ = ["BUNDLE_DOCUMENT_KINDS", "bundle_build", "bundle_downloaded", "bundle_is_current", "bundle_request",
           "bundle_state"]

# Bump when the cover or the assembly changes: every bundle is built again when next asked.
# 2: only shared, confirmed documents; every PDF cleaned of active content; the documents' ids kept.
BUNDLE_VERSION = 2
# A pending build older than this is queued again when asked (its task was lost).
PENDING_STALE = timedelta(minutes=5)
# How long a rendered spec sheet is kept in the cache (keyed by what it shows).
SPEC_CACHE_SECONDS = 24 * 3600
# A4 in PDF points, and the margin around a scanned document.
A4_WIDTH, A4_HEIGHT, IMAGE_MARGIN = 595.28, 841.89, 28.0
# Scans larger than this (pixels, long side) are shrunk first: ~200 dpi on A4 is plenty.
IMAGE_MAX_SIDE = 2000

OK, MISSING, EXPIRED, UNREADABLE = "ok", "missing", "expired", "unreadable"


@dataclass
class Part:
    """One entry of the bundle: included (with its pages), or listed as missing/unreadable."""

    key: str
    label: str
    state: str = OK
    note: str = ""
    document: VendorDocument | None = None
    product_id: int | None = None
    reader: PdfReader | None = None
    zip_label: str = ""  # the file's name in the ZIP when not the label
    zip_ext: str = "pdf"
    zip_data: bytes = b""
    first_page: int = 0
    page_count: int = 0

    @property
    def included(self) -> bool:
        return self.state in (OK, EXPIRED)

    @property
    def problem(self) -> str:
        """How the cover's list of missing items words this part ("" when there is nothing to say)."""
        if self.state == OK:
            return ""
        return f"{self.label}: {self.note}"


@dataclass
class Plan:
    """What a bundle of the quote holds now, found without rendering anything."""

    quote: VendorQuote
    version: QuoteVersion | None
    documents: dict
    products: list
    purchase_order: PurchaseOrder | None
    parts: list[Part] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def missing(self) -> list[str]:
        return [p.problem for p in self.parts if p.problem]

    @property
    def delivered(self) -> bool:
        return self.purchase_order is not None and self.purchase_order.status in DELIVERED_STATUSES


# --- what goes in -----------------------------------------------------------------------------


def _quote_for_bundle(quote_id: int) -> VendorQuote:
    return VendorQuote.objects.select_related("request__agency", "request__created_by", "vendor",
                                              "current_version").get(pk=quote_id)


def _certification_note(vendor, today) -> str:
    """"" when the type proof needs no remark; the expiry remark of a certified type past its end date."""
    if vendor.enterprise_type in CERTIFIED_TYPES and vendor.cert_valid_until and vendor.cert_valid_until < today:
        return _("인증 만료 (%(day)s까지 유효)") % {"day": vendor.cert_valid_until.strftime("%Y-%m-%d")}
    return ""


def _quoted_products(version: QuoteVersion | None) -> list[tuple[Product, set]]:
    """The catalog products of the version's lines, in line order, with the quoted variant ids."""
    if version is None:
        return []
    pairs = list(version.lines.filter(variant__isnull=False).values_list("variant_id", "variant__product_id"))
    order, variants = [], {}
    for variant_id, product_id in pairs:
        if product_id not in variants:
            order.append(product_id)
            variants[product_id] = set()
        variants[product_id].add(variant_id)
    products = (Product.objects.filter(pk__in=order).select_related("vendor", "category")
                .prefetch_related("variants", "images"))
    by_id = {p.pk: p for p in products}
    return [(by_id[pk], variants[pk]) for pk in order if pk in by_id]


def bundle_plan(quote: VendorQuote, *, today=None) -> Plan:
    """List the bundle's parts and compute its fingerprint (a few queries, no rendering)."""
    today = today or timezone.localdate()
    vendor = quote.vendor
    version = quote.current_version
    shared = quote_shares_documents(quote)
    documents = vendor_documents_shareable(vendor.pk, BUNDLE_DOCUMENT_KINDS) if shared else {}
    purchase_order = PurchaseOrder.objects.filter(quote=quote).first()
    plan = Plan(quote=quote, version=version, documents=documents, products=_quoted_products(version),
                purchase_order=purchase_order)
    with translation.override("ko"):
        inputs = {"v": BUNDLE_VERSION, "quote": quote.pk, "vendor": vendor.pk,
                  "enterprise_type": vendor.enterprise_type, "shared": shared}
        if version is None:
            plan.parts.append(Part(key="quote", label=_("견적서"), state=MISSING, note=_("아직 발행되지 않음")))
            inputs["version"] = None
        else:
            plan.parts.append(Part(key="quote", label=_("견적서 제%(n)s차") % {"n": version.version}))
            inputs["version"] = {"id": version.pk, "facts": fingerprint(quote_facts(version))}
        for kind in BUNDLE_DOCUMENT_KINDS:
            label = str(document_label(kind, vendor.enterprise_type))
            doc = documents.get(kind)
            if doc is None:
                note = _("제출되지 않음") if shared else _("견적서를 낸 견적에만 담김")
                plan.parts.append(Part(key=kind, label=label, state=MISSING, note=note))
                inputs[kind] = None
                continue
            part = Part(key=kind, label=label, document=doc)
            if kind == DocumentKind.ENTERPRISE_PROOF and (note := _certification_note(vendor, today)):
                part.state, part.note = EXPIRED, note
            plan.parts.append(part)
            inputs[kind] = {"id": doc.pk, "sha256": doc.sha256, "state": part.state, "note": part.note}
        inputs["specs"] = []
        for product, variant_ids in plan.products:
            facts = spec_sheet_facts(product, variant_ids)
            plan.parts.append(Part(key=f"spec-{product.pk}", label=_("상품 사양서: %(name)s") % {"name": product.name},
                                   product_id=product.pk))
            inputs["specs"].append(fingerprint(facts))
        if plan.delivered:
            plan.parts.append(Part(key="delivery_note", label=_("납품서 %(number)s") % {
                "number": purchase_order.number}))
            inputs["delivery"] = {"po": purchase_order.pk, "status": purchase_order.status,
                                  "facts": fingerprint(delivery_note_facts(purchase_order))}
        else:
            inputs["delivery"] = None
    plan.fingerprint = hashlib.sha256(
        json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return plan


def bundle_is_current(bundle: QuoteBundle | None) -> bool:
    """Whether the stored bundle is ready and was made from what the quote holds now."""
    if bundle is None or bundle.status != BundleStatus.READY or not bundle.pdf:
        return False
    return bundle.fingerprint == bundle_plan(bundle.quote).fingerprint


# --- requesting -------------------------------------------------------------------------------


@transaction.atomic
def bundle_request(*, quote_id: int, user=None) -> QuoteBundle:
    """Ask for the quote's bundle: queue a build when its inputs changed or the last build failed."""
    quote = _quote_for_bundle(quote_id)
    if user is not None and not quote_may_view(user, quote):
        raise NotAllowed(_("이 견적의 서류를 받을 수 없습니다."))
    if quote.current_version_id is None:
        raise ProcurementError(_("아직 견적서가 도착하지 않아 서류를 묶을 수 없습니다."))
    bundle, created = QuoteBundle.objects.get_or_create(quote=quote)
    bundle = QuoteBundle.objects.select_for_update().get(pk=bundle.pk)
    digest = bundle_plan(quote).fingerprint
    if not created and bundle.fingerprint == digest:
        if bundle.status == BundleStatus.READY and bundle.pdf:
            return bundle
        if bundle.status == BundleStatus.PENDING and bundle.requested_at > timezone.now() - PENDING_STALE:
            return bundle  # already queued
    bundle.status = BundleStatus.PENDING
    bundle.fingerprint = digest
    bundle.error = ""
    bundle.requested_at = timezone.now()
    bundle.save(update_fields=["status", "fingerprint", "error", "requested_at"])
    jobs.after_commit("procurement.bundle_build_task", quote_id=quote_id)
    return bundle


# --- building ---------------------------------------------------------------------------------


def _read(field_file) -> bytes:
    with field_file.open("rb") as fh:
        return fh.read()


def _pdf_reader(data: bytes) -> PdfReader:
    """A readable, unencrypted PDF with at least one page, or ValueError."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValueError("encrypted")
        if not reader.pages:
            raise ValueError("no pages")
        for page in reader.pages:
            page.get_contents()  # touch every page: a broken one fails here, not in the merge
    except (PyPdfError, OSError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(str(exc)) from exc
    return reader


def image_pdf(data: bytes) -> bytes:
    """An image document as one A4 page, fitted within the margins and centred."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            if img.mode in ("RGBA", "LA", "P"):
                rgba = img.convert("RGBA")
                img = Image.new("RGB", rgba.size, (255, 255, 255))
                img.paste(rgba, mask=rgba.getchannel("A"))
            elif img.mode != "RGB":
                img = img.convert("RGB")
            if max(img.size) > IMAGE_MAX_SIDE:
                img.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            raw = io.BytesIO()
            img.save(raw, "PDF", resolution=72.0)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValueError(str(exc)) from exc
    source = PdfReader(raw).pages[0]
    width, height = float(source.mediabox.width), float(source.mediabox.height)
    scale = min((A4_WIDTH - 2 * IMAGE_MARGIN) / width, (A4_HEIGHT - 2 * IMAGE_MARGIN) / height)
    page = PageObject.create_blank_page(width=A4_WIDTH, height=A4_HEIGHT)
    page.merge_transformed_page(source, Transformation().scale(scale).translate(
        (A4_WIDTH - width * scale) / 2, (A4_HEIGHT - height * scale) / 2))
    writer = PdfWriter()
    writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _file_name(index: int, label: str, ext: str) -> str:
    name = _UNSAFE.sub("_", label).strip(" ._") or "file"
    return f"{index:02d}_{name[:80]}.{ext}"


def _extension(doc: VendorDocument) -> str:
    return {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}.get(
        doc.content_type, doc.file.name.rsplit(".", 1)[-1].lower())


def _load_document(part: Part) -> None:
    """Read a vendor document into the part; an unreadable one is marked so, never raised."""
    doc = part.document
    try:
        data = _read(doc.file)
        if doc.is_image:
            part.reader = _pdf_reader(image_pdf(data))
        else:
            data = pdf_clean(data)  # stored before uploads were cleaned, perhaps
            part.reader = _pdf_reader(data)
    except (OSError, ValueError, PdfUnsafe) as exc:
        logger.warning("bundle: document %s of vendor %s cannot be read: %s", doc.pk, doc.vendor_id, exc)
        part.state, part.note, part.reader = UNREADABLE, _("파일을 읽을 수 없음"), None
        return
    part.zip_data = data
    part.zip_ext = _extension(doc)


def _load_parts(plan: Plan) -> None:
    """Make what is not made yet (the quote PDF, the delivery note) and read every part."""
    quote = plan.quote
    for part in plan.parts:
        if part.key == "quote" and part.state == OK:
            quote_pdf_make(version_id=plan.version.pk)
            plan.version.refresh_from_db(fields=["pdf", "pdf_fingerprint"])
            data = pdf_clean(_read(plan.version.pdf))
            part.reader, part.zip_data, part.zip_ext = _pdf_reader(data), data, "pdf"
            part.zip_label = _("견적서_%(number)s_제%(n)s차") % {"number": quote.number, "n": plan.version.version}
        elif part.document is not None and part.included:
            _load_document(part)
        elif part.key == "delivery_note":
            po = plan.purchase_order
            delivery_note_pdf_make(po_id=po.pk)
            po.refresh_from_db(fields=["delivery_note_pdf", "delivery_note_fingerprint"])
            data = pdf_clean(_read(po.delivery_note_pdf))
            part.reader, part.zip_data, part.zip_ext = _pdf_reader(data), data, "pdf"
            part.zip_label = _("납품서_%(number)s") % {"number": po.number}
    specs = [p for p in plan.parts if p.product_id]
    if specs:
        pdfs = spec_sheet_pdfs([spec_sheet_facts(product, variant_ids) for product, variant_ids in plan.products])
        for part in specs:
            if part.product_id not in pdfs:
                part.state, part.note = UNREADABLE, _("사양서를 만들 수 없음")
                continue
            part.zip_data = pdf_clean(pdfs[part.product_id])
            part.reader = PdfReader(io.BytesIO(part.zip_data))


def _spec_cache_key(sheet: dict) -> str:
    return f"procurement:spec-sheet:{fingerprint(sheet)}"


def spec_sheet_pdfs(sheets: list[dict]) -> dict[int, bytes]:
    """{product id: its spec sheet PDF}: from the cache, the others made in one render.

    A spec sheet shows only the product, so it is kept (by the hash of what it shows) and a
    bundle made again after a new quote version or a delivery does not render it again.
    """
    keys = {sheet["id"]: _spec_cache_key(sheet) for sheet in sheets}
    try:
        cached = cache.get_many(list(keys.values()))
    except Exception:  # a cache that is down only costs a render
        logger.warning("spec sheet cache unavailable", exc_info=True)
        cached = {}
    pdfs = {pid: cached[key] for pid, key in keys.items() if key in cached}
    todo = [sheet for sheet in sheets if sheet["id"] not in pdfs]
    if not todo:
        return pdfs
    reader = PdfReader(io.BytesIO(spec_sheets_render(todo)))
    made = {}
    for product_id, (first, count) in spec_sheet_pages(reader, todo).items():
        writer = PdfWriter()
        for index in range(first, first + count):
            writer.add_page(reader.pages[index])
        out = io.BytesIO()
        writer.write(out)
        made[product_id] = out.getvalue()
    try:
        cache.set_many({keys[pid]: data for pid, data in made.items()}, SPEC_CACHE_SECONDS)
    except Exception:
        logger.warning("spec sheet cache unavailable", exc_info=True)
    return {**pdfs, **made}


def _pages(part: Part):
    return list(part.reader.pages)


def _render_cover(plan: Plan, parts: list[Part], cover_pages: int) -> bytes:
    number = cover_pages + 1
    rows = []
    for part in parts:
        part.first_page, part.page_count = number, len(_pages(part))
        number += part.page_count
        rows.append({"label": part.label, "first": part.first_page, "last": number - 1,
                     "note": part.note if part.state == EXPIRED else ""})
    quote, version, request = plan.quote, plan.version, plan.quote.request
    context = {
        "title": _("공공구매 제출 서류 묶음"), "number": quote.number,
        "quote": {"number": quote.number, "version": version.version if version else "",
                  "issued_on": version.issued_on.strftime("%Y-%m-%d") if version else "",
                  "valid_until": version.valid_until.strftime("%Y-%m-%d") if version else "",
                  "total": version.total if version else 0},
        "request": {"number": request.number, "title": request.title},
        "agency": request.agency.name, "vendor": {"name": quote.vendor.name,
                                                  "business_number": quote.vendor.business_number,
                                                  "enterprise_type": quote.vendor.get_enterprise_type_display()},
        "rows": rows, "cover_pages": cover_pages, "missing": plan.missing,
        "delivery_pending": not plan.delivered,
        "made_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    return render_pdf("pdf/procurement/bundle_cover.html", context)


def _assemble(plan: Plan) -> tuple[bytes, bytes, int, list[str]]:
    """(bundle PDF, ZIP, page count, contents) of a plan whose parts are loaded."""
    parts = [p for p in plan.parts if p.included and p.reader is not None]
    cover_pages = 1
    cover = pdf_clean(_render_cover(plan, parts, cover_pages))
    cover_reader = PdfReader(io.BytesIO(cover))
    if len(cover_reader.pages) != cover_pages:  # a long list: number the pages again after the longer cover
        cover_pages = len(cover_reader.pages)
        cover = pdf_clean(_render_cover(plan, parts, cover_pages))
        cover_reader = PdfReader(io.BytesIO(cover))
    writer = PdfWriter()
    writer.append(cover_reader)
    for part in parts:
        for page in _pages(part):
            writer.add_page(page)
    with translation.override("ko"):
        writer.add_metadata({"/Title": _("%(number)s 제출 서류 묶음") % {"number": plan.quote.number}})
    out = io.BytesIO()
    writer.write(out)
    pdf = pdf_clean(out.getvalue())  # the merged file too: nothing active is handed on
    page_count = cover_pages + sum(p.page_count for p in parts)

    zip_out = io.BytesIO()
    # Stored, not deflated: PDFs, JPEGs and PNGs are compressed already (deflating them again
    # cost ~40 ms a bundle for a few per cent).
    with zipfile.ZipFile(zip_out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_file_name(0, _("표지_서류목록"), "pdf"), cover)
        for index, part in enumerate(parts, start=1):
            archive.writestr(_file_name(index, part.zip_label or part.label, part.zip_ext), part.zip_data)
    contents = [_("표지 (%(pages)s쪽)") % {"pages": _page_span(1, cover_pages)}]
    for part in parts:
        entry = f"{part.label} ({_page_span(part.first_page, part.first_page + part.page_count - 1)}쪽)"
        if part.state == EXPIRED:
            entry += f" · {part.note}"
        contents.append(entry)
    return pdf, zip_out.getvalue(), page_count, contents


def _page_span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def bundle_build(*, quote_id: int) -> QuoteBundle:
    """Build the bundle's PDF and ZIP unless the stored ones are current; a failure is recorded."""
    quote = _quote_for_bundle(quote_id)
    bundle, _created = QuoteBundle.objects.get_or_create(quote=quote)
    try:
        with transaction.atomic(), translation.override("ko"):
            # The bundle row's lock makes concurrent builds of one quote take turns.
            bundle = QuoteBundle.objects.select_for_update().get(pk=bundle.pk)
            if quote.current_version_id is None:
                raise ProcurementError(_("아직 견적서가 도착하지 않아 서류를 묶을 수 없습니다."))
            plan = bundle_plan(quote)
            if (bundle.status == BundleStatus.READY and bundle.fingerprint == plan.fingerprint
                    and bundle.pdf and bundle.zip):
                return bundle
            _load_parts(plan)
            pdf, zip_data, page_count, contents = _assemble(plan)
            # Named by the quote and the plan's fingerprint (file_store): a build that died before
            # its commit is written over by the next one, not left beside it.
            file_store(bundle, field="pdf", fingerprint_field="fingerprint", data=pdf, digest=plan.fingerprint,
                       name=f"{quote.number}-bundle.pdf")
            file_store(bundle, field="zip", fingerprint_field="fingerprint", data=zip_data,
                       digest=plan.fingerprint, name=f"{quote.number}-bundle.zip")
            bundle.status = BundleStatus.READY
            bundle.page_count = page_count
            bundle.contents = contents
            bundle.missing = plan.missing
            bundle.document_ids = [p.document.pk for p in plan.parts
                                   if p.document is not None and p.included and p.reader is not None]
            bundle.error = ""
            bundle.built_at = timezone.now()
            bundle.save(update_fields=["status", "page_count", "contents", "missing", "document_ids", "error",
                                       "built_at"])
    except Exception as exc:
        logger.exception("bundle of quote %s failed", quote_id)
        message = exc.message if isinstance(exc, ProcurementError) else f"{type(exc).__name__}: {exc}"
        QuoteBundle.objects.filter(pk=bundle.pk).update(status=BundleStatus.FAILED, error=message[:1000])
        bundle.refresh_from_db()
    return bundle


# --- downloads ----------------------------------------------------------------------------------


def bundle_downloaded(*, quote: VendorQuote, bundle: QuoteBundle, user, channel: str, request=None) -> int:
    """Log a read of every vendor document the downloaded bundle file holds; returns the rows written.

    `user` may view the quote (the views checked) and is handed `bundle`, the current one.
    """
    documents = list(VendorDocument.objects.filter(pk__in=bundle.document_ids or [], vendor_id=quote.vendor_id))
    if not documents:
        return 0
    grant = quote_reader_grant(user, quote)
    return len(document_reads_record(reader=user, documents=documents, grant=grant, channel=channel,
                                     request=request))


# --- what the page shows ----------------------------------------------------------------------


def bundle_state(quote: VendorQuote) -> dict:
    """The bundle as the quote page and the status JSON show it.

    status: "none" (never asked), "pending", "ready", "failed", or "outdated" (made, but a
    document or the quote changed since). `missing` is what the bundle lacks now, known
    before any build; after a build it also names the files that could not be read.
    """
    bundle = QuoteBundle.objects.filter(quote=quote).first()
    plan = bundle_plan(quote)
    state = {"status": "none", "status_label": "", "page_count": 0, "contents": [], "missing": plan.missing,
             "pdf_url": "", "zip_url": "", "error": "", "built_at": "",
             "can_request": quote.current_version_id is not None}
    if bundle is None:
        return state
    current = bundle.fingerprint == plan.fingerprint
    if bundle.status == BundleStatus.READY and bundle.pdf:
        if current:
            state.update(status="ready", page_count=bundle.page_count, contents=list(bundle.contents),
                         missing=list(bundle.missing),
                         pdf_url=reverse("procurement:bundle_pdf", args=[quote.number]),
                         zip_url=reverse("procurement:bundle_zip", args=[quote.number]),
                         built_at=timezone.localtime(bundle.built_at).strftime("%Y-%m-%d %H:%M")
                         if bundle.built_at else "")
        else:
            state["status"] = "outdated"
    elif bundle.status == BundleStatus.PENDING:
        state["status"] = "pending" if current else "outdated"
    elif bundle.status == BundleStatus.FAILED:
        state.update(status="failed", error=_("서류 묶음을 만들지 못했습니다. 다시 시도해 주세요."))
    labels = {"none": "", "pending": _("서류를 묶는 중입니다…"), "ready": _("준비 완료"),
              "outdated": _("서류가 바뀌어 다시 묶어야 합니다."), "failed": state["error"]}
    state["status_label"] = labels[state["status"]]
    return state
