"""Forms of the agency and quote pages: joining an agency, the quote basket, requests, answers, messages."""
import copy
import uuid
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import TaxType
from ddasum.forms import MultipleFileField
from ddasum.uploads import JPEG, PDF, PNG, upload_clean
from ddasum.validators import normalize_business_number, normalize_phone, validate_business_number, validate_phone

from ..models import AgencyRole, AgencyStatus, PublicAgency

ATTACHMENT_KINDS = (PDF, JPEG, PNG)
ATTACHMENT_ACCEPT = "application/pdf,image/jpeg,image/png"
REQUEST_ATTACHMENTS_MAX = 5
QUANTITY_MAX = 999_999
UNIT_PRICE_MAX = 100_000_000
DEFAULT_VALIDITY_DAYS = 30


def _required(message):
    return {"required": message}


def _quantity_field(*, required=True, min_value=1, **kwargs):
    return forms.IntegerField(
        label=_("수량"), min_value=min_value, max_value=QUANTITY_MAX, required=required,
        error_messages={"required": _("수량을 입력해 주세요."), "min_value": _("수량은 %(limit_value)s 이상이어야 합니다."),
                        "max_value": _("수량을 확인해 주세요."), "invalid": _("수량은 숫자로 입력해 주세요.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": min_value}), **kwargs,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# --- agencies ----------------------------------------------------------------------------


class MembershipFieldsMixin(forms.Form):
    role = forms.ChoiceField(label=_("역할"), choices=AgencyRole.choices, initial=AgencyRole.BUYER,
                             error_messages=_required(_("역할을 골라 주세요.")))
    department = forms.CharField(label=_("부서"), max_length=50, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": _("예: 회계과 계약팀")}))
    note = forms.CharField(label=_("운영자에게 남길 말"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("기관 메일이 아닌 주소로 가입했다면 연락처나 확인 방법을 적어 주세요."))


class AgencyJoinForm(MembershipFieldsMixin):
    """Join an agency the operator has already confirmed."""

    agency = forms.ModelChoiceField(
        label=_("기관"), queryset=PublicAgency.objects.none(), empty_label=_("기관을 고르세요"),
        error_messages={"required": _("가입할 기관을 골라 주세요."), "invalid_choice": _("목록에 있는 기관을 골라 주세요.")},
    )
    field_order = ["agency", "role", "department", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = PublicAgency.objects.filter(status=AgencyStatus.VERIFIED).order_by("name")


AGENCY_FIELDS = ("name", "kind", "registration_number", "region", "postal_code", "address", "address_detail",
                 "phone", "email_domain")
_AGENCY_FORM_FIELDS = forms.fields_for_model(
    PublicAgency, fields=AGENCY_FIELDS,
    error_messages={
        "name": _required(_("기관명을 입력해 주세요.")),
        "kind": _required(_("기관 유형을 골라 주세요.")),
        "registration_number": _required(_("고유번호(사업자등록번호)를 입력해 주세요.")),
        "region": _required(_("지역을 골라 주세요.")),
        "postal_code": _required(_("우편번호를 입력해 주세요.")),
        "address": _required(_("주소를 입력해 주세요.")),
    },
    widgets={
        "registration_number": forms.TextInput(attrs={"placeholder": "123-45-67890", "inputmode": "numeric"}),
        "postal_code": forms.TextInput(attrs={"placeholder": "32255", "inputmode": "numeric"}),
        "phone": forms.TextInput(attrs={"placeholder": "041-635-2000", "inputmode": "tel"}),
        "email_domain": forms.TextInput(attrs={"placeholder": "chungnam.go.kr"}),
    },
)


class AgencyRequestForm(MembershipFieldsMixin):
    """Request a new agency (checked by the operator) and join it.

    The agency's fields come from the model (its validators give the Korean messages); a
    number already registered is not an error here: agency_join joins that agency instead.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {**copy.deepcopy(_AGENCY_FORM_FIELDS), **self.fields}

    def clean_registration_number(self):
        value = normalize_business_number(self.cleaned_data.get("registration_number", ""))
        validate_business_number(value)
        return value

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        if not value:
            return value
        value = normalize_phone(value)
        validate_phone(value)
        return value

    def clean_email_domain(self):
        value = (self.cleaned_data.get("email_domain") or "").strip().lower().lstrip("@")
        if value and ("." not in value or " " in value or "@" in value):
            raise ValidationError(_("메일 주소의 @ 뒤 부분만 입력해 주세요. 예: chungnam.go.kr"))
        return value

    def agency_data(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in AGENCY_FIELDS}


# --- the basket ------------------------------------------------------------------------------


class BasketAddForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1, error_messages=_required(_("옵션을 선택해 주세요.")))
    quantity = _quantity_field(initial=1)


class BasketUpdateForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1)
    quantity = _quantity_field(min_value=0)


# --- requests ------------------------------------------------------------------------------


class QuoteRequestForm(forms.Form):
    """The facts of a request; the items come from the basket or the custom rows."""

    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    agency = forms.TypedChoiceField(label=_("요청 기관"), coerce=int, error_messages=_required(_("기관을 골라 주세요.")))
    title = forms.CharField(label=_("제목"), max_length=120, error_messages=_required(_("제목을 입력해 주세요.")),
                            widget=forms.TextInput(attrs={"placeholder": _("예: 2026년 상반기 사무용품 구매")}))
    delivery_place = forms.CharField(label=_("납품 장소"), max_length=200,
                                     error_messages=_required(_("납품 장소를 입력해 주세요.")))
    wanted_delivery_date = forms.DateField(label=_("희망 납기일"), required=False, widget=DateInput(),
                                           error_messages={"invalid": _("날짜를 확인해 주세요.")})
    reply_by = forms.DateField(label=_("회신 기한"), widget=DateInput(),
                               error_messages={"required": _("회신 기한을 정해 주세요."),
                                               "invalid": _("날짜를 확인해 주세요.")},
                               help_text=_("기업이 이 날까지 견적을 보내 주도록 요청합니다."))
    budget_note = forms.CharField(label=_("예산 메모"), max_length=200, required=False,
                                  widget=forms.TextInput(attrs={"placeholder": _("예: 300만원 이내")}))
    message = forms.CharField(label=_("요청 내용"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    # Each file checked by its content (PDF, JPEG, PNG): a list of CleanUpload.
    attachments = MultipleFileField(label=_("첨부 파일"), required=False, accept=ATTACHMENT_ACCEPT,
                                    allowed=ATTACHMENT_KINDS, max_files=REQUEST_ATTACHMENTS_MAX)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]
        if len(self.fields["agency"].choices) == 1 and not self.is_bound:
            self.initial.setdefault("agency", self.fields["agency"].choices[0][0])
        if len(self.fields["agency"].choices) <= 1:
            self.fields["agency"].widget = forms.HiddenInput()
        self.fields["attachments"].help_text = _(
            "사양서·도면 등 %(n)s개까지 (PDF, JPEG, PNG)") % {"n": REQUEST_ATTACHMENTS_MAX}
        if not self.is_bound:
            self.initial.setdefault("form_key", uuid.uuid4().hex)
            self.initial.setdefault("reply_by", timezone.localdate() + timedelta(days=7))

    def clean_reply_by(self):
        value = self.cleaned_data["reply_by"]
        if value <= timezone.localdate():
            raise ValidationError(_("회신 기한은 내일 이후의 날짜로 정해 주세요."))
        return value

    def clean_wanted_delivery_date(self):
        value = self.cleaned_data.get("wanted_delivery_date")
        if value and value < timezone.localdate():
            raise ValidationError(_("희망 납기일이 이미 지났습니다. 날짜를 확인해 주세요."))
        return value


class CustomItemForm(forms.Form):
    """One free-text row of a custom quote request (품명, 규격, 단위, 수량, 비고)."""

    name = forms.CharField(label=_("품명"), max_length=200, error_messages=_required(_("품명을 입력해 주세요.")))
    spec = forms.CharField(label=_("규격"), max_length=200, required=False)
    unit = forms.CharField(label=_("단위"), max_length=20, required=False, initial="개")
    quantity = _quantity_field()
    note = forms.CharField(label=_("비고"), max_length=200, required=False)

    def has_changed(self):
        # The default unit alone does not make a row worth checking.
        return any(self[name].data not in (None, "") for name in ("name", "spec", "quantity", "note"))


class BaseCustomItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not rows:
            raise ValidationError(_("요청할 품목을 하나 이상 입력해 주세요."))


CustomItemFormSet = forms.formset_factory(CustomItemForm, formset=BaseCustomItemFormSet, extra=5, max_num=30,
                                          validate_max=True, absolute_max=30)


# --- vendor answers ------------------------------------------------------------------------


class QuoteLineForm(forms.Form):
    """One line of a vendor's answer: a requested item (hidden ids) or an extra line."""

    request_item_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    variant_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("품명"), max_length=200, error_messages=_required(_("품명을 입력해 주세요.")))
    spec = forms.CharField(label=_("규격"), max_length=200, required=False)
    unit = forms.CharField(label=_("단위"), max_length=20, required=False)
    quantity = _quantity_field()
    unit_price = forms.IntegerField(
        label=_("단가(부가세 포함)"), min_value=0, max_value=UNIT_PRICE_MAX,
        error_messages={"required": _("단가를 입력해 주세요."), "min_value": _("단가는 0원 이상이어야 합니다."),
                        "max_value": _("단가를 확인해 주세요."), "invalid": _("단가는 원 단위 숫자로 입력해 주세요.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
    )
    tax_type = forms.ChoiceField(label=_("과세 구분"), choices=TaxType.choices,
                                 error_messages=_required(_("과세 구분을 골라 주세요.")))

    def has_changed(self):
        if self.initial:
            return True  # a requested item always counts (remove it with the 제외 box)
        return any(self[name].data not in (None, "") for name in ("name", "spec", "quantity", "unit_price"))


class BaseQuoteLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.lines():
            raise ValidationError(_("견적 품목을 하나 이상 남겨 주세요."))

    def lines(self) -> list[dict]:
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append({key: data.get(key) for key in ("request_item_id", "variant_id", "name", "spec", "unit",
                                                          "quantity", "unit_price", "tax_type")})
        return rows


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, formset=BaseQuoteLineFormSet, extra=2, can_delete=True,
                                         max_num=100, validate_max=True, absolute_max=100)


class QuoteAnswerForm(forms.Form):
    valid_until = forms.DateField(label=_("유효기간"), widget=DateInput(),
                                  error_messages={"required": _("유효기간을 정해 주세요."),
                                                  "invalid": _("날짜를 확인해 주세요.")},
                                  help_text=_("이 날까지 견적 금액을 지킵니다."))
    delivery_terms = forms.CharField(label=_("납품 조건"), max_length=200, required=False,
                                     widget=forms.TextInput(attrs={"placeholder": _("예: 발주 후 7일 이내, 납품 장소 하차 포함")}))
    notes = forms.CharField(label=_("비고"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("valid_until", timezone.localdate() + timedelta(days=DEFAULT_VALIDITY_DAYS))

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value < timezone.localdate():
            raise ValidationError(_("유효기간은 오늘 이후의 날짜로 정해 주세요."))
        return value


class QuoteDeclineForm(forms.Form):
    reason = forms.CharField(label=_("견적 불가 사유"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages=_required(_("견적을 낼 수 없는 사유를 적어 주세요.")))


class QuoteMessageForm(forms.Form):
    body = forms.CharField(label=_("메시지"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("메시지 내용을 입력해 주세요."),
                                           "max_length": _("메시지는 4,000자까지 쓸 수 있습니다.")})
    attachment = forms.FileField(label=_("첨부 파일"), required=False,
                                 widget=forms.ClearableFileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
                                 help_text=_("1개 (PDF, JPEG, PNG)"))

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        return upload_clean(upload, allowed=ATTACHMENT_KINDS) if upload else None
