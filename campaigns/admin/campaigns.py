"""Admin of campaigns.

Operators (admin.site): campaigns with their sections and items, the state by the clock as a
column and a filter, banners checked like uploads, and the review of vendors' applications
(approve; decline or withdraw with a reason). Vendors (partner admin, "기획전 참여 신청"): the
open campaigns, their own applications with status and decline reason, apply, withdraw.
Every status change goes through campaigns.services.campaigns.
"""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Product
from ddasum.admin_scoping import HistoryInline, ReasonForm, reason_action_page
from ddasum.exceptions import DomainError
from ddasum.money import won
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from ..forms import ApplicationForm, CampaignAdminForm, CampaignItemInlineForm, open_campaigns
from ..models import (
    Campaign,
    CampaignApplication,
    CampaignItem,
    CampaignItemEvent,
    CampaignSection,
    CampaignState,
    ItemStatus,
)
from ..selectors.pricing import item_unit_price
from ..services import campaigns as services


def price_rule(item: CampaignItem) -> str:
    if item.campaign_price is not None:
        return won(item.campaign_price)
    return f"{item.percent_off}% {_('할인')}"


def state_label(campaign: Campaign, now=None) -> str:
    return CampaignState(campaign.state_at(now)).label


class StateFilter(admin.SimpleListFilter):
    """Draft, scheduled, live or ended, by the clock at the moment the list is shown."""

    title = gettext_lazy("상태")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return CampaignState.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == CampaignState.DRAFT:
            return queryset.filter(is_published=False)
        if value == CampaignState.SCHEDULED:
            return queryset.upcoming(now)
        if value == CampaignState.LIVE:
            return queryset.live(now)
        if value == CampaignState.ENDED:
            return queryset.ended(now)
        return queryset


class SectionInline(admin.TabularInline):
    model = CampaignSection
    extra = 1
    fields = ("title", "sort_order")


