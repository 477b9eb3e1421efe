"""Products in the two admins.

The partner admin (vendor-scoped): vendors keep their listings, variants, images, stock and
prices, import and export them, and ask for review. The operators' admin: the review
queue, categories and shipping policies. Status changes only through
catalog.services.product_action; stock changes through catalog.stock (variant_stock_set,
stock_changed in the import), so products refresh and low-stock notices go out.
"""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, When
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum import jobs
from ddasum.admin_scoping import HistoryInline, ScopedAdminSite
from ddasum.admin_uploads import UploadPreviewMixin
from ddasum.exceptions import DomainError
from ddasum.money import won_or_dash
from ddasum.spreadsheets import CSV, XLSX, attachment_response
from vendors.admin import OwnVendorFieldMixin
from vendors.admin_site import ScopedInline, VendorScopedAdmin, partner_admin_site
from vendors.models import Vendor

from . import imports
from .delivery_dates import delivery_slot_save
from .forms import CategoryAdminForm, ProductAdminForm, ProductImageForm, ProductImportForm, ReasonForm
from .models import (
    Category,
    DeliverySlot,
    Product,
    ProductImage,
    ProductStatus,
    ProductStatusEvent,
    ProductVariant,
    ShippingPolicy,
)
from .services import (
    PRODUCT_MACHINE,
    product_action,
    product_image_add,
    product_refresh,
)
from .stock import variant_stock_set

P = ProductStatus
ACTION_LABELS = {
    "submit": gettext_lazy("검토 요청"),
    "withdraw": gettext_lazy("작성 중으로"),
    "hide": gettext_lazy("숨김"),
    "show": gettext_lazy("다시 판매"),
    "approve": gettext_lazy("승인"),
    "reject": gettext_lazy("반려"),
}
# Actions whose page asks for a reason (required for reject).
REASON_ACTIONS = frozenset({"reject", "hide"})
PARTNER_ACTIONS = ("submit", "show", "hide", "withdraw")
OPERATOR_ACTIONS = ("approve", "reject", "hide", "show")


def _action_target(product: Product, action: str) -> str | None:
    """Where `action` would take the product now (for offering buttons), or None."""
    if action == "submit":
        return P.PENDING if product.status in (P.DRAFT, P.REJECTED) else None
    if action == "show":
        if product.status != P.HIDDEN:
            return None
        return P.ON_SALE if product.published_at else P.PENDING
    if action == "approve":
        return P.ON_SALE if product.status in (P.PENDING, P.REJECTED) else None
    return {"withdraw": P.DRAFT, "hide": P.HIDDEN, "reject": P.REJECTED}.get(action)


def product_actions_available(product: Product, names) -> list[str]:
    """The actions among `names` that the transition table allows from the product's status."""
    return [n for n in names if (t := _action_target(product, n)) and PRODUCT_MACHINE.allows(product.status, t)]


def _shop_url(product: Product) -> str | None:
    return product.get_absolute_url() if product.status == P.ON_SALE else None


# --- inlines --------------------------------------------------------------------------


class VariantInline(ScopedInline):
    model = ProductVariant
    extra = 0
    min_num = 1
    fields = ("name", "sku", "price", "list_price", "stock", "track_stock", "low_stock_threshold", "is_active",
              "position")


