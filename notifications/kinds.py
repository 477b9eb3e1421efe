"""What can be said to whom: one row per event kind, with its 알림톡 template and variables.

A 알림톡 template is registered with Kakao (through Solapi) word for word; the text here is that
registered text, and `variables` are its #{…} fields, every one of which a caller must give.
The SMS that replaces a failed 알림톡 is the same text with the variables filled in. The template
codes are Solapi's template ids: the defaults below are placeholders, the real ones come from
the environment (SOLAPI_TEMPLATE_IDS, a JSON object kind → templateId).

Kinds without a template go by e-mail and in the app only. Marketing kinds need the member's
marketing consent and are never sent at night (QUIET_HOURS in services).
"""
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

EMAIL, IN_APP, SMS, ALIMTALK = "email", "in_app", "sms", "alimtalk"
CHANNELS = (EMAIL, IN_APP, SMS, ALIMTALK)
CHANNEL_LABELS = {EMAIL: _("이메일"), IN_APP: _("앱 알림"), SMS: _("문자(SMS)"), ALIMTALK: _("카카오 알림톡")}
# Channels a member may switch off per kind (in-app notices are the record on the my-page).
CHOOSABLE = (EMAIL, SMS, ALIMTALK)

BUYER, VENDOR, AGENCY, OPERATOR = "buyer", "vendor", "agency", "operator"

VARIABLE = re.compile(r"#\{([^}]+)\}")


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    audience: str
    # Channels used when the member has not chosen (a guest always gets these, where reachable).
    default_channels: tuple[str, ...] = (EMAIL, IN_APP)
    template: str = ""  # the registered 알림톡 text, "" when the kind has none
    marketing: bool = False
    choosable: bool = True
    variables: tuple[str, ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "variables", tuple(dict.fromkeys(VARIABLE.findall(self.template))))

    @property
    def has_template(self) -> bool:
        return bool(self.template)


_TEXT = (EMAIL, IN_APP, ALIMTALK)

KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("order_received", _("주문 접수(입금 안내)"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, 주문이 접수되었습니다.\n주문번호: #{주문번호}\n입금하실 금액: #{금액}\n"
         "입금 계좌: #{은행} #{계좌번호} (예금주 #{예금주})\n입금 기한: #{입금기한}까지"),
    Kind("order_access", _("비회원 주문 조회 링크"), BUYER, (EMAIL,), choosable=False),
    Kind("order_paid", _("결제 완료"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, #{주문번호} 주문의 결제(#{금액})가 확인되었습니다. 판매기업이 상품을 준비해 보내 드립니다."),
    Kind("order_shipped", _("발송"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, #{판매기업}에서 상품을 보냈습니다.\n주문번호: #{주문번호}\n택배사: #{택배사}\n"
         "송장번호: #{송장번호}\n배송 조회: #{배송조회}"),
    Kind("order_delivered", _("배송 완료"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, #{판매기업} 상품의 배송이 완료되었습니다(주문번호 #{주문번호}). 주문 상세에서 구매 확정을 눌러 주세요."),
    Kind("order_cancelled", _("주문 취소·환불"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, #{판매기업} 주문(#{주문번호})이 취소되었습니다. 환불 금액: #{환불금액}"),
    Kind("order_refunded", _("환불 완료"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, #{판매기업} 주문(#{주문번호})을 환불했습니다. 환불 금액: #{환불금액}"),
    Kind("order_expired", _("입금 기한 만료"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, 입금 기한(#{입금기한})까지 입금이 확인되지 않아 주문(#{주문번호})이 취소되었습니다."),
    Kind("virtual_account_due", _("가상계좌 입금 기한 하루 전"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, 주문(#{주문번호})의 입금 기한이 내일(#{입금기한})입니다.\n"
         "입금하실 금액: #{금액}\n가상계좌: #{은행} #{계좌번호}"),
    Kind("return_approved", _("반품 승인"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, #{판매기업}에서 주문(#{주문번호}) 반품을 승인했습니다. 곧 환불해 드립니다."),
    Kind("return_rejected", _("반품 거절"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, #{판매기업}에서 주문(#{주문번호}) 반품 요청을 거절했습니다. 사유: #{사유}"),
    Kind("exchange_accepted", _("교환 접수"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, #{판매기업}에서 주문(#{주문번호}) 교환을 접수했습니다. 상품을 회수한 뒤 새 상품을 보내 드립니다."),
    Kind("exchange_shipped", _("교환 상품 발송"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, 주문(#{주문번호})의 교환 상품을 보냈습니다.\n택배사: #{택배사}\n송장번호: #{송장번호}\n"
         "배송 조회: #{배송조회}"),
    Kind("exchange_done", _("교환 완료"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, 주문(#{주문번호})의 교환이 완료되었습니다."),
    Kind("order_message", _("판매기업 메시지·송장 변경"), BUYER),
    Kind("review_notice", _("후기·문의 답변"), BUYER),
    Kind("order_late_shipping", _("발송 지연 안내"), BUYER, _TEXT,
         "[따숨몰] #{이름}님, 죄송합니다. #{판매기업} 주문(#{주문번호})의 발송이 늦어지고 있습니다.\n"
         "새 발송 예정일: #{발송예정일}\n기다리기 어려우시면 주문 상세에서 취소하실 수 있습니다."),
    Kind("restock_notice", _("재입고 알림"), BUYER),
    Kind("vendor_new_order", _("새 주문(입점기업)"), VENDOR, _TEXT,
         "[따숨몰] #{판매기업} 새 주문 #{주문번호}\n#{상품}\n합계: #{금액}\n입점기업 관리자에서 확인해 주세요."),
    Kind("vendor_order_cancelled", _("주문 취소(입점기업)"), VENDOR, _TEXT,
         "[따숨몰] #{판매기업} 주문 #{주문번호}이 취소되었습니다. 발송하지 마세요."),
    Kind("vendor_return_requested", _("반품 요청(입점기업)"), VENDOR, _TEXT,
         "[따숨몰] #{판매기업} 주문 #{주문번호}에 반품 요청이 들어왔습니다. 사유: #{사유}"),
    Kind("vendor_exchange_requested", _("교환 요청(입점기업)"), VENDOR, _TEXT,
         "[따숨몰] #{판매기업} 주문 #{주문번호}에 교환 요청이 들어왔습니다. 사유: #{사유}"),
    Kind("vendor_notice", _("입점·정산 안내(입점기업)"), VENDOR),
    Kind("vendor_late_shipping", _("발송 기한 지남(입점기업)"), VENDOR, _TEXT,
         "[따숨몰] #{판매기업} 주문 #{주문번호}의 발송 기한(#{발송기한})이 지났습니다. 오늘 발송하시거나 구매자에게 사유를 알려 주세요."),
    Kind("vendor_digest", _("오늘 할 일 요약(입점기업, 매일)"), VENDOR),
    Kind("operator_late_shipping", _("발송 지연(운영자)"), OPERATOR, choosable=False),
    Kind("agency_notice", _("견적·발주 안내(공공기관)"), AGENCY, choosable=False),
    Kind("campaign_news", _("기획전·할인 소식(광고)"), BUYER, (EMAIL, IN_APP, SMS), marketing=True),
)}


def kind_get(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise LookupError(f"unknown message kind {code!r}") from None


def template_render(kind: Kind, variables: dict[str, str]) -> str:
    """The registered text with its #{…} fields filled in (what the SMS replacement says)."""
    return VARIABLE.sub(lambda m: str(variables[m.group(1)]), kind.template)
