"""Forms of the buyer's pages: cart, checkout, guest order lookup, cancel and return requests."""
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ddasum.forms import MultipleFileField
from ddasum.money import won
from ddasum.uploads import JPEG, PNG, WEBP
from ddasum.validators import (
    normalize_business_number,
    normalize_phone,
    validate_business_number,
    validate_phone,
    validate_postal_code,
)

from .models import CashReceiptType, ClaimReason, ExchangeFeePayment, PaymentMethod
from .services.cash_receipts import CASH_METHODS, cash_receipt_number_clean
from .services.exchanges import EXCHANGE_REASONS
from .services.payments import BANKS

RETURN_PHOTOS_MAX = 3
NEW_ADDRESS = "new"


def _required(message):
    return {"required": message}


def _phone(value: str) -> str:
    value = normalize_phone(value or "")
    validate_phone(value)
    return value


# --- cart -------------------------------------------------------------------------------


class CartAddForm(forms.Form):
    variant = forms.IntegerField(min_value=1, error_messages=_required(_("옵션을 선택해 주세요.")))
    quantity = forms.IntegerField(min_value=1, max_value=9999, initial=1,
                                  error_messages={"required": _("수량을 입력해 주세요."),
                                                  "min_value": _("수량은 1개 이상이어야 합니다."),
                                                  "max_value": _("수량을 확인해 주세요."),
                                                  "invalid": _("수량은 숫자로 입력해 주세요.")})
    # Products with chosen delivery dates (절임배추): the date's slot; the service checks it is the product's.
    delivery_slot = forms.IntegerField(min_value=1, required=False,
                                       error_messages={"invalid": _("배송일을 골라 주세요.")})


class CartQuantityForm(forms.Form):
    variant = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(min_value=0, max_value=9999,
                                  error_messages={"required": _("수량을 입력해 주세요."),
                                                  "min_value": _("수량을 확인해 주세요."),
                                                  "max_value": _("수량을 확인해 주세요."),
                                                  "invalid": _("수량은 숫자로 입력해 주세요.")})


class PostalCodeForm(forms.Form):
    postal_code = forms.CharField(label=_("우편번호"), max_length=5, required=False,
                                  validators=[validate_postal_code],
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "32244",
                                                                "autocomplete": "postal-code", "size": 6}))


# --- checkout ---------------------------------------------------------------------------


