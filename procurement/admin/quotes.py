"""Quote requests and vendor quotes in the two admins, read-only: answers are written on the web pages.

The partner admin lists a vendor's received requests with a link to the answer page; the
operators' admin shows every request and quote with its versions and messages.
"""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import HistoryInline, ReadOnlyAdminMixin
from ddasum.money import won_or_dash
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from ..models import (
    QuoteEvent,
    QuoteMessage,
    QuoteRequest,
    QuoteRequestAttachment,
    QuoteRequestEvent,
    QuoteRequestItem,
    QuoteStatus,
    QuoteVersion,
    RequestStatus,
    VendorQuote,
)


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class RequestItemInline(_ReadOnlyInline):
    model = QuoteRequestItem
    fields = ("vendor", "name", "spec", "unit", "quantity", "note")


class RequestQuoteInline(_ReadOnlyInline):
    model = VendorQuote
    fields = ("number", "vendor", "status", "answered_at", "reminded_at")
    show_change_link = True


class RequestAttachmentInline(_ReadOnlyInline):
    model = QuoteRequestAttachment
    fields = ("original_name", "content_type", "size", "uploaded_at")


class RequestEventInline(HistoryInline):
    model = QuoteRequestEvent
    verbose_name_plural = gettext_lazy("상태 이력")


@admin.register(QuoteRequest)
class QuoteRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "title", "agency", "kind", "status", "reply_by", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("number", "title", "agency__name")
    list_select_related = ("agency",)
    date_hierarchy = "created_at"
    fields = ("number", "agency", "created_by", "kind", "title", "delivery_place", "wanted_delivery_date",
              "budget_note", "reply_by", "message", "status", "need", "created_at")
    readonly_fields = fields
    inlines = (RequestItemInline, RequestQuoteInline, RequestAttachmentInline, RequestEventInline)


class VersionInline(_ReadOnlyInline):
    model = QuoteVersion
    fk_name = "quote"
    fields = ("version", "issued_on", "valid_until", "taxable_supply", "taxable_vat", "exempt_amount", "total",
              "prepared_by", "created_at")


class MessageInline(_ReadOnlyInline):
    model = QuoteMessage
    fields = ("created_at", "side", "sender", "body", "attachment_name", "read_at")


class QuoteEventInline(HistoryInline):
    model = QuoteEvent
    verbose_name_plural = gettext_lazy("상태 이력")


class QuoteColumnsMixin:
    """The request's title and agency, as both quote admins show them."""

    @admin.display(description=gettext_lazy("견적요청"), ordering="request__title")
    def request_title(self, obj):
        return obj.request.title

    @admin.display(description=gettext_lazy("기관"), ordering="request__agency__name")
    def agency(self, obj):
        return obj.request.agency.name


@admin.register(VendorQuote)
class VendorQuoteAdmin(QuoteColumnsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The operators' view of every quote, with its versions and its thread."""

    list_display = ("number", "request_title", "agency", "vendor", "status", "total", "created_at", "answered_at",
                    "reminded_at")
    list_filter = ("status",)
    search_fields = ("number", "request__number", "request__title", "vendor__name", "request__agency__name")
    list_select_related = ("request__agency", "vendor", "current_version")
    date_hierarchy = "created_at"
    fields = ("number", "request", "vendor", "status", "current_version", "decline_reason", "answered_at",
              "accepted_at", "reminded_at", "created_at", "web_page")
    readonly_fields = fields
    inlines = (QuoteEventInline, VersionInline, MessageInline)

    @admin.display(description=gettext_lazy("합계"))
    def total(self, obj):
        return won_or_dash(obj.current_version.total) if obj.current_version else "-"

    @admin.display(description=gettext_lazy("견적 화면"))
    def web_page(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), gettext_lazy("웹 화면에서 보기"))


@admin.register(VendorQuote, site=partner_admin_site)
class VendorQuotePartnerAdmin(QuoteColumnsMixin, ReadOnlyAdminMixin, VendorScopedAdmin):
    """A vendor's received requests; answering (and declining) happens on the answer page."""

    list_display = ("number", "agency", "request_title", "status", "reply_by", "total", "answer_link")
    phone_list_display = ("number", "request_title", "status", "reply_by")
    list_filter = ("status",)
    search_fields = ("number", "request__title", "request__agency__name")
    list_select_related = ("request__agency", "current_version")
    fields = ("number", "request_title", "agency", "status", "reply_by", "total", "decline_reason", "answered_at",
              "answer_link")
    readonly_fields = fields
    inlines = (QuoteEventInline,)

    @admin.display(description=gettext_lazy("회신 기한"), ordering="request__reply_by")
    def reply_by(self, obj):
        return obj.request.reply_by

    @admin.display(description=gettext_lazy("견적 합계"))
    def total(self, obj):
        return won_or_dash(obj.current_version.total) if obj.current_version else "-"

    @admin.display(description=gettext_lazy("견적"))
    def answer_link(self, obj):
        if obj.request.status == RequestStatus.OPEN and obj.status in (
                QuoteStatus.REQUESTED, QuoteStatus.ANSWERED, QuoteStatus.DECLINED):
            label = gettext_lazy("견적 작성") if obj.status == QuoteStatus.REQUESTED else gettext_lazy("견적 수정")
            return format_html('<a class="button" href="{}">{}</a>',
                               reverse("procurement:quote_answer", args=[obj.number]), label)
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), gettext_lazy("보기"))
