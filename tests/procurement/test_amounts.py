"""Quote arithmetic (totals split by tax type) and the amount in Korean words."""
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ddasum.money import EXEMPT, TAXABLE
from procurement.amounts import MAX_AMOUNT, amount_in_words, korean_amount, quote_totals

# --- an independent reader of Korean amounts (words -> int) -----------------------------------

_DIGIT = {"영": 0, "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_SMALL = {"십": 10, "백": 100, "천": 1000}
_BIG = {"만": 10**4, "억": 10**8, "조": 10**12, "경": 10**16}


def parse_korean(words: str) -> int:
    """Read 일억이천삼백만오 back into 120,300,005; strict about the written form."""
    if words == "영":
        return 0
    total = section = 0
    digit = None
    for ch in words:
        if ch in _DIGIT:
            assert digit is None, f"two digits in a row in {words}"
            assert ch != "영", f"영 inside {words}"
            digit = _DIGIT[ch]
        elif ch in _SMALL:
            assert digit is not None, f"{ch} without its digit in {words}"
            section += digit * _SMALL[ch]
            digit = None
        elif ch in _BIG:
            if digit is not None:
                section += digit
                digit = None
            assert section, f"empty group before {ch} in {words}"
            total += section * _BIG[ch]
            section = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {words}")
    return total + section + (digit or 0)


# --- fixed examples ---------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "words"), [
    (0, "영"),
    (1, "일"),
    (10, "일십"),
    (11, "일십일"),
    (110, "일백일십"),
    (1_000, "일천"),
    (10_000, "일만"),
    (10_001, "일만일"),
    (35_000, "삼만오천"),
    (1_200_000, "일백이십만"),
    (100_010_000, "일억일만"),
    (100_000_001, "일억일"),
    (1_234_567_890_123, "일조이천삼백사십오억육천칠백팔십구만일백이십삼"),
    (10**16, "일경"),
    (MAX_AMOUNT, "구천구백구십구경구천구백구십구조구천구백구십구억구천구백구십구만구천구백구십구"),
])
def test_korean_amount_examples(n, words):
    assert korean_amount(n) == words


def test_amount_in_words_reads_as_on_a_quote():
    assert amount_in_words(1_200_000) == "금 일백이십만원정"
    assert amount_in_words(0) == "금 영원정"
    assert amount_in_words(55_000) == "금 오만오천원정"


@pytest.mark.parametrize("bad", [-1, MAX_AMOUNT + 1])
def test_out_of_range_is_refused(bad):
    with pytest.raises(ValueError):
        korean_amount(bad)


@pytest.mark.parametrize("bad", [1.5, "100", True, None])
def test_non_integers_are_refused(bad):
    with pytest.raises(TypeError):
        korean_amount(bad)


# --- properties -------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10**16)


@given(amounts)
@example(0)
@example(10**16)
@example(10**12 + 1)
@example(10**8 + 10**4)
def test_round_trip(n):
    assert parse_korean(korean_amount(n)) == n


@given(amounts)
def test_group_units_fall_and_appear_once(n):
    words = korean_amount(n)
    order = [ch for ch in words if ch in _BIG]
    assert order == sorted(order, key=lambda ch: -_BIG[ch])
    assert len(order) == len(set(order))


@given(amounts)
def test_no_empty_groups_and_no_zero_digits(n):
    words = korean_amount(n)
    assert not re.search("[만억조경]{2}", words)  # 억만 would be an empty 만 group
    assert not words.startswith(tuple(_BIG)) and not words.startswith(tuple(_SMALL))
    if n:
        assert "영" not in words
    # every 십/백/천 carries its digit (일 included)
    assert not re.search(f"(^|[{''.join(_SMALL)}{''.join(_BIG)}])[{''.join(_SMALL)}]", words)


@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_one_more_won_changes_the_words(n):
    assert korean_amount(n) != korean_amount(n + 1)


# --- totals by tax type -----------------------------------------------------------------------


def test_totals_split_taxable_and_exempt_lines():
    lines = [
        {"amount": 110_000, "tax_type": TAXABLE},
        {"amount": 55_000, "tax_type": TAXABLE},
        {"amount": 30_000, "tax_type": EXEMPT},
    ]
    totals = quote_totals(lines)
    assert totals.taxable_supply == 150_000
    assert totals.taxable_vat == 15_000
    assert totals.exempt_amount == 30_000
    assert totals.supply_total == 180_000
    assert totals.total == 195_000


def test_exempt_only_quote_has_no_tax():
    totals = quote_totals([{"amount": 48_000, "tax_type": EXEMPT}, {"amount": 2_000, "tax_type": EXEMPT}])
    assert (totals.taxable_supply, totals.taxable_vat, totals.exempt_amount, totals.total) == (0, 0, 50_000, 50_000)


@given(st.lists(st.tuples(st.integers(0, 10**9), st.sampled_from([TAXABLE, EXEMPT])), max_size=20))
def test_supply_plus_tax_is_always_the_sum_of_the_lines(rows):
    totals = quote_totals([{"amount": a, "tax_type": t} for a, t in rows])
    assert totals.taxable_supply + totals.taxable_vat + totals.exempt_amount == sum(a for a, _t in rows)
    assert totals.exempt_amount == sum(a for a, t in rows if t == EXEMPT)
    assert totals.total == sum(a for a, _t in rows)


def test_unknown_tax_type_is_an_error():
    with pytest.raises(ValueError):
        quote_totals([{"amount": 1_000, "tax_type": "zero"}])
