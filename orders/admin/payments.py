"""Payments in the operators' admin: orders waiting for deposits, deposits by hand or by CSV, refunds due.

Orders are read here, never edited: a deposit goes through `payment_deposit_confirm`
(one per order, or a bank statement CSV after a preview), payments and their events are
read-only records for disputes, and the refunds due by bank transfer are listed until the
operator marks them sent.
"""
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import ReadOnlyAdminMixin
from ddasum.admin_uploads import UploadPreviewMixin
from ddasum.exceptions import DomainError
from ddasum.money import won

from ..models import (
    CashReceipt,
    Claim,
    Order,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentMethod,
    PaymentMismatch,
    VendorOrder,
)
from ..services import deposits
from ..services.confirmations import payment_deposit_confirm
from ..services.payments import EVENT_LABELS, REFUND_DUE, payment_refund_done, refunds_due
from ..services.refunds import claim_refund_manual_done

T = "orders/payments/admin/"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def _pretty(value) -> str:
    """JSON as the operator reads it: Korean as Korean, indented."""
    return format_html('<pre class="ddasum-pre">{}</pre>',
                       json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True))


class EventDisplayMixin:
    @admin.display(description=gettext_lazy("종류"), ordering="kind")
    def kind_display(self, obj):
        return EVENT_LABELS.get(obj.kind, obj.kind)

    @admin.display(description=gettext_lazy("요청"))
    def request_pretty(self, obj):
        return _pretty(obj.request)

    @admin.display(description=gettext_lazy("응답"))
    def response_pretty(self, obj):
        return _pretty(obj.response)


def _awaiting_deposit(order: Order) -> bool:
    return order.payment_method == PaymentMethod.BANK_TRANSFER and order.status == OrderStatus.PENDING_PAYMENT


# --- forms ------------------------------------------------------------------------------


class MarkPaidForm(forms.Form):
    depositor = forms.CharField(label=gettext_lazy("입금자명"), max_length=50, required=False)
    deposited_at = forms.DateTimeField(label=gettext_lazy("입금 일시"), required=False,
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                  format="%Y-%m-%dT%H:%M"),
                                       help_text=gettext_lazy("통장에 찍힌 입금 시각. 비우면 지금."))
    amount = forms.IntegerField(label=gettext_lazy("입금액(원)"), min_value=1)
    note = forms.CharField(label=gettext_lazy("메모"), max_length=200, required=False)

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["amount"].help_text = _("주문 금액 %(total)s과 같아야 합니다.") % {"total": won(order.total)}

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount != self.order.total:
            raise ValidationError(_("입금액이 주문 금액 %(total)s과 다릅니다. 차액은 구매자와 먼저 정리해 주세요.")
                                  % {"total": won(self.order.total)})
        return amount


class DepositUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("입금 내역 CSV"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(_("CSV 파일만 올릴 수 있습니다. 엑셀에서 'CSV UTF-8'로 저장해 주세요."))
        self.data_bytes = deposits.deposits_read(upload)
        return upload


# --- inlines ------------------------------------------------------------------------------


class VendorOrderInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = VendorOrder
    extra = 0
    fields = ("number", "vendor", "status", "items_total", "shipping_fee", "total", "refunded_amount")
    readonly_fields = fields
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        return True  # part of the order, which the operator is looking at


class PaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    extra = 0
    fields = ("link", "method", "status", "amount", "cancelled_amount", "provider_key", "approved_at")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("결제")

    @admin.display(description=gettext_lazy("결제"))
    def link(self, obj):
        url = reverse("admin:orders_payment_change", args=[obj.pk])
        return format_html('<a href="{}">#{}</a>', url, obj.pk)

    def has_view_permission(self, request, obj=None):
        return True


class PaymentEventInline(EventDisplayMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentEvent
    extra = 0
    fields = ("created_at", "kind_display", "ok", "http_status", "request_pretty", "response_pretty")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("결제 기록 (요청·응답)")

    def has_view_permission(self, request, obj=None):
        return True


# --- orders --------------------------------------------------------------------------------


class OrderStatusFilter(admin.SimpleListFilter):
    """Status with counts; orders waiting for payment first."""
    title = gettext_lazy("상태")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        counts = dict(Order.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        return [(s.value, f"{s.label} ({counts.get(s.value, 0):,})") for s in OrderStatus]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Order)
class OrderAdmin(UploadPreviewMixin, admin.ModelAdmin):
    """Every order; bank transfers waiting for their deposit are marked paid here."""

    list_display = ("number", "orderer_name", "total_display", "payment_method", "status", "placed_at", "expires_at",
                    "paid_at", "deposit_button")
    list_filter = (OrderStatusFilter, "payment_method")
    search_fields = ("number", "orderer_name", "email", "orderer_phone", "recipient_name")
    date_hierarchy = "placed_at"
    list_per_page = 50
    actions = ("mark_paid_selected",)
    inlines = [VendorOrderInline, PaymentInline]
    change_list_template = T + "order_change_list.html"
    change_form_template = T + "order_change_form.html"
    fieldsets = (
        (gettext_lazy("주문"), {"fields": ("number", "status", "payment_method", "placed_at", "expires_at", "paid_at",
                                         "cancelled_at")}),
        (gettext_lazy("금액"), {"fields": ("items_total", "shipping_total", "discount_total", "total", "taxable_total",
                                         "exempt_total")}),
        (gettext_lazy("주문자·배송"), {"fields": ("buyer", "email", "orderer_name", "orderer_phone", "recipient_name",
                                             "recipient_phone", "postal_code", "address", "address_detail", "memo")}),
        (gettext_lazy("사업자 구매"), {"fields": ("business_number", "business_name")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for _title, options in self.fieldsets for f in options["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("buyer")

    @admin.display(description=gettext_lazy("결제 금액"), ordering="total")
    def total_display(self, obj):
        return won(obj.total)

    @admin.display(description=gettext_lazy("입금 확인"))
    def deposit_button(self, obj):
        if not _awaiting_deposit(obj):
            return "-"
        return format_html('<a class="button" href="{}">{}</a>', self._url("mark_paid", obj.pk), _("입금 확인"))

    def _url(self, name, *args):
        return reverse(f"admin:orders_order_{name}", args=args)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("<int:pk>/mark-paid/", wrap(self.mark_paid_view), name="orders_order_mark_paid"),
            path("deposits/", wrap(self.deposits_view), name="orders_order_deposits"),
            path("deposits/apply/", wrap(self.deposits_apply_view), name="orders_order_deposits_apply"),
        ]
        return custom + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "deposits_url": self._url("deposits"),
                         "refunds_due_url": reverse("admin:orders_payment_refunds_due"),
                         "refunds_due_count": refunds_due().count()}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False, "show_delete": False, "title": _("주문 보기")}
        if order is not None and _awaiting_deposit(order) and self.has_change_permission(request, order):
            extra_context["mark_paid_url"] = self._url("mark_paid", order.pk)
        return super().change_view(request, object_id, form_url, extra_context)

    def _check_change(self, request, obj=None):
        if not self.has_change_permission(request, obj):
            raise PermissionDenied

    # one order

    def mark_paid_view(self, request, pk):
        """Confirm one bank-transfer deposit: who deposited, when, how much."""
        request.current_app = self.admin_site.name
        order = Order.objects.filter(pk=pk).first()
        if order is None:
            raise Http404
        self._check_change(request, order)
        change_url = self._url("change", order.pk)
        if not _awaiting_deposit(order):
            messages.warning(request, _("%(number)s: 입금을 기다리는 무통장입금 주문이 아닙니다 (지금 상태: %(status)s).")
                             % {"number": order.number, "status": order.get_status_display()})
            return redirect(change_url)
        initial = {"depositor": order.orderer_name, "amount": order.total,
                   "deposited_at": timezone.localtime().replace(second=0, microsecond=0)}
        form = MarkPaidForm(request.POST if request.method == "POST" else None, initial=initial, order=order)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payment_deposit_confirm(order_id=order.pk, actor=request.user, amount=data["amount"],
                                        depositor=data["depositor"], deposited_at=data["deposited_at"],
                                        note=data["note"], source="admin")
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect(change_url)
            messages.success(request, _("%(number)s: 입금 %(amount)s을 확인했습니다. 주문이 결제 완료되었습니다.")
                             % {"number": order.number, "amount": won(order.total)})
            return redirect(self._url("changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": order,
                   "form": form, "change_url": change_url, "title": _("%(number)s 입금 확인") % {"number": order.number}}
        return TemplateResponse(request, T + "mark_paid.html", context)

    # many orders

    @admin.action(description=gettext_lazy("선택한 주문 입금 확인"), permissions=["change"])
    def mark_paid_selected(self, request, queryset):
        waiting = list(queryset.filter(payment_method=PaymentMethod.BANK_TRANSFER,
                                       status=OrderStatus.PENDING_PAYMENT).order_by("pk"))
        if request.POST.get("post") == "yes":
            done = 0
            for order in waiting:
                try:
                    payment_deposit_confirm(order_id=order.pk, actor=request.user, source="admin")
                    done += 1
                except DomainError as exc:
                    messages.error(request, exc.message)
            messages.success(request, _("%(count)s건의 입금을 확인했습니다.") % {"count": done})
            return None
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "orders": waiting,
                   "skipped": list(queryset.exclude(pk__in=[o.pk for o in waiting])),
                   "total": sum(o.total for o in waiting), "queryset": queryset,
                   "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "title": _("선택한 주문 입금 확인")}
        return TemplateResponse(request, T + "mark_paid_bulk.html", context)

    # bank statement CSV

    upload_cache_name, upload_url_name, confirm_url_name = "orders-deposits", "deposits", "deposits_apply"

    def _deposits_context(self, request, **extra):
        return self.upload_context(request, **{"title": _("입금 내역 CSV로 입금 확인"), "columns": deposits.COLUMNS,
                                               "max_rows": deposits.MAX_ROWS, **extra})

    def _preview(self, request, plan, *, data: bytes, file_name: str, changed: bool = False):
        # The apply step matches the file again and refuses if the matches are not the ones shown here.
        token = self.upload_stash(request, data=data, expected=plan.signature(), name=file_name) if plan.matched else None
        return TemplateResponse(request, T + "deposits_preview.html", self._deposits_context(
            request, plan=plan, token=token, file_name=file_name, changed=changed, title=_("입금 내역 미리보기")))

    def deposits_view(self, request):
        """Upload the bank's deposit list and see which orders each row would pay; nothing is saved here."""
        request.current_app = self.admin_site.name
        self._check_change(request)
        posted = request.method == "POST"
        form = DepositUploadForm(request.POST if posted else None, request.FILES if posted else None)
        if posted and form.is_valid():
            plan = deposits.deposits_plan(form.data_bytes)
            return self._preview(request, plan, data=form.data_bytes, file_name=form.cleaned_data["file"].name)
        return TemplateResponse(request, T + "deposits_upload.html", self._deposits_context(request, form=form))

    def deposits_apply_view(self, request):
        """Apply the matched rows of a previewed file, all in one transaction."""
        request.current_app = self.admin_site.name
        self._check_change(request)

        def apply(stored):
            plan = deposits.deposits_apply(data=stored["data"], expected=stored["expected"], actor=request.user)
            messages.success(request, _("%(count)s건, 합계 %(total)s의 입금을 확인했습니다.")
                             % {"count": len(plan.matched), "total": won(plan.total)})
            if plan.problems:
                messages.warning(request, _("맞는 주문을 찾지 못한 %(count)s건은 반영하지 않았습니다. 주문에서 직접 확인해 주세요.")
                                 % {"count": len(plan.problems)})
            return redirect(self._url("changelist"))

        def on_refused(exc, stored):
            messages.error(request, exc.message)
            return self._preview(request, exc.plan, data=stored["data"], file_name=stored["name"], changed=True)

        return self.upload_confirm(request, apply=apply, refused=deposits.DepositsChanged, on_refused=on_refused)


# --- payments and their events ---------------------------------------------------------------


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "order_link", "method", "status", "amount_display", "cancelled_amount", "provider_key",
                    "approved_at", "created_at")
    list_filter = ("method", "status")
    search_fields = ("order__number", "provider_key", "order__orderer_name")
    list_select_related = ("order",)
    fields = ("order", "method", "status", "amount", "cancelled_amount", "provider_key", "idempotency_key",
              "supplied_amount", "vat", "tax_free_amount", "approved_at", "created_at")
    readonly_fields = fields
    inlines = [PaymentEventInline]
    change_list_template = T + "payment_change_list.html"

    @admin.display(description=gettext_lazy("주문"), ordering="order__number")
    def order_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[obj.order_id]),
                           obj.order.number)

    @admin.display(description=gettext_lazy("금액"), ordering="amount")
    def amount_display(self, obj):
        return won(obj.amount)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("refunds-due/", wrap(self.refunds_due_view), name="orders_payment_refunds_due"),
            path("refunds-due/<int:event_id>/done/", wrap(self.refund_done_view), name="orders_payment_refund_done"),
        ]
        return custom + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "refunds_due_url": reverse("admin:orders_payment_refunds_due"),
                         "refunds_due_count": refunds_due().count()}
        return super().changelist_view(request, extra_context)

    def _check_refunds(self, request):
        # Sending money back is an operator's change to an order.
        if not request.user.has_perm("orders.change_order"):
            raise PermissionDenied

    def refunds_due_view(self, request):
        """Refunds to send by bank transfer (cancelled bank-transfer orders), oldest first."""
        request.current_app = self.admin_site.name
        self._check_refunds(request)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "events": list(refunds_due()),
                   "title": _("환불할 목록 (계좌 송금)")}
        return TemplateResponse(request, T + "refunds_due.html", context)

    def refund_done_view(self, request, event_id):
        request.current_app = self.admin_site.name
        self._check_refunds(request)
        if request.method != "POST":
            return redirect("admin:orders_payment_refunds_due")
        event = PaymentEvent.objects.filter(pk=event_id, kind=REFUND_DUE).select_related("payment__order").first()
        if event is None:
            raise Http404
        note = request.POST.get("note", "")[:200]
        claim = Claim.objects.filter(number=event.request.get("claim") or "-").first()
        if claim is not None:
            # A per-line cancel's or return's refund: recorded on its claim too (the one path for those).
            claim_refund_manual_done(claim_id=claim.pk, actor=request.user, note=note)
        else:
            payment_refund_done(event_id=event.pk, actor=request.user, note=note)
        messages.success(request, _("%(number)s: %(amount)s 환불 송금을 기록했습니다.")
                         % {"number": event.payment.order.number, "amount": won(int(event.request.get("amount", 0)))})
        return redirect("admin:orders_payment_refunds_due")


