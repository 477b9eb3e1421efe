"""Admin of purchase orders and purchase records.

Operators read every purchase order (lines and history, read-only: the steps are taken on
the order's page by the agency and the vendor) and check the purchases agencies entered
from outside the platform (verify, or reject with a reason). In the partner admin a
vendor's members list their purchase orders, each linking to its page.
"""
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import HistoryInline, ReadOnlyAdminMixin, ReasonForm, ScopedInline, reason_action_page
from ddasum.exceptions import DomainError
from ddasum.money import won, won_or_dash
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from ..models import (
    POStatus,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchaseRecord,
    PurchaseSource,
    RecordStatus,
)
from ..services.purchases import outside_record_verify


class POLineInline(ReadOnlyAdminMixin, ScopedInline):
    model = PurchaseOrderLine
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("품목")
    fields = ("name", "spec", "category", "quantity", "unit_price", "amount", "tax_type")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")


class POEventInline(HistoryInline):
    model = PurchaseOrderEvent
    verbose_name_plural = gettext_lazy("처리 이력")
    fields = ("when", "transition", "reason")
    readonly_fields = fields
    status_choices = POStatus


class PurchaseOrderAdminBase(admin.ModelAdmin):
    list_display = ("number", "agency", "vendor", "source", "status", "total_won", "paid_on", "issued_at", "page")
    list_filter = ("status", "source")
    search_fields = ("number", "agency__name", "vendor__name")
    date_hierarchy = "issued_at"
    list_per_page = 50
    inlines = [POLineInline, POEventInline]
    fields = ("number", "source", "agency", "vendor", "quote", "status", "delivery_place", "wanted_delivery_date",
              "memo", "taxable_supply", "taxable_vat", "exempt_amount", "total", "issued_at", "confirmed_at",
              "delivered_at", "delivery_note", "inspected_at", "cancelled_at", "payment_method", "paid_on",
              "payment_note", "invoice_email", "invoice_requested_at", "invoice_approval_number", "invoice_issued_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "vendor", "quote")

    @admin.display(description=gettext_lazy("합계"), ordering="total")
    def total_won(self, obj):
        return won_or_dash(obj.total)

    @admin.display(description=gettext_lazy("발주 화면"))
    def page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("procurement:po_detail", args=[obj.number]), _("열기"))


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdminMixin, PurchaseOrderAdminBase):
    """Every purchase order, read-only."""


@admin.register(PurchaseOrder, site=partner_admin_site)
class PurchaseOrderPartnerAdmin(ReadOnlyAdminMixin, VendorScopedAdmin, PurchaseOrderAdminBase):
    """The vendor's purchase orders; the steps (confirm, deliver, tax invoice) are on the order's page."""

    list_display = ("number", "agency", "source", "status", "total_won", "paid_on", "issued_at", "page")
    phone_list_display = ("number", "agency", "status", "page")


# --- purchase records -------------------------------------------------------------------------


class RecordYearFilter(admin.SimpleListFilter):
    title = gettext_lazy("연도")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        this_year = timezone.localdate().year
        return [(str(y), str(y)) for y in range(this_year, this_year - 5, -1)]

    def queryset(self, request, queryset):
        return queryset.filter(purchased_on__year=int(self.value())) if (self.value() or "").isdigit() else queryset


@admin.register(PurchaseRecord)
class PurchaseRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("purchased_on", "agency", "vendor", "enterprise_type", "category", "source", "status",
                    "total_won", "evidence_link")
    list_filter = ("status", "source", "enterprise_type", RecordYearFilter)
    search_fields = ("agency__name", "vendor__name", "description", "purchase_order__number")
    date_hierarchy = "purchased_on"
    list_per_page = 50
    actions = ("verify_selected", "reject_selected")
    fields = ("agency", "vendor", "purchase_order", "source", "enterprise_type", "category", "purchased_on",
              "description", "taxable_amount", "exempt_amount", "total", "status", "evidence_link", "created_by",
              "verified_by", "verified_at", "reject_reason", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "vendor", "category", "purchase_order")

    def has_verify_permission(self, request):
        return request.user.is_active and request.user.is_staff

    @admin.display(description=gettext_lazy("합계"), ordering="total")
    def total_won(self, obj):
        return won_or_dash(obj.total)

    @admin.display(description=gettext_lazy("증빙"))
    def evidence_link(self, obj):
        if not obj.evidence:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("procurement:record_evidence", args=[obj.pk]),
                           obj.evidence_name or _("증빙"))

    def _decide(self, request, queryset, *, approve: bool, reason: str = "") -> None:
        done, refused = 0, []
        for record in queryset.filter(source=PurchaseSource.OUTSIDE).order_by("pk"):
            try:
                outside_record_verify(record_id=record.pk, actor=request.user, approve=approve, reason=reason)
                done += 1
            except DomainError as exc:
                refused.append(f"{record}: {exc.message}")
        skipped = queryset.exclude(source=PurchaseSource.OUTSIDE).count()
        if done:
            self.message_user(request, (_("%(n)s건을 확인했습니다.") if approve else _("%(n)s건을 반려했습니다."))
                              % {"n": done}, messages.SUCCESS)
        if skipped:
            self.message_user(request, _("플랫폼에서 검수된 실적 %(n)s건은 건너뛰었습니다.") % {"n": skipped},
                              messages.WARNING)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=gettext_lazy("선택한 플랫폼 외 구매 실적 확인"), permissions=["verify"])
    def verify_selected(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description=gettext_lazy("선택한 플랫폼 외 구매 실적 반려 (사유 입력)"), permissions=["verify"])
    def reject_selected(self, request, queryset):
        form = ReasonForm(request.POST if request.POST.get("confirm") else None, label=_("반려 사유"),
                          required_message=_("반려 사유를 입력해 주세요."))
        if form.is_bound and form.is_valid():
            self._decide(request, queryset, approve=False, reason=form.cleaned_data["reason"])
            return None
        records = queryset.filter(source=PurchaseSource.OUTSIDE, status=RecordStatus.PENDING).select_related(
            "agency", "vendor")
        return reason_action_page(
            self, request, records, title=_("플랫폼 외 구매 실적 반려"), form=form, submit_label=_("반려"), flag="confirm",
            intro=_("선택한 실적을 반려합니다. 사유는 기관에 알림과 이메일로 전달됩니다."),
            describe=lambda r: f"{r.agency.name} · {r.vendor.name} · {r.purchased_on:%Y-%m-%d} · {won(r.total)}",
        )

