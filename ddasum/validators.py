"""Validators for Korean conventions shared by every app (phone, 사업자등록번호, postal code)."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE_RE = re.compile(r"^0\d{1,2}-\d{3,4}-\d{4}$")
_BRN_RE = re.compile(r"^\d{3}-\d{2}-\d{5}$")
_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def normalize_phone(value: str) -> str:
    """Format a phone number the Korean way (010-1234-5678, 041-123-4567, 02-123-4567)."""
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("02"):
        head, rest = digits[:2], digits[2:]
    else:
        head, rest = digits[:3], digits[3:]
    if len(rest) in (7, 8):
        return f"{head}-{rest[:-4]}-{rest[-4:]}"
    return value.strip()


def validate_phone(value: str) -> None:
    if not _PHONE_RE.match(value or ""):
        raise ValidationError(
            _("전화번호는 010-1234-5678 또는 041-123-4567 형식으로 입력해 주세요."), code="phone"
        )


def business_number_check_digit(first_nine: str) -> int:
    """The 10th digit of a 사업자등록번호, by the National Tax Service rule."""
    nums = [int(c) for c in first_nine]
    total = sum(n * w for n, w in zip(nums, _BRN_WEIGHTS, strict=True)) + nums[8] * 5 // 10
    return (10 - total % 10) % 10


def business_number_is_valid(digits: str) -> bool:
    if len(digits) != 10 or not digits.isdigit():
        return False
    return business_number_check_digit(digits[:9]) == int(digits[9])


def normalize_business_number(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    return (value or "").strip()


def validate_business_number(value: str) -> None:
    if not _BRN_RE.match(value or ""):
        raise ValidationError(
            _("사업자등록번호는 123-45-67890 형식의 숫자 10자리로 입력해 주세요."), code="brn_format"
        )
    if not business_number_is_valid(value.replace("-", "")):
        raise ValidationError(
            _("사업자등록번호가 올바르지 않습니다. 번호를 다시 확인해 주세요."), code="brn_checksum"
        )


def validate_postal_code(value: str) -> None:
    if not re.fullmatch(r"\d{5}", value or ""):
        raise ValidationError(_("우편번호는 숫자 5자리입니다."), code="postal_code")


# 통신판매업 신고번호: year of filing, the 시·도 and 시·군·구 that took it (in Korean), a serial.
# e.g. 2026-충남홍성-0123, 2019-서울강남-01234.
_MAIL_ORDER_RE = re.compile(r"^(19|20)\d{2}-[가-힣]{2,12}-\d{3,6}$")


def normalize_mail_order_number(value: str) -> str:
    """'제 2026-충남홍성-0123 호' → '2026-충남홍성-0123' (the certificate's wording, spaces)."""
    value = (value or "").strip()
    if value.startswith("제") and value[1:2].strip() in ("", "1", "2"):
        value = value[1:]
    value = value.removesuffix("호")
    return "-".join(part.strip() for part in value.split("-"))


def validate_mail_order_number(value: str) -> None:
    if not _MAIL_ORDER_RE.match(value or ""):
        raise ValidationError(
            _("통신판매업 신고번호는 '2026-충남홍성-0123'처럼 연도-지역-번호로 입력해 주세요."), code="invalid_mail_order_number"
        )
