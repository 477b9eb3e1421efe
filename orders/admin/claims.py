"""Per-line cancels, returns and exchanges in the two admins.

The partner admin (scoped to the member's vendors, through the claim's vendor order) lists its
vendor's claims with their money parts, and a claim's page offers the next steps: accept (with
the pick-up's tracking), mark collected, refund, reject with a reason. A vendor cancels lines it
cannot send from its vendor order's page ("상품별 취소": lines and a reason). The operators'
admin shows every claim, the failed and manual refunds first to look at, and can send a failed
refund again or mark a bank-transfer refund sent. Every step is a service call.
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import HistoryInline, step_submit, won_column
from ddasum.exceptions import DomainError
from ddasum.money import won
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from ..models import Carrier, Claim, ClaimEvent, ClaimKind, ClaimReason, ClaimStatus, OrderLineState, RefundStatus
from ..services import claims, exchanges, refunds, returns
from ..services.payments import bank_name

C = ClaimStatus

CLAIM_ACTION_LABELS = {
    "accept": gettext_lazy("승인(회수 접수)"),
    "collect": gettext_lazy("회수 완료"),
    "refund": gettext_lazy("환불"),
    "reject": gettext_lazy("거절"),
    "retry_refund": gettext_lazy("환불 다시 보내기"),
    "manual_done": gettext_lazy("수동 환불 완료"),
}
PARTNER_CLAIM_ACTIONS = ("accept", "collect", "refund", "reject")
OPERATOR_CLAIM_ACTIONS = (*PARTNER_CLAIM_ACTIONS, "retry_refund", "manual_done")


def claim_actions_available(claim: Claim, names) -> list[str]:
    """The steps the claim's state allows now, among `names` (the services check again)."""
    found = []
    for name in names:
        if name == "accept" and claim.status == C.REQUESTED and claim.kind != ClaimKind.CANCEL:
            found.append(name)
        elif name == "collect" and claim.status == C.ACCEPTED:
            found.append(name)
        elif name == "refund" and claim.status == C.COLLECTED and claim.kind == ClaimKind.RETURN:
            found.append(name)
        elif name == "reject" and claim.status in (C.REQUESTED, C.ACCEPTED) and claim.kind != ClaimKind.CANCEL:
            found.append(name)
        elif name == "retry_refund" and claim.refund_status == RefundStatus.FAILED:
            found.append(name)
        elif name == "manual_done" and claim.refund_status == RefundStatus.MANUAL:
            found.append(name)
    return found


class PickupForm(forms.Form):
    pickup_carrier = forms.ChoiceField(label=gettext_lazy("회수 택배사"), required=False,
                                       choices=[("", "---------"), *Carrier.choices])
    pickup_tracking_number = forms.CharField(label=gettext_lazy("회수 송장번호"), max_length=30, required=False,
                                             help_text=gettext_lazy("알고 있으면 적어 주세요. 구매자에게 전달됩니다."))


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("거절 사유"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ManualDoneForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("메모"), max_length=200, required=False)


class LinesCancelForm(forms.Form):
    lines = forms.TypedMultipleChoiceField(label=gettext_lazy("취소할 상품"), coerce=int,
                                           widget=forms.CheckboxSelectMultiple)
    reason = forms.ChoiceField(label=gettext_lazy("사유"), choices=ClaimReason.choices, initial=ClaimReason.OUT_OF_STOCK)
    detail = forms.CharField(label=gettext_lazy("구매자에게 전할 말"), max_length=1000, required=False)

    def __init__(self, *args, vendor_order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (ln.pk, f"{ln.product_name} · {ln.variant_name} × {ln.quantity} ({won(ln.line_total)})")
            for ln in vendor_order.lines.all() if ln.state == OrderLineState.ORDERED and not ln.open_claim_id]


class ClaimEventInline(HistoryInline):
    model = ClaimEvent
    status_choices = ClaimStatus

    def actor_label(self, obj):
        claim = obj.claim
        return _("구매자") if obj.actor_id and obj.actor_id == claim.order.buyer_id else None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "claim__order")


def money_lines(claim: Claim) -> str:
    """A claim's money, part by part, as the buyer saw it before confirming."""
    parts = [(_("상품 금액"), won(claim.items_amount))]
    if claim.coupon_amount:
        parts.append((_("쿠폰 할인 몫"), "-" + won(claim.coupon_amount)))
    if claim.shipping_refund:
        parts.append((_("돌려주는 배송비"), won(claim.shipping_refund)))
    if claim.shipping_charge:
        parts.append((_("추가 배송비"), "-" + won(claim.shipping_charge)))
    if claim.return_fee:
        parts.append((_("반품 배송비"), "-" + won(claim.return_fee)))
    if claim.exchange_difference:
        parts.append((_("교환 옵션 차액"), won(claim.exchange_difference)))
    parts.append((_("환불 금액"), won(claim.refund_amount)))
    if claim.tax_free_amount:
        parts.append((_("그중 면세"), won(claim.tax_free_amount)))
    rows = format_html_join("", "<tr><th>{}</th><td class='ddasum-num'>{}</td></tr>", parts)
    return format_html('<table class="claim-money">{}</table>', rows)


