"""Vendor orders in the two admins: what a vendor fulfils, and the operators' view of all of them.

The partner admin (scoped to the member's vendors) lists a vendor's orders once they are paid,
new ones first, with a bulk "상품 준비 중으로", shipping one by one or by a CSV of tracking
numbers (preview, then all rows or none), return decisions and notes to the buyer. The
operators' admin shows every vendor order with the same steps plus cancelling and
confirming. The page of a vendor order is read-only: every change is an action page that
calls a service in orders.services.actions.
"""
import mimetypes
from datetime import date

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import HistoryInline, step_submit
from ddasum.admin_uploads import UploadPreviewMixin
from ddasum.exceptions import DomainError
from ddasum.money import won_or_dash
from ddasum.spreadsheets import attachment_response
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from ..models import Carrier, Claim, StatusEvent, VendorOrder, VendorOrderStatus
from ..selectors.todo import claims_waiting_q
from ..services import actions, late_shipping, return_photos, shipping
from ..services.actions import VENDOR_ORDER_MACHINE, vendor_order_cancel
from ..services.documents import packing_slip_url
from .claims import ClaimSummaryInline

V = VendorOrderStatus

# The order of the list: what needs the vendor now comes first.
STATUS_ORDER = (V.PAID, V.PREPARING, V.RETURN_REQUESTED, V.RETURNED, V.SHIPPED, V.DELIVERED, V.PENDING_PAYMENT,
                V.COMPLETED, V.REFUNDED, V.CANCELLED)


# --- the steps offered on a vendor order's page -----------------------------------------

ACTION_LABELS = {
    "prepare": gettext_lazy("상품 준비 중으로"),
    "ship": gettext_lazy("발송 처리"),
    "tracking": gettext_lazy("송장번호 수정"),
    "deliver": gettext_lazy("배송 완료로"),
    "complete": gettext_lazy("구매 확정"),
    "return_accept": gettext_lazy("반품 승인"),
    "return_reject": gettext_lazy("반품 거절"),
    "return_refund": gettext_lazy("환불"),
    "note": gettext_lazy("구매자에게 메시지"),
    "cancel": gettext_lazy("주문 취소"),
}
# From which statuses each step may be taken, and where it leads (None: the status stays).
ACTION_RULES = {
    "prepare": ({V.PAID}, V.PREPARING),
    "ship": ({V.PAID, V.PREPARING}, V.SHIPPED),
    "tracking": ({V.SHIPPED}, None),
    "deliver": ({V.SHIPPED}, V.DELIVERED),
    "complete": ({V.DELIVERED}, V.COMPLETED),
    "return_accept": ({V.RETURN_REQUESTED}, V.RETURNED),
    "return_reject": ({V.RETURN_REQUESTED}, V.DELIVERED),
    "return_refund": ({V.RETURNED}, V.REFUNDED),
    "note": (set(V.values) - {V.PENDING_PAYMENT}, None),
    "cancel": ({V.PENDING_PAYMENT, V.PAID, V.PREPARING}, V.CANCELLED),
}
PARTNER_ACTIONS = ("prepare", "ship", "tracking", "deliver", "return_accept", "return_reject", "return_refund",
                   "note")
OPERATOR_ACTIONS = (*PARTNER_ACTIONS, "complete", "cancel")