class ItemInline(admin.TabularInline):
    """Items the operator puts in directly are approved at once (campaigns.services.campaigns.item_add)."""

    model = CampaignItem
    form = CampaignItemInlineForm
    extra = 1
    fields = ("product", "variant", "section", "campaign_price", "percent_off", "stock_cap", "per_customer_limit",
              "sort_order", "sold_count", "status_display")
    readonly_fields = ("sold_count", "status_display")
    autocomplete_fields = ("product",)
    raw_id_fields = ("variant",)
    show_change_link = True
    verbose_name_plural = gettext_lazy("기획전 상품 (운영자가 넣은 상품은 바로 승인됩니다)")

    @admin.display(description=gettext_lazy("상태"))
    def status_display(self, obj):
        return obj.get_status_display() if obj.pk else "-"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "product", "variant", "section")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            match = request.resolver_match
            campaign_id = match.kwargs.get("object_id") if match else None
            kwargs["queryset"] = CampaignSection.objects.filter(campaign_id=campaign_id or 0)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            # Every row of the inline offers the same sections: read them once per request.
            cache = request.__dict__.setdefault("_campaign_section_choices", {})
            if campaign_id not in cache:
                cache[campaign_id] = list(field.choices)
            field.choices = cache[campaign_id]
            return field
        elif db_field.name == "product":
            # The product admin orders by its own annotations; the chosen rows need none of them.
            kwargs["queryset"] = Product.objects.select_related("vendor").order_by("name", "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ("title", "kind", "state_display", "starts_at", "ends_at", "home_order", "is_published",
                    "item_count", "applied_count", "public_link")
    list_editable = ("home_order",)
    list_filter = (StateFilter, "kind", "accepts_applications")
    search_fields = ("title", "slug")
    date_hierarchy = "starts_at"
    readonly_fields = ("state_display", "public_link", "report_link")
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "state_display", "public_link", "report_link")}),
        (gettext_lazy("기간과 공개"), {"fields": ("starts_at", "ends_at", "is_published", "home_order",
                                               "accepts_applications")}),
        (gettext_lazy("페이지"), {"fields": ("intro", "theme_color", "banner_desktop", "banner_mobile")}),
    )

    def get_inlines(self, request, obj):
        # Items need the saved campaign (their rules read its period): add them after the first save.
        return [SectionInline, ItemInline] if obj is not None else [SectionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _items=Count("items", filter=Q(items__status=ItemStatus.APPROVED)),
            _applied=Count("items", filter=Q(items__status=ItemStatus.APPLIED)),
        )

    @admin.display(description=gettext_lazy("상태"))
    def state_display(self, obj):
        return state_label(obj) if obj.pk else "-"

    @admin.display(description=gettext_lazy("승인 상품"), ordering="_items")
    def item_count(self, obj):
        return getattr(obj, "_items", None)

    @admin.display(description=gettext_lazy("승인 대기"), ordering="_applied")
    def applied_count(self, obj):
        count = getattr(obj, "_applied", 0)
        if not count:
            return 0
        url = reverse("admin:campaigns_campaignitem_changelist") + f"?campaign__id__exact={obj.pk}&status__exact=applied"
        return format_html('<a href="{}">{}</a>', url, count)

    @admin.display(description=gettext_lazy("기획전 페이지"))
    def public_link(self, obj):
        if not obj.pk:
            return "-"
        label = _("미리보기") if obj.state_at() in (CampaignState.DRAFT, CampaignState.SCHEDULED) else _("보기")
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), label)

    @admin.display(description=gettext_lazy("기획전 보고서"))
    def report_link(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">CSV</a>', reverse("orders:campaign_report", args=[obj.slug]),
            _("보고서 보기"), reverse("orders:campaign_report_csv", args=[obj.slug]),
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not CampaignItem:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if obj.pk:
                obj.vendor_id = obj.product.vendor_id
                obj.save()
                continue
            try:
                services.item_add(
                    actor=request.user, campaign_id=form.instance.pk, product_id=obj.product_id,
                    variant_id=obj.variant_id, campaign_price=obj.campaign_price, percent_off=obj.percent_off,
                    stock_cap=obj.stock_cap, per_customer_limit=obj.per_customer_limit,
                    section_id=obj.section_id, sort_order=obj.sort_order,
                )
            except DomainError as exc:
                messages.error(request, f"{obj.product}: {exc.message}")
        formset.save_m2m()


class ItemHistoryInline(HistoryInline):
    model = CampaignItemEvent
    verbose_name_plural = gettext_lazy("상태 이력")


def _reason_action(modeladmin, request, queryset, *, title, reason_required, apply):
    """An action that asks for a reason on an intermediate page, then applies it to each row."""
    form = ReasonForm(request.POST if "apply" in request.POST else None, required=reason_required,
                      help_text=_("입점기업에 이메일과 알림으로 전달됩니다."))
    if "apply" in request.POST and form.is_valid():
        done = 0
        for item in queryset:
            try:
                apply(item, form.cleaned_data["reason"])
            except DomainError as exc:
                messages.error(request, f"{item.product} ({item.campaign}): {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("%(n)d건을 처리했습니다.") % {"n": done})
        return None
    return reason_action_page(
        modeladmin, request, queryset.select_related("campaign", "product", "variant", "vendor"), title=title,
        form=form, submit_label=title,
        describe=lambda item: " · ".join(filter(None, (
            str(item.campaign), f"{item.product}" + (f" ({item.variant.name})" if item.variant else ""),
            str(item.vendor), item.get_status_display()))),
    )


@admin.register(CampaignItem)
class CampaignItemAdmin(admin.ModelAdmin):
    """Every campaign item; applications are reviewed here (approve, decline with a reason)."""

    form = CampaignItemInlineForm
    list_display = ("product", "variant", "campaign", "vendor", "price_display", "stock_cap", "sold_count",
                    "per_customer_limit", "status", "created_at")
    list_filter = ("status", ("campaign", admin.RelatedOnlyFieldListFilter))
    search_fields = ("product__name", "vendor__name", "campaign__title")
    list_select_related = ("product", "variant", "campaign", "vendor")
    autocomplete_fields = ("product",)
    raw_id_fields = ("variant",)
    readonly_fields = ("campaign", "vendor", "product", "variant", "status", "decline_reason", "sold_count",
                       "applied_by", "decided_by", "decided_at", "created_at", "example_price")
    fields = ("campaign", "vendor", "product", "variant", "section", "campaign_price", "percent_off",
              "example_price", "stock_cap", "sold_count", "per_customer_limit", "sort_order", "status",
              "decline_reason", "applied_by", "decided_by", "decided_at", "created_at")
    inlines = [ItemHistoryInline]
    actions = ("approve_selected", "decline_selected", "withdraw_selected")

    @admin.display(description=gettext_lazy("기획전 가격"))
    def price_display(self, obj):
        return price_rule(obj)

    @admin.display(description=gettext_lazy("판매 가격 예시"))
    def example_price(self, obj):
        regular = services.regular_price_of(obj.product, obj.variant)
        return f"{won(regular)} → {won(item_unit_price(obj, regular))}" if regular else "-"

    def has_add_permission(self, request):
        return False  # operators add items on the campaign's page, vendors apply in the partner admin

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            match = request.resolver_match
            item = CampaignItem.objects.filter(pk=match.kwargs.get("object_id") or 0).first() if match else None
            kwargs["queryset"] = CampaignSection.objects.filter(campaign_id=item.campaign_id if item else 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=gettext_lazy("선택한 신청 승인"))
    def approve_selected(self, request, queryset):
        done = 0
        for item in queryset:
            try:
                services.item_decide(item_id=item.pk, actor=request.user, approve=True)
            except DomainError as exc:
                messages.error(request, f"{item.product} ({item.campaign}): {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("%(n)d건을 승인했습니다.") % {"n": done})

    @admin.action(description=gettext_lazy("선택한 신청 반려 (사유 입력)"))
    def decline_selected(self, request, queryset):
        return _reason_action(
            self, request, queryset, title=_("참여 신청 반려"), reason_required=True,
            apply=lambda item, reason: services.item_decide(item_id=item.pk, actor=request.user, approve=False,
                                                            reason=reason),
        )

    @admin.action(description=gettext_lazy("선택한 상품을 기획전에서 빼기 (사유 입력)"))
    def withdraw_selected(self, request, queryset):
        return _reason_action(
            self, request, queryset, title=_("기획전에서 빼기"), reason_required=True,
            apply=lambda item, reason: services.item_withdraw(item_id=item.pk, actor=request.user, reason=reason),
        )


# --- the partner admin: 기획전 참여 신청 --------------------------------------------------------


class ApplicationHistoryInline(HistoryInline):
    model = CampaignItemEvent
    fk_name = "item"
    verbose_name_plural = gettext_lazy("처리 이력")


class CampaignApplicationPartnerAdmin(VendorScopedAdmin):
    """A vendor's applications: read-only once sent; apply and withdraw through the services."""

    list_display = ("campaign", "product", "variant_display", "price_display", "stock_cap",
                    "per_customer_limit", "status", "decline_reason", "created_at")
    phone_list_display = ("campaign", "product", "status")
    list_filter = ("status",)
    search_fields = ("product__name", "campaign__title")
    list_select_related = ("campaign", "product", "variant")
    fields = ("campaign", "product", "variant", "section", "price_display", "stock_cap", "sold_count",
              "per_customer_limit", "status", "decline_reason", "created_at", "decided_at")
    readonly_fields = fields
    inlines = [ApplicationHistoryInline]
    change_list_template = "admin/campaigns/campaignapplication/change_list.html"
    change_form_template = "admin/campaigns/campaignapplication/change_form.html"

    @admin.display(description=gettext_lazy("옵션"))
    def variant_display(self, obj):
        return obj.variant.name if obj.variant_id else _("상품 전체")

    @admin.display(description=gettext_lazy("기획전 가격"))
    def price_display(self, obj):
        return price_rule(obj)

    def has_change_permission(self, request, obj=None):
        return False  # an application is withdrawn and sent again, not edited

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/withdraw/", wrap(self.withdraw_view), name="campaigns_campaignapplication_withdraw"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        campaigns = list(open_campaigns())
        now = timezone.now()
        extra_context = {
            "title": _("기획전 참여 신청"),
            **(extra_context or {}),
            "open_campaigns": [(c, state_label(c, now)) for c in campaigns],
            "apply_url": reverse(f"{self.admin_site.name}:campaigns_campaignapplication_add"),
        }
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        vendor_ids = self.scope_ids(request)
        if vendor_ids is None:  # an operator: applications are a vendor's act
            messages.info(request, _("운영자는 기획전 화면에서 상품을 바로 넣습니다."))
            return redirect("admin:campaigns_campaign_changelist")
        initial = {"campaign": request.GET.get("campaign")} if request.GET.get("campaign") else None
        form = ApplicationForm(request.POST or None, initial=initial, vendor_ids=vendor_ids)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                item = services.item_apply(
                    actor=request.user, vendor_id=data["product"].vendor_id, campaign_id=data["campaign"].pk,
                    product_id=data["product"].pk, variant_id=data["variant"].pk if data["variant"] else None,
                    campaign_price=data["campaign_price"], percent_off=data["percent_off"],
                    stock_cap=data["stock_cap"], per_customer_limit=data["per_customer_limit"],
                    section_id=data["section"].pk if data["section"] else None,
                )
            except services.ApplicationRefused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("%(campaign)s에 %(product)s 참여를 신청했습니다. 운영자가 확인한 뒤 알려 드립니다.")
                                 % {"campaign": item.campaign.title, "product": item.product.name})
                return redirect(f"{self.admin_site.name}:campaigns_campaignapplication_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("기획전 참여 신청"), "opts": self.model._meta, "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/campaigns/campaignapplication/apply.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_withdraw": item.status == ItemStatus.APPLIED,
            "withdraw_url": reverse(f"{self.admin_site.name}:campaigns_campaignapplication_withdraw", args=[item.pk]),
            "public_url": item.campaign.get_absolute_url() if item.campaign.is_published else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def withdraw_view(self, request, pk):
        item = self.get_object(request, str(pk))  # another vendor's: 404
        if request.method != "POST":
            return redirect(f"{self.admin_site.name}:campaigns_campaignapplication_change", item.pk)
        try:
            services.item_withdraw(item_id=item.pk, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("참여 신청을 철회했습니다."))
        return redirect(f"{self.admin_site.name}:campaigns_campaignapplication_changelist")


partner_admin_site.register(CampaignApplication, CampaignApplicationPartnerAdmin)
