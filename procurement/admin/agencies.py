"""Operator admin for agencies: verify requested agencies, accept or reject buyers, direct-purchase rules.

Every status change goes through procurement.services.agencies (agency_verify,
membership_verify), which notifies the buyer; a rejection asks for the reason on an
intermediate page.
"""
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import HistoryInline, ReadOnlyAdminMixin, ReasonForm, reason_action_page
from ddasum.exceptions import DomainError

from ..models import (
    AgencyEvent,
    AgencyMembership,
    AgencyMembershipEvent,
    AgencyTarget,
    DirectPurchaseRule,
    PublicAgency,
)
from ..services.agencies import agency_verify, membership_verify


def _reject_form(data=None) -> ReasonForm:
    return ReasonForm(data, label=gettext_lazy("반려 사유"), help_text=gettext_lazy("요청한 회원에게 알림과 메일로 전달됩니다."),
                      required_message=gettext_lazy("반려 사유를 입력해 주세요."))


def _apply_each(request, queryset, apply, *, done_message) -> None:
    """Run `apply(obj)` for each selected row; refusals become messages, the rest is counted."""
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            apply(obj)
            done += 1
        except DomainError as exc:
            messages.error(request, f"{obj}: {exc.message}")
    if done:
        messages.success(request, done_message % {"n": done})


def _reject_with_reason(modeladmin, request, queryset, *, title: str, apply):
    """An admin action that first asks for the reason (Django's intermediate-page pattern)."""
    form = _reject_form(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        _apply_each(request, queryset, lambda obj: apply(obj, reason), done_message=_("%(n)s건을 반려했습니다."))
        return None
    return reason_action_page(modeladmin, request, queryset, title=title, form=form, submit_label=_("반려"),
                              intro=_("다음 항목을 반려합니다."))


class AgencyTargetInline(admin.TabularInline):
    model = AgencyTarget
    extra = 0
    fields = ("year", "kind", "amount", "share_percent", "total_purchase_plan")


class AgencyMemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AgencyMembership
    extra = 0
    can_delete = False
    fields = ("user", "role", "status", "department", "verified_via", "verified_at", "created_at")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("구성원")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class AgencyEventInline(HistoryInline):
    model = AgencyEvent
    verbose_name_plural = gettext_lazy("상태 이력")


class MembershipEventInline(HistoryInline):
    model = AgencyMembershipEvent
    verbose_name_plural = gettext_lazy("상태 이력")


@admin.register(PublicAgency)
class PublicAgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "registration_number", "status", "email_domain", "created_at")
    list_filter = ("status", "kind", "region")
    search_fields = ("name", "registration_number", "email_domain")
    readonly_fields = ("status", "verified_at", "verified_by", "created_by", "created_at")
    fields = ("name", "kind", "registration_number", "region", "postal_code", "address", "address_detail", "phone",
              "email_domain", *readonly_fields)
    inlines = (AgencyTargetInline, AgencyMemberInline, AgencyEventInline)
    actions = ("verify_selected", "reject_selected")
    ordering = ("status", "name")

    @admin.action(description=gettext_lazy("선택한 기관 확인 (등록 요청자도 구성원으로 확인)"))
    def verify_selected(self, request, queryset):
        _apply_each(request, queryset, lambda a: agency_verify(agency_id=a.pk, actor=request.user),
                    done_message=_("%(n)s개 기관을 확인했습니다."))

    @admin.action(description=gettext_lazy("선택한 기관 반려 (사유 입력)"))
    def reject_selected(self, request, queryset):
        return _reject_with_reason(
            self, request, queryset, title=_("기관 반려"),
            apply=lambda a, reason: agency_verify(agency_id=a.pk, actor=request.user, approve=False, reason=reason))


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role", "status", "department", "verified_via", "created_at")
    list_filter = ("status", "role", "agency__kind")
    search_fields = ("user__email", "user__name", "agency__name")
    list_select_related = ("user", "agency")
    raw_id_fields = ("user", "agency")
    readonly_fields = ("status", "verified_via", "verified_at", "verified_by", "reject_reason", "created_at")
    fields = ("user", "agency", "role", "department", "request_note", *readonly_fields)
    inlines = (MembershipEventInline,)
    actions = ("approve_selected", "reject_selected")
    ordering = ("status", "-created_at")

    def get_readonly_fields(self, request, obj=None):
        # Who and which agency are fixed once asked; the state moves only by the actions.
        return ("user", "agency", *self.readonly_fields) if obj else self.readonly_fields

    @admin.action(description=gettext_lazy("선택한 구성원 확인"))
    def approve_selected(self, request, queryset):
        _apply_each(request, queryset, lambda m: membership_verify(membership_id=m.pk, actor=request.user),
                    done_message=_("%(n)s명을 확인했습니다."))

    @admin.action(description=gettext_lazy("선택한 구성원 반려 (사유 입력)"))
    def reject_selected(self, request, queryset):
        return _reject_with_reason(
            self, request, queryset, title=_("기관 가입 반려"),
            apply=lambda m, reason: membership_verify(membership_id=m.pk, actor=request.user, approve=False,
                                                      reason=reason))


@admin.register(DirectPurchaseRule)
class DirectPurchaseRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "limit")
    ordering = ("kind",)
