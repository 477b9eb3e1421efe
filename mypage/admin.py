from django.contrib import admin

from ddasum.admin_scoping import ReadOnlyAdminMixin

from .models import AccountDeletion


@admin.register(AccountDeletion)
class AccountDeletionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Members who left and when their kept records were purged; read only."""

    list_display = ("user", "deleted_at", "purged_at")
    list_filter = ("purged_at",)
    date_hierarchy = "deleted_at"
    list_select_related = ("user",)
