"""Form pieces more than one app uses."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .uploads import upload_clean


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); cleans to a list.

    `accept` is the input's accept attribute (what the file picker offers). With `allowed`
    (kinds of ddasum.uploads), each file is checked by its content and cleans to a
    CleanUpload; without it the form checks the files itself. `max_files` refuses more files
    than that before any is read.
    """

    default_error_messages = {"max_files": _("첨부 파일은 %(n)s개까지 올릴 수 있습니다.")}

    def __init__(self, *, accept: str | None = None, allowed: tuple[str, ...] | None = None,
                 max_files: int | None = None, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept} if accept else None))
        super().__init__(**kwargs)
        self.allowed, self.max_files = allowed, max_files

    def clean(self, data, initial=None):
        files = [item for item in data if item] if isinstance(data, list | tuple) else ([data] if data else [])
        if self.max_files is not None and len(files) > self.max_files:
            raise ValidationError(self.error_messages["max_files"], code="max_files", params={"n": self.max_files})
        single = super().clean
        if self.allowed is None:
            return [single(item, initial) for item in files]
        return [upload_clean(single(item, initial), allowed=self.allowed) for item in files]
