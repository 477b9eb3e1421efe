from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ddasum.uploads import upload_clean
from ddasum.validators import normalize_business_number, normalize_mail_order_number, normalize_phone

from .models import CERTIFIED_TYPES, REQUIRED_DOCUMENTS, Vendor, document_label
from .services import APPLICATION_FIELDS, document_allowed_kinds


class VendorApplicationForm(forms.ModelForm):
    """Company details of an application (step 1)."""

    website = forms.URLField(label=_("홈페이지"), required=False, assume_scheme="https")

    class Meta:
        model = Vendor
        fields = APPLICATION_FIELDS
        widgets = {
            "cert_valid_until": forms.DateInput(attrs={"type": "date"}),
            "mission": forms.Textarea(attrs={"rows": 5}),
            "business_number": forms.TextInput(attrs={"placeholder": "123-45-67890", "inputmode": "numeric"}),
            "phone": forms.TextInput(attrs={"placeholder": "041-123-4567", "inputmode": "tel"}),
            "postal_code": forms.TextInput(attrs={"placeholder": "32234", "inputmode": "numeric"}),
        }
        help_texts = {
            "cert_number": _("사회적기업·예비사회적기업은 필수입니다."),
            "cert_valid_until": _("사회적기업·예비사회적기업은 필수입니다."),
            "mail_order_number": _("예: 2026-충남홍성-0123. 아직 없으면 비워 두고 승인 뒤 입점기업 관리자에서 입력할 수 있지만, 입력하기 전에는 상품이 판매되지 않습니다."),
            "bank_account_number": _("정산금이 입금될 계좌입니다. 운영자와 대표 관리자만 볼 수 있습니다."),
        }

    def clean_business_number(self):
        return normalize_business_number(self.cleaned_data["business_number"])

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    def clean_mail_order_number(self):
        return normalize_mail_order_number(self.cleaned_data.get("mail_order_number", ""))

    def clean(self):
        data = super().clean()
        if data.get("enterprise_type") in CERTIFIED_TYPES:
            if not data.get("cert_number"):
                self.add_error("cert_number", _("사회적기업·예비사회적기업은 인증(지정) 번호를 입력해 주세요."))
            until = data.get("cert_valid_until")
            if not until:
                self.add_error("cert_valid_until", _("인증 유효기간 만료일을 입력해 주세요."))
            elif until < timezone.localdate():
                self.add_error("cert_valid_until", _("유효기간이 지난 인증입니다. 갱신된 인증서로 신청해 주세요."))
        return data


class VendorDocumentsForm(forms.Form):
    """One file field per document the enterprise type requires (step 2).

    Each field is optional here so the applicant can save what is ready and come back;
    submission checks that every one is there.
    """

    def __init__(self, *args, vendor: Vendor, have: set, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        self.cleaned_uploads = {}
        for kind in REQUIRED_DOCUMENTS[vendor.enterprise_type]:
            allowed = document_allowed_kinds(kind)
            accept = ",".join({"pdf": ".pdf,application/pdf", "jpeg": ".jpg,.jpeg,image/jpeg", "png": ".png,image/png"}[k] for k in allowed)
            self.fields[kind] = forms.FileField(
                label=document_label(kind, vendor.enterprise_type),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": accept}),
                help_text=(_("JPEG·PNG 이미지") if "pdf" not in allowed else _("PDF·JPEG·PNG"))
                + " · "
                + (_("올림 완료 — 새 파일을 고르면 바뀝니다.") if kind in have else _("아직 올리지 않았습니다.")),
            )

    def clean(self):
        data = super().clean()
        for kind, upload in list(data.items()):
            if not upload:
                continue
            try:
                self.cleaned_uploads[kind] = upload_clean(upload, allowed=document_allowed_kinds(kind))
            except ValidationError as exc:
                self.add_error(kind, exc)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("사유"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("신청 기업에 이메일과 알림으로 전달됩니다."),
    )

    def __init__(self, *args, reason_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if reason_required:
            self.fields["reason"].error_messages["required"] = _("사유를 입력해 주세요.")


class RenewalForm(forms.Form):
    cert_number = forms.CharField(label=_("인증(지정) 번호"), max_length=50)
    valid_until = forms.DateField(label=_("새 유효기간 만료일"), widget=forms.DateInput(attrs={"type": "date"}))
    certificate = forms.FileField(label=_("갱신된 인증서"), help_text=_("PDF·JPEG·PNG, 10MB 이하"))

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value <= timezone.localdate():
            raise ValidationError(_("새 유효기간 만료일은 오늘 이후여야 합니다."))
        return value

    def clean_certificate(self):
        return upload_clean(self.cleaned_data["certificate"])
