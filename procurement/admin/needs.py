"""Admin of the needs board: operators see every need and proposal; vendors list their own proposals."""
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import HistoryInline, ReadOnlyAdminMixin
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from ..models import Need, NeedAttachment, NeedEvent, NeedProposal


def _need_link(need) -> str:
    return format_html('<a href="{}">{}</a>', reverse("procurement:need_detail", args=[need.pk]), _("게시글 열기"))


class NeedAttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = NeedAttachment
    extra = 0
    can_delete = False
    fields = ("file_link", "size", "uploaded_at")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("파일"))
    def file_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("procurement:need_attachment", args=[obj.pk]),
                           obj.original_name)


class NeedProposalInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = NeedProposal
    extra = 0
    can_delete = False
    fields = ("vendor", "message", "price_idea", "quote_request", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("vendor", "quote_request")


class NeedEventInline(HistoryInline):
    model = NeedEvent
    verbose_name_plural = gettext_lazy("상태 이력")


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "category", "status", "deadline", "proposal_count", "created_at")
    list_filter = ("status", "category")
    search_fields = ("title", "description", "agency__name")
    date_hierarchy = "created_at"
    list_per_page = 50
    readonly_fields = ("agency", "created_by", "created_at", "closed_at", "page")
    fields = ("agency", "created_by", "category", "title", "description", "quantity", "budget", "deadline", "status",
              "closed_at", "created_at", "page")
    inlines = [NeedAttachmentInline, NeedProposalInline, NeedEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "category").annotate(
            n_proposals=Count("proposals"))

    def has_add_permission(self, request):
        return False  # agencies post needs on the board

    @admin.display(description=gettext_lazy("제안"), ordering="n_proposals")
    def proposal_count(self, obj):
        return obj.n_proposals

    @admin.display(description=gettext_lazy("게시글"))
    def page(self, obj):
        return _need_link(obj) if obj.pk else "-"


class ProposalAdminBase(admin.ModelAdmin):
    list_display = ("need_title", "need_status", "vendor", "price_idea", "requested", "created_at", "page")
    search_fields = ("need__title", "vendor__name", "message")
    list_per_page = 50
    fields = ("need", "vendor", "created_by", "message", "price_idea", "products", "quote_request", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("need", "vendor", "quote_request")

    @admin.display(description=gettext_lazy("게시글"), ordering="need__title")
    def need_title(self, obj):
        return obj.need.title

    @admin.display(description=gettext_lazy("게시글 상태"))
    def need_status(self, obj):
        return obj.need.get_status_display()

    @admin.display(description=gettext_lazy("견적요청"), boolean=True)
    def requested(self, obj):
        return bool(obj.quote_request_id)

    @admin.display(description=gettext_lazy("화면"))
    def page(self, obj):
        return _need_link(obj.need)


@admin.register(NeedProposal)
class NeedProposalAdmin(ReadOnlyAdminMixin, ProposalAdminBase):
    list_filter = ("need__status",)


@admin.register(NeedProposal, site=partner_admin_site)
class NeedProposalPartnerAdmin(ReadOnlyAdminMixin, VendorScopedAdmin, ProposalAdminBase):
    """The vendor's proposals; proposing and revising happen on the need's page."""

    list_display = ("need_title", "need_status", "price_idea", "requested", "created_at", "page")
    phone_list_display = ("need_title", "need_status", "page")
