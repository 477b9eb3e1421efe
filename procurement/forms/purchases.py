"""Forms of the purchase-order pages, direct purchase, outside records and the needs board.

Forms check what a form can (required fields, dates, files by content); the services check
the rules and the permissions again.
"""
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product
from ddasum.forms import MultipleFileField
from ddasum.uploads import JPEG, PDF, PNG, upload_clean
from vendors.models import Vendor, VendorStatus

from ..models import ProcurementPaymentMethod
from ..services.needs import NEED_ATTACHMENTS_MAX
from ..services.purchases import APPROVAL_NUMBER_RE

DATE = {"type": "date"}


class AgencyChoiceMixin:
    """A choice of the user's agencies, hidden when there is only one."""

    def _agency_field(self, agencies):
        agencies = list(agencies)
        field = forms.TypedChoiceField(label=_("기관"), coerce=int, choices=[(a.pk, a.name) for a in agencies])
        if len(agencies) == 1:
            field.widget = forms.HiddenInput()
            field.initial = agencies[0].pk
        self.fields = {"agency": field, **self.fields}


class DeliverForm(forms.Form):
    note = forms.CharField(label=_("납품 메모"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("납품 일시, 받은 분, 수량 등 납품서에 남길 내용"))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("취소 사유"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("취소 사유를 입력해 주세요.")})


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("지급일"), widget=forms.DateInput(attrs=DATE),
                              error_messages={"required": _("지급일을 입력해 주세요."),
                                              "invalid": _("날짜를 YYYY-MM-DD 형식으로 입력해 주세요.")})
    method = forms.ChoiceField(label=_("결제 방법"), choices=ProcurementPaymentMethod.choices,
                               initial=ProcurementPaymentMethod.INVOICE)
    note = forms.CharField(label=_("지급 메모"), required=False, max_length=200)

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise ValidationError(_("지급일은 오늘이거나 지난 날짜여야 합니다."))
        return paid_on


class InvoiceRequestForm(forms.Form):
    email = forms.EmailField(label=_("계산서 받을 이메일"),
                             error_messages={"required": _("계산서를 받을 이메일을 입력해 주세요."),
                                             "invalid": _("이메일 주소를 바르게 입력해 주세요.")})


class InvoiceIssuedForm(forms.Form):
    approval_number = forms.CharField(label=_("승인번호"), max_length=40,
                                      help_text=_("국세청 전자세금계산서 승인번호 (숫자와 하이픈)"),
                                      error_messages={"required": _("승인번호를 입력해 주세요.")})

    def clean_approval_number(self):
        value = self.cleaned_data["approval_number"].strip()
        if not APPROVAL_NUMBER_RE.match(value) or sum(c.isdigit() for c in value) < 8:
            raise ValidationError(_("승인번호는 숫자와 하이픈(-)만 쓸 수 있습니다. 예: 20260512-41000012-34567890"))
        return value


