from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ddasum.admin_scoping import ReadOnlyAdminMixin

from .models import LoginEvent, Notification, PolicyVersion, User


class UserCreateForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ("-date_joined",)
    list_display = ("email", "name", "phone", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "name", "phone")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("개인 정보"), {"fields": ("name", "phone")}),
        (_("동의 내역"), {"fields": ("terms_agreed_at", "terms_version", "privacy_version", "age_confirmed_at",
                                  "marketing_agreed_at")}),
        (_("권한"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("주요 일시"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("terms_agreed_at", "terms_version", "privacy_version", "age_confirmed_at", "marketing_agreed_at")
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "title", "created_at", "read_at")
    search_fields = ("user__email", "title")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Operators' sign-ins (password and second factor), to look at; never changed."""

    list_display = ("at", "username", "user", "kind", "success", "otp_used", "ip", "user_agent")
    list_filter = ("success", "kind", "otp_used")
    search_fields = ("username", "user__email", "ip")
    date_hierarchy = "at"
    list_select_related = ("user",)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """The operator writes a new version with its effective date; the page shows the one in effect.

    A version already in effect is kept as members agreed to it: it can be read, not changed.
    """

    list_display = ("kind", "version", "effective_at", "summary", "created_at")
    list_filter = ("kind",)
    search_fields = ("version", "summary")
    date_hierarchy = "effective_at"

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.pk and obj.effective_at <= timezone.now():
            return ("kind", "version", "effective_at", "summary", "body", "created_at")
        return ("created_at",)

    def has_delete_permission(self, request, obj=None):
        if obj and obj.effective_at <= timezone.now():
            return False
        return super().has_delete_permission(request, obj)
