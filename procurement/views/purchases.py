"""Pages from an accepted quote to the purchase record: purchase orders, direct purchase, records.

The agency's members and the vendor's members share the purchase-order pages; each side sees
the steps it may take now (from the transition table in services.purchases). Anyone else gets
404. Lists run a fixed number of queries whatever their length.
"""
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ddasum.views import call_service
from vendors.selectors import partner_vendor_ids, user_is_vendor_member

from ..forms.purchases import (
    CancelForm,
    DeliverForm,
    DirectPurchaseForm,
    InvoiceIssuedForm,
    InvoiceRequestForm,
    OutsideRecordForm,
    PaymentForm,
)
from ..models import POStatus, PurchaseOrder, PurchaseRecord, PurchaseSource, RecordStatus, VendorQuote
from ..selectors.access import agency_ids_for_user, agency_list, purchase_order_may_view, quote_may_view
from ..services import purchases as svc
from .common import chosen_agency, no_agency_response, private_file_response

PER_PAGE = 20
RECORDS_PER_PAGE = 50


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


# --- accepting a quote -----------------------------------------------------------------------


@login_required
@require_POST
def quote_accept(request, number):
    quote = VendorQuote.objects.select_related("request").filter(number=number).first()
    if quote is None or not quote_may_view(request.user, quote):
        raise Http404
    po, ok = call_service(request, svc.quote_accept, quote_id=quote.pk, actor=request.user)
    if ok:
        messages.success(request, _("견적을 채택했습니다. 발주 %(number)s이(가) 기업에 전달되었습니다.") % {"number": po.number})
        return redirect(po.get_absolute_url())
    return redirect(_url("procurement:quote_detail", quote.number))


# --- purchase orders -------------------------------------------------------------------------


@never_cache
@login_required
def po_list(request):
    user = request.user
    agency_ids, vendor_ids = agency_ids_for_user(user), partner_vendor_ids(user)
    if user.is_staff:
        orders = PurchaseOrder.objects.all()
    elif agency_ids or vendor_ids:
        orders = PurchaseOrder.objects.filter(Q(agency_id__in=agency_ids) | Q(vendor_id__in=vendor_ids))
    else:
        return no_agency_response(request)
    status = request.GET.get("status", "")
    if status in POStatus.values:
        orders = orders.filter(status=status)
    orders = orders.select_related("agency", "vendor").annotate(line_count=Count("lines")).order_by("-issued_at", "-id")
    page = Paginator(orders, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "procurement/po_list.html", {
        "page_obj": page, "status": status, "statuses": POStatus.choices,
        "is_vendor": bool(vendor_ids), "is_agency": bool(agency_ids),
        "seo": {"title": _("발주 내역"), "noindex": True},
    })


def _po_for(request, number) -> PurchaseOrder:
    po = PurchaseOrder.objects.select_related("agency", "vendor", "quote", "created_by").filter(number=number).first()
    if po is None or not purchase_order_may_view(request.user, po):
        raise Http404
    return po


def _po_page(request, po: PurchaseOrder, *, status=200, **forms):
    user = request.user
    sides = svc.po_sides(user, po)
    steps = svc.po_steps_available(user, po)
    is_agency, is_vendor = svc.AGENCY in sides, svc.VENDOR in sides
    payable = po.status in svc.PAYABLE
    context = {
        "po": po,
        "lines": po.lines.select_related("category"),
        "events": _events(po),
        "records": po.records.select_related("category") if po.status == POStatus.INSPECTED else [],
        "is_agency": is_agency, "is_vendor": is_vendor,
        "can_confirm": POStatus.CONFIRMED in steps,
        "can_deliver": POStatus.DELIVERED in steps,
        "can_inspect": POStatus.INSPECTED in steps,
        "can_cancel": POStatus.CANCELLED in steps,
        "can_pay": payable and bool(sides or user.is_staff),
        "can_request_invoice": is_agency and po.status != POStatus.CANCELLED and not po.invoice_issued_at,
        "can_issue_invoice": is_vendor and payable,
        "deliver_form": forms.get("deliver_form") or DeliverForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "payment_form": forms.get("payment_form") or PaymentForm(initial={
            "paid_on": po.paid_on or timezone.localdate(), "method": po.payment_method, "note": po.payment_note}),
        "invoice_request_form": forms.get("invoice_request_form") or InvoiceRequestForm(initial={
            "email": po.invoice_email or (user.email if is_agency else "")}),
        "invoice_issued_form": forms.get("invoice_issued_form") or InvoiceIssuedForm(initial={
            "approval_number": po.invoice_approval_number}),
        "quote_url": _url("procurement:quote_detail", po.quote.number) if po.quote_id else "",
        "seo": {"title": _("발주 %(number)s") % {"number": po.number}, "noindex": True},
    }
    return render(request, "procurement/po_detail.html", context, status=status)