class ClaimAdminBase(admin.ModelAdmin):
    change_form_template = "admin/orders/claim/change_form.html"
    list_display = ("number", "kind", "status", "reason", "vendor_order_number", "refund_display",
                    "refund_status", "created_at")
    list_filter = ("status", "kind", "refund_status")
    search_fields = ("number", "vendor_order__number", "order__number")
    list_select_related = ("vendor_order", "order")
    inlines = (ClaimEventInline,)
    fieldsets = (
        (gettext_lazy("요청"), {"fields": ("number", "kind", "status", "reason", "reason_detail",
                                          "vendor_order_number", "lines_table", "created_at")}),
        (gettext_lazy("금액"), {"fields": ("money_display", "refund_status", "refund_error", "refunded_at",
                                          "refund_account_display")}),
        (gettext_lazy("회수·교환 배송"), {"fields": ("pickup_carrier", "pickup_tracking_number", "reship_carrier",
                                                   "reship_tracking_number")}),
    )
    action_names: tuple = PARTNER_CLAIM_ACTIONS
    refund_display = won_column("refund_amount", gettext_lazy("환불 금액"))

    def get_readonly_fields(self, request, obj=None):
        return [f for _title, section in self.fieldsets for f in section["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("기업별 주문"), ordering="vendor_order__number")
    def vendor_order_number(self, obj):
        return obj.vendor_order.number

    @admin.display(description=gettext_lazy("상품"))
    def lines_table(self, obj):
        rows = format_html_join("", "<li>{} · {} × {}{}</li>", (
            (cl.line.product_name, cl.line.variant_name, cl.quantity,
             f" → {cl.new_variant_name}" if cl.new_variant_name else "")
            for cl in obj.lines.select_related("line")))
        return format_html("<ul>{}</ul>", rows)

    @admin.display(description=gettext_lazy("금액"))
    def money_display(self, obj):
        return money_lines(obj)

    @admin.display(description=gettext_lazy("환불 계좌"))
    def refund_account_display(self, obj):
        account = refunds.refund_account_of(obj.order)
        if account is None:
            return "-"
        # The operator sends bank-transfer refunds by hand: the whole number; a vendor sees the last digits.
        number = account.account_number if self._operators() else f"****{account.account_number[-4:]}"
        return f"{bank_name(account.bank_code)} {number} ({account.holder_name})"

    def _operators(self):
        return self.admin_site.name == "admin"

    def _url(self, name, *args):
        return reverse(f"{self.admin_site.name}:orders_claim_{name}", args=args)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("<int:pk>/do/<slug:action>/", wrap(self.action_view), name="orders_claim_action"),
            path("cancel-lines/<int:vendor_order_id>/", wrap(self.cancel_lines_view), name="orders_claim_cancel_lines"),
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return redirect(request.path)
        claim = self.get_object(request, object_id)
        steps = []
        if claim is not None and self.has_change_permission(request, claim):
            steps = [(self._url("action", claim.pk, name), CLAIM_ACTION_LABELS[name], name)
                     for name in claim_actions_available(claim, self.action_names)]
        extra_context = {
            **(extra_context or {}), "claim_steps": steps, "is_exchange": claim is not None and claim.kind == ClaimKind.EXCHANGE,
            "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _form_for(self, action, data):
        if action == "accept":
            return PickupForm(data)
        if action == "reject":
            return RejectForm(data)
        if action == "manual_done":
            return ManualDoneForm(data)
        return None

    def _do(self, action, claim, request, data):
        actor, pk = request.user, claim.pk
        if action == "accept":
            claims.claim_accept(pk, actor, pickup_carrier=data.get("pickup_carrier", ""),
                                pickup_tracking_number=data.get("pickup_tracking_number", ""))
        elif action == "collect":
            claims.claim_collect(pk, actor)
        elif action == "refund":
            returns.claim_return_refund(pk, actor)
        elif action == "reject" and claim.kind == ClaimKind.EXCHANGE:
            exchanges.exchange_reject(claim_id=pk, actor=actor, reason=data["reason"])  # the held option goes back
        elif action == "reject":
            claims.claim_reject(pk, actor, data["reason"])
        elif action == "retry_refund":
            refunds.claim_refund_retry(claim_id=pk, actor=actor)
        elif action == "manual_done":
            refunds.claim_refund_manual_done(claim_id=pk, actor=actor, note=data.get("note", ""))

    def action_view(self, request, pk, action):
        """Show the step's form (or a confirmation), then take it through the service."""
        request.current_app = self.admin_site.name
        if action not in self.action_names:
            raise Http404
        claim = self.get_object(request, str(pk))
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        change_url = self._url("change", claim.pk)
        form = self._form_for(action, request.POST if request.method == "POST" else None)

        def done():
            claim.refresh_from_db()
            return _("%(number)s: %(action)s 처리했습니다. 지금 상태: %(status)s · %(refund)s") % {
                "number": claim.number, "action": CLAIM_ACTION_LABELS[action],
                "status": claim.get_status_display(), "refund": claim.get_refund_status_display()}

        taken = step_submit(request, form, lambda data: self._do(action, claim, request, data), back=change_url,
                            done=done)
        if taken is not None:
            return taken
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": claim, "form": form,
            "action": action, "action_label": CLAIM_ACTION_LABELS[action], "change_url": change_url,
            "money": money_lines(claim), "title": f"{claim.number} · {CLAIM_ACTION_LABELS[action]}",
        }
        return TemplateResponse(request, "admin/orders/claim/action.html", context)

    def cancel_lines_view(self, request, vendor_order_id):
        """The vendor (or an operator) cancels lines it cannot send, before shipping (e.g. 재고 부족)."""
        request.current_app = self.admin_site.name
        vendor_order_admin = self.admin_site._registry.get(self.model._meta.get_field("vendor_order").remote_field.model)
        vendor_order = vendor_order_admin.get_object(request, str(vendor_order_id)) if vendor_order_admin else None
        if vendor_order is None:
            raise Http404
        if not vendor_order_admin.has_change_permission(request, vendor_order):
            raise PermissionDenied
        back = reverse(f"{self.admin_site.name}:orders_vendororder_change", args=[vendor_order.pk])
        form = LinesCancelForm(request.POST or None, vendor_order=vendor_order)
        quote = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("step") == "confirm":
                    claim = returns.claim_cancel(vendor_order_id=vendor_order.pk, line_ids=data["lines"],
                                                 actor=request.user, reason=data["reason"], reason_detail=data["detail"])
                    messages.success(request, _("%(number)s: 상품을 취소했습니다. 환불 %(amount)s") % {
                        "number": claim.number, "amount": won(claim.refund_amount)})
                    return redirect(back)
                quote = returns.claim_preview(vendor_order=vendor_order, line_ids=data["lines"],
                                              kind=ClaimKind.CANCEL, reason=data["reason"])
            except DomainError as exc:
                form.add_error(None, exc.message)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "vendor_order": vendor_order,
            "form": form, "quote": quote, "back_url": back,
            "title": _("%(number)s · 상품별 취소") % {"number": vendor_order.number},
        }
        return TemplateResponse(request, "admin/orders/claim/cancel_lines.html", context)


# --- the partner admin ----------------------------------------------------------------


class ClaimPartnerAdmin(ClaimAdminBase, VendorScopedAdmin):
    scope_field = "vendor_order__vendor"
    action_names = PARTNER_CLAIM_ACTIONS


partner_admin_site.register(Claim, ClaimPartnerAdmin)


# --- the operators' admin -------------------------------------------------------------


@admin.register(Claim)
class ClaimAdmin(ClaimAdminBase):
    action_names = OPERATOR_CLAIM_ACTIONS
    list_display = (*ClaimAdminBase.list_display[:4], "vendor_name", *ClaimAdminBase.list_display[4:], "refund_error")

    @admin.display(description=gettext_lazy("입점기업"), ordering="vendor_order__vendor__name")
    def vendor_name(self, obj):
        return obj.vendor_order.vendor.name

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("vendor_order__vendor")


class ClaimSummaryInline(admin.TabularInline):
    """A vendor order's claims with their money, on its page (read-only; each opens its claim)."""

    model = Claim
    fk_name = "vendor_order"
    extra = 0
    can_delete = False
    fields = ("claim_link", "kind", "status", "reason", "money", "refund_status")
    readonly_fields = fields
    verbose_name = gettext_lazy("취소·반품·교환")
    verbose_name_plural = gettext_lazy("취소·반품·교환")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # its parent vendor order is in scope already

    @admin.display(description=gettext_lazy("접수번호"))
    def claim_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse(f"{self.admin_site.name}:orders_claim_change",
                                                          args=[obj.pk]), obj.number)

    @admin.display(description=gettext_lazy("금액"))
    def money(self, obj):
        return money_lines(obj)
