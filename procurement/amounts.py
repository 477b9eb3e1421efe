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
