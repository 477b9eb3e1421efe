"""Korean business days: weekdays that are not 공휴일, the list kept here and nowhere else.

The list follows 「관공서의 공휴일에 관한 규정」 with its 대체공휴일 (a national day or Children's
Day, Buddha's Birthday, Christmas on a weekend, and 설날·추석 on a Sunday, move to the next
weekday) and election days. Extend it each year when the government announces the next one; a
date past the list is treated as an ordinary day (weekends still count as closed).
"""
from datetime import date, datetime, timedelta

from django.utils import timezone

KOREAN_HOLIDAYS = frozenset({
    # 2026
    date(2026, 1, 1),                                       # 신정
    date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18),  # 설날 연휴
    date(2026, 3, 2),                                       # 삼일절(3.1 일요일) 대체공휴일
    date(2026, 5, 5),                                       # 어린이날
    date(2026, 5, 25),                                      # 부처님오신날(5.24 일요일) 대체공휴일
    date(2026, 6, 3),                                       # 제9회 전국동시지방선거
    date(2026, 8, 17),                                      # 광복절(8.15 토요일) 대체공휴일
    date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26),  # 추석 연휴
    date(2026, 10, 5),                                      # 개천절(10.3 토요일) 대체공휴일
    date(2026, 10, 9),                                      # 한글날
    date(2026, 12, 25),                                     # 성탄절
    # 2027
    date(2027, 1, 1),                                       # 신정
    date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),   # 설날 연휴
    date(2027, 2, 9),                                       # 설날(일요일) 대체공휴일
    date(2027, 3, 1),                                       # 삼일절
    date(2027, 5, 5),                                       # 어린이날
    date(2027, 5, 13),                                      # 부처님오신날
    date(2027, 8, 16),                                      # 광복절(8.15 일요일) 대체공휴일
    date(2027, 9, 14), date(2027, 9, 15), date(2027, 9, 16),  # 추석 연휴
    date(2027, 10, 4),                                      # 개천절(10.3 일요일) 대체공휴일
    date(2027, 10, 11),                                     # 한글날(10.9 토요일) 대체공휴일
    date(2027, 12, 27),                                     # 성탄절(12.25 토요일) 대체공휴일
})


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in KOREAN_HOLIDAYS


def business_days_between(start: date, end: date) -> int:
    """How many business days come after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day):
            count += 1
    return count


def business_days_since(moment: datetime, now: datetime | None = None) -> int:
    """Whole business days that have passed since `moment`, counted in Korean dates."""
    now = now or timezone.now()
    return business_days_between(timezone.localdate(moment), timezone.localdate(now))

