"""Quote arithmetic: totals split by tax type, and the amount in Korean words (금 일백이십만원정)."""
from dataclasses import dataclass

from ddasum.money import EXEMPT, TAXABLE, vat_split


@dataclass(frozen=True)
class QuoteTotals:
    taxable_supply: int  # 과세 공급가액
    taxable_vat: int  # 세액
    exempt_amount: int  # 면세 금액 (no VAT)
    total: int  # 합계

    @property
    def supply_total(self) -> int:
        """공급가액 over both tax types."""
        return self.taxable_supply + self.exempt_amount


def quote_totals(lines) -> QuoteTotals:
    """Totals of lines carrying VAT-inclusive `amount` and `tax_type` (objects or dicts).

    VAT is split once on the taxable total, so supply + VAT always equals what the lines add up to.
    """
    taxable = exempt = 0
    for line in lines:
        amount = line["amount"] if isinstance(line, dict) else line.amount
        tax_type = line["tax_type"] if isinstance(line, dict) else line.tax_type
        if tax_type == EXEMPT:
            exempt += amount
        elif tax_type == TAXABLE:
            taxable += amount
        else:
            raise ValueError(f"unknown tax type {tax_type!r}")
    split = vat_split(taxable, TAXABLE)
    return QuoteTotals(taxable_supply=split.supply, taxable_vat=split.vat, exempt_amount=exempt,
                       total=taxable + exempt)


# --- the amount in Korean words -----------------------------------------------------------

DIGITS = "영일이삼사오육칠팔구"
SMALL_UNITS = ("", "십", "백", "천")  # within a group of four digits
GROUP_UNITS = ("", "만", "억", "조", "경")  # one per group of four digits
MAX_AMOUNT = 10 ** (4 * len(GROUP_UNITS)) - 1  # 9999경 9999조 9999억 9999만 9999


def _group_words(group: int) -> str:
    """A group of four digits (1..9999) in words: 1203 -> 일천이백삼."""
    words = []
    for position in range(3, -1, -1):
        digit = group // 10 ** position % 10
        if digit:
            words.append(DIGITS[digit] + SMALL_UNITS[position])
    return "".join(words)


def korean_amount(n: int) -> str:
    """Write a whole won amount in Korean numerals as 견적서 and 계약서 do (금액 표기).

    The convention: every non-zero digit is written with its unit, and 일 is written before
    십, 백, 천 and the group units as well (1,200,000 -> 일백이십만, 10,000 -> 일만, 110 ->
    일백일십), so that nobody can slip a digit in front of a bare 백 or 천. Groups of four
    digits take 만, 억, 조, 경; an all-zero group is left out with its unit (100,010,000 ->
    일억일만, never 일억영만), and zero itself is 영. Spaces are not used.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("the amount must be an int")
    if n < 0 or n > MAX_AMOUNT:
        raise ValueError(f"amount out of range: {n}")
    if n == 0:
        return DIGITS[0]
    words = []
    for index in range(len(GROUP_UNITS) - 1, -1, -1):
        group = n // 10 ** (4 * index) % 10_000
        if group:
            words.append(_group_words(group) + GROUP_UNITS[index])
    return "".join(words)


def amount_in_words(n: int) -> str:
    """The total as a quote writes it: 금 일백이십만원정."""
    return f"금 {korean_amount(n)}원정"