class EventKindFilter(admin.SimpleListFilter):
    title = gettext_lazy("종류")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return list(EVENT_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(PaymentEvent)
class PaymentEventAdmin(EventDisplayMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Everything said with a provider, for tracing a dispute."""

    list_display = ("created_at", "kind_display", "payment_link", "ok", "http_status")
    list_filter = (EventKindFilter, "ok")
    search_fields = ("payment__order__number", "payment__provider_key")
    list_select_related = ("payment__order",)
    fields = ("payment", "kind_display", "ok", "http_status", "request_pretty", "response_pretty", "created_at")
    readonly_fields = fields
    date_hierarchy = "created_at"

    # PaymentEvent has no Korean verbose name of its own; the pages carry one.
    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "title": _("결제 기록 (요청·응답)")})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "title": _("결제 기록")})

    @admin.display(description=gettext_lazy("결제"))
    def payment_link(self, obj):
        return format_html('<a href="{}">{} #{}</a>', reverse("admin:orders_payment_change", args=[obj.payment_id]),
                           obj.payment.order.number, obj.payment_id)


@admin.register(PaymentMismatch)
class PaymentMismatchAdmin(admin.ModelAdmin):
    """What the daily reconciliation found different between our payments and the PG's (거래 대사)."""

    list_display = ("day", "order_number", "problem", "payment_key", "resolved")
    list_filter = ("resolved", "day")
    list_editable = ("resolved",)
    search_fields = ("order_number", "payment_key", "transaction_key")
    fields = ("day", "order_number", "payment_key", "transaction_key", "problem", "ours", "theirs", "resolved")
    readonly_fields = ("day", "order_number", "payment_key", "transaction_key", "problem", "ours", "theirs")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CashReceipt)
class CashReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "type", "status", "issue_number", "amount", "cancelled_amount", "issued_at")
    list_filter = ("status", "type")
    search_fields = ("order__number", "issue_number")
    list_select_related = ("order",)
    exclude = ("identity_number",)
    readonly_fields = ("order", "type", "status", "amount", "cancelled_amount", "receipt_key", "issue_number",
                       "receipt_url", "last_error", "issued_at", "created_at")
