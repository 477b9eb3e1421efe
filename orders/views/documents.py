"""Document downloads (receipts, statements, packing slips).

Files are streamed to whoever `document_may_read` lets in; everyone else gets 404. A
document that is not made yet, or no longer shows what the order says, is (re)queued and
a small "준비 중" page refreshes itself until it is ready; nothing is rendered here.
"""
import logging

from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from ..models import Document, DocumentKind, Order, VendorOrder
from ..selectors.access import document_may_read
from ..services.documents import (
    ORDER_DOCUMENT_KINDS,
    document_get,
    document_is_current,
    documents_apply,
    order_documents_queue,
)

logger = logging.getLogger(__name__)

# Seconds between two requeues of one order's documents from the download page.
REQUEUE_SECONDS = 60
REFRESH_SECONDS = 5


def _stream(document: Document) -> FileResponse:
    name = f"{document.get_kind_display()}_{document.number}.pdf"
    response = FileResponse(document.file.open("rb"), content_type="application/pdf", filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _requeue(order: Order) -> None:
    # The download page refreshes every few seconds; queue the order once a minute at most.
    if cache.add(f"orders:documents-queued:{order.pk}", 1, REQUEUE_SECONDS):
        try:
            order_documents_queue(order_id=order.pk)
        except Exception:  # an eager task that fails must not turn the page into a 500
            logger.exception("documents of order %s could not be queued", order.pk)


def _pending(request, *, kind: str, order: Order, paid: bool) -> TemplateResponse:
    response = TemplateResponse(request, "orders/documents/pending.html", {
        "kind_label": DocumentKind(kind).label, "order": order, "paid": paid,
        "refresh_seconds": REFRESH_SECONDS if paid else None,
    }, status=202 if paid else 200)
    response["Cache-Control"] = "private, no-store"
    if paid:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def _serve(request, *, kind: str, order: Order, vendor_order: VendorOrder | None, document: Document | None):
    if document is not None and document_is_current(document):
        return _stream(document)
    if not documents_apply(order):
        return _pending(request, kind=kind, order=order, paid=False)
    _requeue(order)
    # With eager tasks (no broker) the document may be there now.
    document = document_get(kind=kind, order=order, vendor_order=vendor_order)
    if document is not None and document_is_current(document):
        return _stream(document)
    return _pending(request, kind=kind, order=order, paid=True)


@require_GET
def document_download(request, number):
    """A document by its number."""
    document = get_object_or_404(
        Document.objects.select_related("order", "vendor_order__order", "settlement"), number=number)
    order = document.order or (document.vendor_order.order if document.vendor_order else None)
    if not document_may_read(request.user, request.session, kind=document.kind, order=order,
                             vendor_order=document.vendor_order, settlement=document.settlement):
        raise Http404
    if document.kind not in ORDER_DOCUMENT_KINDS or order is None:
        if not document.file:
            raise Http404
        return _stream(document)
    return _serve(request, kind=document.kind, order=order, vendor_order=document.vendor_order, document=document)


@require_GET
def order_document(request, order_number, kind):
    """The order's receipt, made yet or not."""
    order = get_object_or_404(Order, number=order_number)
    if kind != DocumentKind.RECEIPT or not document_may_read(request.user, request.session, kind=kind, order=order):
        raise Http404
    return _serve(request, kind=kind, order=order, vendor_order=None,
                  document=document_get(kind=kind, order=order, vendor_order=None))


@require_GET
def vendor_order_document(request, vendor_order_number, kind):
    """A vendor order's statement or packing slip, made yet or not."""
    vendor_order = get_object_or_404(VendorOrder.objects.select_related("order"), number=vendor_order_number)
    if kind not in (DocumentKind.STATEMENT, DocumentKind.PACKING_SLIP):
        raise Http404
    order = vendor_order.order
    if not document_may_read(request.user, request.session, kind=kind, order=order, vendor_order=vendor_order):
        raise Http404
    return _serve(request, kind=kind, order=order, vendor_order=vendor_order,
                  document=document_get(kind=kind, order=order, vendor_order=vendor_order))
