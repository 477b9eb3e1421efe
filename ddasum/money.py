"""Money is integer won. VAT is split by one function, on totals per tax type."""
from dataclasses import dataclass

TAXABLE, EXEMPT = "taxable", "exempt"


@dataclass(frozen=True)
class VatSplit:
    supply: int  # 공급가액
    vat: int  # 세액

    @property
    def total(self) -> int:  # 합계
        return self.supply + self.vat


def vat_split(amount: int, tax_type: str) -> VatSplit:
    """Split a VAT-inclusive consumer price into supply value and VAT (10%, rounded half up).

    Exempt (면세) amounts carry no VAT. Split totals, not lines, so the parts add up.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    if tax_type == EXEMPT:
        return VatSplit(amount, 0)
    supply = (amount * 10 + 5) // 11
    return VatSplit(supply, amount - supply)


def won(amount: int) -> str:
    """12000 → "12,000원": the one way Python code writes an amount (templates use the `won` filter)."""
    return f"{amount:,}원"


def won_or_dash(amount: int | None) -> str:
    """won(), or "-" where there is no amount."""
    return "-" if amount is None else won(amount)