class ImageInline(ScopedInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ("preview", "image", "alt", "position")
    readonly_fields = ("preview",)

    @admin.display(description=gettext_lazy("미리보기"))
    def preview(self, obj):
        if not (obj and obj.pk and obj.image):
            return "-"
        return format_html('<img src="{}" alt="" class="ddasum-thumb">', obj.thumb_url(240))


class DeliverySlotFormSet(BaseInlineFormSet):
    """A date already ordered for can be neither removed nor given less than what was taken."""

    def clean(self):
        super().clean()
        for form in self.forms:
            slot = form.instance
            if not (slot.pk and getattr(form, "cleaned_data", None)):
                continue
            taken = DeliverySlot.objects.filter(pk=slot.pk).values_list("taken", flat=True).first() or 0
            if form.cleaned_data.get("DELETE") and taken:
                form.add_error(None, _("주문이 있는 배송일은 지울 수 없습니다. 하루 수량을 줄여 마감하세요."))
            elif (form.cleaned_data.get("capacity") or 0) < taken:
                form.add_error("capacity", _("이미 %(taken)s개 주문되었습니다. 그보다 작게 할 수 없습니다.")
                               % {"taken": taken})


class DeliverySlotInline(ScopedInline):
    """The dates a buyer may choose, and how many units go out each day (shown for products that need a date)."""

    model = DeliverySlot
    formset = DeliverySlotFormSet
    extra = 1
    fields = ("date", "capacity", "taken")
    readonly_fields = ("taken",)


class StatusEventInline(HistoryInline):
    """The review history of a product."""

    model = ProductStatusEvent
    verbose_name_plural = gettext_lazy("상태 이력")


# --- shared by the two product admins -------------------------------------------------


class ProductAdminBase(admin.ModelAdmin):
    form = ProductAdminForm
    action_names: tuple = ()
    change_form_template = "admin/catalog/product/change_form.html"
    list_select_related = ("vendor", "category")
    search_fields = ("name", "summary", "variants__sku")
    inlines = [VariantInline, ImageInline, DeliverySlotInline, StatusEventInline]

    def get_inlines(self, request, obj):
        # The dates appear once the product is saved as one whose buyers choose a delivery date.
        return [i for i in self.inlines
                if (obj is not None or i is not StatusEventInline)
                and (i is not DeliverySlotInline or (obj is not None and obj.delivery_date_required))]

    @admin.display(description=gettext_lazy("가격"), ordering="price")
    def price_display(self, obj):
        return won_or_dash(obj.price)

    @admin.display(description=gettext_lazy("구매 가능"), boolean=True, ordering="in_stock")
    def in_stock_display(self, obj):
        return obj.in_stock

    @admin.display(description=gettext_lazy("쇼핑몰"))
    def shop_link(self, obj):
        url = _shop_url(obj)
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("보기")) if url else "-"

    def view_on_site(self, obj):
        return _shop_url(obj)

    def _url(self, name, *args):
        return reverse(f"{self.admin_site.name}:catalog_product_{name}", args=args)

    def get_urls(self):
        custom = [
            path("<int:pk>/action/<slug:action>/", self.admin_site.admin_view(self.action_view),
                 name="catalog_product_action"),
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        product = self.get_object(request, object_id)
        actions = []
        if product is not None and self.has_change_permission(request, product):
            actions = [(self._url("action", product.pk, name), ACTION_LABELS[name])
                       for name in product_actions_available(product, self.action_names)]
        extra_context = {**(extra_context or {}), "product_actions": actions}
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request, pk, action):
        """Confirm (and ask a reason where it matters), then take the action through the service."""
        request.current_app = self.admin_site.name
        if action not in self.action_names:
            raise Http404
        product = self.get_object(request, str(pk))
        if product is None:
            raise Http404
        if not self.has_change_permission(request, product):
            raise PermissionDenied
        change_url = self._url("change", product.pk)
        if request.method != "POST" and action not in product_actions_available(product, self.action_names):
            messages.error(request, _("지금 상태(%(status)s)에서는 할 수 없는 작업입니다.") % {
                "status": product.get_status_display()})
            return redirect(change_url)
        asks_reason = action in REASON_ACTIONS
        form = ReasonForm(request.POST if request.method == "POST" else None, reason_required=action == "reject")
        if isinstance(self.admin_site, ScopedAdminSite):
            form.fields["reason"].help_text = _("상품 이력에 남습니다.")
        if request.method == "POST" and form.is_valid():
            try:
                product_action(product_id=product.pk, action=action, actor=request.user,
                               reason=form.cleaned_data["reason"] if asks_reason else "")
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect(change_url)
            product.refresh_from_db()
            messages.success(request, _("%(name)s: %(action)s 처리했습니다. 지금 상태: %(status)s") % {
                "name": product.name, "action": ACTION_LABELS[action], "status": product.get_status_display()})
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "original": product, "form": form if asks_reason else None,
            "action": action, "action_label": ACTION_LABELS[action], "change_url": change_url,
            "title": f"{product.name} · {ACTION_LABELS[action]}",
        }
        return TemplateResponse(request, "admin/catalog/product/action.html", context)

    def save_formset(self, request, form, formset, change):
        if formset.model is ProductVariant:
            self._save_variants(request, formset)
        elif formset.model is DeliverySlot:
            self._save_delivery_slots(formset)
        elif formset.model is ProductImage:
            self._save_images(request, formset)
        else:
            super().save_formset(request, form, formset, change)

    def _save_variants(self, request, formset):
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in formset.new_objects:
            obj.save()
        for obj, changed in formset.changed_objects:
            if "stock" in changed:
                # Stock goes through the service: it locks the row, refreshes, warns when low.
                others = [f for f in changed if f != "stock"]
                if others:
                    obj.save(update_fields=others)
                variant_stock_set(variant_id=obj.pk, stock=obj.stock, actor=request.user)
            else:
                obj.save(update_fields=changed)

    def _save_delivery_slots(self, formset):
        # Capacity and date go through the service: `taken` belongs to the checkouts.
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            DeliverySlot.objects.filter(pk=obj.pk, taken=0).delete()
        for obj in [*formset.new_objects, *(o for o, _changed in formset.changed_objects)]:
            delivery_slot_save(slot=obj)

    def _save_images(self, request, formset):
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            names = [obj.image.name, *obj.thumbs.values()]
            obj.delete()
            transaction.on_commit(lambda names=names, storage=obj.image.storage: [storage.delete(n) for n in names])
        product = formset.instance
        for form in formset.extra_forms:
            if form.clean_upload is None or not any(o is form.instance for o in formset.new_objects):
                continue
            product_image_add(
                product_id=product.pk, upload=form.clean_upload, actor=request.user, alt=form.instance.alt,
                position=form.instance.position if "position" in form.changed_data else None,
            )
        for obj, changed in formset.changed_objects:
            if "image" in changed:
                obj.thumbs = {}
                obj.save()
                jobs.after_commit("catalog.product_image_thumbnails_task", image_id=obj.pk)
            else:
                obj.save(update_fields=changed)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        product_refresh(product_id=form.instance.pk)