class CheckoutForm(forms.Form):
    """Everything the checkout page collects; `checkout_key` makes a double submit one order.

    A signed-in buyer may take the recipient from the address book (`address_choice`) and
    save a new address; a guest sets an order password instead (looked up with the order
    number and email on the lookup page).
    """
    checkout_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The total the page showed; if the cart or the postal code changes it, the buyer sees it before paying.
    expected_total = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    orderer_name = forms.CharField(label=_("주문하는 분"), max_length=50,
                                   error_messages=_required(_("주문하는 분 이름을 입력해 주세요.")),
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    orderer_phone = forms.CharField(label=_("주문하는 분 연락처"), max_length=20,
                                    error_messages=_required(_("주문하는 분 연락처를 입력해 주세요.")),
                                    widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel",
                                                                  "placeholder": "010-1234-5678"}))
    email = forms.EmailField(label=_("이메일"), max_length=254,
                             error_messages={"required": _("이메일을 입력해 주세요."),
                                             "invalid": _("이메일 주소를 확인해 주세요.")},
                             help_text=_("주문 확인과 배송 안내를 이메일로 보내 드립니다."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    address_choice = forms.ChoiceField(label=_("배송지 선택"), required=False, widget=forms.RadioSelect)
    recipient_name = forms.CharField(label=_("받는 분"), max_length=50, required=False,
                                     widget=forms.TextInput(attrs={"autocomplete": "shipping name"}))
    recipient_phone = forms.CharField(label=_("받는 분 연락처"), max_length=20, required=False,
                                      widget=forms.TextInput(attrs={"autocomplete": "shipping tel", "inputmode": "tel",
                                                                    "placeholder": "010-1234-5678"}))
    postal_code = forms.CharField(label=_("우편번호"), max_length=5, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "shipping postal-code",
                                                                "inputmode": "numeric", "placeholder": "32244"}))
    address = forms.CharField(label=_("주소"), max_length=200, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "shipping address-line1",
                                                            "placeholder": _("도로명 주소")}))
    address_detail = forms.CharField(label=_("상세 주소"), max_length=100, required=False,
                                     widget=forms.TextInput(attrs={"autocomplete": "shipping address-line2",
                                                                   "placeholder": _("동, 호수 등")}))
    save_address = forms.BooleanField(label=_("이 배송지를 배송지 목록에 저장"), required=False)
    address_label = forms.CharField(label=_("배송지 이름"), max_length=30, required=False,
                                    widget=forms.TextInput(attrs={"placeholder": _("예: 집, 회사")}))
    make_default = forms.BooleanField(label=_("기본 배송지로 정하기"), required=False)
    memo = forms.CharField(label=_("배송 메모"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("예: 부재 시 경비실에 맡겨 주세요")}))

    payment_method = forms.ChoiceField(label=_("결제 수단"), choices=PaymentMethod.choices, widget=forms.RadioSelect,
                                       initial=PaymentMethod.BANK_TRANSFER,
                                       error_messages=_required(_("결제 수단을 골라 주세요.")))

    # 현금영수증 and 구매안전서비스: for cash payments (bank transfer, virtual account) only.
    cash_receipt_type = forms.ChoiceField(
        label=_("현금영수증"), required=False, widget=forms.RadioSelect,
        choices=[("", _("신청하지 않음")), *CashReceiptType.choices],
        help_text=_("무통장입금·가상계좌 결제에만 발급됩니다. 입금이 확인되면 발급합니다."))
    cash_receipt_number = forms.CharField(
        label=_("휴대폰 번호 또는 사업자등록번호"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "010-1234-5678"}))
    use_escrow = forms.BooleanField(
        label=_("구매안전서비스(에스크로) 이용"), required=False,
        help_text=_("가상계좌 결제 금액을 상품을 받고 구매를 확정할 때까지 토스페이먼츠가 보관합니다."))

    business_number = forms.CharField(label=_("사업자등록번호"), max_length=12, required=False,
                                      help_text=_("세금계산서·계산서가 필요한 사업자만 입력하세요."),
                                      widget=forms.TextInput(attrs={"placeholder": "123-45-67890", "inputmode": "numeric"}))
    business_name = forms.CharField(label=_("상호"), max_length=100, required=False)

    # Checked by the checkout view and again by order_place (campaigns.services.coupons); a refusal is
    # shown next to this field. Automatic coupons need no code.
    coupon_code = forms.CharField(label=_("쿠폰 코드"), max_length=30, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("예: CHUSEOK10"),
                                                                "autocapitalize": "characters", "spellcheck": "false"}))

    agree_terms = forms.BooleanField(label=_("주문 상품의 구매조건을 확인했으며 결제 진행에 동의합니다 (필수)"),
                                     error_messages=_required(_("구매조건 확인 및 결제 진행에 동의해 주세요.")))
    agree_third_party = forms.BooleanField(
        label=_("개인정보 제3자(판매기업) 제공에 동의합니다 (필수)"),
        help_text=_("받는 분 이름·연락처·주소를 배송을 위해 주문한 상품의 판매기업에 제공합니다."),
        error_messages=_required(_("개인정보 제3자(판매기업) 제공에 동의해 주세요.")),
    )

    RECIPIENT_FIELDS = ("recipient_name", "recipient_phone", "postal_code", "address")
    _RECIPIENT_REQUIRED = {
        "recipient_name": _("받는 분 이름을 입력해 주세요."),
        "recipient_phone": _("받는 분 연락처를 입력해 주세요."),
        "postal_code": _("우편번호를 입력해 주세요."),
        "address": _("주소를 입력해 주세요."),
    }

    def __init__(self, *args, user=None, addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        self.addresses = {str(a.pk): a for a in addresses}
        if self.user:
            choices = [(pk, f"{a.label or a.recipient} · {a.address}") for pk, a in self.addresses.items()]
            self.fields["address_choice"].choices = choices + [(NEW_ADDRESS, _("새 배송지 입력"))]
        else:
            for name in ("address_choice", "save_address", "address_label", "make_default"):
                del self.fields[name]
            self.fields["email"].help_text = _(
                "주문 확인과 배송 안내, 그리고 비회원 주문을 다시 열 수 있는 주문 조회 링크를 이 이메일로 보내 드립니다.")
        if not self.is_bound and not self.initial.get("checkout_key"):
            self.initial["checkout_key"] = uuid.uuid4().hex

    @property
    def saved_address(self):
        """The address book entry chosen, or None for a new address."""
        choice = self.cleaned_data.get("address_choice") if hasattr(self, "cleaned_data") else None
        return self.addresses.get(choice or "")

    def clean_orderer_phone(self):
        return _phone(self.cleaned_data["orderer_phone"])

    def clean_coupon_code(self):
        return (self.cleaned_data.get("coupon_code") or "").strip()

    def clean_business_number(self):
        value = normalize_business_number(self.cleaned_data.get("business_number", ""))
        if value:
            validate_business_number(value)
        return value

    def clean(self):
        data = super().clean()
        saved = self.saved_address
        if saved is not None:
            # The address book entry is what ships; the fields only mirror it on the page.
            data.update(recipient_name=saved.recipient, recipient_phone=saved.phone, postal_code=saved.postal_code,
                        address=saved.address, address_detail=saved.address_detail)
            data["save_address"] = False
        else:
            for name, message in self._RECIPIENT_REQUIRED.items():
                if name not in self.errors and not (data.get(name) or "").strip():
                    self.add_error(name, message)
            self._clean_recipient(data)
        receipt_type = data.get("cash_receipt_type")
        if receipt_type and data.get("payment_method") in CASH_METHODS:
            try:
                data["cash_receipt_number"] = cash_receipt_number_clean(receipt_type, data.get("cash_receipt_number", ""))
            except ValidationError as exc:
                self.add_error("cash_receipt_number", exc)
        elif receipt_type:
            data["cash_receipt_type"] = ""  # a card payment has its card slip; no 현금영수증
        if data.get("use_escrow") and data.get("payment_method") != PaymentMethod.VIRTUAL_ACCOUNT:
            data["use_escrow"] = False
        if data.get("business_number") and not (data.get("business_name") or "").strip():
            self.add_error("business_name", _("세금계산서를 받을 상호를 입력해 주세요."))
        return data

    def _clean_recipient(self, data):
        if data.get("recipient_phone") and "recipient_phone" not in self.errors:
            try:
                data["recipient_phone"] = _phone(data["recipient_phone"])
            except ValidationError as exc:
                self.add_error("recipient_phone", exc)
        if data.get("postal_code") and "postal_code" not in self.errors:
            try:
                validate_postal_code(data["postal_code"].strip())
                data["postal_code"] = data["postal_code"].strip()
            except ValidationError as exc:
                self.add_error("postal_code", exc)


# --- order pages ------------------------------------------------------------------------


class OrderLookupForm(forms.Form):
    number = forms.CharField(label=_("주문번호"), max_length=20,
                             error_messages=_required(_("주문번호를 입력해 주세요.")),
                             widget=forms.TextInput(attrs={"placeholder": "20260101-00001", "inputmode": "numeric"}))
    email = forms.EmailField(label=_("주문할 때 쓴 이메일"),
                             error_messages={"required": _("이메일을 입력해 주세요."),
                                             "invalid": _("이메일 주소를 확인해 주세요.")},
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("취소 사유"), max_length=200, required=False)
    confirm = forms.BooleanField(label=_("이 판매기업의 주문을 취소합니다"),
                                 error_messages=_required(_("취소하려면 확인란에 표시해 주세요.")))


class ReturnRequestForm(forms.Form):
    reason = forms.CharField(label=_("반품 사유"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages=_required(_("반품 사유를 적어 주세요.")))
    # Each photo checked by its content and re-encoded (EXIF dropped): a list of CleanUpload.
    photos = MultipleFileField(label=_("사진"), required=False, accept="image/jpeg,image/png,image/webp",
                               allowed=(JPEG, PNG, WEBP), max_files=RETURN_PHOTOS_MAX,
                               error_messages={"max_files": _("사진은 %(n)s장까지 올릴 수 있습니다.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _(
            "상품 상태를 보여 주는 사진을 %(n)s장까지 올릴 수 있습니다 (JPEG, PNG, WebP)."
        ) % {"n": RETURN_PHOTOS_MAX}


class ExchangeForm(forms.Form):
    """An exchange's reason (first step); with `confirm`, also how the fee is paid and the photos."""

    reason = forms.ChoiceField(label=_("교환 사유"), choices=[(r.value, r.label) for r in EXCHANGE_REASONS],
                               error_messages=_required(_("교환 사유를 골라 주세요.")))
    detail = forms.CharField(label=_("자세한 사유"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    fee_payment = forms.ChoiceField(label=_("교환 배송비 보내는 방법"), choices=ExchangeFeePayment.choices,
                                    required=False, widget=forms.RadioSelect)
    photos = MultipleFileField(label=_("사진"), required=False, accept="image/jpeg,image/png,image/webp",
                               allowed=(JPEG, PNG, WEBP), max_files=RETURN_PHOTOS_MAX,
                               error_messages={"max_files": _("사진은 %(n)s장까지 올릴 수 있습니다.")})

    def __init__(self, *args, fee_payments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _(
            "상품 상태를 보여 주는 사진을 %(n)s장까지 올릴 수 있습니다 (JPEG, PNG, WebP)."
        ) % {"n": RETURN_PHOTOS_MAX}
        self.fields["fee_payment"].choices = list(fee_payments) or ExchangeFeePayment.choices
        if fee_payments:
            self.fields["fee_payment"].initial = fee_payments[0][0]


class CashReceiptForm(forms.Form):
    """Asking for a 현금영수증 later, on the order page."""
    type = forms.ChoiceField(label=_("용도"), choices=CashReceiptType.choices, widget=forms.RadioSelect,
                             error_messages={"required": _("현금영수증 용도를 골라 주세요.")})
    number = forms.CharField(label=_("휴대폰 번호 또는 사업자등록번호"), max_length=20,
                             error_messages={"required": _("번호를 입력해 주세요.")},
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "010-1234-5678"}))

    def clean(self):
        data = super().clean()
        if data.get("type") and data.get("number"):
            try:
                data["number"] = cash_receipt_number_clean(data["type"], data["number"])
            except ValidationError as exc:
                self.add_error("number", exc)
        return data


class RefundAccountForm(forms.Form):
    """Where a virtual-account payment is refunded to (kept only until the refund is done)."""
    bank_code = forms.ChoiceField(label=_("은행"), choices=[("", "---------"), *sorted(BANKS.items(), key=lambda b: b[1])],
                                  error_messages={"required": _("은행을 골라 주세요.")})
    account_number = forms.CharField(label=_("계좌번호"), max_length=30,
                                     error_messages={"required": _("계좌번호를 입력해 주세요.")},
                                     widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    holder_name = forms.CharField(label=_("예금주"), max_length=60,
                                  error_messages={"required": _("예금주 이름을 적어 주세요.")})


# --- per-line cancels and returns ------------------------------------------------------------------


BUYER_CLAIM_REASONS = [(v, label) for v, label in ClaimReason.choices if v != ClaimReason.OUT_OF_STOCK]


class ClaimForm(forms.Form):
    """The lines to cancel or return and why; the page shows the refund before the buyer confirms."""

    lines = forms.TypedMultipleChoiceField(label=_("상품"), coerce=int, widget=forms.CheckboxSelectMultiple,
                                           error_messages=_required(_("상품을 하나 이상 골라 주세요.")))
    reason = forms.ChoiceField(label=_("사유"), choices=BUYER_CLAIM_REASONS,
                               error_messages=_required(_("사유를 골라 주세요.")))
    detail = forms.CharField(label=_("자세한 사유"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (ln.pk, f"{ln.product_name} · {ln.variant_name} × {ln.quantity} ({won(ln.line_total)})") for ln in lines]


class ClaimPhotosForm(forms.Form):
    """A return's photos, given with the confirmation (after the buyer saw the fee)."""

    photos = MultipleFileField(label=_("사진"), required=False, accept="image/jpeg,image/png,image/webp",
                               allowed=(JPEG, PNG, WEBP), max_files=RETURN_PHOTOS_MAX,
                               error_messages={"max_files": _("사진은 %(n)s장까지 올릴 수 있습니다.")})