def _events(po: PurchaseOrder) -> list:
    events = list(po.events.all())
    for event in events:
        event.to_label = POStatus(event.to_status).label if event.to_status in POStatus.values else event.to_status
    return events


@never_cache
@login_required
def po_detail(request, number):
    return _po_page(request, _po_for(request, number))


@login_required
@require_POST
def po_action(request, number):
    """confirm / deliver / inspect / cancel: each calls its service, which checks who may."""
    po = _po_for(request, number)
    action = request.POST.get("action")
    if action == "confirm":
        _po, ok = call_service(request, svc.po_confirm, po_id=po.pk, actor=request.user)
        done = _("발주를 확인했습니다. 기관에 알렸습니다.")
    elif action == "deliver":
        form = DeliverForm(request.POST)
        if not form.is_valid():
            return _po_page(request, po, deliver_form=form, status=400)
        _po, ok = call_service(request, svc.po_deliver, po_id=po.pk, actor=request.user, note=form.cleaned_data["note"])
        done = _("납품 완료로 바꾸었습니다. 납품서가 만들어지고 기관에 검수를 요청했습니다.")
    elif action == "inspect":
        records, ok = call_service(request, svc.po_inspect, po_id=po.pk, actor=request.user)
        done = _("검수를 마쳤습니다. 공공구매 실적 %(count)s건이 기록되었습니다.") % {"count": len(records or [])}
    elif action == "cancel":
        form = CancelForm(request.POST)
        if not form.is_valid():
            return _po_page(request, po, cancel_form=form, status=400)
        _po, ok = call_service(request, svc.po_cancel, po_id=po.pk, actor=request.user,
                               reason=form.cleaned_data["reason"])
        done = _("발주를 취소했습니다.")
    else:
        raise Http404
    if ok:
        messages.success(request, done)
    return redirect(po.get_absolute_url())


@login_required
@require_POST
def po_payment(request, number):
    po = _po_for(request, number)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        return _po_page(request, po, payment_form=form, status=400)
    _po, ok = call_service(request, svc.po_payment_record, po_id=po.pk, actor=request.user, **form.cleaned_data)
    if ok:
        messages.success(request, _("대금 지급을 기록했습니다."))
    return redirect(po.get_absolute_url())


@login_required
@require_POST
def po_invoice(request, number):
    """The agency asks for the tax invoice (kind=request); the vendor records it issued (kind=issued)."""
    po = _po_for(request, number)
    kind = request.POST.get("kind")
    if kind == "request":
        form = InvoiceRequestForm(request.POST)
        if not form.is_valid():
            return _po_page(request, po, invoice_request_form=form, status=400)
        _po, ok = call_service(request, svc.po_invoice_request, po_id=po.pk, actor=request.user,
                               email=form.cleaned_data["email"])
        done = _("계산서 발행을 요청했습니다.")
    elif kind == "issued":
        form = InvoiceIssuedForm(request.POST)
        if not form.is_valid():
            return _po_page(request, po, invoice_issued_form=form, status=400)
        _po, ok = call_service(request, svc.po_invoice_issued, po_id=po.pk, actor=request.user,
                               approval_number=form.cleaned_data["approval_number"])
        done = _("계산서 발행을 기록했습니다.")
    else:
        raise Http404
    if ok:
        messages.success(request, done)
    return redirect(po.get_absolute_url())


# --- direct purchase (바로구매) -----------------------------------------------------------------