# --- the partner admin ----------------------------------------------------------------


class ProductPartnerAdmin(UploadPreviewMixin, OwnVendorFieldMixin, ProductAdminBase, VendorScopedAdmin):
    """A vendor's own listings."""

    action_names = PARTNER_ACTIONS
    autocomplete_fields = ("vendor",)
    list_display = ("name", "vendor", "category", "status", "price_display", "in_stock_display", "updated_at",
                    "shop_link")
    phone_list_display = ("name", "status", "price_display")
    # 50 rows as the other partner lists: a page of 100 cost ~50 ms of rendering (bench/README.md).
    list_per_page = 50
    list_filter = ("status", "category", "kind", "procurement_eligible")
    change_list_template = "admin/catalog/product/change_list.html"
    readonly_fields = ("status", "status_reason")
    fieldsets = (
        (None, {"fields": ("vendor", "status", "status_reason")}),
        (gettext_lazy("기본 정보"), {"fields": ("category", "kind", "name", "summary", "tax_type", "origin", "unit")}),
        (gettext_lazy("상세"), {"fields": ("description", "specs")}),
        (gettext_lazy("주문"), {"fields": ("procurement_eligible", "min_order_qty", "max_order_qty",
                                          "delivery_date_required")}),
    )

    def get_list_display(self, request):
        display = super().get_list_display(request)
        ids = self.scope_ids(request)
        return [d for d in display if d != "vendor"] if ids is not None and len(ids) == 1 else display

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # nothing to show about a status yet
            first = (None, {"fields": ("vendor",)})
            return (first, *self.fieldsets[1:])
        return self.fieldsets

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["queryset"] = Category.objects.filter(is_active=True).select_related("parent")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # products that were on sale are hidden, not deleted
        return actions

    def has_delete_permission(self, request, obj=None):
        # A product that has been on sale stays (orders and reports point at it): hide it instead.
        return super().has_delete_permission(request, obj) and (obj is None or obj.published_at is None)

    def get_deleted_objects(self, objs, request):
        # A draft's variants go with it, though the stock list itself offers no deleting.
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(ProductVariant._meta.verbose_name)
        return to_delete, counts, perms_needed, protected

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "import_url": self._url("import")}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("import/", wrap(self.import_view), name="catalog_product_import"),
            path("import/confirm/", wrap(self.import_confirm_view), name="catalog_product_import_confirm"),
            path("export/", wrap(self.export_view), name="catalog_product_export"),
        ]
        return custom + super().get_urls()

    # bulk import and export

    def _vendors(self, request):
        return self.admin_site._registry[Vendor].get_queryset(request).order_by("name")

    upload_cache_name, upload_url_name, confirm_url_name = "catalog-import", "import", "import_confirm"

    def _import_context(self, request, **extra):
        return self.upload_context(request, **{"title": _("상품 일괄 등록·수정"), "columns": imports.COLUMNS,
                                               "max_rows": imports.MAX_ROWS, **extra})

    def _import_preview(self, request, *, plan, vendor, token, file_name):
        return TemplateResponse(request, "admin/catalog/product/import_preview.html", self._import_context(
            request, plan=plan, counts=plan.counts(), vendor=vendor, token=token, file_name=file_name,
            title=_("가져오기 미리보기")))

    def _check_import_permission(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied

    def import_view(self, request):
        """Upload a sheet and see what it would do (a dry run); nothing is saved here."""
        request.current_app = self.admin_site.name
        self._check_import_permission(request)
        vendors = self._vendors(request)
        posted = request.method == "POST"
        form = ProductImportForm(request.POST if posted else None, request.FILES if posted else None, vendors=vendors)
        if posted and form.is_valid():
            vendor = form.cleaned_data["vendor"]
            fmt, data, rows = form.parsed
            plan = imports.import_plan(vendor=vendor, rows=rows)
            name = form.cleaned_data["file"].name
            token = None
            if plan.ok and plan.has_changes:
                token = self.upload_stash(request, vendor_id=vendor.pk, fmt=fmt, data=data, name=name)
            return self._import_preview(request, plan=plan, vendor=vendor, token=token, file_name=name)
        export_links = [
            (v, self._url("export") + f"?vendor={v.pk}&format=xlsx", self._url("export") + f"?vendor={v.pk}&format=csv")
            for v in vendors[:50]
        ]
        return TemplateResponse(request, "admin/catalog/product/import.html",
                                self._import_context(request, form=form, export_links=export_links))

    def import_confirm_view(self, request):
        """Apply an import seen in the preview, all or nothing."""
        request.current_app = self.admin_site.name
        self._check_import_permission(request)

        def vendor_of(stored):
            vendor = self._vendors(request).filter(pk=stored["vendor_id"]).first()
            if vendor is None:
                raise PermissionDenied
            return vendor

        def apply(stored):
            vendor = vendor_of(stored)
            plan = imports.import_apply(vendor_id=vendor.pk, fmt=stored["fmt"], data=stored["data"], actor=request.user)
            counts = plan.counts()
            messages.success(request, _(
                "가져오기를 마쳤습니다. 새 상품 %(pc)s개, 고친 상품 %(pu)s개, 새 옵션 %(vc)s개, 고친 옵션 %(vu)s개. "
                "새 상품은 '작성 중' 상태이니 사진을 넣고 검토를 요청해 주세요."
            ) % {"pc": counts["products_created"], "pu": counts["products_updated"],
                 "vc": counts["variants_created"], "vu": counts["variants_updated"]})
            return redirect(self._url("changelist"))

        def on_refused(exc, stored):
            return self._import_preview(request, plan=exc.plan, vendor=vendor_of(stored), token=None,
                                        file_name=stored["name"])

        return self.upload_confirm(request, apply=apply, refused=imports.ImportRefused, on_refused=on_refused)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        vendors = self._vendors(request)
        vendor_id = request.GET.get("vendor")
        if vendor_id:
            vendor = vendors.filter(pk=vendor_id).first() if vendor_id.isdigit() else None
            if vendor is None:
                raise Http404
        else:
            first_two = list(vendors[:2])
            if len(first_two) != 1:
                return redirect(self._url("import"))
            vendor = first_two[0]
        fmt = request.GET.get("format", imports.XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d")
        filename = f"ddasum-products-{vendor.pk}-{stamp}.{fmt}"
        if fmt == imports.CSV:
            return attachment_response(imports.export_csv(vendor_id=vendor.pk), filename, CSV)
        if fmt == imports.XLSX:
            return attachment_response(imports.export_xlsx(vendor_id=vendor.pk), filename, XLSX)
        raise Http404


class LowStockFilter(admin.SimpleListFilter):
    title = gettext_lazy("재고")
    parameter_name = "stock_state"

    def lookups(self, request, model_admin):
        return (("low", _("부족 (알림 기준 이하)")), ("out", _("품절")))

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(track_stock=True, stock__lte=F("low_stock_threshold"))
        if self.value() == "out":
            return queryset.filter(track_stock=True, stock=0)
        return queryset


class VariantPartnerAdmin(VendorScopedAdmin):
    """Stock and prices of every variant on one page."""

    scope_field = "product__vendor"
    list_display = ("product_link", "name", "sku", "price", "list_price", "stock", "is_active", "track_stock",
                    "product_status")
    phone_list_display = ("product_link", "name", "price", "stock")
    list_display_links = None
    list_editable = ("price", "list_price", "stock", "is_active")
    list_filter = (LowStockFilter, "is_active", "product__status")
    search_fields = ("product__name", "name", "sku")
    list_select_related = ("product",)
    list_per_page = 50
    ordering = ("product__name", "product_id", "position", "id")
    fields = ("product", "name", "sku", "price", "list_price", "stock", "track_stock", "low_stock_threshold",
              "is_active", "position")
    readonly_fields = ("product",)

    @admin.display(description=gettext_lazy("상품"), ordering="product__name")
    def product_link(self, obj):
        url = reverse(f"{self.admin_site.name}:catalog_product_change", args=[obj.product_id])
        return format_html('<a href="{}">{}</a>', url, obj.product.name)

    @admin.display(description=gettext_lazy("상품 상태"))
    def product_status(self, obj):
        return obj.product.get_status_display()

    def has_add_permission(self, request):
        return False  # variants are added on their product's page

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changed = list(form.changed_data)
        if change and "stock" in changed:
            others = [f for f in changed if f != "stock"]
            if others:
                obj.save(update_fields=others)
            variant_stock_set(variant_id=obj.pk, stock=obj.stock, actor=request.user)
        else:
            super().save_model(request, obj, form, change)
            product_refresh(product_id=obj.product_id)


class ShippingPolicyPartnerAdmin(OwnVendorFieldMixin, VendorScopedAdmin):
    """One shipping policy per vendor."""

    list_display = ("vendor", "base_fee", "free_threshold", "remote_extra_fee", "jeju_extra_fee", "bundle_rule")
    list_select_related = ("vendor",)
    fields = ("vendor", "base_fee", "free_threshold", "remote_extra_fee", "jeju_extra_fee", "bundle_rule", "shipping_days", "notes",
              "return_period_days", "return_fee", "exchange_fee", "return_address", "return_exceptions")

    def _vendors_without_policy(self, request):
        return self.admin_site._registry[Vendor].get_queryset(request).filter(shipping_policy__isnull=True)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._vendors_without_policy(request).exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "vendor":
            kwargs["queryset"] = self._vendors_without_policy(request).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


partner_admin_site.register(Product, ProductPartnerAdmin)
partner_admin_site.register(ProductVariant, VariantPartnerAdmin)
partner_admin_site.register(ShippingPolicy, ShippingPolicyPartnerAdmin)


# --- the operators' admin -------------------------------------------------------------


class ReviewStatusFilter(admin.SimpleListFilter):
    """Status, with the review queue first."""

    title = gettext_lazy("상태")
    parameter_name = "status"
    order = (P.PENDING, P.REJECTED, P.ON_SALE, P.HIDDEN, P.DRAFT)

    def lookups(self, request, model_admin):
        counts = dict(Product.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        return [(s, f"{P(s).label} ({counts.get(s, 0):,})") for s in self.order]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Product)
class ProductAdmin(ProductAdminBase):
    """Every product; the review queue (검토 대기) comes first."""

    action_names = OPERATOR_ACTIONS
    autocomplete_fields = ("vendor",)
    list_display = ("name", "vendor", "category", "status", "price_display", "in_stock_display", "published_at",
                    "updated_at", "shop_link")
    list_filter = (ReviewStatusFilter, "category", "kind", "tax_type", "procurement_eligible")
    search_fields = ("name", "summary", "vendor__name", "variants__sku")
    readonly_fields = ("status", "status_reason", "published_at", "price", "list_price", "in_stock", "popularity",
                       "created_at", "updated_at")
    actions = ("approve_selected",)
    fieldsets = (
        (gettext_lazy("심사"), {"fields": ("vendor", "status", "status_reason", "published_at")}),
        (gettext_lazy("기본 정보"), {"fields": ("category", "kind", "name", "slug", "summary", "tax_type", "origin",
                                              "unit")}),
        (gettext_lazy("상세"), {"fields": ("description", "specs")}),
        (gettext_lazy("주문"), {"fields": ("procurement_eligible", "min_order_qty", "max_order_qty",
                                          "delivery_date_required")}),
        (gettext_lazy("옵션에서 계산"), {"fields": ("price", "list_price", "in_stock", "popularity", "created_at",
                                                 "updated_at")}),
    )

    def get_queryset(self, request):
        return Product.objects.annotate(
            review_first=Case(When(status=P.PENDING, then=0), default=1, output_field=IntegerField()),
        ).order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ("review_first", "-updated_at")

    @admin.action(description=gettext_lazy("선택한 상품 승인"))
    def approve_selected(self, request, queryset):
        done = 0
        for product in queryset.filter(Q(status=P.PENDING) | Q(status=P.REJECTED)):
            try:
                product_action(product_id=product.pk, action="approve", actor=request.user)
                done += 1
            except DomainError as exc:
                messages.error(request, f"{product.name}: {exc.message}")
        messages.success(request, _("%(count)s개 상품을 승인했습니다.") % {"count": done})


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ("__str__", "slug", "position", "icon", "is_food", "is_active", "product_count")
    list_editable = ("position", "is_active")
    list_filter = ("is_food", "is_active", "parent")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_products=Count("products"))

    @admin.display(description=gettext_lazy("상품 수"), ordering="n_products")
    def product_count(self, obj):
        return obj.n_products

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ShippingPolicy)
class ShippingPolicyAdmin(admin.ModelAdmin):
    list_display = ("vendor", "base_fee", "free_threshold", "remote_extra_fee", "jeju_extra_fee", "bundle_rule")
    list_filter = ("bundle_rule",)
    search_fields = ("vendor__name",)
    list_select_related = ("vendor",)
    autocomplete_fields = ("vendor",)