class DirectPurchaseForm(AgencyChoiceMixin, forms.Form):
    delivery_place = forms.CharField(label=_("납품 장소"), max_length=200,
                                     error_messages={"required": _("납품 장소를 입력해 주세요.")})
    wanted_delivery_date = forms.DateField(label=_("희망 납기일"), required=False, widget=forms.DateInput(attrs=DATE))
    memo = forms.CharField(label=_("요청 사항"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    key = forms.CharField(widget=forms.HiddenInput(), max_length=64)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._agency_field(agencies)

    def clean_wanted_delivery_date(self):
        day = self.cleaned_data.get("wanted_delivery_date")
        if day and day < timezone.localdate():
            raise ValidationError(_("희망 납기일은 오늘 이후여야 합니다."))
        return day


class OutsideRecordForm(AgencyChoiceMixin, forms.Form):
    vendor = forms.ModelChoiceField(label=_("구매한 기업"), queryset=Vendor.objects.none(),
                                    error_messages={"required": _("구매한 기업을 골라 주세요."),
                                                    "invalid_choice": _("따숨몰에 입점한 기업을 골라 주세요.")})
    purchased_on = forms.DateField(label=_("구매일"), widget=forms.DateInput(attrs=DATE),
                                   error_messages={"required": _("구매일을 입력해 주세요."),
                                                   "invalid": _("날짜를 YYYY-MM-DD 형식으로 입력해 주세요.")})
    category = forms.ModelChoiceField(label=_("분류"), queryset=Category.objects.none(),
                                      help_text=_("실적 보고의 분류별 집계에 쓰입니다."),
                                      error_messages={"required": _("분류를 골라 주세요.")})
    description = forms.CharField(label=_("구매 내용"), max_length=200,
                                  error_messages={"required": _("무엇을 샀는지 적어 주세요.")})
    taxable_amount = forms.IntegerField(label=_("과세 금액(부가세 포함, 원)"), min_value=0, initial=0,
                                        required=False)
    exempt_amount = forms.IntegerField(label=_("면세 금액(원)"), min_value=0, initial=0, required=False)
    evidence = forms.FileField(label=_("증빙 파일"), help_text=_("계약서, 세금계산서, 거래명세서 등 (PDF, JPEG, PNG)"),
                               error_messages={"required": _("증빙 파일을 올려 주세요.")})

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.filter(status=VendorStatus.APPROVED).order_by("name")
        self.fields["category"].queryset = Category.objects.filter(parent__isnull=True, is_active=True)
        self._agency_field(agencies)

    def clean_purchased_on(self):
        day = self.cleaned_data["purchased_on"]
        if day > timezone.localdate():
            raise ValidationError(_("구매일은 오늘이거나 지난 날짜여야 합니다."))
        return day

    def clean_evidence(self):
        return upload_clean(self.cleaned_data["evidence"])

    def clean(self):
        data = super().clean()
        taxable, exempt = data.get("taxable_amount") or 0, data.get("exempt_amount") or 0
        data["taxable_amount"], data["exempt_amount"] = taxable, exempt
        if "taxable_amount" not in self.errors and "exempt_amount" not in self.errors and taxable + exempt <= 0:
            self.add_error("taxable_amount", _("과세 금액이나 면세 금액을 입력해 주세요."))
        return data


class NeedForm(AgencyChoiceMixin, forms.Form):
    category = forms.ModelChoiceField(label=_("분류"), queryset=Category.objects.none(),
                                      error_messages={"required": _("분류를 골라 주세요.")})
    title = forms.CharField(label=_("제목"), max_length=120, error_messages={"required": _("제목을 입력해 주세요.")})
    description = forms.CharField(label=_("설명"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
                                  help_text=_("용도, 규격, 납품 장소와 시기 등을 적어 주세요."),
                                  error_messages={"required": _("필요한 제품을 설명해 주세요.")})
    quantity = forms.CharField(label=_("수량"), max_length=50, help_text=_("예: 200개, 30박스"),
                               error_messages={"required": _("수량을 입력해 주세요.")})
    budget = forms.IntegerField(label=_("예산(원)"), required=False, min_value=0)
    deadline = forms.DateField(label=_("제안 마감일"), widget=forms.DateInput(attrs=DATE),
                               error_messages={"required": _("제안 마감일을 입력해 주세요."),
                                               "invalid": _("날짜를 YYYY-MM-DD 형식으로 입력해 주세요.")})
    attachments = MultipleFileField(label=_("첨부 파일"), required=False, allowed=(PDF, JPEG, PNG),
                                    max_files=NEED_ATTACHMENTS_MAX,
                                    help_text=_("사양서, 사진 등 (PDF, JPEG, PNG, 5개까지)"))

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(parent__isnull=True, is_active=True)
        self._agency_field(agencies)

    def clean_deadline(self):
        day = self.cleaned_data["deadline"]
        if day <= timezone.localdate():
            raise ValidationError(_("제안 마감일은 내일 이후로 정해 주세요."))
        return day


class ProposalForm(forms.Form):
    vendor = forms.ModelChoiceField(label=_("제안하는 기업"), queryset=Vendor.objects.none(), empty_label=None)
    message = forms.CharField(label=_("제안 내용"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000,
                              error_messages={"required": _("제안 내용을 입력해 주세요.")})
    price_idea = forms.IntegerField(label=_("예상 금액(원)"), required=False, min_value=0)
    products = forms.ModelMultipleChoiceField(label=_("제안 상품"), queryset=Product.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        vendor_ids = [v.pk for v in vendors]
        self.fields["vendor"].queryset = Vendor.objects.filter(pk__in=vendor_ids).order_by("name")
        if len(vendor_ids) == 1:
            self.fields["vendor"].widget = forms.HiddenInput()
            self.fields["vendor"].initial = vendor_ids[0]
        self.fields["products"].queryset = (Product.objects.on_sale().filter(vendor_id__in=vendor_ids)
                                            .select_related("vendor").order_by("vendor__name", "name"))
        self.fields["products"].label_from_instance = (
            lambda p: f"{p.name} ({p.vendor.name})" if len(vendor_ids) > 1 else p.name)

    def clean(self):
        data = super().clean()
        vendor, products = data.get("vendor"), data.get("products") or []
        if vendor and any(p.vendor_id != vendor.pk for p in products):
            self.add_error("products", _("제안하는 기업의 상품만 고를 수 있습니다."))
        return data
