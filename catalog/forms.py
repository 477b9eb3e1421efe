"""Forms of the catalog's admin pages: products, images, review reasons, bulk import."""
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ddasum.uploads import JPEG, PNG, WEBP, upload_clean

from .imports import import_file_read
from .models import Category, Product, ProductImage
from .services import origin_missing, origin_missing_message


class ProductAdminForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ("vendor", "category", "kind", "name", "slug", "summary", "description", "tax_type", "origin", "unit",
                  "specs", "procurement_eligible", "min_order_qty", "max_order_qty")
        widgets = {
            "summary": forms.TextInput(attrs={"size": 60}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "specs": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        data = super().clean()
        # Food shows its origin on every page; the shop cannot take it without one.
        if "origin" in self.fields and origin_missing(data.get("category"), data.get("origin")):
            self.add_error("origin", origin_missing_message())
        return data


class ProductImageForm(forms.ModelForm):
    """A new image is checked by content and re-encoded here; the admin then stores it
    through catalog.services.product_image_add, which queues the thumbnails."""

    class Meta:
        model = ProductImage
        fields = ("image", "alt", "position")

    clean_upload = None

    def clean_image(self):
        value = self.cleaned_data.get("image")
        if isinstance(value, UploadedFile):
            self.clean_upload = upload_clean(value, allowed=(JPEG, PNG, WEBP))
            return self.clean_upload.content
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("사유"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("입점기업에 이메일과 알림으로 전달됩니다."),
    )

    def __init__(self, *args, reason_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if reason_required:
            self.fields["reason"].error_messages["required"] = _("사유를 입력해 주세요.")


class ProductImportForm(forms.Form):
    vendor = forms.ModelChoiceField(queryset=None, label=gettext_lazy("입점기업"), empty_label=None)
    file = forms.FileField(
        label=gettext_lazy("파일"),
        help_text=gettext_lazy("CSV(UTF-8 또는 엑셀 기본 형식) 또는 XLSX, 한 번에 5,000행까지."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,"
                                                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendors
        first_two = list(vendors[:2])
        self.only_vendor = first_two[0] if len(first_two) == 1 else None
        if self.only_vendor is not None:
            self.fields["vendor"].initial = self.only_vendor.pk
            self.fields["vendor"].widget = forms.HiddenInput()
            self.fields["vendor"].required = False
        self.parsed = None

    def clean_vendor(self):
        return self.cleaned_data.get("vendor") or self.only_vendor

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.parsed = import_file_read(upload)  # (format, bytes, rows); ValidationError says what is wrong
        return upload


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("name", "slug", "parent", "position", "icon", "is_food", "is_active")

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is None:
            return parent
        if self.instance.pk and parent.pk == self.instance.pk:
            raise ValidationError(_("자기 자신을 상위 분류로 고를 수 없습니다."))
        if parent.parent_id:
            raise ValidationError(_("하위 분류 아래에는 분류를 둘 수 없습니다."))
        if self.instance.pk and self.instance.children.exists():
            raise ValidationError(_("하위 분류가 있는 분류는 다른 분류 아래로 옮길 수 없습니다."))
        return parent
