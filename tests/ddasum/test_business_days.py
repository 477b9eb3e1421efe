"""Korean business days: weekends, solar and lunar holidays, 대체공휴일 and election days (ddasum.business_days)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from ddasum.business_days import (
    add_business_days,
    business_days_since,
    holiday_name,
    holidays,
    is_business_day,
    next_business_day,
)

KST = ZoneInfo("Asia/Seoul")


def test_2026_holidays_are_the_published_list():
    assert sorted(holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18),
        date(2026, 3, 1), date(2026, 3, 2),        # 삼일절 on a Sunday → Monday
        date(2026, 5, 1),                          # 노동절, a public holiday from 2026
        date(2026, 5, 5),
        date(2026, 5, 24), date(2026, 5, 25),      # 부처님오신날 on a Sunday → Monday
        date(2026, 6, 3),                          # 지방선거
        date(2026, 6, 6),
        date(2026, 7, 17),                         # 제헌절, again a holiday from 2026
        date(2026, 8, 15), date(2026, 8, 17),      # 광복절 on a Saturday → Monday
        date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26),  # 추석 (Saturday: no substitute)
        date(2026, 10, 3), date(2026, 10, 5),      # 개천절 on a Saturday → Monday
        date(2026, 10, 9),
        date(2026, 12, 25),
    ]


def test_2027_seollal_on_a_sunday_gives_a_substitute_and_korean_time_puts_it_on_the_7th():
    assert [holiday_name(date(2027, 2, d)) for d in (6, 7, 8, 9)] == [
        "설날 연휴", "설날", "설날 연휴", "대체공휴일(설날)"]
    assert is_business_day(date(2027, 2, 5)) and is_business_day(date(2027, 2, 10))
    # Friday before 설날 + 1 business day is the Wednesday after it.
    assert add_business_days(date(2027, 2, 5), 1) == date(2027, 2, 10)


def test_2026_chuseok_thursday_to_saturday_delays_two_business_days_to_tuesday():
    assert not any(is_business_day(date(2026, 9, d)) for d in (24, 25, 26, 27))
    assert add_business_days(date(2026, 9, 23), 1) == date(2026, 9, 28)
    assert add_business_days(date(2026, 9, 23), 2) == date(2026, 9, 29)
    # 10.3 is a Saturday: the Monday after is off, then 10.9 (Friday) too.
    assert add_business_days(date(2026, 10, 2), 1) == date(2026, 10, 6)
    assert add_business_days(date(2026, 10, 8), 1) == date(2026, 10, 12)


@pytest.mark.parametrize(("day", "name"), [
    (date(2024, 2, 12), "대체공휴일(설날)"),          # 설 연휴 ends on a Sunday
    (date(2024, 5, 6), "대체공휴일(어린이날)"),       # 어린이날 on a Sunday
    (date(2025, 5, 6), "대체공휴일(어린이날)"),       # 어린이날 and 부처님오신날 share 5.5: one substitute
    (date(2025, 10, 8), "대체공휴일(추석)"),          # 10.5, the day before, is a Sunday
    (date(2027, 7, 19), "대체공휴일(제헌절)"),
    (date(2027, 12, 27), "대체공휴일(성탄절)"),
    (date(2028, 10, 5), "대체공휴일(개천절)"),        # 추석 meets 개천절 on 10.3: one substitute
    (date(2029, 9, 24), "대체공휴일(추석)"),
    (date(2030, 2, 5), "대체공휴일(설날)"),
])
def test_substitute_holidays(day, name):
    assert holiday_name(day) == name
    assert not is_business_day(day)


def test_no_substitute_for_new_year_memorial_day_or_a_saturday_of_seollal():
    assert holiday_name(date(2028, 1, 3)) == ""      # 신정 2028 is a Saturday
    assert holiday_name(date(2027, 6, 7)) == ""      # 현충일 2027 is a Sunday
    assert is_business_day(date(2026, 9, 28))        # 추석 연휴 ends on Saturday 9.26


def test_election_and_temporary_holidays():
    for day in (date(2024, 4, 10), date(2025, 6, 3), date(2026, 6, 3), date(2028, 4, 12)):
        assert not is_business_day(day), day
    assert not is_business_day(date(2024, 10, 1))
    assert not is_business_day(date(2025, 1, 27))


def test_counts_for_each_year_of_the_table():
    # Weekday holidays per year (checked against the 2026 amended act and the 월력요항);
    # a change in a rule or a lunar date shows here.
    weekday_holidays = {y: sum(1 for d in holidays(y) if d.weekday() < 5) for y in range(2024, 2031)}
    assert weekday_holidays == {2024: 16, 2025: 17, 2026: 16, 2027: 15, 2028: 17, 2029: 16, 2030: 18}


def test_add_business_days_forward_backward_and_zero():
    friday = date(2026, 12, 4)
    assert add_business_days(friday, 0) == friday
    assert add_business_days(friday, 1) == date(2026, 12, 7)
    assert add_business_days(date(2026, 12, 7), -1) == friday
    assert add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)  # 성탄절 Friday
    assert next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)
    assert next_business_day(date(2026, 12, 28)) == date(2026, 12, 28)


def test_business_days_since_counts_korean_dates():
    # 23:30 UTC on Wednesday is Thursday 08:30 in Korea: 추석 already.
    moment = datetime(2026, 9, 23, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert business_days_since(moment, datetime(2026, 9, 28, 9, tzinfo=KST)) == 1
    assert business_days_since(moment, datetime(2026, 9, 29, 9, tzinfo=KST)) == 2


def test_past_the_lunar_table_weekends_and_solar_days_still_count():
    assert not is_business_day(date(2031, 3, 3))  # 삼일절 2031 is a Saturday → Monday
    assert not is_business_day(date(2031, 12, 25))
    assert is_business_day(date(2031, 3, 4))