def vendor_order_actions_available(vendor_order: VendorOrder, names) -> list[str]:
    """The steps among `names` the transition table allows from the vendor order's status."""
    available = []
    for name in names:
        sources, target = ACTION_RULES[name]
        if vendor_order.status in sources and (target is None or VENDOR_ORDER_MACHINE.allows(vendor_order.status, target)):
            available.append(name)
    return available


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("택배사"), choices=Carrier.choices)
    tracking_number = forms.CharField(
        label=gettext_lazy("송장번호"), required=False, max_length=40,
        help_text=gettext_lazy("숫자 8~20자리 (하이픈은 넣어도 됩니다). 직접 배송이면 비워 두세요."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("사유"), widget=forms.Textarea(attrs={"rows": 4}), max_length=1000,
                             help_text=gettext_lazy("구매자에게 이메일과 알림으로 전달됩니다."))

    def __init__(self, *args, reason_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        self.fields["reason"].error_messages["required"] = _("사유를 입력해 주세요.")


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("내용"), widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=actions.NOTE_MAX_CHARS,
                           help_text=gettext_lazy("구매자에게 이메일과 알림으로 전달되고, 주문 상세에 남습니다."),
                           error_messages={"required": gettext_lazy("보낼 내용을 적어 주세요.")})


class ShipCsvForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("파일"),
        help_text=gettext_lazy("CSV (UTF-8 또는 엑셀 기본 형식), 한 번에 2,000행까지."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > shipping.SHIP_CSV_MAX_BYTES:
            raise forms.ValidationError(_("파일이 너무 큽니다. 2MB까지 올릴 수 있습니다."))
        upload.seek(0)
        self.data_bytes = upload.read()
        return upload


def _status_rank():
    return Case(*[When(status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)], default=Value(99),
                output_field=IntegerField())


def _paragraphs(text: str) -> str:
    """Plain text as escaped paragraphs."""
    return mark_safe(linebreaks(text, autoescape=True))  # linebreaks escaped the text itself


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


# --- history ---------------------------------------------------------------------------


class StatusEventInline(HistoryInline):
    """The vendor order's history."""
    model = StatusEvent
    fk_name = "vendor_order"
    verbose_name_plural = gettext_lazy("처리 이력")
    status_choices = V

    def actor_label(self, obj):
        return _("구매자") if obj.actor_id == obj.order.buyer_id else None

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


class StatusFilter(admin.SimpleListFilter):
    """Status with the count of each, in the order the vendor works through them."""

    title = gettext_lazy("상태")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        qs = model_admin.get_queryset(request).order_by()
        counts = dict(qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        return [(s, f"{V(s).label} ({counts[s]:,})") for s in STATUS_ORDER if counts.get(s)]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


def _option_with_date(line) -> str:
    if not line.delivery_date:
        return line.variant_name
    return _("%(option)s · 배송일 %(date)s") % {"option": line.variant_name, "date": f"{line.delivery_date:%Y-%m-%d}"}


class DeliveryDateFilter(admin.SimpleListFilter):
    """Orders of products with chosen delivery dates: by the date, the coming ones first (with counts)."""

    title = gettext_lazy("배송일")
    parameter_name = "delivery_date"
    UPCOMING, NONE = "upcoming", "none"

    def lookups(self, request, model_admin):
        qs = model_admin.get_queryset(request).order_by().filter(delivery_date__gte=timezone.localdate())
        counts = qs.values_list("delivery_date").annotate(n=Count("pk")).order_by("delivery_date")[:31]
        return [(self.UPCOMING, _("다가오는 배송일 전체")),
                *[(day.isoformat(), f"{day:%Y-%m-%d} ({n:,})") for day, n in counts],
                (self.NONE, _("배송일 지정 없음"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.UPCOMING:
            return queryset.filter(delivery_date__gte=timezone.localdate()).order_by("delivery_date", "pk")
        if value == self.NONE:
            return queryset.filter(delivery_date__isnull=True)
        if value:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                return queryset.none()
            return queryset.filter(delivery_date=day)
        return queryset


class TodoFilter(admin.SimpleListFilter):
    """What the partner dashboard links to: each to-do, oldest first (the ordering follows the filter)."""

    title = gettext_lazy("할 일")
    parameter_name = "todo"
    CONFIRM, SHIP, OVERDUE, RETURNS, CLAIMS = "confirm", "ship", "overdue", "returns", "claims"

    def lookups(self, request, model_admin):
        return [(self.CONFIRM, _("발주 확인할 주문")), (self.SHIP, _("발송할 주문")),
                (self.OVERDUE, _("발송 기한 지남")), (self.RETURNS, _("반품 요청")),
                (self.CLAIMS, _("취소·반품·교환 요청(상품별)"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.CONFIRM:
            return queryset.filter(status=V.PAID)
        if value == self.SHIP:
            return queryset.filter(status=V.PREPARING)
        if value == self.OVERDUE:
            return queryset.filter(late_shipping.overdue_q(timezone.localdate()))
        if value == self.RETURNS:
            return queryset.filter(status=V.RETURN_REQUESTED)
        if value == self.CLAIMS:
            return queryset.filter(pk__in=Claim.objects.filter(claims_waiting_q()).values("vendor_order_id"))
        return queryset

    @classmethod
    def ordering(cls, value):
        """Oldest first for a to-do; None (the usual order) otherwise."""
        if value == cls.OVERDUE:
            return ("ship_by", "paid_at", "pk")
        if value in (cls.CONFIRM, cls.SHIP, cls.RETURNS, cls.CLAIMS):
            return ("paid_at", "pk")
        return None


# --- shared by the two admins ----------------------------------------------------------


class VendorOrderAdminBase(UploadPreviewMixin, admin.ModelAdmin):
    action_names: tuple = ()
    show_buyer_email = False
    change_form_template = "admin/orders/vendororder/change_form.html"
    change_list_template = "admin/orders/vendororder/change_list.html"
    list_display_links = ("number",)
    list_filter = (TodoFilter, StatusFilter, DeliveryDateFilter)
    list_per_page = 50
    search_fields = ("number", "order__number", "order__recipient_name", "order__orderer_name", "tracking_number")
    date_hierarchy = "order__placed_at"
    actions = ("prepare_selected",)
    inlines = [ClaimSummaryInline, StatusEventInline]

    # --- list

    def get_queryset(self, request):
        return (super().get_queryset(request).select_related("order", "vendor").prefetch_related("lines")
                .annotate(status_rank=_status_rank()))

    def get_ordering(self, request):
        todo = TodoFilter.ordering(request.GET.get(TodoFilter.parameter_name))
        if todo:
            return todo
        # An expression, not the annotation's name: the base queryset is ordered before it is annotated.
        return (_status_rank().asc(), "-order__placed_at", "-id")

    @admin.display(description=gettext_lazy("배송일"), ordering="delivery_date")
    def delivery_date_display(self, obj):
        return obj.delivery_date.strftime("%Y-%m-%d") if obj.delivery_date else "-"

    @admin.display(description=gettext_lazy("주문 시각"), ordering="order__placed_at")
    def placed_at(self, obj):
        return _when(obj.order.placed_at)

    @admin.display(description=gettext_lazy("받는 분"), ordering="order__recipient_name")
    def recipient(self, obj):
        return obj.order.recipient_name

    @admin.display(description=gettext_lazy("상품"))
    def items_summary(self, obj):
        lines = list(obj.lines.all())
        if not lines:
            return "-"
        first = f"{lines[0].product_name} {lines[0].variant_name} × {lines[0].quantity}"
        return first if len(lines) == 1 else _("%(first)s 외 %(n)s건") % {"first": first, "n": len(lines) - 1}

    @admin.display(description=gettext_lazy("합계"), ordering="total")
    def total_display(self, obj):
        return won_or_dash(obj.total)

    @admin.display(description=gettext_lazy("상태"), ordering="status_rank")
    def status_display(self, obj):
        label = obj.get_status_display()
        if obj.status in (V.PAID, V.RETURN_REQUESTED):
            return format_html("<strong>{}</strong>", label)
        return label

    @admin.display(description=gettext_lazy("송장"))
    def tracking_display(self, obj):
        if not obj.carrier:
            return "-"
        text = f"{obj.get_carrier_display()} {obj.tracking_number}".strip()
        if obj.tracking_url:
            return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.tracking_url, text)
        return text

    # --- the read-only page

    def _section_fields(self):
        buyer = ("orderer_display", "buyer_email") if self.show_buyer_email else ("orderer_display",)
        return (
            (gettext_lazy("주문"), {"fields": ("number", "order_number", "vendor", "status", "placed", "paid")}),
            (gettext_lazy("상품"), {"fields": ("lines_table", "amounts")}),
            (gettext_lazy("배송지"), {"fields": ("recipient_display", "address_display", "memo_display", *buyer)}),
            (gettext_lazy("배송"), {"fields": ("ship_by_display", "shipping_display")}),
            (gettext_lazy("반품"), {"fields": ("return_display",)}),
            (gettext_lazy("구매자에게 남긴 메시지"), {"fields": ("note_display",)}),
        )

    def get_fieldsets(self, request, obj=None):
        sections = list(self._section_fields())
        if obj is not None and not (obj.return_reason or obj.status in (V.RETURN_REQUESTED, V.RETURNED, V.REFUNDED)):
            sections = [s for s in sections if "return_display" not in s[1]["fields"]]
        return sections

    def get_readonly_fields(self, request, obj=None):
        return [f for _title, section in self._section_fields() for f in section["fields"]]

    @admin.display(description=gettext_lazy("발송 기한"))
    def ship_by_display(self, obj):
        """The shipping promise, how late the order is, and the late-shipping steps taken."""
        if not obj.ship_by:
            return "-"
        text = f"{obj.ship_by:%Y-%m-%d}"
        today = timezone.localdate()
        if obj.status in late_shipping.TO_SHIP and obj.ship_by < today:
            text += " · " + _("영업일 %(days)s일 지남") % {"days": late_shipping.business_days_late(obj, today)}
        steps = [(obj.late_reminded_at, _("입점기업 안내")), (obj.late_escalated_at, _("운영자 알림")),
                 (obj.late_buyer_told_at, _("구매자 안내"))]
        done = [f"{label} {_when(at)}" for at, label in steps if at]
        if obj.late_expected_on:
            done.append(_("새 발송 예정일 %(date)s") % {"date": f"{obj.late_expected_on:%Y-%m-%d}"})
        return format_html("{}{}", text, format_html_join("", "<br>{}", ((d,) for d in done)))

    @admin.display(description=gettext_lazy("주문번호"))
    def order_number(self, obj):
        return obj.order.number

    @admin.display(description=gettext_lazy("주문 시각"))
    def placed(self, obj):
        return _when(obj.order.placed_at)

    @admin.display(description=gettext_lazy("결제 시각"))
    def paid(self, obj):
        return _when(obj.paid_at)

    @admin.display(description=gettext_lazy("주문 상품"))
    def lines_table(self, obj):
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td class='ddasum-num'>{}</td>"
            "<td class='ddasum-num'>{}</td><td class='ddasum-num'>{}</td><td>{}</td></tr>",
            ((ln.product_name, _option_with_date(ln), ln.sku or "-", f"{ln.quantity:,}", won_or_dash(ln.unit_price),
              won_or_dash(ln.line_total), ln.get_tax_type_display()) for ln in obj.lines.all()),
        )
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>SKU</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("상품명"), _("옵션"), _("수량"), _("단가"), _("금액"), _("과세 구분"))
        return format_html('<table class="vendor-order-lines"><thead>{}</thead><tbody>{}</tbody></table>', head, rows)

    @admin.display(description=gettext_lazy("금액"))
    def amounts(self, obj):
        text = _("상품 %(items)s + 배송비 %(fee)s = 합계 %(total)s") % {
            "items": won_or_dash(obj.items_total), "fee": won_or_dash(obj.shipping_fee), "total": won_or_dash(obj.total)}
        if obj.discount:
            text += " · " + _("쿠폰 할인 %(amount)s (입점기업 부담 %(vendor)s)") % {
                "amount": won_or_dash(obj.discount), "vendor": won_or_dash(obj.vendor_discount)}
        if obj.refunded_amount:
            text += " · " + _("환불 %(amount)s") % {"amount": won_or_dash(obj.refunded_amount)}
        return text

    @admin.display(description=gettext_lazy("받는 분"))
    def recipient_display(self, obj):
        return f"{obj.order.recipient_name} · {obj.order.recipient_phone}"

    @admin.display(description=gettext_lazy("주소"))
    def address_display(self, obj):
        order = obj.order
        return f"({order.postal_code}) {order.address} {order.address_detail}".strip()

    @admin.display(description=gettext_lazy("배송 메모"))
    def memo_display(self, obj):
        return obj.order.memo or "-"

    @admin.display(description=gettext_lazy("주문자"))
    def orderer_display(self, obj):
        return f"{obj.order.orderer_name} · {obj.order.orderer_phone}"

    @admin.display(description=gettext_lazy("주문자 이메일"))
    def buyer_email(self, obj):
        return obj.order.email

    @admin.display(description=gettext_lazy("배송"))
    def shipping_display(self, obj):
        if not obj.carrier:
            return _("아직 발송하지 않았습니다.")
        parts = [format_html("{}: {}", _("택배사"), obj.get_carrier_display())]
        if obj.tracking_number:
            parts.append(format_html("{}: {}", _("송장번호"), obj.tracking_number))
        if obj.tracking_url:
            parts.append(format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.tracking_url,
                                     _("배송 조회")))
        parts.append(format_html("{}: {}", _("발송"), _when(obj.shipped_at)))
        parts.append(format_html("{}: {}", _("배송 완료"), _when(obj.delivered_at)))
        return format_html_join(" · ", "{}", ((p,) for p in parts))

    @admin.display(description=gettext_lazy("반품 요청"))
    def return_display(self, obj):
        photos = return_photos.vendor_order_return_photos(obj.pk)
        images = format_html_join(
            " ", '<a href="{0}" target="_blank"><img src="{0}" alt="" class="ddasum-photo"></a>',
            ((self._url("return_photo", obj.pk, name.rsplit("/", 1)[-1]),) for name in photos),
        )
        return format_html("<div>{}</div><div>{}</div>", _paragraphs(obj.return_reason or "-"),
                           images or _("사진 없음"))

    @admin.display(description=gettext_lazy("메시지"))
    def note_display(self, obj):
        return _paragraphs(obj.vendor_note) if obj.vendor_note else "-"

    # --- permissions: no adding, no deleting, no editing the row itself

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        available = super().get_actions(request)
        available.pop("delete_selected", None)
        return available

    def _vendor_scope(self, request):
        """The vendor ids this admin may touch (None: every vendor)."""
        return None

    def _url(self, name, *args):
        return reverse(f"{self.admin_site.name}:orders_vendororder_{name}", args=args)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("<int:pk>/do/<slug:action>/", wrap(self.action_view), name="orders_vendororder_action"),
            path("<int:pk>/return-photo/<str:filename>/", wrap(self.return_photo_view),
                 name="orders_vendororder_return_photo"),
            path("ship-csv/", wrap(self.ship_csv_view), name="orders_vendororder_ship_csv"),
            path("ship-csv/confirm/", wrap(self.ship_csv_confirm_view), name="orders_vendororder_ship_csv_confirm"),
            path("ship-csv/export/", wrap(self.ship_csv_export_view), name="orders_vendororder_ship_csv_export"),
        ]
        return custom + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "ship_csv_url": self._url("ship_csv")}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            # Nothing on this page is edited directly; the steps have their own pages.
            return redirect(request.path)
        vendor_order = self.get_object(request, object_id)
        steps, slip_url = [], ""
        if vendor_order is not None and self.has_change_permission(request, vendor_order):
            steps = [(self._url("action", vendor_order.pk, name), ACTION_LABELS[name], name)
                     for name in vendor_order_actions_available(vendor_order, self.action_names)]
            if vendor_order.status not in (V.PENDING_PAYMENT, V.CANCELLED):
                slip_url = packing_slip_url(vendor_order)
            if vendor_order.status in (V.PAID, V.PREPARING):
                steps.append((reverse(f"{self.admin_site.name}:orders_claim_cancel_lines", args=[vendor_order.pk]),
                              _("상품별 취소"), "cancel_lines"))
        extra_context = {
            **(extra_context or {}), "vendor_order_steps": steps, "packing_slip_url": slip_url,
            "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- bulk "preparing"

    @admin.action(description=gettext_lazy("상품 준비 중으로"))
    def prepare_selected(self, request, queryset):
        try:
            result = actions.vendor_orders_prepare(vendor_order_ids=list(queryset.values_list("pk", flat=True)),
                                                      actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return
        if result.changed:
            messages.success(request, _("%(n)s건을 상품 준비 중으로 바꿨습니다.") % {"n": len(result.changed)})
        if result.skipped:
            messages.warning(request, _("결제 완료 상태가 아닌 %(n)s건은 그대로 두었습니다: %(numbers)s") % {
                "n": len(result.skipped), "numbers": ", ".join(vo.number for vo in result.skipped[:10])})

    # --- one step on one vendor order

    def _form_for(self, action, data):
        if action in ("ship", "tracking"):
            return ShipForm(data)
        if action == "return_reject":
            return ReasonForm(data)
        if action == "cancel":
            return ReasonForm(data, reason_required=False)
        if action == "note":
            return NoteForm(data)
        return None

    def _do(self, action, vendor_order, request, data: dict):
        actor, pk = request.user, vendor_order.pk
        if action == "prepare":
            result = actions.vendor_orders_prepare(vendor_order_ids=[pk], actor=actor)
            if not result.changed:
                raise DomainError(_("결제 완료 상태의 주문만 상품 준비 중으로 바꿀 수 있습니다."))
        elif action == "ship":
            actions.vendor_order_ship(vendor_order_id=pk, carrier=data["carrier"],
                                         tracking_number=data["tracking_number"], actor=actor)
        elif action == "tracking":
            actions.vendor_order_tracking_correct(vendor_order_id=pk, carrier=data["carrier"],
                                                     tracking_number=data["tracking_number"], actor=actor)
        elif action == "deliver":
            actions.vendor_order_deliver(vendor_order_id=pk, actor=actor)
        elif action == "complete":
            actions.vendor_order_complete(vendor_order_id=pk, actor=actor)
        elif action == "return_accept":
            actions.vendor_order_return_accept(vendor_order_id=pk, actor=actor)
        elif action == "return_reject":
            actions.vendor_order_return_reject(vendor_order_id=pk, actor=actor, reason=data["reason"])
        elif action == "return_refund":
            actions.vendor_order_return_refund(vendor_order_id=pk, actor=actor)
        elif action == "note":
            actions.vendor_order_note(vendor_order_id=pk, actor=actor, note=data["note"])
        elif action == "cancel":
            vendor_order_cancel(vendor_order_id=pk, actor=actor, reason=data["reason"])

    def action_view(self, request, pk, action):
        """Show the step's form (or a confirmation), then take it through the service."""
        request.current_app = self.admin_site.name
        if action not in self.action_names:
            raise Http404
        vendor_order = self.get_object(request, str(pk))
        if vendor_order is None:
            raise Http404
        if not self.has_change_permission(request, vendor_order):
            raise PermissionDenied
        change_url = self._url("change", vendor_order.pk)
        if request.method != "POST" and action not in vendor_order_actions_available(vendor_order, self.action_names):
            messages.error(request, _("지금 상태(%(status)s)에서는 할 수 없는 작업입니다.") % {
                "status": vendor_order.get_status_display()})
            return redirect(change_url)
        posted = request.method == "POST"
        form = self._form_for(action, request.POST if posted else None)
        if action == "tracking" and not posted:
            form = ShipForm(initial={"carrier": vendor_order.carrier, "tracking_number": vendor_order.tracking_number})

        def done():
            vendor_order.refresh_from_db()
            return _("%(number)s: %(action)s 처리했습니다. 지금 상태: %(status)s") % {
                "number": vendor_order.number, "action": ACTION_LABELS[action],
                "status": vendor_order.get_status_display()}

        taken = step_submit(request, form, lambda data: self._do(action, vendor_order, request, data),
                            back=change_url, done=done)
        if taken is not None:
            return taken
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "original": vendor_order, "form": form, "action": action,
            "action_label": ACTION_LABELS[action], "change_url": change_url,
            "lines": vendor_order.lines.all(), "amount": won_or_dash(vendor_order.total), "auto_complete_days": settings.ORDER_AUTO_COMPLETE_DAYS,
            "title": f"{vendor_order.number} · {ACTION_LABELS[action]}",
        }
        return TemplateResponse(request, "admin/orders/vendororder/action.html", context)

    def return_photo_view(self, request, pk, filename):
        """Stream one return photo to whoever may see the vendor order."""
        vendor_order = self.get_object(request, str(pk))
        if vendor_order is None or not self.has_view_or_change_permission(request, vendor_order):
            raise Http404
        name = f"{return_photos.RETURN_PHOTOS_DIR}/{vendor_order.pk}/{filename}"
        try:
            handle = return_photos.vendor_order_return_photo_open(vendor_order_id=vendor_order.pk, name=name)
        except DomainError:
            raise Http404
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = FileResponse(handle, content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    # --- tracking numbers by CSV

    upload_cache_name, upload_url_name, confirm_url_name = "orders-ship-csv", "ship_csv", "ship_csv_confirm"

    def _ship_csv_context(self, request, **extra):
        return self.upload_context(request, **{
            "title": _("송장번호 일괄 등록"), "columns": shipping.SHIP_CSV_COLUMNS,
            "carriers": [c.label for c in Carrier], "max_rows": shipping.SHIP_CSV_MAX_ROWS,
            "export_url": self._url("ship_csv_export"), **extra,
        })

    def _ship_csv_preview(self, request, *, plan, token, file_name):
        return TemplateResponse(request, "admin/orders/vendororder/ship_csv_preview.html", self._ship_csv_context(
            request, plan=plan, token=token, file_name=file_name, title=_("송장번호 미리보기")))

    def _check_csv_permission(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied

    def ship_csv_view(self, request):
        """Upload a file of tracking numbers and see what it would do; nothing is saved here."""
        request.current_app = self.admin_site.name
        self._check_csv_permission(request)
        posted = request.method == "POST"
        form = ShipCsvForm(request.POST if posted else None, request.FILES if posted else None)
        if posted and form.is_valid():
            plan = shipping.vendor_orders_ship_csv(vendor_ids=self._vendor_scope(request), data=form.data_bytes,
                                                     actor=request.user, dry_run=True)
            name = form.cleaned_data["file"].name
            token = self.upload_stash(request, data=form.data_bytes, name=name) if plan.ok and plan.to_ship else None
            return self._ship_csv_preview(request, plan=plan, token=token, file_name=name)
        return TemplateResponse(request, "admin/orders/vendororder/ship_csv.html",
                                self._ship_csv_context(request, form=form))

    def ship_csv_confirm_view(self, request):
        """Ship every row seen in the preview, all or nothing."""
        request.current_app = self.admin_site.name
        self._check_csv_permission(request)

        def apply(stored):
            plan = shipping.vendor_orders_ship_csv(vendor_ids=self._vendor_scope(request), data=stored["data"],
                                                     actor=request.user)
            messages.success(request, _("%(n)s건을 발송 처리했습니다. 구매자에게 송장번호를 알렸습니다.")
                             % {"n": len(plan.to_ship)})
            return redirect(self._url("changelist"))

        def on_refused(exc, stored):
            return self._ship_csv_preview(request, plan=exc.plan, token=None, file_name=stored["name"])

        return self.upload_confirm(request, apply=apply, refused=shipping.ShipCsvRefused, on_refused=on_refused)

    def ship_csv_export_view(self, request):
        """The orders waiting to ship, as a CSV to fill in with carriers and tracking numbers."""
        self._check_csv_permission(request)
        data = shipping.ship_csv_export(vendor_ids=self._vendor_scope(request))
        stamp = timezone.localtime().strftime("%Y%m%d")
        return attachment_response(data, f"ddasum-ship-{stamp}.csv")


# --- the partner admin ----------------------------------------------------------------


class VendorOrderPartnerAdmin(VendorOrderAdminBase, VendorScopedAdmin):
    """A vendor's orders, from the moment they are paid."""

    action_names = PARTNER_ACTIONS
    # A terminated vendor still finishes its orders (ships, refunds, answers returns) here.
    open_to_read_only_scope = True
    list_display = ("number", "placed_at", "delivery_date_display", "recipient", "items_summary", "total_display",
                    "status_display", "tracking_display", "vendor")
    phone_list_display = ("number", "items_summary", "status_display")

    def get_queryset(self, request):
        # An unpaid order is not the vendor's to ship: it appears once the payment is confirmed.
        return super().get_queryset(request).filter(paid_at__isnull=False)

    def get_list_display(self, request):
        ids = self.scope_ids(request)
        display = super().get_list_display(request)
        return [d for d in display if d != "vendor"] if ids is not None and len(ids) == 1 else display

    def _vendor_scope(self, request):
        return self.scope_ids(request)


partner_admin_site.register(VendorOrder, VendorOrderPartnerAdmin)


# --- the operators' admin -------------------------------------------------------------


@admin.register(VendorOrder)
class VendorOrderAdmin(VendorOrderAdminBase):
    """Every vendor order, with the vendors' steps plus cancelling and confirming."""

    action_names = OPERATOR_ACTIONS
    show_buyer_email = True
    list_display = ("number", "placed_at", "delivery_date_display", "vendor", "recipient", "items_summary",
                    "total_display", "status_display", "tracking_display")
    search_fields = (*VendorOrderAdminBase.search_fields, "vendor__name", "order__email")
