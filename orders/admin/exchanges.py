"""The vendor's exchange steps after the shared ones, linked from the Claim admin's change form.

Accept, collect and reject are the Claim admin's shared steps; what only an exchange has (the fee
received or waived, the replacement shipped with its own tracking number, the exchange completed)
has a page of its own here, as the vendor order's steps do: GET shows the form or a confirmation,
POST calls the service. They live under /partner/exchanges/ (ddasum/urls.py, before the partner
admin's own URLs), behind the partner admin's login and two-factor check, scoped to the member's
vendors: another vendor's claim is a 404. Operators use them too (no scope).
"""
from django import forms
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import step_submit
from vendors.admin_site import partner_admin_site

from ..models import Carrier, Claim, ClaimKind
from ..services.exchanges import exchange_complete, exchange_fee_settle, exchange_reship

STEP_LABELS = {
    "fee_received": gettext_lazy("교환 배송비 받음"),
    "fee_waived": gettext_lazy("교환 배송비 면제"),
    "reship": gettext_lazy("교환 상품 발송"),
    "complete": gettext_lazy("교환 완료"),
}


class ReshipForm(forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("택배사"), choices=Carrier.choices)
    tracking_number = forms.CharField(
        label=gettext_lazy("송장번호"), required=False, max_length=40,
        help_text=gettext_lazy("교환 상품의 송장번호 (숫자 8~20자리, 하이픈은 넣어도 됩니다). 직접 배송이면 비워 두세요."))


class FeeNoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("메모"), max_length=200, required=False)


def _claim_for(request, claim_id: int) -> Claim:
    """The exchange if it belongs to one of the member's vendors (operators: any); else 404."""
    claims = Claim.objects.filter(pk=claim_id, kind=ClaimKind.EXCHANGE).select_related("vendor_order__vendor")
    ids = partner_admin_site.scope_ids(request)
    if ids is not None:
        claims = claims.filter(vendor_order__vendor_id__in=ids)
    claim = claims.first()
    if claim is None:
        raise Http404
    return claim


def exchange_admin_url(claim: Claim) -> str:
    """The claim's page in the partner admin (the vendor order's page if the Claim admin is not there)."""
    try:
        return reverse("partner:orders_claim_change", args=[claim.pk])
    except NoReverseMatch:
        return reverse("partner:orders_vendororder_change", args=[claim.vendor_order_id])


def _form_for(step: str, data):
    if step == "reship":
        return ReshipForm(data)
    if step in ("fee_received", "fee_waived"):
        return FeeNoteForm(data)
    return None


def _do(step: str, claim: Claim, actor, data: dict) -> None:
    if step == "reship":
        exchange_reship(claim_id=claim.pk, actor=actor, carrier=data["carrier"],
                        tracking_number=data["tracking_number"])
    elif step == "complete":
        exchange_complete(claim_id=claim.pk, actor=actor)
    else:
        exchange_fee_settle(claim_id=claim.pk, actor=actor, waived=step == "fee_waived", note=data["note"])


def exchange_step_view(request, claim_id, step):
    """Show the step's form (or a confirmation), then take it through the service."""
    if step not in STEP_LABELS:
        raise Http404
    claim = _claim_for(request, claim_id)
    back = exchange_admin_url(claim)
    form = _form_for(step, request.POST if request.method == "POST" else None)

    def done():
        claim.refresh_from_db()
        return _("%(number)s: %(step)s 처리했습니다. 지금 상태: %(status)s") % {
            "number": claim.number, "step": STEP_LABELS[step], "status": claim.get_status_display()}

    taken = step_submit(request, form, lambda data: _do(step, claim, request.user, data), back=back, done=done)
    if taken is not None:
        return taken
    context = {
        **partner_admin_site.each_context(request), "claim": claim, "form": form, "step": step,
        "step_label": STEP_LABELS[step], "back_url": back, "lines": claim.lines.select_related("line"),
        "title": f"{claim.number} · {STEP_LABELS[step]}",
    }
    return TemplateResponse(request, "admin/orders/claim/exchange_step.html", context)


app_name = "partner_exchanges"

urlpatterns = [
    path("<int:claim_id>/<slug:step>/", partner_admin_site.admin_view(exchange_step_view), name="step"),
]
