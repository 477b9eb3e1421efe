"""Operator admin of the notices and events board, its comments, and the campaign-mail consents.

Comments change only through the board services (hide, show again, delete), so each post's
comment count stays equal to its visible comments; the admin's own delete is routed there too.
Consents are read-only evidence: when and to which sentence someone agreed.
"""
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.exceptions import DomainError

from ..models import CampaignMailSent, Comment, CommentStatus, Post, Subscription
from ..services import board


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    can_delete = False
    fields = ("user", "body", "status", "created_at", "moderated_by")
    readonly_fields = fields
    show_change_link = True
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "is_pinned", "is_published", "published_at", "author_name", "hits",
                    "comment_count", "campaign", "view_link")
    list_display_links = ("title",)
    list_filter = ("kind", "is_published", "is_pinned", "allow_comments")
    search_fields = ("title", "body")
    date_hierarchy = "published_at"
    readonly_fields = ("author", "hits", "comment_count", "created_at")
    fieldsets = (
        (None, {"fields": ("kind", "title", "body", "campaign", "event_ends_on")}),
        (gettext_lazy("게시"), {"fields": ("is_published", "published_at", "is_pinned", "allow_comments",
                                          "author_name", "author")}),
        (gettext_lazy("통계"), {"fields": ("hits", "comment_count", "created_at")}),
    )
    inlines = (CommentInline,)

    def get_changeform_initial_data(self, request):
        return {"author_name": _("따숨몰"), **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if not change or obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("보기"))
    def view_link(self, obj):
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), _("보기"))


def _moderate(request, queryset, action: str) -> None:
    done = 0
    for pk in queryset.order_by("pk").values_list("pk", flat=True):
        try:
            board.comment_moderate(comment_id=pk, actor=request.user, action=action)
            done += 1
        except DomainError as exc:
            messages.error(request, exc.message)
    messages.success(request, _("댓글 %(n)s개를 처리했습니다.") % {"n": done})


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("short_body", "post", "user", "status", "created_at", "moderated_by", "moderated_at")
    list_filter = ("status", "post__kind")
    search_fields = ("body", "user__email", "user__name", "post__title")
    list_select_related = ("post", "user", "moderated_by")
    date_hierarchy = "created_at"
    fields = ("post", "user", "body", "status", "created_at", "moderated_by", "moderated_at")
    readonly_fields = fields
    actions = ("hide_selected", "show_selected", "delete_with_count")

    def has_add_permission(self, request):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting goes through the service (keeps the count)
        return actions

    def delete_model(self, request, obj):
        board.comment_delete(comment_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            board.comment_delete(comment_id=pk, actor=request.user)

    @admin.display(description=gettext_lazy("댓글"))
    def short_body(self, obj):
        return obj.body[:40] + ("…" if len(obj.body) > 40 else "")

    @admin.action(description=gettext_lazy("선택한 댓글 숨기기"))
    def hide_selected(self, request, queryset):
        _moderate(request, queryset.filter(status=CommentStatus.VISIBLE), "hide")

    @admin.action(description=gettext_lazy("선택한 댓글 다시 공개"))
    def show_selected(self, request, queryset):
        _moderate(request, queryset.filter(status=CommentStatus.HIDDEN), "unhide")

    @admin.action(description=gettext_lazy("선택한 댓글 삭제"))
    def delete_with_count(self, request, queryset):
        _moderate(request, queryset, "delete")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "user", "consented_at", "unsubscribed_at", "mails_sent")
    list_filter = (("unsubscribed_at", admin.EmptyFieldListFilter),)
    search_fields = ("email", "user__email", "user__name")
    list_select_related = ("user",)
    date_hierarchy = "consented_at"
    fields = ("email", "user", "consented_at", "consent_text", "unsubscribed_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_mails=_mails_sent_subquery())

    @admin.display(description=gettext_lazy("보낸 기획전 메일"), ordering="_mails")
    def mails_sent(self, obj):
        return obj._mails


def _mails_sent_subquery():
    counts = (CampaignMailSent.objects.filter(subscription_id=OuterRef("pk")).order_by()
              .values("subscription_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)
