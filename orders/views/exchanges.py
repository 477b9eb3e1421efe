"""The buyer's exchange pages: choose lines and options → preview (fee, difference) → confirm; withdraw.

The same URL serves the three steps. Nothing is saved before the confirmation, and the service
checks and prices everything again then (the preview's hidden fields are never trusted).
"""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ddasum.exceptions import DomainError
from ddasum.money import won
from ddasum.views import call_service

from ..forms import ExchangeForm
from ..models import Claim, ClaimKind, ExchangeFeePayment
from ..services.exchanges import (
    exchange_deadline,
    exchange_lines,
    exchange_open_check,
    exchange_options,
    exchange_policy,
    exchange_quote,
    exchange_request,
    exchange_unit_price,
    exchange_withdraw,
    vendor_account,
)
from .shop import _actor, _first_error, _order_for, _vendor_order_of


def _chosen(request, lines) -> dict[int, int]:
    """{line id: option id} from the form: ticked lines with an option picked."""
    ticked = set(request.POST.getlist("line"))
    chosen = {}
    for line in lines:
        option = request.POST.get(f"option-{line.pk}", "")
        if str(line.pk) in ticked and option.isdigit():
            chosen[line.pk] = int(option)
    return chosen


def _rows(lines, chosen: dict) -> list[dict]:
    """Each exchangeable line with the options offered (in stock for its quantity, not dearer) and their gap."""
    options = exchange_options(lines)
    rows = []
    for line in lines:
        offered = []
        for variant in options[line.pk]:
            gap = (exchange_unit_price(line, variant) - line.unit_price) * line.quantity
            if gap > 0:
                continue  # a dearer option cannot be exchanged to (no second payment)
            if variant.pk == line.variant_id:
                label = _("%(name)s (같은 옵션으로 교환: 불량·오배송)") % {"name": variant.name}
            elif gap < 0:
                label = _("%(name)s (차액 %(amount)s 환불)") % {"name": variant.name, "amount": won(-gap)}
            else:
                label = variant.name
            offered.append({"id": variant.pk, "label": label, "selected": chosen.get(line.pk) == variant.pk})
        rows.append({"line": line, "options": offered, "ticked": line.pk in chosen})
    return rows


@never_cache
def exchange_request_view(request, number, vendor_order_id):
    order, vendor_order, as_guest = _vendor_order_of(request, number, vendor_order_id)
    try:
        exchange_open_check(vendor_order)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(order.get_absolute_url())
    lines = exchange_lines(vendor_order)
    if not lines:
        messages.error(request, _("교환할 수 있는 상품이 없습니다."))
        return redirect(order.get_absolute_url())
    step = request.POST.get("step", "") if request.method == "POST" else ""
    chosen = _chosen(request, lines) if step else {}
    quote = None
    form = ExchangeForm(request.POST or None, request.FILES or None)
    if step in ("preview", "confirm") and form.is_valid():
        try:
            quote = exchange_quote(vendor_order=vendor_order, lines=chosen, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
    elif step:
        messages.error(request, _first_error(form))
    if quote is not None and step == "confirm":
        data = form.cleaned_data
        claim, ok = call_service(request, exchange_request, vendor_order_id=vendor_order.pk, actor=_actor(request),
                                 lines=chosen, reason=data["reason"], detail=data["detail"], photos=data["photos"],
                                 fee_payment=data["fee_payment"], guest_ok=as_guest)
        if ok:
            messages.success(request, _("교환을 신청했습니다 (%(number)s). 판매기업이 확인한 뒤 회수해 갑니다.")
                             % {"number": claim.number})
            return redirect(order.get_absolute_url())
    if quote is not None:
        form = ExchangeForm(initial={"reason": quote.reason, "detail": request.POST.get("detail", "")},
                            fee_payments=quote.fee_payments)
    policy = exchange_policy(vendor_order)
    context = {
        "order": order, "vendor_order": vendor_order, "form": form, "quote": quote, "chosen": chosen,
        "rows": _rows(lines, chosen), "deadline": exchange_deadline(vendor_order), "policy": policy,
        "account": vendor_account(vendor_order.vendor) if quote and quote.fee else {},
        "enclosed": ExchangeFeePayment.ENCLOSED, "transfer": ExchangeFeePayment.TRANSFER,
        "seo": {"title": _("교환 신청"), "noindex": True},
    }
    return render(request, "orders/exchange_request.html", context)


@require_POST
def exchange_withdraw_view(request, number, claim_id):
    """The buyer takes back an exchange the vendor has not answered; the held option goes back on sale."""
    order, as_guest = _order_for(request, number)
    claim = get_object_or_404(Claim, pk=claim_id, order=order, kind=ClaimKind.EXCHANGE)
    _done, ok = call_service(request, exchange_withdraw, claim_id=claim.pk, actor=_actor(request), guest_ok=as_guest)
    if ok:
        messages.success(request, _("교환 신청을 철회했습니다."))
    return redirect(order.get_absolute_url())
