"""The buyer's per-line cancels and returns: pick lines and a reason, see the refund, confirm; withdraw.

Two steps on one page: the first POST (step=preview) shows the refund part by part as
`claim_preview` computes it; the second (step=confirm) asks the service, which computes it again
under the vendor order's lock (the page's figures are never trusted). Whoever may not read the
order gets 404, as on the order page.
"""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ddasum.exceptions import DomainError
from ddasum.views import call_service

from ..forms import ClaimForm, ClaimPhotosForm
from ..models import Claim, ClaimKind, OrderLineState
from ..services.claims import claim_withdraw
from ..services.refunds import refund_account_needed, refund_account_of
from ..services.returns import CANCELLABLE, RETURNABLE, claim_cancel, claim_preview, claim_return_request
from .shop import _actor, _vendor_order_of

KINDS = {"cancel": ClaimKind.CANCEL, "return": ClaimKind.RETURN}


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("입력한 내용을 확인해 주세요.")


@never_cache
def claim_start(request, number, vendor_order_id, kind):
    """Choose lines and a reason (GET), see the refund (POST step=preview), confirm (POST step=confirm)."""
    order, vendor_order, as_guest = _vendor_order_of(request, number, vendor_order_id)
    claim_kind = KINDS[kind]
    allowed = CANCELLABLE if claim_kind == ClaimKind.CANCEL else RETURNABLE
    if vendor_order.status not in allowed:
        messages.error(request, _("지금은 이 주문의 상품을 취소하거나 반품할 수 없습니다."))
        return redirect(order.get_absolute_url())
    lines = [ln for ln in vendor_order.lines.all() if ln.state == OrderLineState.ORDERED and not ln.open_claim_id]
    form = ClaimForm(request.POST or None, lines=lines)
    photos_form = ClaimPhotosForm()
    quote = None
    account_missing = (refund_account_needed(order) and refund_account_of(order) is None
                       and vendor_order.status != "pending_payment")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("step") == "confirm":
            kwargs = {"vendor_order_id": vendor_order.pk, "line_ids": data["lines"], "actor": _actor(request),
                      "reason": data["reason"], "reason_detail": data["detail"], "guest_ok": as_guest}
            if claim_kind == ClaimKind.RETURN:
                photos_form = ClaimPhotosForm(request.POST, request.FILES)
                if not photos_form.is_valid():
                    messages.error(request, _first_error(photos_form))
                    return redirect(request.path)
                kwargs["photos"] = photos_form.cleaned_data["photos"]
            service = claim_cancel if claim_kind == ClaimKind.CANCEL else claim_return_request
            claim, ok = call_service(request, service, **kwargs)
            if ok:
                messages.success(request, _("%(kind)s을 접수했습니다 (접수번호 %(number)s).")
                                 % {"kind": claim.get_kind_display(), "number": claim.number})
                return redirect(order.get_absolute_url())
        else:
            try:
                quote = claim_preview(vendor_order=vendor_order, line_ids=data["lines"], kind=claim_kind,
                                      reason=data["reason"])
            except DomainError as exc:
                messages.error(request, exc.message)
    elif request.method == "POST":
        messages.error(request, _first_error(form))
    context = {"order": order, "vendor_order": vendor_order, "kind": kind, "claim_kind": claim_kind,
               "kind_label": ClaimKind(claim_kind).label, "form": form, "photos_form": photos_form,
               "quote": quote, "account_missing": account_missing,
               "seo": {"title": _("주문 %(number)s") % {"number": order.number}, "noindex": True}}
    return render(request, "orders/claim_start.html", context)


@require_POST
def claim_withdraw_view(request, number, claim_id):
    """The buyer takes back a request the vendor has not answered yet."""
    order, _vendor_order, as_guest = _claim_of(request, number, claim_id)
    _done, ok = call_service(request, claim_withdraw, claim_id=claim_id, actor=_actor(request), guest_ok=as_guest)
    if ok:
        messages.success(request, _("요청을 철회했습니다."))
    return redirect(order.get_absolute_url())


def _claim_of(request, number, claim_id):
    claim = get_object_or_404(Claim, pk=claim_id, order__number=number)
    order, vendor_order, as_guest = _vendor_order_of(request, number, claim.vendor_order_id)
    return order, vendor_order, as_guest
