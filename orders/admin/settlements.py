"""Settlements in both admins.

Operators (the full admin): every settlement, a page to build the settlements of any
period, "mark paid" (an action and a button), and the statement as CSV (and PDF when the
PDF helper is there). Vendors (the partner admin): their own settlements only, read-only,
with the same statements; another vendor's settlement is a 404.
"""
import logging
from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum import jobs
from ddasum.admin_scoping import HistoryInline, ReadOnlyAdminMixin, won_column
from ddasum.exceptions import DomainError
from ddasum.money import won
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from ..models import Settlement, SettlementEvent, SettlementStatus
from ..services import settlements as service

LINES_SHOWN = 300
PDF_REQUEUE_SECONDS = 60
PDF_REFRESH_SECONDS = 5

logger = logging.getLogger(__name__)


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("기간 시작"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=gettext_lazy("기간 끝"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise forms.ValidationError(_("기간의 끝이 시작보다 앞설 수 없습니다."))
        return data


class SettlementEventInline(HistoryInline):
    """The settlement's history: built, paid (read-only on both sites)."""
    model = SettlementEvent
    verbose_name_plural = gettext_lazy("상태 이력")


class SettlementAdminBase(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What both admins share: the columns, the read-only detail with its lines, the statements."""

    list_display = ("number", "vendor", "period", "order_count", "items_display", "commission_display",
                    "payout_display", "status", "paid_at", "statements")
    list_filter = ("status",)
    date_hierarchy = "period_start"
    search_fields = ("number", "vendor__name")
    list_select_related = ("vendor",)
    fields = ("number", "vendor", "period", "status", "paid_at", "order_count", "items_display", "shipping_display",
              "refund_display", "commission_display", "discount_display", "payout_display", "bank_account", "statements",
              "lines_table")
    readonly_fields = fields
    inlines = [SettlementEventInline]
    change_form_template = "admin/orders/settlement/change_form.html"
    change_list_template = "admin/orders/settlement/change_list.html"

    # columns

    @admin.display(description=gettext_lazy("정산 기간"), ordering="period_start")
    def period(self, obj):
        if (obj.period_start, obj.period_end) == service.month_period(obj.period_start.year, obj.period_start.month):
            return f"{obj.period_start:%Y-%m}"  # a calendar month
        return f"{obj.period_start:%Y-%m-%d} ~ {obj.period_end:%Y-%m-%d}"

    items_display = won_column("items_total", gettext_lazy("상품 판매액"))
    shipping_display = won_column("shipping_total", gettext_lazy("배송비"))
    refund_display = won_column("refund_total", gettext_lazy("환불"))
    commission_display = won_column("commission_total", gettext_lazy("수수료"))
    discount_display = won_column("discount_total", gettext_lazy("입점기업 부담 할인"))
    payout_display = won_column("payout", gettext_lazy("지급액"))

    @admin.display(description=gettext_lazy("지급 계좌"))
    def bank_account(self, obj):
        v = obj.vendor
        return " ".join(x for x in (v.bank_name, v.bank_account_number, v.bank_account_holder) if x) or "-"

    @admin.display(description=gettext_lazy("정산서"))
    def statements(self, obj):
        links = [(self._url("statement", obj.pk, "csv"), "CSV"), (self._url("statement", obj.pk, "pdf"), "PDF")]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(description=gettext_lazy("정산 내역"))
    def lines_table(self, obj):
        lines = list(service.settlement_lines(obj)[:LINES_SHOWN])
        if not lines:
            return _("이 기간에 구매 확정된 주문이 없습니다.")
        with_discount = bool(obj.discount_total)
        cells = "<td>{}</td>" * 6 + "<td>{}%</td>" + "<td>{}</td>" * (3 if with_discount else 2)
        rows = format_html_join("", "<tr>" + cells + "</tr>", (
            (ln.vendor_order.number, ln.vendor_order.order.number,
             f"{timezone.localtime(ln.vendor_order.completed_at):%Y-%m-%d}" if ln.vendor_order.completed_at else "",
             won(ln.items_total), won(ln.shipping_fee), won(ln.refunded_amount), ln.vendor_order.commission_rate,
             won(ln.commission), *([won(ln.vendor_discount)] if with_discount else []), won(ln.payout))
            for ln in lines
        ))
        head = format_html_join("", "<th>{}</th>", ((h,) for h in service.csv_header(obj)))
        more = ""
        if obj.order_count > len(lines):
            more = format_html("<p>{}</p>", _("처음 %(n)s건만 보입니다. 전체는 CSV 정산서에 있습니다.") % {"n": len(lines)})
        return format_html('<table class="settlement-lines"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>{}',
                           head, rows, more)

    # permissions: settlements are made by the service, never typed in (ReadOnlyAdminMixin)

    # statements

    def _url(self, name, *args):
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}", args=args)

    def get_urls(self):
        opts = self.model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        custom = [
            path("<int:pk>/statement.<str:fmt>", self.admin_site.admin_view(self.statement_view),
                 name=f"{prefix}_statement"),
        ]
        return custom + super().get_urls()

    def statement_view(self, request, pk, fmt):
        """The statement of a settlement the requester may see (scoped by get_queryset)."""
        request.current_app = self.admin_site.name
        if not self.has_view_permission(request):
            raise PermissionDenied
        settlement = get_object_or_404(self.get_queryset(request).select_related("vendor"), pk=pk)
        if fmt == "pdf":
            return self._pdf(request, settlement)
        if fmt != "csv":
            raise Http404
        response = HttpResponse(service.settlement_csv(settlement), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{service.settlement_filename(settlement, fmt)}"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _pdf(self, request, settlement):
        """The stored PDF if it is current; otherwise queue it and show a page that refreshes until it is."""
        document = service.settlement_document(settlement)
        if not service.settlement_document_is_current(settlement, document):
            if cache.add(f"orders:settlement-pdf-queued:{settlement.pk}", 1, PDF_REQUEUE_SECONDS):
                try:
                    jobs.task("orders.settlement_pdf_task").delay(settlement_id=settlement.pk)
                except Exception:  # an eager task that fails must not turn the page into a 500
                    logger.exception("statement of settlement %s could not be queued", settlement.pk)
            document = service.settlement_document(settlement)  # with eager tasks it may be there now
            if not service.settlement_document_is_current(settlement, document):
                response = TemplateResponse(request, "admin/orders/settlement/statement_pending.html", {
                    **self.admin_site.each_context(request), "opts": self.model._meta, "settlement": settlement,
                    "refresh_seconds": PDF_REFRESH_SECONDS, "title": _("정산서 준비 중"),
                }, status=202)
                response["Cache-Control"] = "private, no-store"
                return response
        response = FileResponse(document.file.open("rb"), content_type="application/pdf",
                                filename=service.settlement_filename(settlement, "pdf"), as_attachment=True)
        response["Cache-Control"] = "private, no-store"
        return response


@admin.register(Settlement)
class SettlementAdmin(SettlementAdminBase):
    """The operators' settlements: build for a period, mark paid, statements."""

    list_filter = ("status", "vendor__region", "vendor__enterprise_type")
    actions = ("mark_paid",)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("build/", wrap(self.build_view), name="orders_settlement_build"),
            path("<int:pk>/pay/", wrap(self.pay_view), name="orders_settlement_pay"),
        ]
        return custom + super().get_urls()

    def has_delete_permission(self, request, obj=None):
        # A wrong settlement not yet paid may be removed and built again; a paid one stays.
        return super(SettlementAdminBase, self).has_delete_permission(request, obj) and (
            obj is None or obj.status != SettlementStatus.PAID)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, from the settlement's page, and never a paid one
        return actions

    def _may_settle(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perm("orders.change_settlement")

    @admin.action(description=gettext_lazy("선택한 정산을 지급 완료로 표시"))
    def mark_paid(self, request, queryset):
        if not self._may_settle(request):
            raise PermissionDenied
        done = 0
        for pk in queryset.exclude(status=SettlementStatus.PAID).values_list("pk", flat=True):
            try:
                service.settlement_mark_paid(settlement_id=pk, actor=request.user)
                done += 1
            except DomainError as exc:
                messages.error(request, exc.message)
        messages.success(request, _("%(n)s건을 지급 완료로 표시했습니다.") % {"n": done})

    def pay_view(self, request, pk):
        if request.method != "POST":
            return redirect("admin:orders_settlement_change", pk)
        if not self._may_settle(request):
            raise PermissionDenied
        settlement = get_object_or_404(Settlement, pk=pk)
        try:
            service.settlement_mark_paid(settlement_id=settlement.pk, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(number)s: 지급 완료로 표시했습니다.") % {"number": settlement.number})
        return redirect("admin:orders_settlement_change", pk)

    def build_view(self, request):
        """Pick a period and settle every vendor with completed orders in it (vendors already settled stay)."""
        request.current_app = self.admin_site.name
        if not self._may_settle(request):
            raise PermissionDenied
        start, end = service.previous_month()
        initial = {"period_start": request.GET.get("period_start") or start,
                   "period_end": request.GET.get("period_end") or end}
        form = PeriodForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
            try:
                result = service.settlements_build_period(period_start=start, period_end=end, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _(
                    "%(start)s ~ %(end)s: 정산 %(created)s건을 만들었습니다 (이미 있던 정산 %(existing)s건은 그대로 둡니다)."
                ) % {"start": start, "end": end, "created": result.created_count, "existing": result.existing})
                url = reverse("admin:orders_settlement_changelist")
                return redirect(f"{url}?period_start__gte={start}&period_start__lte={end}")
        recent = [service.month_period(d.year, d.month) for d in _months_back(start, 3)]
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "title": _("기간 정산 만들기"), "recent_periods": recent,
        }
        return TemplateResponse(request, "admin/orders/settlement/build.html", context)

    def changelist_view(self, request, extra_context=None):
        extra = {"build_url": reverse("admin:orders_settlement_build") if self._may_settle(request) else None,
                 "reports_url": reverse("orders:reports")}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        pay_url = None
        if obj is not None and obj.status == SettlementStatus.CONFIRMED and self._may_settle(request):
            pay_url = reverse("admin:orders_settlement_pay", args=[obj.pk])
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "pay_url": pay_url})


def _months_back(first_day: date, n: int) -> list[date]:
    months, day = [], first_day
    for _i in range(n):
        months.append(day)
        day = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    return months


class SettlementPartnerAdmin(SettlementAdminBase, VendorScopedAdmin):
    """A vendor's own settlements, to read and download."""

    phone_list_display = ("number", "payout_display", "status")  # the number carries the month

    def get_list_display(self, request):
        display = super().get_list_display(request)
        ids = self.scope_ids(request)
        return [d for d in display if d != "vendor"] if ids is not None and len(ids) == 1 else display

    # VendorScopedAdmin allows the vendor's members everything in scope; settlements stay read-only
    # (SettlementAdminBase puts ReadOnlyAdminMixin before it in the MRO).

    def get_actions(self, request):
        return {}


partner_admin_site.register(Settlement, SettlementPartnerAdmin)
