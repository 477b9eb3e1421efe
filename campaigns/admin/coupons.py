"""Operator admin of coupons: the list with uses against the limits, filters, a checked form.

Used counts only move through checkout (campaigns.services.coupons.coupon_redeem / coupon_release): they
are read-only here, and a total limit cannot be set below what was already used.
"""
from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ddasum.money import won

from ..models import Coupon, CouponScope, DiscountKind
from ..services.coupons import automatic_coupons_changed

SCOPE_TARGET = {CouponScope.CAMPAIGN: "campaign", CouponScope.CATEGORY: "category", CouponScope.VENDOR: "vendor"}


class CouponAdminForm(forms.ModelForm):
    class Meta:
        model = Coupon
        fields = ("name", "code", "discount_kind", "amount", "percent", "max_discount", "min_order_amount",
                  "starts_at", "ends_at", "scope", "campaign", "category", "vendor", "total_limit", "per_user_limit",
                  "funded_by", "is_active", "claimable")

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip().upper()
        if not code:
            return None  # automatic coupon
        clash = Coupon.objects.filter(code__iexact=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("이미 있는 쿠폰 코드입니다."))
        return code

    def clean(self):
        data = super().clean()
        kind = data.get("discount_kind")
        if kind == DiscountKind.FIXED:
            if not data.get("amount"):
                self.add_error("amount", _("정액 할인은 할인 금액을 입력해 주세요."))
            data["percent"] = None
            data["max_discount"] = None
        elif kind == DiscountKind.PERCENT:
            if not data.get("percent"):
                self.add_error("percent", _("정률 할인은 할인율을 입력해 주세요."))
            data["amount"] = None
        scope = data.get("scope")
        for target_scope, name in SCOPE_TARGET.items():
            if scope == target_scope:
                if not data.get(name):
                    self.add_error(name, _("적용 범위에 맞는 대상을 골라 주세요."))
            else:
                data[name] = None
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("사용 종료는 사용 시작보다 뒤여야 합니다."))
        limit = data.get("total_limit")
        if limit is not None and self.instance.pk and limit < self.instance.used_count:
            self.add_error("total_limit", _("이미 %(n)s번 사용되었습니다. 그보다 작게 정할 수 없습니다.")
                           % {"n": self.instance.used_count})
        return data


class RunningFilter(admin.SimpleListFilter):
    """Usable now (active and within its dates), upcoming, or over (ended or switched off)."""

    title = gettext_lazy("사용 가능")
    parameter_name = "running"

    def lookups(self, request, model_admin):
        return (("now", gettext_lazy("지금 사용 가능")), ("upcoming", gettext_lazy("시작 전")),
                ("over", gettext_lazy("종료·중지")))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "now":
            return queryset.filter(is_active=True, starts_at__lte=now, ends_at__gt=now)
        if self.value() == "upcoming":
            return queryset.filter(is_active=True, starts_at__gt=now)
        if self.value() == "over":
            return queryset.filter(Q(is_active=False) | Q(ends_at__lte=now))
        return queryset


class AutomaticFilter(admin.SimpleListFilter):
    title = gettext_lazy("적용 방식")
    parameter_name = "automatic"

    def lookups(self, request, model_admin):
        return (("1", gettext_lazy("자동 적용")), ("0", gettext_lazy("코드 입력")))

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(code__isnull=True)
        if self.value() == "0":
            return queryset.filter(code__isnull=False)
        return queryset


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    form = CouponAdminForm
    list_display = ("name", "code_display", "discount_display", "scope_display", "period", "uses_display",
                    "per_user_limit", "funded_by", "is_active")
    list_filter = (RunningFilter, AutomaticFilter, "scope", "funded_by", "discount_kind", "is_active", "claimable")
    search_fields = ("name", "code")
    list_select_related = ("campaign", "category", "vendor")
    readonly_fields = ("used_count", "created_at")
    date_hierarchy = "starts_at"
    actions = ("activate", "deactivate")
    fieldsets = (
        (None, {"fields": ("name", "code", "is_active", "claimable")}),
        (gettext_lazy("할인"), {"fields": ("discount_kind", "amount", "percent", "max_discount", "min_order_amount")}),
        (gettext_lazy("기간과 대상"), {"fields": ("starts_at", "ends_at", "scope", "campaign", "category", "vendor")}),
        (gettext_lazy("한도와 부담"), {"fields": ("total_limit", "per_user_limit", "used_count", "funded_by",
                                              "created_at")}),
    )

    @admin.display(description=gettext_lazy("쿠폰 코드"), ordering="code")
    def code_display(self, obj):
        return obj.code or _("(자동 적용)")

    @admin.display(description=gettext_lazy("할인"))
    def discount_display(self, obj):
        if obj.discount_kind == DiscountKind.PERCENT:
            text = f"{obj.percent}%"
            if obj.max_discount:
                text += " " + _("(최대 %(amount)s원)") % {"amount": f"{obj.max_discount:,}"}
        else:
            text = won(obj.amount or 0)
        if obj.min_order_amount:
            text += " · " + _("%(amount)s원 이상") % {"amount": f"{obj.min_order_amount:,}"}
        return text

    @admin.display(description=gettext_lazy("적용 범위"), ordering="scope")
    def scope_display(self, obj):
        target = {CouponScope.CAMPAIGN: obj.campaign, CouponScope.CATEGORY: obj.category,
                  CouponScope.VENDOR: obj.vendor}.get(obj.scope)
        label = obj.get_scope_display()
        return f"{label}: {target}" if target else label

    @admin.display(description=gettext_lazy("사용 기간"), ordering="starts_at")
    def period(self, obj):
        start, end = timezone.localtime(obj.starts_at), timezone.localtime(obj.ends_at)
        return f"{start:%Y-%m-%d %H:%M} ~ {end:%Y-%m-%d %H:%M}"

    @admin.display(description=gettext_lazy("사용 / 총 한도"), ordering="used_count")
    def uses_display(self, obj):
        if obj.total_limit is None:
            return format_html("{} / {}", obj.used_count, _("무제한"))
        if obj.used_count >= obj.total_limit:
            return format_html('<strong>{} / {}</strong> {}', obj.used_count, obj.total_limit, _("소진"))
        return format_html("{} / {}", obj.used_count, obj.total_limit)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        automatic_coupons_changed()

    @admin.action(description=gettext_lazy("선택한 쿠폰 사용"))
    def activate(self, request, queryset):
        self._switch(request, queryset, True)

    @admin.action(description=gettext_lazy("선택한 쿠폰 사용 중지"))
    def deactivate(self, request, queryset):
        self._switch(request, queryset, False)

    def _switch(self, request, queryset, active: bool):
        count = queryset.update(is_active=active)
        automatic_coupons_changed()  # update() sends no signal
        message = ngettext("쿠폰 %(n)s개를 사용하게 했습니다.", "쿠폰 %(n)s개를 사용하게 했습니다.", count) if active else (
            ngettext("쿠폰 %(n)s개를 사용 중지했습니다.", "쿠폰 %(n)s개를 사용 중지했습니다.", count))
        self.message_user(request, message % {"n": count}, messages.SUCCESS)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        automatic_coupons_changed()
