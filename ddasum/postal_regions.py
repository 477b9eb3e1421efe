"""The 시도 (province or metropolitan city) of a Korean 5-digit postal code (국가기초구역번호).

Since 2015 the first two digits name the 시도: 01–09 서울, 10–18 경기, 21–23 인천, 24–26 강원,
27–29 충북, 30 세종, 31–33 충남, 34–35 대전, 36–40 경북, 41–43 대구, 44–45 울산, 46–49 부산,
50–53 경남, 54–56 전북, 57–60 전남, 61–62 광주, 63 제주. Reports group buyers by it.
"""
from django.utils.translation import gettext_lazy as _

# (key, label, first two digits): the usual order of the 17 시도.
SIDO = (
    ("seoul", _("서울"), range(1, 10)),
    ("busan", _("부산"), range(46, 50)),
    ("daegu", _("대구"), range(41, 44)),
    ("incheon", _("인천"), range(21, 24)),
    ("gwangju", _("광주"), range(61, 63)),
    ("daejeon", _("대전"), range(34, 36)),
    ("ulsan", _("울산"), range(44, 46)),
    ("sejong", _("세종"), range(30, 31)),
    ("gyeonggi", _("경기"), range(10, 19)),
    ("gangwon", _("강원"), range(24, 27)),
    ("chungbuk", _("충북"), range(27, 30)),
    ("chungnam", _("충남"), range(31, 34)),
    ("jeonbuk", _("전북"), range(54, 57)),
    ("jeonnam", _("전남"), range(57, 61)),
    ("gyeongbuk", _("경북"), range(36, 41)),
    ("gyeongnam", _("경남"), range(50, 54)),
    ("jeju", _("제주"), range(63, 64)),
)
UNKNOWN = "unknown"
UNKNOWN_LABEL = _("(알 수 없음)")

_BY_PREFIX = {f"{n:02d}": key for key, _label, prefixes in SIDO for n in prefixes}
LABELS = {key: label for key, label, _prefixes in SIDO} | {UNKNOWN: UNKNOWN_LABEL}


def sido_of_prefix(prefix: str) -> str:
    """The 시도 key of a postal code's first two digits ('unknown' when they name none)."""
    return _BY_PREFIX.get(prefix or "", UNKNOWN)


def sido_of(postal_code: str) -> str:
    """The 시도 key of a 5-digit postal code ('unknown' for anything else)."""
    code = (postal_code or "").strip()
    if len(code) != 5 or not code.isdigit():
        return UNKNOWN
    return sido_of_prefix(code[:2])
