"""Money is integer won; VAT is split by one function, on totals per tax type (ddasum.money)."""
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ddasum.money import EXEMPT, TAXABLE, vat_split, won, won_or_dash


@given(st.integers(min_value=0, max_value=10**10))
def test_vat_split_adds_up_and_is_a_tenth_of_supply(amount):
    split = vat_split(amount, TAXABLE)
    assert split.supply + split.vat == amount
    assert abs(split.vat * 10 - split.supply) <= 10
    assert vat_split(amount, EXEMPT).vat == 0


@hsettings(max_examples=50)
@given(st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=20))
def test_splitting_the_total_never_drifts_from_the_lines(prices):
    total = sum(prices)
    split = vat_split(total, TAXABLE)
    assert split.total == total


def test_vat_split_known_values():
    assert vat_split(11000, TAXABLE).supply == 10000 and vat_split(11000, TAXABLE).vat == 1000
    assert (vat_split(25000, TAXABLE).supply, vat_split(25000, TAXABLE).vat) == (22727, 2273)


def test_won_is_grouped_by_thousands():
    assert won(1234567) == "1,234,567원" and won(0) == "0원"
    assert won_or_dash(None) == "-" and won_or_dash(500) == "500원"
