from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from ddasum.admin_scoping import ReadOnlyAdminMixin, ScopedAdminSite
from ddasum.exceptions import DomainError
from ddasum.uploads import image_field_clean
from ddasum.validators import normalize_mail_order_number

from . import services
from .admin_site import ScopedInline, VendorScopedAdmin, partner_admin_site
from .api_keys import api_key_create, api_key_revoke
from .forms import ReasonForm
from .models import (
    ApiScope,
    CertificationRenewal,
    DocumentRead,
    ExitSuggestion,
    MembershipRole,
    ReaderRole,
    RenewalStatus,
    SanctionKind,
    Vendor,
    VendorApiKey,
    VendorApplication,
    VendorDocument,
    VendorMembership,
    VendorPerformance,
    VendorPhoto,
    VendorSanction,
    VendorSocialFact,
    VendorStatusEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    document_label,
)
from .performance import THRESHOLD_LABELS, vendor_performance_get
from .selectors import user_is_vendor_member
from .webhooks import webhook_delivery_replay, webhook_endpoint_create, webhook_events_clean, webhook_url_check

ACTION_LABELS = {
    "start_review": gettext_lazy("심사 시작"),
    "approve": gettext_lazy("승인"),
    "request_changes": gettext_lazy("보완 요청"),
    "reject": gettext_lazy("반려"),
    "suspend": gettext_lazy("판매 정지"),
    "reinstate": gettext_lazy("판매 재개"),
}
# Suspending and reinstating are offered as exit-rule actions (with their record), not as review buttons.
EXIT_ACTION_NAMES = frozenset({"suspend", "reinstate"})


def document_preview(doc: VendorDocument):
    url = doc.get_absolute_url()
    if doc.is_image:
        preview = format_html('<img src="{}" alt="" class="ddasum-doc-image">', url)
    else:
        preview = format_html(
            '<iframe src="{}" title="{}" class="ddasum-doc-frame"></iframe>', url, doc.label
        )
    return format_html(
        '<div class="ddasum-doc"><strong>{}</strong> · <a href="{}" target="_blank">{}</a> · '
        '<a href="{}?download=1">{}</a> <small>({}, {} · {})</small><br>{}</div>',
        doc.label, url, _("새 창에서 보기"), url, _("내려받기"), doc.original_name,
        doc.uploaded_at.strftime("%Y-%m-%d %H:%M"), doc.content_type, preview,
    )


class VendorImagesForm(forms.ModelForm):
    """Logos are public: checked by content and re-encoded like every upload."""

    def clean_logo(self):
        return image_field_clean(self.cleaned_data.get("logo"))

    def clean_mail_order_number(self):
        return normalize_mail_order_number(self.cleaned_data.get("mail_order_number", ""))


class PhotoForm(forms.ModelForm):
    def clean_image(self):
        return image_field_clean(self.cleaned_data.get("image"))


class StatusEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = VendorStatusEvent
    extra = 0
    fields = ("created_at", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("상태 이력")


class SanctionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = VendorSanction
    extra = 0
    fields = ("created_at", "kind", "reason", "actor")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("퇴점 규칙 조치")


class MembershipInline(admin.TabularInline):
    model = VendorMembership
    extra = 0
    autocomplete_fields = ("user",)


class VendorAdmin(admin.ModelAdmin):
    """The operators' view of every vendor, with the review actions."""

    form = VendorImagesForm
    list_display = ("name", "business_number", "enterprise_type", "region", "status", "cert_valid_until",
                    "cert_expired", "commission_rate", "status_changed_at")
    list_filter = ("status", "enterprise_type", "region", "cert_expired")
    search_fields = ("name", "business_number", "representative", "email")
    date_hierarchy = "status_changed_at"
    list_select_related = True
    readonly_fields = ("status", "status_changed_at", "submitted_at", "approved_at", "created_by",
                       "documents_preview")
    inlines = [MembershipInline, StatusEventInline, SanctionInline]
    change_form_template = "admin/vendors/vendor/change_form.html"
    fieldsets = (
        (gettext_lazy("심사"), {"fields": ("status", "submitted_at", "approved_at", "created_by",
                                           "commission_rate")}),
        (gettext_lazy("기업 정보"), {"fields": ("name", "business_number", "representative", "enterprise_type",
                                              "cert_number", "cert_valid_until", "cert_expired", "mail_order_number",
                                              "business_type",
                                              "business_item")}),
        (gettext_lazy("연락처와 주소"), {"fields": ("region", "postal_code", "address", "address_detail", "phone",
                                                 "email", "website")}),
        (gettext_lazy("공개 소개"), {"fields": ("logo", "mission")}),
        (gettext_lazy("정산 계좌"), {"fields": ("bank_name", "bank_account_number", "bank_account_holder")}),
        (gettext_lazy("서류"), {"fields": ("documents_preview",)}),
    )

    def has_delete_permission(self, request, obj=None):
        # Vendors leave through withdrawal, so orders and settlements keep their vendor.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "commission_rate" in form.changed_data:
            # The rate's history: who set which rate when (orders keep the rate they were sold at).
            services.vendor_commission_rate_set(vendor_id=obj.pk, rate=obj.commission_rate, actor=request.user)

    @admin.display(description=gettext_lazy("제출 서류"))
    def documents_preview(self, obj):
        if not obj.pk:
            return "-"
        docs = obj.documents.current().select_related("vendor")
        missing = services.vendor_application_missing(vendor=obj)
        html = format_html_join("", "{}", ((document_preview(d),) for d in docs)) or _("올린 서류가 없습니다.")
        if missing:
            html = format_html('<p class="ddasum-missing">{}: {}</p>{}', _("빠진 항목"), ", ".join(missing), html)
        return html

    def change_view(self, request, object_id, form_url="", extra_context=None):
        vendor = self.get_object(request, object_id)
        actions, exits = [], []
        if vendor is not None:
            actions = [
                (reverse("admin:vendors_vendor_action", args=[vendor.pk, name]), ACTION_LABELS[name])
                for name in services.vendor_actions_available(vendor=vendor, user=request.user)
                if name in ACTION_LABELS and name not in EXIT_ACTION_NAMES
            ]
            exits = [
                (reverse("admin:vendors_vendor_sanction", args=[vendor.pk, kind]), SanctionKind(kind).label)
                for kind in services.vendor_sanctions_available(vendor=vendor, user=request.user)
            ]
        extra_context = {**(extra_context or {}), "review_actions": actions, "exit_actions": exits,
                         "performance": vendor_performance_get(vendor.pk) if vendor is not None else None}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        urls = super().get_urls()
        custom = [
            path("<int:pk>/action/<slug:action>/", self.admin_site.admin_view(self.action_view),
                 name="vendors_vendor_action"),
            path("<int:pk>/exit/<slug:kind>/", self.admin_site.admin_view(self.sanction_view),
                 name="vendors_vendor_sanction"),
        ]
        return custom + urls

    def sanction_view(self, request, pk, kind):
        """Ask for the reason, then take an exit-rule action (warning, suspension, lifting, termination)."""
        if kind not in SanctionKind.values:
            raise Http404
        if not (request.user.is_staff and self.has_change_permission(request)):
            raise PermissionDenied
        vendor = get_object_or_404(Vendor, pk=pk)
        suggestion = None
        if request.GET.get("suggestion", "").isdigit():
            suggestion = ExitSuggestion.objects.filter(pk=request.GET["suggestion"], vendor=vendor,
                                                       closed_at__isnull=True).first()
        label = SanctionKind(kind).label
        form = ReasonForm(request.POST or None, reason_required=True)
        form.fields["reason"].help_text = _("기업에 알림으로 전달되고 조치 기록에 남습니다.")
        if request.method == "POST" and form.is_valid():
            try:
                services.vendor_sanction_apply(vendor_id=vendor.pk, kind=kind, actor=request.user,
                                               reason=form.cleaned_data["reason"],
                                               suggestion_id=suggestion.pk if suggestion else None)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("%(name)s: %(action)s 처리했습니다.") % {"name": vendor.name, "action": label})
                return redirect("admin:vendors_vendor_change", vendor.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "original": vendor, "form": form, "action": kind, "action_label": label,
            "title": f"{vendor.name} · {label}", "suggestion": suggestion,
            "suggestion_metric": THRESHOLD_LABELS.get(suggestion.metric, suggestion.metric) if suggestion else "",
            "performance": vendor_performance_get(vendor.pk),
        }
        return TemplateResponse(request, "admin/vendors/vendor/action.html", context)

    def action_view(self, request, pk, action):
        """Ask for the reason, then take a review action through the service."""
        if action not in ACTION_LABELS:
            raise Http404
        if not self.has_change_permission(request):
            raise PermissionDenied
        vendor = get_object_or_404(Vendor, pk=pk)
        rule = services.ACTIONS[action]
        form = ReasonForm(request.POST or None, reason_required=rule.reason_required)
        if request.method == "POST" and form.is_valid():
            try:
                services.vendor_action(vendor_id=vendor.pk, action=action, actor=request.user,
                                       reason=form.cleaned_data["reason"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("%(name)s: %(action)s 처리했습니다.") % {"name": vendor.name, "action": ACTION_LABELS[action]})
                return redirect("admin:vendors_vendor_change", vendor.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "original": vendor, "form": form, "action": action,
            "action_label": ACTION_LABELS[action], "title": f"{vendor.name} · {ACTION_LABELS[action]}",
        }
        return TemplateResponse(request, "admin/vendors/vendor/action.html", context)


admin.site.register(Vendor, VendorAdmin)


@admin.register(VendorApplication)
class VendorApplicationAdmin(VendorAdmin):
    """The review queue: submitted and under-review applications, oldest first."""

    list_display = ("name", "enterprise_type", "region", "status", "submitted_at", "representative")
    ordering = ("submitted_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).review_queue()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:vendors_vendor_change", object_id)


@admin.register(VendorDocument)
class VendorDocumentAdmin(admin.ModelAdmin):
    list_display = ("vendor", "kind", "original_name", "content_type", "size", "uploaded_at")
    list_filter = ("kind",)
    search_fields = ("vendor__name", "original_name")
    list_select_related = ("vendor",)
    readonly_fields = ("vendor", "kind", "original_name", "content_type", "size", "sha256", "uploaded_by",
                       "uploaded_at", "preview")
    exclude = ("file",)

    @admin.display(description=gettext_lazy("미리보기"))
    def preview(self, obj):
        return document_preview(obj)

    def has_add_permission(self, request):
        return False


class DocumentReadColumns:
    """The columns of the read log, shared by the operator's admin and the vendor's."""

    @admin.display(description=gettext_lazy("열람 시각"), ordering="read_at")
    def when(self, obj):
        return timezone.localtime(obj.read_at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description=gettext_lazy("서류"), ordering="kind")
    def document_kind(self, obj):
        return document_label(obj.kind, obj.vendor.enterprise_type)

    @admin.display(description=gettext_lazy("열람한 사람"), ordering="reader_name")
    def who(self, obj):
        if obj.role == ReaderRole.OPERATOR and isinstance(self.admin_site, ScopedAdminSite):
            return _("운영자")  # vendors see the role, not the operator's account
        if isinstance(self.admin_site, ScopedAdminSite):
            return obj.reader_name or "-"
        return f"{obj.reader_name} <{obj.reader_email}>" if obj.reader_name else obj.reader_email


@admin.register(DocumentRead)
class DocumentReadAdmin(DocumentReadColumns, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who read which private document when, through what: looked at, never added, changed or deleted."""

    list_display = ("when", "vendor", "document_kind", "who", "role", "context", "channel", "reference",
                    "ip_address")
    list_filter = ("role", "channel", "kind", ("vendor", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "read_at"
    search_fields = ("vendor__name", "reader_name", "reader_email", "context", "reference", "document_name")
    list_select_related = ("vendor",)
    fields = ("read_at", "vendor", "document", "kind", "document_name", "document_sha256", "reader", "reader_name",
              "reader_email", "role", "context", "channel", "reference", "page", "ip_address")
    readonly_fields = fields


class RenewalDecisionForm(forms.ModelForm):
    class Meta:
        model = CertificationRenewal
        fields = ("reason",)


@admin.register(CertificationRenewal)
class CertificationRenewalAdmin(admin.ModelAdmin):
    list_display = ("vendor", "cert_number", "valid_until", "status", "requested_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("vendor__name",)
    list_select_related = ("vendor",)
    readonly_fields = ("vendor", "cert_number", "valid_until", "status", "requested_by", "requested_at",
                       "decided_by", "decided_at", "certificate_preview")
    fields = readonly_fields + ("reason",)
    change_form_template = "admin/vendors/certificationrenewal/change_form.html"

    @admin.display(description=gettext_lazy("새 인증서"))
    def certificate_preview(self, obj):
        return document_preview(obj.document)

    def has_add_permission(self, request):
        return False

    def response_change(self, request, obj):
        decision = "_confirm" in request.POST and "confirm" or "_reject" in request.POST and "reject"
        if decision and obj.status == RenewalStatus.PENDING:
            try:
                services.vendor_certification_renewal_decide(
                    renewal_id=obj.pk, actor=request.user, confirm=decision == "confirm",
                    reason=request.POST.get("reason", ""),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("admin:vendors_certificationrenewal_change", obj.pk)
            messages.success(request, _("갱신 신청을 처리했습니다."))
            return redirect("admin:vendors_certificationrenewal_changelist")
        return super().response_change(request, obj)

    def save_model(self, request, obj, form, change):
        # The decision goes through the service in response_change; nothing is saved here.
        pass


class SocialFactVerifiedFilter(admin.SimpleListFilter):
    title = gettext_lazy("운영자 확인")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return (("no", _("확인 전")), ("yes", _("확인함")))

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(verified_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(verified_at__isnull=False)
        return queryset


@admin.display(description=gettext_lazy("운영자 확인"), boolean=True)
def fact_verified(obj):
    return obj.verified_at is not None


@admin.register(VendorSocialFact)
class VendorSocialFactAdmin(admin.ModelAdmin):
    """Facts vendors propose; only verified ones are shown to consumers."""

    list_display = ("vendor", "kind", "value", fact_verified, "verified_by", "verified_at")
    list_filter = (SocialFactVerifiedFilter, "kind")
    search_fields = ("vendor__name", "value")
    list_select_related = ("vendor", "verified_by")
    autocomplete_fields = ("vendor",)
    fields = ("vendor", "kind", "value", "evidence", "verified_by", "verified_at")
    readonly_fields = ("verified_by", "verified_at")
    actions = ("verify_selected", "unverify_selected")

    @admin.action(description=gettext_lazy("선택한 정보 확인 (소비자에게 공개)"))
    def verify_selected(self, request, queryset):
        for fact in queryset.filter(verified_at__isnull=True):
            services.vendor_social_fact_verify(fact_id=fact.pk, actor=request.user)
        messages.success(request, _("확인했습니다."))

    @admin.action(description=gettext_lazy("선택한 정보 확인 취소 (비공개)"))
    def unverify_selected(self, request, queryset):
        for fact in queryset.filter(verified_at__isnull=False):
            services.vendor_social_fact_unverify(fact_id=fact.pk, actor=request.user)
        messages.success(request, _("확인을 취소했습니다."))


# --- the partner admin (vendor-scoped) --------------------------------------------------


class OwnVendorFieldMixin:
    """The `vendor` field of a partner form: preset and hidden when the member has one
    vendor (choices are already limited to the member's vendors), fixed once saved."""

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields + ("vendor",) if obj is not None and "vendor" not in fields else fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "vendor" and field is not None:
            only = list(field.queryset[:2])
            if len(only) == 1:
                field.initial = only[0].pk
                field.widget = forms.HiddenInput()
        return field


class PhotoInline(ScopedInline):
    model = VendorPhoto
    form = PhotoForm
    extra = 1
    fields = ("image", "caption", "position")


class VendorPartnerAdmin(VendorScopedAdmin):
    """A vendor's own profile; the operator's fields stay read-only, bank details owner-only."""

    form = VendorImagesForm
    scope_field = "pk"
    list_display = ("name", "enterprise_type", "region", "status", "cert_valid_until")
    phone_list_display = ("name", "status", "cert_valid_until")
    search_fields = ("name",)
    inlines = [PhotoInline]
    profile_fields = ("logo", "mission", "website", "phone", "email", "postal_code", "address", "address_detail",
                      "mail_order_number")
    fixed_fields = ("name", "business_number", "representative", "enterprise_type", "region", "status",
                    "cert_number", "cert_valid_until", "cert_expired", "commission_rate")
    bank_fields = ("bank_name", "bank_account_number", "bank_account_holder")

    def _is_owner(self, request, obj):
        return request.user.is_staff or (obj is not None and user_is_vendor_member(request.user, obj.pk, owner_only=True))

    def get_fields(self, request, obj=None):
        fields = self.fixed_fields + self.profile_fields
        return fields + self.bank_fields if self._is_owner(request, obj) else fields

    def get_readonly_fields(self, request, obj=None):
        return self.fixed_fields

    def has_add_permission(self, request):
        return False  # new vendors come through the application form

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipPartnerForm(forms.ModelForm):
    email = forms.EmailField(label=gettext_lazy("구성원 이메일"),
                             help_text=gettext_lazy("따숨몰에 가입한 회원의 이메일을 입력하세요."))

    class Meta:
        model = VendorMembership
        fields = ("vendor", "email", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email
            self.fields["email"].disabled = True

    def clean_email(self):
        if self.instance.pk:
            return self.instance.user.email
        user = User.objects.filter(email__iexact=self.cleaned_data["email"], is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("이 이메일로 가입한 회원이 없습니다. 먼저 회원가입을 안내해 주세요."))
        self.instance.user = user
        return user.email

    def clean(self):
        data = super().clean()
        vendor, user = data.get("vendor"), getattr(self.instance, "user", None)
        if vendor and user and not self.instance.pk and VendorMembership.objects.filter(vendor=vendor, user=user).exists():
            self.add_error("email", _("이미 이 기업의 구성원입니다."))
        return data


class MembershipPartnerAdmin(VendorScopedAdmin):
    """Owners manage who works in their vendor's admin."""

    form = MembershipPartnerForm
    list_display = ("user_email", "user_name", "vendor", "role", "created_at")
    phone_list_display = ("user_email", "user_name", "role")
    list_select_related = ("vendor", "user")
    autocomplete_fields = ("vendor",)

    @admin.display(description=gettext_lazy("이메일"))
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description=gettext_lazy("이름"))
    def user_name(self, obj):
        return obj.user.name

    def _owner_of(self, request, vendor_id=None):
        if request.user.is_staff:
            return True
        # The member's roles as the partner site read them once for this request (no query per model).
        return any(role == MembershipRole.OWNER and (vendor_id is None or vendor == vendor_id)
                   for vendor, (role, _status) in self.admin_site.member_roles(request).items())

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._owner_of(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._owner_of(request, obj and obj.vendor_id)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj) and self._owner_of(request, obj and obj.vendor_id)
        # Nobody removes themselves: a vendor must keep an owner.
        return allowed and not (obj is not None and obj.user_id == request.user.pk)


class DocumentPartnerAdmin(ReadOnlyAdminMixin, VendorScopedAdmin):
    """The vendor's own documents, to look at (changes go through the application or renewal)."""

    list_display = ("kind", "original_name", "uploaded_at", "view_link")
    phone_list_display = ("kind", "original_name", "view_link")
    list_filter = ("kind",)
    readonly_fields = ("kind", "original_name", "content_type", "size", "uploaded_at", "preview")
    exclude = ("file", "sha256", "uploaded_by", "vendor")

    @admin.display(description=gettext_lazy("보기"))
    def view_link(self, obj):
        return format_html('<a href="{}" target="_blank">{}</a>', obj.get_absolute_url(), _("열기"))

    @admin.display(description=gettext_lazy("미리보기"))
    def preview(self, obj):
        return document_preview(obj)


class DocumentReadPartnerAdmin(DocumentReadColumns, ReadOnlyAdminMixin, VendorScopedAdmin):
    """Who read the vendor's own documents: the agencies it shared them with, its members, the operator."""

    list_display = ("when", "document_kind", "who", "role", "context", "channel", "reference")
    list_filter = ("role", "channel", "kind")
    date_hierarchy = "read_at"
    search_fields = ("context", "reference", "reader_name")
    list_select_related = ("vendor",)
    fields = ("when", "document_kind", "document_name", "who", "role", "context", "channel", "reference")
    readonly_fields = fields


class SocialFactPartnerAdmin(OwnVendorFieldMixin, VendorScopedAdmin):
    """Vendors propose their social-value facts; the operator verifies them before they are shown.

    Editing a verified fact takes it off the public page until the operator checks it again.
    """

    list_display = ("kind", "value", "vendor", fact_verified, "verified_at")
    phone_list_display = ("kind", "value", fact_verified)
    list_select_related = ("vendor",)
    autocomplete_fields = ("vendor",)
    fields = ("vendor", "kind", "value", "evidence", "verified_at")
    readonly_fields = ("verified_at",)

    def get_readonly_fields(self, request, obj=None):
        # The kind of a saved fact stays (one fact per kind); change its value instead.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "kind") if obj is not None else fields

    def save_model(self, request, obj, form, change):
        if change and form.has_changed() and obj.verified_at is not None:
            obj.verified_by = None
            obj.verified_at = None
            messages.info(request, _("내용이 바뀌어 운영자가 다시 확인할 때까지 공개되지 않습니다."))
        super().save_model(request, obj, form, change)


partner_admin_site.register(Vendor, VendorPartnerAdmin)
partner_admin_site.register(VendorSocialFact, SocialFactPartnerAdmin)
partner_admin_site.register(VendorMembership, MembershipPartnerAdmin)
partner_admin_site.register(VendorDocument, DocumentPartnerAdmin)
partner_admin_site.register(DocumentRead, DocumentReadPartnerAdmin)


# --- API keys and webhooks (owners manage them; members read the webhook log) ----------------


def _owner_vendor_ids(request) -> frozenset | None:
    """The vendors whose integrations the user may manage (None: every vendor, for operators)."""
    if request.user.is_staff:
        return None
    # Asked by every admin page's app list (add and change links): from the roles the partner
    # site reads once per request; on the operator's site only operators get this far.
    return partner_admin_site.owner_ids(request) or frozenset()


class OwnerManagedMixin:
    """Add and change for the vendor's owners; the vendor field offers only the vendors they own."""

    def _owns(self, request, obj=None) -> bool:
        ids = _owner_vendor_ids(request)
        return ids is None or (bool(ids) if obj is None else self._vendor_id(obj) in ids)

    def _vendor_id(self, obj) -> int:
        return obj.vendor_id

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._owns(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._owns(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        ids = _owner_vendor_ids(request)
        if db_field.name == "vendor" and ids is not None:
            field.queryset = field.queryset.filter(pk__in=ids)
        return field


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=gettext_lazy("권한"), choices=ApiScope.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = VendorApiKey
        fields = ("vendor", "name", "scopes", "expires_at")

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("만료 시각은 지금보다 뒤여야 합니다."))
        return value


@admin.display(description=gettext_lazy("상태"))
def api_key_state(obj):
    if obj.revoked_at:
        return _("폐기됨")
    if obj.expires_at and obj.expires_at <= timezone.now():
        return _("만료됨")
    return _("사용 중")


@admin.display(description=gettext_lazy("권한"))
def api_key_scopes(obj):
    labels = dict(ApiScope.choices)
    return ", ".join(str(labels.get(s, s)) for s in obj.scopes)


class ApiKeyPartnerAdmin(OwnerManagedMixin, OwnVendorFieldMixin, VendorScopedAdmin):
    """The vendor's API keys: made here (the key is shown once), revoked here, never edited."""

    form = ApiKeyForm
    list_display = ("name", "prefix_shown", api_key_scopes, api_key_state, "expires_at", "last_used_at",
                    "created_by", "vendor")
    list_select_related = ("vendor", "created_by")
    actions = ("revoke_selected",)
    readonly_fields = ("prefix_shown", api_key_scopes, api_key_state, "expires_at", "last_used_at", "created_by",
                       "created_at", "revoked_at", "revoked_by")

    @admin.display(description=gettext_lazy("키"))
    def prefix_shown(self, obj):
        return f"{obj.prefix}…"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("vendor", "name", "scopes", "expires_at")
        return ("vendor", "name", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("vendor", "name", *self.readonly_fields)

    def has_change_permission(self, request, obj=None):
        # A key is made and revoked, never edited (its scopes are part of what was handed out).
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        key, raw = api_key_create(vendor_id=data["vendor"].pk, name=data["name"], scopes=data["scopes"],
                                  expires_at=data.get("expires_at"), actor=request.user)
        obj.pk = key.pk
        request._api_key_raw = (key, raw)

    def save_related(self, request, form, formsets, change):
        pass

    def log_addition(self, request, obj, message):
        pass

    def response_add(self, request, obj, post_url_continue=None):
        key, raw = request._api_key_raw
        response = TemplateResponse(request, "admin/vendors/vendorapikey/created.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "key": key, "raw": raw,
            "title": _("API 키를 만들었습니다"),
        })
        # The key is in this page only: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("선택한 API 키 폐기"))
    def revoke_selected(self, request, queryset):
        done = 0
        for key in queryset:
            try:
                api_key_revoke(key_id=key.pk, actor=request.user)
                done += 1
            except DomainError as exc:
                messages.error(request, f"{key.name}: {exc.message}")
        if done:
            messages.success(request, _("API 키 %(n)s개를 폐기했습니다.") % {"n": done})


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(label=gettext_lazy("이벤트"), choices=WebhookEvent.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ("vendor", "url", "events", "is_active")

    def clean_url(self):
        try:
            return webhook_url_check(self.cleaned_data.get("url"))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_events(self):
        try:
            return webhook_events_clean(self.cleaned_data.get("events"))
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class WebhookEndpointPartnerAdmin(OwnerManagedMixin, OwnVendorFieldMixin, VendorScopedAdmin):
    """Where the vendor's events are sent; the signing secret is on the saved endpoint's page."""

    form = WebhookEndpointForm
    list_display = ("url", "events_shown", "is_active", "vendor", "created_at")
    list_select_related = ("vendor",)

    @admin.display(description=gettext_lazy("이벤트"))
    def events_shown(self, obj):
        labels = dict(WebhookEvent.choices)
        return ", ".join(str(labels.get(e, e)) for e in obj.events)

    @admin.display(description=gettext_lazy("서명 비밀값"))
    def secret_shown(self, obj):
        return format_html("<code>{}</code>", obj.secret) if obj and obj.pk else ""

    def _extra(self, request, obj) -> tuple:
        # The signing secret is for the owners who set the receiver up, not every member.
        return ("secret_shown", "created_at") if self._owns(request, obj) else ("created_at",)

    def get_fields(self, request, obj=None):
        fields = ("vendor", "url", "events", "is_active")
        return fields if obj is None else (*fields, *self._extra(request, obj))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if obj is None else (*fields, *self._extra(request, obj))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        made = webhook_endpoint_create(vendor_id=data["vendor"].pk, url=data["url"], events=data["events"],
                                       actor=request.user)
        obj.pk, obj.secret = made.pk, made.secret


class WebhookAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = ("attempted_at", "status_code", "duration_ms", "error", "response_excerpt")
    readonly_fields = fields
    extra = 0
    max_num = 0


class WebhookDeliveryPartnerAdmin(ReadOnlyAdminMixin, VendorScopedAdmin):
    """Every event sent to the vendor's endpoints, with what they answered; replayable."""

    scope_field = "endpoint__vendor"
    list_display = ("created_at", "event", "subject", "status", "attempts", "last_status_code", "next_attempt_at",
                    "endpoint")
    list_filter = ("status", "event")
    list_select_related = ("endpoint",)
    date_hierarchy = "created_at"
    actions = ("replay_selected",)
    fields = ("endpoint", "event", "subject", "status", "attempts", "last_status_code", "next_attempt_at",
              "delivered_at", "created_at", "payload")
    readonly_fields = fields
    inlines = (WebhookAttemptInline,)

    def get_actions(self, request):
        # ReadOnlyAdminMixin says no change; replaying is an action of its own.
        actions = super().get_actions(request)
        if "replay_selected" not in actions:
            actions["replay_selected"] = self.get_action("replay_selected")
        return actions

    @admin.action(description=gettext_lazy("선택한 전송 다시 보내기"))
    def replay_selected(self, request, queryset):
        done = 0
        for delivery in queryset:
            try:
                webhook_delivery_replay(delivery_id=delivery.pk, actor=request.user)
                done += 1
            except DomainError as exc:
                messages.error(request, f"{delivery}: {exc.message}")
        if done:
            messages.success(request, _("%(n)s건을 다시 보내도록 예약했습니다.") % {"n": done})


partner_admin_site.register(VendorApiKey, ApiKeyPartnerAdmin)
partner_admin_site.register(WebhookEndpoint, WebhookEndpointPartnerAdmin)
partner_admin_site.register(WebhookDelivery, WebhookDeliveryPartnerAdmin)


class ApiKeyOperatorAdmin(ApiKeyPartnerAdmin):
    """Operators see every vendor's keys and may revoke a leaked one; keys are made by the vendors' owners."""

    list_filter = ("vendor",)

    def has_add_permission(self, request):
        return False


admin.site.register(VendorApiKey, ApiKeyOperatorAdmin)
admin.site.register(WebhookDelivery, WebhookDeliveryPartnerAdmin)

# --- performance and exit rules (issue 14) ---------------------------------------------------


def _number(value, unit=""):
    return "-" if value is None else f"{value}{unit}"


class PerformanceColumns:
    """The metric columns, shared by the operator's list and the vendor's page; each sorts by its field."""

    @admin.display(description=gettext_lazy("기한 내 발송률"), ordering="on_time_rate")
    def on_time(self, obj):
        return f"{_number(obj.on_time_rate, '%')} ({obj.shipped_on_time}/{obj.ship_due_orders})"

    @admin.display(description=gettext_lazy("판매자 취소율"), ordering="vendor_cancel_rate")
    def cancels(self, obj):
        return f"{_number(obj.vendor_cancel_rate, '%')} ({obj.vendor_cancels}/{obj.paid_orders})"

    @admin.display(description=gettext_lazy("반품률"), ordering="return_rate")
    def return_share(self, obj):
        return f"{_number(obj.return_rate, '%')} ({obj.returns}/{obj.delivered_orders})"

    @admin.display(description=gettext_lazy("문의 답변(시간)"), ordering="question_answer_hours")
    def question_hours(self, obj):
        return f"{_number(obj.question_answer_hours)} ({obj.questions_answered})"

    @admin.display(description=gettext_lazy("견적 회신(시간)"), ordering="quote_answer_hours")
    def quote_hours(self, obj):
        return f"{_number(obj.quote_answer_hours)} ({obj.quotes_answered})"

    @admin.display(description=gettext_lazy("평균 평점"), ordering="review_avg")
    def rating(self, obj):
        return f"{_number(obj.review_avg)} ({obj.review_count})"


PERFORMANCE_COLUMNS = ("on_time", "cancels", "return_share", "question_hours", "quote_hours", "rating")


@admin.register(VendorPerformance)
class VendorPerformanceAdmin(PerformanceColumns, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every vendor's numbers, computed nightly; sort by any metric to find who needs a word."""

    list_display = ("vendor", "vendor_status", "window_days", "paid_orders", *PERFORMANCE_COLUMNS, "as_of")
    list_filter = ("window_days", "vendor__status")
    search_fields = ("vendor__name",)
    list_select_related = ("vendor",)
    ordering = ("on_time_rate", "vendor__name")

    @admin.display(description=gettext_lazy("상태"), ordering="vendor__status")
    def vendor_status(self, obj):
        return obj.vendor.get_status_display()


class PerformancePartnerAdmin(PerformanceColumns, ReadOnlyAdminMixin, VendorScopedAdmin):
    """The vendor's own numbers, as the operator sees them."""

    list_display = ("window_days", "paid_orders", *PERFORMANCE_COLUMNS, "as_of", "vendor")
    list_select_related = ("vendor",)

    def get_list_display(self, request):
        ids = self.scope_ids(request)
        display = super().get_list_display(request)
        return [d for d in display if d != "vendor"] if ids is not None and len(ids) == 1 else display


@admin.register(VendorSanction)
class VendorSanctionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every exit-rule action taken, with its reason: the record, never changed."""

    list_display = ("created_at", "vendor", "kind", "reason", "actor")
    list_filter = ("kind",)
    search_fields = ("vendor__name", "reason")
    list_select_related = ("vendor", "actor")
    date_hierarchy = "created_at"


class SanctionPartnerAdmin(ReadOnlyAdminMixin, VendorScopedAdmin):
    """The warnings and other exit-rule actions the operator took on the vendor, with their reasons."""

    list_display = ("created_at", "kind", "reason")
    list_select_related = ("vendor",)
    fields = ("created_at", "kind", "reason")


class OpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("처리")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return (("1", _("처리 대기")), ("0", _("처리함")))

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(ExitSuggestion)
class ExitSuggestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Metrics past their thresholds: suggestions for the operator, applied only by hand."""

    list_display = ("created_at", "vendor", "metric_label", "value", "threshold", "suggested_kind", "state",
                    "decide")
    list_filter = (OpenFilter, "suggested_kind", "metric")
    search_fields = ("vendor__name",)
    list_select_related = ("vendor", "sanction")
    ordering = ("-created_at",)

    @admin.display(description=gettext_lazy("지표"), ordering="metric")
    def metric_label(self, obj):
        return THRESHOLD_LABELS.get(obj.metric, obj.metric)

    @admin.display(description=gettext_lazy("처리"), ordering="closed_at")
    def state(self, obj):
        if obj.closed_at is None:
            return _("처리 대기")
        return obj.sanction.get_kind_display() if obj.sanction_id else _("넘김")

    @admin.display(description=gettext_lazy("조치"))
    def decide(self, obj):
        if obj.closed_at is not None:
            return "-"
        apply = reverse("admin:vendors_vendor_sanction", args=[obj.vendor_id, obj.suggested_kind])
        dismiss = reverse("admin:vendors_exitsuggestion_dismiss", args=[obj.pk])
        return format_html('<a href="{}?suggestion={}">{}</a> · <a href="{}">{}</a>', apply, obj.pk,
                           obj.get_suggested_kind_display(), dismiss, _("넘기기"))

    def get_urls(self):
        return [
            path("<int:pk>/dismiss/", self.admin_site.admin_view(self.dismiss_view),
                 name="vendors_exitsuggestion_dismiss"),
        ] + super().get_urls()

    def dismiss_view(self, request, pk):
        """Close a suggestion without an action; the reason is kept."""
        if not request.user.is_staff:
            raise PermissionDenied
        suggestion = get_object_or_404(ExitSuggestion.objects.select_related("vendor"), pk=pk)
        form = ReasonForm(request.POST or None)
        form.fields["reason"].help_text = _("운영 기록에만 남습니다.")
        if request.method == "POST" and form.is_valid():
            services.exit_suggestion_dismiss(suggestion_id=pk, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("제안을 넘겼습니다."))
            return redirect("admin:vendors_exitsuggestion_changelist")
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": suggestion.vendor,
            "form": form, "action_label": _("넘기기"), "title": f"{suggestion.vendor.name} · {_('넘기기')}",
            "suggestion": suggestion, "suggestion_metric": THRESHOLD_LABELS.get(suggestion.metric, suggestion.metric),
            "performance": vendor_performance_get(suggestion.vendor_id),
        }
        return TemplateResponse(request, "admin/vendors/vendor/action.html", context)


partner_admin_site.register(VendorPerformance, PerformancePartnerAdmin)
partner_admin_site.register(VendorSanction, SanctionPartnerAdmin)
