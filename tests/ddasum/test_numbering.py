"""Readable document numbers from locked counters (ddasum.numbering)."""
from datetime import date

import pytest

from ddasum.numbering import daily_number, sequence_next

pytestmark = pytest.mark.django_db


def test_numbers_are_per_day_and_never_repeat():
    day = date(2026, 11, 22)
    assert daily_number("order", day) == "20261122-00001"
    assert daily_number("order", day) == "20261122-00002"
    assert daily_number("order", date(2026, 11, 23)) == "20261123-00001"
    assert sequence_next("settlement") == 1
