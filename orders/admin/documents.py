"""Tax-invoice requests in the two admins.

Vendors (partner admin, scoped by vendor order's vendor) and the operator (every vendor,
issuing on their behalf: 위수탁) see pending requests first, export them for bulk issuing
through the configured `InvoiceIssuer` (a CSV by default), and mark them issued with the
approval number: one by one, or by uploading a CSV of 주문번호/종류/승인번호 that is
previewed first and applied all or nothing.
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_uploads import UploadPreviewMixin
from ddasum.exceptions import DomainError
from ddasum.spreadsheets import XLSX, attachment_response
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from ..models import DocumentKind, InvoiceKind, TaxInvoiceRequest
from ..services.documents import document_url
from ..services.tax_invoices import (
    APPROVAL_COLUMNS,
    APPROVALS_MAX_ROWS,
    INVOICE_KIND_LABELS,
    ApprovalImportRefused,
    invoice_issuer,
    invoice_requests_hometax_xlsx,
    invoice_requests_pending,
    tax_invoice_approvals_apply,
    tax_invoice_approvals_plan,
    tax_invoice_mark_issued,
    tax_invoices_issue,
)

UPLOAD_MAX_BYTES = 2 * 1024 * 1024


class ApprovalForm(forms.Form):
    approval_number = forms.CharField(
        label=gettext_lazy("승인번호"), max_length=40,
        help_text=gettext_lazy("전자(세금)계산서 발행 후 받은 국세청 승인번호 (예: 20261122-41000000-0a1b2c3d)"))


class ApprovalUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV 파일"),
                           help_text=gettext_lazy("열: 주문번호, 종류(세금계산서/계산서), 승인번호. 내려받은 발행용 CSV에 "
                                                  "승인번호 열을 더해 올려도 됩니다."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("파일이 너무 큽니다 (2MB까지)."))
        return upload


class IssuedFilter(admin.SimpleListFilter):
    title = gettext_lazy("발행")
    parameter_name = "issued"

    def lookups(self, request, model_admin):
        return (("no", _("발행 대기")), ("yes", _("발행 완료")))

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(issued=self.value() == "yes")
        return queryset


class TaxInvoiceRequestAdminBase(UploadPreviewMixin, admin.ModelAdmin):
    """Shared by the partner and the operator admin: pending first, export, mark issued."""
    change_list_template = "admin/orders/taxinvoicerequest/change_list.html"
    list_display = ("vendor_order_link", "kind", "business_number", "business_name", "supply_amount", "vat_amount",
                    "total_display", "issued", "approval_number", "created_at", "issue_link")
    list_filter = (IssuedFilter, "kind")
    search_fields = ("vendor_order__number", "business_number", "business_name", "approval_number")
    list_select_related = ("vendor_order__vendor", "vendor_order__order")
    # Pending (issued=False) first, oldest first: the queue to work through.
    ordering = ("issued", "created_at", "pk")
    list_per_page = 100
    readonly_fields = ("vendor_order_link", "kind", "business_number", "business_name", "email", "supply_amount",
                       "vat_amount", "total_display", "issued", "approval_number", "issued_at", "created_at",
                       "statement_link")
    fields = readonly_fields
    actions = ("export_selected",)

    def _vendor_ids(self, request):
        return None  # the operator's site: every vendor

    # columns

    @admin.display(description=gettext_lazy("기업 주문번호"), ordering="vendor_order__number")
    def vendor_order_link(self, obj):
        return f"{obj.vendor_order.number} · {obj.vendor_order.vendor.name}"

    @admin.display(description=gettext_lazy("합계"))
    def total_display(self, obj):
        return f"{obj.supply_amount + obj.vat_amount:,}"

    @admin.display(description=gettext_lazy("처리"))
    def issue_link(self, obj):
        if obj.issued:
            return "-"
        return format_html('<a class="button" href="{}">{}</a>', self._url("issue", obj.pk), _("발행 완료 처리"))

    @admin.display(description=gettext_lazy("거래명세서"))
    def statement_link(self, obj):
        url = document_url(vendor_order=obj.vendor_order, kind=DocumentKind.STATEMENT)
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("PDF 보기"))

    # permissions: requests are made by checkout and changed only through the services

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _may_issue(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}), "show_save": False, "show_save_and_continue": False,
            "show_save_and_add_another": False, "show_delete": False,
            "issue_url": self._url("issue", obj.pk) if obj and not obj.issued and self._may_issue(request, obj) else None,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST":
            raise PermissionDenied  # read-only: issuing goes through its own page
        return super().changeform_view(request, object_id, form_url, extra_context)

    # urls

    def _url(self, name, *args):
        return reverse(f"{self.admin_site.name}:orders_taxinvoicerequest_{name}", args=args)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("export/", wrap(self.export_view), name="orders_taxinvoicerequest_export"),
            path("export/hometax/", wrap(self.hometax_view), name="orders_taxinvoicerequest_hometax"),
            path("approvals/", wrap(self.approvals_view), name="orders_taxinvoicerequest_approvals"),
            path("approvals/confirm/", wrap(self.approvals_confirm_view),
                 name="orders_taxinvoicerequest_approvals_confirm"),
            path("<int:pk>/issue/", wrap(self.issue_view), name="orders_taxinvoicerequest_issue"),
        ]
        return custom + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        pending = invoice_requests_pending(self._vendor_ids(request))
        extra_context = {
            **(extra_context or {}),
            "export_url": self._url("export"), "approvals_url": self._url("approvals"),
            "hometax_url": self._hometax_url(request),
            "pending_count": pending.count(), "issuer_label": invoice_issuer().label,
        }
        return super().changelist_view(request, extra_context)

    def _hometax_url(self, request) -> str:
        """The 홈택스 workbook of the list's vendor when the list is filtered to one (a file has one supplier)."""
        url = self._url("hometax")
        vendor = request.GET.get("vendor_order__vendor__id__exact", "")
        return f"{url}?vendor={vendor}" if vendor.isdigit() else url

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "changelist_url": self._url("changelist"), **extra}

    # export

    def _issue_response(self, request, requests):
        try:
            outcome = tax_invoices_issue(requests=requests, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(self._url("changelist"))
        if outcome.approvals:
            messages.success(request, _("%(count)s건을 발행 완료로 표시했습니다.") % {"count": len(outcome.approvals)})
        if not outcome.content:
            return redirect(self._url("changelist"))
        response = HttpResponse(outcome.content, content_type=outcome.content_type)
        response["Content-Disposition"] = f'attachment; filename="{outcome.filename}"'
        response["Cache-Control"] = "private, no-store"
        return response

    def export_view(self, request):
        """Every pending request in scope, for bulk issuing."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        pending = invoice_requests_pending(self._vendor_ids(request))
        vendor = request.GET.get("vendor", "")
        if vendor:
            if not vendor.isdigit():
                raise Http404
            pending = pending.filter(vendor_order__vendor_id=vendor)
        return self._issue_response(request, pending.prefetch_related("vendor_order__lines"))

    def hometax_view(self, request):
        """The pending 세금계산서 in scope as the 홈택스 일괄발급 workbook (nothing is marked: the vendor uploads it)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        pending = invoice_requests_pending(self._vendor_ids(request)).filter(kind=InvoiceKind.TAX_INVOICE)
        vendor = request.GET.get("vendor", "")
        if vendor:
            if not vendor.isdigit():
                raise Http404
            pending = pending.filter(vendor_order__vendor_id=vendor)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = attachment_response(invoice_requests_hometax_xlsx(pending.prefetch_related("vendor_order__lines")),
                                       f"hometax-tax-invoices-{stamp}.xlsx", XLSX)
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description=gettext_lazy("선택한 발행 대기 요청 내보내기 (일괄 발행용)"))
    def export_selected(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        pending = invoice_requests_pending(self._vendor_ids(request)).filter(pk__in=ids)
        if not pending.exists():
            messages.warning(request, _("선택한 요청 가운데 발행 대기인 것이 없습니다."))
            return None
        return self._issue_response(request, pending.prefetch_related("vendor_order__lines"))

    # one by one

    def issue_view(self, request, pk):
        request.current_app = self.admin_site.name
        obj = self.get_object(request, str(pk))
        if obj is None:
            raise Http404
        if not self._may_issue(request, obj):
            raise PermissionDenied
        form = ApprovalForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                tax_invoice_mark_issued(request_id=obj.pk, approval_number=form.cleaned_data["approval_number"],
                                        actor=request.user)
            except DomainError as exc:
                form.add_error("approval_number", exc.message)
            else:
                messages.success(request, _("%(order)s %(kind)s: 발행 완료로 표시했습니다.") % {
                    "order": obj.vendor_order.number, "kind": INVOICE_KIND_LABELS[obj.kind]})
                return redirect(self._url("changelist"))
        return TemplateResponse(request, "admin/orders/taxinvoicerequest/issue.html", self._context(
            request, original=obj, form=form, kind_label=INVOICE_KIND_LABELS[obj.kind],
            total=obj.supply_amount + obj.vat_amount,
            title=_("%(order)s %(kind)s 발행 완료 처리") % {"order": obj.vendor_order.number,
                                                       "kind": INVOICE_KIND_LABELS[obj.kind]}))

    # by CSV upload, previewed first

    upload_cache_name, upload_url_name, confirm_url_name = "orders-approvals", "approvals", "approvals_confirm"

    def _approvals_context(self, request, **extra):
        return self.upload_context(request, **{"title": _("승인번호 일괄 반영"), "columns": APPROVAL_COLUMNS,
                                               "max_rows": APPROVALS_MAX_ROWS, **extra})

    def _approvals_preview(self, request, *, plan, token, file_name):
        return TemplateResponse(request, "admin/orders/taxinvoicerequest/approvals_preview.html",
                                self._approvals_context(request, plan=plan, token=token, file_name=file_name))

    def approvals_view(self, request):
        """Upload the approvals and see, row by row, what would change; nothing is saved here."""
        request.current_app = self.admin_site.name
        if not self._may_issue(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = ApprovalUploadForm(request.POST if posted else None, request.FILES if posted else None)
        if posted and form.is_valid():
            data = form.cleaned_data["file"].read()
            plan = tax_invoice_approvals_plan(data=data, vendor_ids=self._vendor_ids(request))
            name = form.cleaned_data["file"].name
            token = self.upload_stash(request, data=data, name=name) if plan.ok and plan.to_issue else None
            return self._approvals_preview(request, plan=plan, token=token, file_name=name)
        return TemplateResponse(request, "admin/orders/taxinvoicerequest/approvals.html",
                                self._approvals_context(request, form=form))

    def approvals_confirm_view(self, request):
        request.current_app = self.admin_site.name
        if not self._may_issue(request):
            raise PermissionDenied

        def apply(stored):
            plan = tax_invoice_approvals_apply(data=stored["data"], vendor_ids=self._vendor_ids(request),
                                               actor=request.user)
            messages.success(request, _("%(count)s건을 발행 완료로 표시했습니다.") % {"count": len(plan.to_issue)})
            return redirect(self._url("changelist"))

        def on_refused(exc, stored):
            return self._approvals_preview(request, plan=exc.plan, token=None, file_name="")

        return self.upload_confirm(request, apply=apply, refused=ApprovalImportRefused, on_refused=on_refused)


class TaxInvoiceRequestPartnerAdmin(TaxInvoiceRequestAdminBase, VendorScopedAdmin):
    """A vendor's own requests."""

    scope_field = "vendor_order__vendor"

    def _vendor_ids(self, request):
        return self.scope_ids(request)


@admin.register(TaxInvoiceRequest)
class TaxInvoiceRequestAdmin(TaxInvoiceRequestAdminBase):
    """Every vendor's requests: the operator issues on the vendors' behalf (위수탁)."""

    list_display = ("vendor_order_link", "vendor_name", *TaxInvoiceRequestAdminBase.list_display[1:])
    list_filter = (IssuedFilter, "kind", "vendor_order__vendor")
    search_fields = (*TaxInvoiceRequestAdminBase.search_fields, "vendor_order__vendor__name")

    @admin.display(description=gettext_lazy("입점기업"), ordering="vendor_order__vendor__name")
    def vendor_name(self, obj):
        return obj.vendor_order.vendor.name

    @admin.display(description=gettext_lazy("기업 주문번호"), ordering="vendor_order__number")
    def vendor_order_link(self, obj):
        return obj.vendor_order.number


partner_admin_site.register(TaxInvoiceRequest, TaxInvoiceRequestPartnerAdmin)
