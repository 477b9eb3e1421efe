import json

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import jobs
from .admin_scoping import ReadOnlyAdminMixin
from .models import OutboxTask

admin.site.site_header = _("따숨몰 운영자 관리자")
admin.site.site_title = _("따숨몰 운영")
admin.site.index_title = _("운영 관리")

# Arguments not shown in the admin: a mail's body may hold a password-reset link.
HIDDEN_KWARGS = frozenset({"body", "html"})


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("상태")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", _("처리 중")), ("gave_up", _("포기함")), ("done", _("완료"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.filter(done_at__isnull=True, gave_up_at__isnull=True)
        if value == "gave_up":
            return queryset.filter(done_at__isnull=True, gave_up_at__isnull=False)
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The follow-ups transactions queued: what is done, still being tried, or given up (to look into)."""

    list_display = ("pk", "name", "arguments", "state_label", "attempts", "created", "dispatched", "done",
                    "error_head")
    list_filter = (OutboxStateFilter, "name")
    search_fields = ("name", "last_error")
    date_hierarchy = "created_at"
    ordering = ("-pk",)
    actions = ["retry"]
    fields = ("name", "arguments", "state_label", "attempts", "created", "dispatched", "done", "gave_up",
              "last_error")
    readonly_fields = fields

    @admin.display(description=_("인자"))
    def arguments(self, obj):
        shown = {k: ("…" if k in HIDDEN_KWARGS else v) for k, v in (obj.kwargs or {}).items()}
        return json.dumps(shown, ensure_ascii=False)

    @admin.display(description=_("상태"))
    def state_label(self, obj):
        return {"done": _("완료"), "gave_up": _("포기함"), "pending": _("처리 중")}[obj.state]

    @admin.display(description=_("기록 시각"), ordering="created_at")
    def created(self, obj):
        return _when(obj.created_at)

    @admin.display(description=_("마지막 보낸 시각"), ordering="dispatched_at")
    def dispatched(self, obj):
        return _when(obj.dispatched_at)

    @admin.display(description=_("완료 시각"), ordering="done_at")
    def done(self, obj):
        return _when(obj.done_at)

    @admin.display(description=_("포기한 시각"), ordering="gave_up_at")
    def gave_up(self, obj):
        return _when(obj.gave_up_at)

    @admin.display(description=_("마지막 오류"))
    def error_head(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else (obj.last_error or "-")

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    @admin.action(description=_("다시 보내기 (처리되지 않은 작업)"))
    def retry(self, request, queryset):
        count = jobs.outbox_retry(ids=queryset.filter(Q(done_at__isnull=True)).values_list("pk", flat=True))
        self.message_user(request, ngettext("작업 %(n)s건을 다시 보냈습니다.", "작업 %(n)s건을 다시 보냈습니다.", count)
                          % {"n": count}, messages.SUCCESS)
