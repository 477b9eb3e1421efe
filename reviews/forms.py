from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ddasum.uploads import JPEG, PNG, WEBP, upload_clean

from .models import (
    QUESTION_MAX_CHARS,
    QUESTION_MIN_CHARS,
    RATING_MAX,
    RATING_MIN,
    REVIEW_MAX_CHARS,
    REVIEW_MAX_PHOTOS,
    REVIEW_MIN_CHARS,
)

RATING_CHOICES = [(n, "★" * n) for n in range(RATING_MAX, RATING_MIN - 1, -1)]
# A review photo may be a phone camera's full-size JPEG, but not larger than this.
PHOTO_MAX_BYTES = 10 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to REVIEW_MAX_PHOTOS images, each checked by content and re-encoded (EXIF and trailing data dropped)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > REVIEW_MAX_PHOTOS:
            raise ValidationError(_("사진은 %(n)s장까지 올릴 수 있습니다.") % {"n": REVIEW_MAX_PHOTOS}, code="too_many")
        return [upload_clean(f, allowed=(JPEG, PNG, WEBP), max_bytes=PHOTO_MAX_BYTES).content for f in files]


def _described(form):
    """Tie each field to its help and error text (aria-describedby), as the other shop forms do."""
    for name, field in form.fields.items():
        field.widget.attrs.setdefault("aria-describedby", f"{name}-help {name}-errors")


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("별점"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect,
                                    error_messages={"required": _("별점을 골라 주세요.")})
    content = forms.CharField(
        label=_("후기"), min_length=REVIEW_MIN_CHARS, max_length=REVIEW_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("%(min)s자 이상 %(max)s자 이하로 적어 주세요.") % {"min": REVIEW_MIN_CHARS, "max": REVIEW_MAX_CHARS},
        error_messages={"required": _("후기 내용을 적어 주세요."),
                        "min_length": _("후기는 %(limit_value)d자 이상 적어 주세요. (지금 %(show_value)d자)"),
                        "max_length": _("후기는 %(limit_value)d자까지 적을 수 있습니다. (지금 %(show_value)d자)")},
    )
    photos = PhotosField(label=_("사진"), help_text=_("JPEG·PNG·WebP 사진 %(n)s장까지") % {"n": REVIEW_MAX_PHOTOS})

    def __init__(self, *args, photo_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if photo_choices:
            self.fields["remove_photos"] = forms.MultipleChoiceField(
                label=_("지울 사진"), required=False, choices=photo_choices, widget=forms.CheckboxSelectMultiple)
        _described(self)


class QuestionForm(forms.Form):
    content = forms.CharField(
        label=_("문의 내용"), min_length=QUESTION_MIN_CHARS, max_length=QUESTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("문의 내용을 적어 주세요."),
                        "min_length": _("문의는 %(limit_value)d자 이상 적어 주세요."),
                        "max_length": _("문의는 %(limit_value)d자까지 적을 수 있습니다.")},
    )
    is_secret = forms.BooleanField(label=_("비밀글로 문의하기"), required=False,
                                   help_text=_("나와 판매기업, 운영자만 볼 수 있습니다."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _described(self)


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("신고 사유"), required=False, max_length=200)

