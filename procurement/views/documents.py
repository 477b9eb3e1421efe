"""Quote, purchase-order and delivery-note PDFs, and the quote's document bundle.

Every file is streamed to whoever may see the quote or the purchase order (the agency's
members, the vendor's members, operators) and to nobody else: they get 404, and anonymous
visitors are sent to log in. A file that is not made yet, or no longer shows what it
should, is queued and a small "준비 중" page refreshes itself until it is there.
"""
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ddasum.exceptions import DomainError
from ddasum.views import call_service
from vendors.models import DocumentReadChannel

from ..models import PurchaseOrder, QuoteBundle, QuoteVersion, VendorQuote
from ..selectors.access import purchase_order_may_view, quote_may_view
from ..services.bundle import bundle_downloaded, bundle_is_current, bundle_request, bundle_state
from ..services.documents import (
    delivery_note_applies,
    delivery_note_is_current,
    po_pdf_is_current,
    quote_pdf_is_current,
)
from ..tasks import delivery_note_pdf_task, po_pdf_task, quote_pdf_task

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 3


def _stream(field_file, *, filename: str, content_type: str = "application/pdf", attachment=False) -> FileResponse:
    # FileResponse writes the Korean name as RFC 5987 filename*=utf-8''… (with an ASCII fallback).
    response = FileResponse(field_file.open("rb"), content_type=content_type, filename=filename,
                            as_attachment=attachment)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _pending(request, *, label: str, message: str, back_url: str = "", status=202) -> TemplateResponse:
    response = TemplateResponse(request, "procurement/document_pending.html", {
        "label": label, "message": message, "back_url": back_url,
        "refresh_seconds": REFRESH_SECONDS if status == 202 else None,
    }, status=status)
    response["Cache-Control"] = "private, no-store"
    if status == 202:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def _queue(task, **ids) -> None:
    # No transaction is open in a view: the task is sent now (and runs now when eager).
    try:
        task.delay(**ids)
    except Exception:  # an eager task that fails must not turn the page into a 500
        logger.exception("%s %s could not be queued", task.name, ids)


def _quote_of(request, number: str) -> VendorQuote:
    quote = get_object_or_404(VendorQuote.objects.select_related("request__agency", "vendor", "current_version"),
                              number=number)
    if not quote_may_view(request.user, quote):
        raise Http404
    return quote


def _po_of(request, number: str) -> PurchaseOrder:
    po = get_object_or_404(PurchaseOrder.objects.select_related("agency", "vendor", "created_by", "quote",
                                                                "quote_version"), number=number)
    if not purchase_order_may_view(request.user, po):
        raise Http404
    return po


# --- quote, purchase order, delivery note -----------------------------------------------------


@login_required
@require_GET
def quote_pdf(request, pk):
    """A quote version's PDF (견적서); earlier versions stay downloadable as issued."""
    version = get_object_or_404(
        QuoteVersion.objects.select_related("quote__request__agency", "quote__request__created_by", "quote__vendor"),
        pk=pk)
    if not quote_may_view(request.user, version.quote):
        raise Http404
    filename = _("견적서_%(number)s_제%(n)s차.pdf") % {"number": version.quote.number, "n": version.version}
    if not quote_pdf_is_current(version):
        _queue(quote_pdf_task, version_id=version.pk)
        version.refresh_from_db(fields=["pdf", "pdf_fingerprint"])
        if not quote_pdf_is_current(version):
            return _pending(request, label=_("견적서"), message=_("견적서 PDF를 만들고 있습니다."),
                            back_url=version.quote.get_absolute_url())
    return _stream(version.pdf, filename=filename)


@login_required
@require_GET
def po_pdf(request, number):
    """The purchase order's PDF (발주서)."""
    po = _po_of(request, number)
    if not po_pdf_is_current(po):
        _queue(po_pdf_task, po_id=po.pk)
        po.refresh_from_db(fields=["pdf", "pdf_fingerprint"])
        if not po_pdf_is_current(po):
            return _pending(request, label=_("발주서"), message=_("발주서 PDF를 만들고 있습니다."),
                            back_url=po.get_absolute_url())
    return _stream(po.pdf, filename=_("발주서_%(number)s.pdf") % {"number": po.number})


