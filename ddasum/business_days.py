"""Korean business days: weekdays that are not 공휴일, computed here and nowhere else.

The rules follow 「공휴일에 관한 법률」 and 「관공서의 공휴일에 관한 규정」 as amended in 2026:

- fixed solar days: 신정 1.1, 삼일절 3.1, 노동절 5.1 (from 2026), 어린이날 5.5, 현충일 6.6,
  제헌절 7.17 (again from 2026), 광복절 8.15, 개천절 10.3, 한글날 10.9, 성탄절 12.25;
- lunar days, from the table below (월력요항 of 한국천문연구원/우주항공청, Korean time, so 2027's 설날
  is 2.7 where China's is 2.6): 설날 and 추석 with the day before and after, and 부처님오신날;
- 대체공휴일: 설날·추석 days on a Sunday or on another holiday, and 어린이날, the national days,
  노동절, 부처님오신날 and 성탄절 on a Saturday, a Sunday or another holiday, give the first
  following weekday that is not a holiday (one per day, however many holidays share it);
  신정, 현충일 and election days have none;
- election days (선거일) and 임시공휴일 the government designated, from the tables below.

Lunar dates are known for 2024–2030. Past the table the solar days and weekends still count and a
lunar holiday is an ordinary day: extend LUNAR (and ELECTION_DAYS) when the next 월력요항 comes out.
"""
from datetime import date, datetime, timedelta
from functools import cache

from django.utils import timezone

# (설날, 부처님오신날, 추석) — the day itself; 설날 and 추석 take the day before and after too.
LUNAR: dict[int, tuple[date, date, date]] = {
    2024: (date(2024, 2, 10), date(2024, 5, 15), date(2024, 9, 17)),
    2025: (date(2025, 1, 29), date(2025, 5, 5), date(2025, 10, 6)),
    2026: (date(2026, 2, 17), date(2026, 5, 24), date(2026, 9, 25)),
    2027: (date(2027, 2, 7), date(2027, 5, 13), date(2027, 9, 15)),
    2028: (date(2028, 1, 27), date(2028, 5, 2), date(2028, 10, 3)),
    2029: (date(2029, 2, 13), date(2029, 5, 20), date(2029, 9, 22)),
    2030: (date(2030, 2, 3), date(2030, 5, 9), date(2030, 9, 12)),
}

# 공직선거법 §34: the fixed election days of the terms now running (an early election is added when called).
ELECTION_DAYS: dict[date, str] = {
    date(2024, 4, 10): "제22대 국회의원선거",
    date(2025, 6, 3): "제21대 대통령선거",
    date(2026, 6, 3): "제9회 전국동시지방선거",
    date(2028, 4, 12): "제23대 국회의원선거",
    date(2030, 3, 27): "제22대 대통령선거",
    date(2030, 6, 12): "제10회 전국동시지방선거",
}

# 임시공휴일 designated by the cabinet.
TEMPORARY_HOLIDAYS: dict[date, str] = {
    date(2024, 10, 1): "국군의 날 임시공휴일",
    date(2025, 1, 27): "설 연휴 임시공휴일",
}

# (month, day, name, has a substitute, first year, or None for always)
_SOLAR = (
    (1, 1, "신정", False, None),
    (3, 1, "삼일절", True, None),
    (5, 1, "노동절", True, 2026),
    (5, 5, "어린이날", True, None),
    (6, 6, "현충일", False, None),
    (7, 17, "제헌절", True, 2026),
    (8, 15, "광복절", True, None),
    (10, 3, "개천절", True, None),
    (10, 9, "한글날", True, None),
    (12, 25, "성탄절", True, None),
)

SATURDAY, SUNDAY = 5, 6


@cache
def holidays(year: int) -> dict[date, str]:
    """Every 공휴일 of `year` other than ordinary Sundays, with its name (대체공휴일 included)."""
    named: dict[date, list[str]] = {}
    # Each holiday day and which weekend days move it: {day: set of weekdays}, empty = never moves.
    moves: dict[date, set[int]] = {}

    def add(day: date, name: str, moved_by: set[int] | None) -> None:
        named.setdefault(day, []).append(name)
        if moved_by is not None:
            moves[day] = moves.get(day, set()) | moved_by

    for month, dom, name, substitute, since in _SOLAR:
        if since is None or year >= since:
            add(date(year, month, dom), name, {SATURDAY, SUNDAY} if substitute else None)
    if year in LUNAR:
        seollal, buddha, chuseok = LUNAR[year]
        for centre, name in ((seollal, "설날"), (chuseok, "추석")):
            for offset in (-1, 0, 1):
                add(centre + timedelta(days=offset), name if offset == 0 else f"{name} 연휴", {SUNDAY})
        add(buddha, "부처님오신날", {SATURDAY, SUNDAY})
    for table in (ELECTION_DAYS, TEMPORARY_HOLIDAYS):
        for day, name in table.items():
            if day.year == year:
                add(day, name, None)

    result = {day: "·".join(names) for day, names in named.items()}
    for day in sorted(moves):
        overlapping = len(named[day]) > 1
        if overlapping or day.weekday() in moves[day]:
            substitute = day + timedelta(days=1)
            while substitute.weekday() >= SATURDAY or substitute in result:
                substitute += timedelta(days=1)
            result[substitute] = f"대체공휴일({named[day][0].removesuffix(' 연휴')})"
    return result


def holiday_name(day: date) -> str:
    """The holiday's name, or "" for a day that is not one (Sundays included)."""
    return holidays(day.year).get(day, "")


def is_business_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in holidays(day.year)


def add_business_days(day: date, n: int) -> date:
    """The n-th business day after `day` (before it, for a negative n); `day` itself for 0."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_business_day(day):
            remaining -= 1
    return day


def next_business_day(day: date) -> date:
    """`day` if it is a business day, else the first one after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


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