@never_cache
@login_required
def direct_purchase(request):
    """GET: what the basket would buy directly and the form; POST: place the orders."""
    agencies = agency_list(user=request.user)
    if not agencies:
        return no_agency_response(request)
    agency = chosen_agency(request, agencies)
    if request.method == "POST":
        form = DirectPurchaseForm(request.POST, agencies=agencies)
        if form.is_valid():
            data = form.cleaned_data
            agency = next(a for a in agencies if a.pk == data["agency"])
            orders, ok = call_service(
                request, svc.direct_purchase_place, user=request.user, agency_id=agency.pk,
                delivery_place=data["delivery_place"], wanted_delivery_date=data["wanted_delivery_date"],
                memo=data["memo"], idempotency_key=data["key"],
            )
            if ok:
                messages.success(request, _("바로구매 발주 %(count)s건을 보냈습니다. 납품 후 청구서로 지급합니다.")
                                 % {"count": len(orders)})
                return redirect(orders[0].get_absolute_url() if len(orders) == 1 else reverse("procurement:po_list"))
            # The same key may be tried again after the basket is fixed: a refusal created nothing.
        status = 400
    else:
        form = DirectPurchaseForm(agencies=agencies, initial={"agency": agency.pk, "key": uuid.uuid4().hex,
                                                              "delivery_place": agency.full_address})
        status = 200
    preview = svc.direct_purchase_preview(user=request.user, agency=agency)
    return render(request, "procurement/direct_purchase.html", {
        "form": form, "agency": agency, "preview": preview, "totals": preview.totals,
        "basket_url": _url("procurement:basket"),
        "seo": {"title": _("바로구매"), "noindex": True},
    }, status=status)


# --- purchase records --------------------------------------------------------------------------


@never_cache
@login_required
def record_list(request):
    """The agency's purchase records of a year (this year by default), outside purchases with their state."""
    agencies = agency_list(user=request.user)
    if not agencies:
        return no_agency_response(request)
    agency = chosen_agency(request, agencies)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    records = (PurchaseRecord.objects.filter(agency=agency, purchased_on__year=year)
               .select_related("vendor", "category", "purchase_order").order_by("-purchased_on", "-id"))
    sums = records.aggregate(
        verified=Sum("total", filter=Q(status=RecordStatus.VERIFIED), default=0),
        pending=Sum("total", filter=Q(status=RecordStatus.PENDING), default=0),
    )
    page = Paginator(records, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "procurement/record_list.html", {
        "agency": agency, "agencies": agencies, "year": year, "years": range(this_year, this_year - 5, -1),
        "page_obj": page, "sums": sums, "outside": PurchaseSource.OUTSIDE,
        "seo": {"title": _("공공구매 실적"), "noindex": True},
    })


@never_cache
@login_required
def outside_record_new(request):
    agencies = agency_list(user=request.user)
    if not agencies:
        return no_agency_response(request)
    form = OutsideRecordForm(request.POST or None, request.FILES or None, agencies=agencies,
                             initial={"agency": chosen_agency(request, agencies).pk})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            record, ok = call_service(
                request, svc.outside_record_create, user=request.user, agency_id=data["agency"],
                vendor_id=data["vendor"].pk, purchased_on=data["purchased_on"],
                category_id=data["category"].pk, description=data["description"],
                taxable_amount=data["taxable_amount"], exempt_amount=data["exempt_amount"], evidence=data["evidence"],
            )
            if ok:
                messages.success(request, _("플랫폼 외 구매 실적을 등록했습니다. 운영자가 증빙을 확인하면 실적에 반영됩니다."))
                return redirect(reverse("procurement:record_list") + f"?agency={record.agency_id}&year="
                                f"{record.purchased_on.year}")
    return render(request, "procurement/record_outside_new.html", {
        "form": form, "seo": {"title": _("플랫폼 외 구매 실적 입력"), "noindex": True},
    }, status=status)


@never_cache
@login_required
def record_evidence(request, pk):
    """Stream an outside record's evidence to the agency's members, the vendor's members and operators."""
    record = get_object_or_404(PurchaseRecord, pk=pk)
    user = request.user
    allowed = user.is_staff or record.agency_id in agency_ids_for_user(user) or user_is_vendor_member(
        user, record.vendor_id)
    if not (allowed and record.evidence):
        raise Http404
    return private_file_response(request, record.evidence, record.evidence_name)