@login_required
@require_GET
def delivery_note_pdf(request, number):
    """The delivery note (납품서), once the order is delivered."""
    po = _po_of(request, number)
    if not delivery_note_applies(po):
        raise Http404
    if not delivery_note_is_current(po):
        _queue(delivery_note_pdf_task, po_id=po.pk)
        po.refresh_from_db(fields=["delivery_note_pdf", "delivery_note_fingerprint"])
        if not delivery_note_is_current(po):
            return _pending(request, label=_("납품서"), message=_("납품서 PDF를 만들고 있습니다."),
                            back_url=po.get_absolute_url())
    return _stream(po.delivery_note_pdf, filename=_("납품서_%(number)s.pdf") % {"number": po.number})


# --- the bundle -------------------------------------------------------------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _state_response(quote: VendorQuote) -> JsonResponse:
    response = JsonResponse(bundle_state(quote), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def bundle_request_view(request, number):
    """Ask for the bundle; redirect back to the quote, or answer with its state as JSON."""
    quote = _quote_of(request, number)
    if _wants_json(request):
        try:
            bundle_request(quote_id=quote.pk, user=request.user)
        except DomainError as exc:
            return JsonResponse({**bundle_state(quote), "message": exc.message}, status=400,
                                json_dumps_params={"ensure_ascii": False})
        state = bundle_state(quote)
        response = JsonResponse(state, status=200 if state["status"] == "ready" else 202,
                                json_dumps_params={"ensure_ascii": False})
        response["Cache-Control"] = "private, no-store"
        return response
    bundle, ok = call_service(request, bundle_request, quote_id=quote.pk, user=request.user)
    if ok:
        messages.info(request, _("서류를 묶고 있습니다. 준비되면 이 화면에서 내려받을 수 있습니다.")
                      if bundle.status != "ready" else _("서류 묶음이 준비되어 있습니다."))
    back = request.POST.get("next") or request.headers.get("Referer", "")
    if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                       require_https=request.is_secure()):
        back = quote.get_absolute_url()
    return HttpResponseRedirect(back)


@login_required
@require_GET
def bundle_status(request, number):
    """The bundle's state as JSON: status, page_count, contents, missing, pdf_url, zip_url."""
    return _state_response(_quote_of(request, number))


def _bundle_file(request, number, *, field: str, filename: str, content_type: str, channel: str):
    quote = _quote_of(request, number)
    bundle = QuoteBundle.objects.select_related("quote").filter(quote=quote).first()
    if not bundle_is_current(bundle):
        try:
            bundle = bundle_request(quote_id=quote.pk, user=request.user)
        except DomainError as exc:
            return _pending(request, label=_("서류 묶음"), message=exc.message, back_url=quote.get_absolute_url(),
                            status=409)
        bundle.refresh_from_db()
        if not bundle_is_current(bundle):
            return _pending(request, label=_("서류 묶음"), message=_("견적서와 서류를 한 파일로 묶고 있습니다."),
                            back_url=quote.get_absolute_url())
    response = _stream(getattr(bundle, field), filename=filename % {"number": quote.number},
                       content_type=content_type, attachment=field == "zip")
    bundle_downloaded(quote=quote, bundle=bundle, user=request.user, channel=channel, request=request)
    return response


@login_required
@require_GET
def bundle_pdf(request, number):
    return _bundle_file(request, number, field="pdf", filename=_("제출서류_%(number)s.pdf"),
                        content_type="application/pdf", channel=DocumentReadChannel.BUNDLE_PDF)


@login_required
@require_GET
def bundle_zip(request, number):
    return _bundle_file(request, number, field="zip", filename=_("제출서류_%(number)s.zip"),
                        content_type="application/zip", channel=DocumentReadChannel.BUNDLE_ZIP)
