"""Reviews and questions in both admin sites.

Operators (/admin/): every review, hide with a reason or show again (recorded on its history),
the reports; every question. Vendors (/partner/): their own products' reviews with one reply
field, and their questions with one answer field; nothing else is editable there.
"""
from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.admin_scoping import HistoryInline, ReasonForm, reason_action_page
from ddasum.exceptions import DomainError
from vendors.admin_site import VendorScopedAdmin, partner_admin_site

from .models import ANSWER_MAX_CHARS, REPLY_MAX_CHARS, Question, Review, ReviewEvent, ReviewReport, ReviewStatus
from .services import question_answer, review_hide, review_reply_set, review_restore


class ReviewEventInline(HistoryInline):
    model = ReviewEvent
    status_choices = ReviewStatus


class ReviewReportInline(admin.TabularInline):
    model = ReviewReport
    extra = 0
    can_delete = False
    fields = ("user", "reason", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


_REVIEW_SHOWN = ("product", "variant_name", "author", "rating", "content", "status", "report_count", "created_at",
                 "reply", "replied_at")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("id", "product", "author", "rating", "status", "has_photos", "report_count", "created_at")
    list_filter = ("status", "has_photos", "rating")
    search_fields = ("product__name", "author__email", "content")
    list_select_related = ("product", "author")
    readonly_fields = _REVIEW_SHOWN
    fields = _REVIEW_SHOWN
    inlines = [ReviewReportInline, ReviewEventInline]
    actions = ["hide_selected", "restore_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.action(description=gettext_lazy("선택한 후기 숨기기 (사유 입력)"))
    def hide_selected(self, request, queryset):
        form = ReasonForm(request.POST if request.POST.get("confirm") else None, label=_("숨기는 사유"),
                          required_message=_("숨기는 사유를 적어 주세요."))
        if form.is_bound and form.is_valid():
            done = 0
            for review in queryset.exclude(status__in=[ReviewStatus.HIDDEN, ReviewStatus.DELETED]):
                try:
                    review_hide(review_id=review.pk, actor=request.user, reason=form.cleaned_data["reason"])
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"#{review.pk}: {exc}", messages.ERROR)
            self.message_user(request, _("후기 %(n)s개를 숨겼습니다.") % {"n": done})
            return None
        return reason_action_page(
            self, request, queryset.select_related("product"), title=_("후기 숨기기"), form=form,
            submit_label=_("숨기기"), flag="confirm", intro=_("숨긴 후기는 상품 페이지와 평점에서 빠집니다."),
            describe=lambda r: f"#{r.pk} {r.product.name} ★{r.rating}")

    @admin.action(description=gettext_lazy("선택한 후기 다시 보이기"))
    def restore_selected(self, request, queryset):
        done = 0
        for review in queryset.filter(status__in=[ReviewStatus.HIDDEN, ReviewStatus.PENDING]):
            review_restore(review_id=review.pk, actor=request.user, reason=_("운영자 검토 후 공개"))
            done += 1
        self.message_user(request, _("후기 %(n)s개를 다시 보이게 했습니다.") % {"n": done})


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("id", "product", "author", "is_secret", "created_at", "answered_at")
    list_filter = ("is_secret", ("answered_at", admin.EmptyFieldListFilter))
    search_fields = ("product__name", "author__email", "content")
    list_select_related = ("product", "author")
    readonly_fields = ("product", "vendor", "author", "content", "is_secret", "created_at", "answered_at",
                       "answered_by", "reminded_at", "answer")

    def has_add_permission(self, request):
        return False


# --- the partner admin ----------------------------------------------------------------------


class ReplyForm(forms.ModelForm):
    reply = forms.CharField(label=gettext_lazy("판매기업 답글"), required=False, max_length=REPLY_MAX_CHARS,
                            widget=forms.Textarea(attrs={"rows": 5}))

    class Meta:
        model = Review
        fields = ("reply",)


class ReviewPartnerAdmin(VendorScopedAdmin):
    form = ReplyForm
    list_display = ("id", "product", "rating", "created_at", "replied")
    list_filter = (("replied_at", admin.EmptyFieldListFilter), "rating")
    list_select_related = ("product",)
    search_fields = ("product__name", "content")
    readonly_fields = ("product", "variant_name", "rating", "content", "created_at", "replied_at")
    fields = readonly_fields + ("reply",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=ReviewStatus.VISIBLE)

    @admin.display(description=gettext_lazy("답글"), boolean=True)
    def replied(self, obj):
        return bool(obj.reply)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return self._in_scope(request, obj, write=True)

    def save_model(self, request, obj, form, change):
        try:
            review_reply_set(review_id=obj.pk, actor=request.user, text=form.cleaned_data.get("reply", ""))
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)


class AnswerForm(forms.ModelForm):
    answer = forms.CharField(label=gettext_lazy("답변"), max_length=ANSWER_MAX_CHARS,
                             widget=forms.Textarea(attrs={"rows": 6}))

    class Meta:
        model = Question
        fields = ("answer",)


class QuestionPartnerAdmin(VendorScopedAdmin):
    form = AnswerForm
    list_display = ("id", "product", "is_secret", "created_at", "answered_at")
    list_filter = (("answered_at", admin.EmptyFieldListFilter), "is_secret")
    list_select_related = ("product",)
    search_fields = ("product__name", "content")
    readonly_fields = ("product", "content", "is_secret", "created_at", "answered_at")
    fields = readonly_fields + ("answer",)
    ordering = ("answered_at", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return self._in_scope(request, obj, write=True)

    def save_model(self, request, obj, form, change):
        try:
            question_answer(question_id=obj.pk, actor=request.user, text=form.cleaned_data["answer"])
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)


partner_admin_site.register(Review, ReviewPartnerAdmin)
partner_admin_site.register(Question, QuestionPartnerAdmin)
