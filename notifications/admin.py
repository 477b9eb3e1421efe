from django.contrib import admin
from django.utils.translation import gettext_lazy

from .models import Delivery, MarketingConsent, Message


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fk_name = "message"
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "not_before", "sent_at", "backend", "provider_message_id",
              "provider_group_id", "result_code", "result_message", "fallback_of")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The send log: every message, its channels and what the provider answered (read only)."""

    list_display = ("created_at", "kind_display", "name", "email", "phone", "title")
    list_filter = ("kind", "deliveries__channel", "deliveries__status")
    search_fields = ("dedupe_key", "email", "phone", "name", "deliveries__provider_message_id")
    inlines = [DeliveryInline]
    readonly_fields = ("dedupe_key", "kind", "user", "name", "email", "phone", "title", "body", "url",
                       "email_subject", "email_body", "variables", "created_at")
    fields = readonly_fields

    @admin.display(description=gettext_lazy("종류"), ordering="kind")
    def kind_display(self, obj):
        return obj.kind_label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MarketingConsent)
class MarketingConsentAdmin(admin.ModelAdmin):
    list_display = ("user", "agreed_at", "withdrawn_at")
    raw_id_fields = ("user",)
    search_fields = ("user__email",)
