"""Demo messages: consumer1's in-app notices and a send log with 알림톡, a fallback SMS and e-mail.

The rows are written as the console backend would have logged them (no mail or text leaves a
demo server). Keyed like real messages (`demo:…`), so a second run creates nothing.
"""
import random
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import notification_create
from notifications.kinds import ALIMTALK, EMAIL, IN_APP, SMS, kind_get, template_render
from notifications.models import Delivery, DeliveryStatus, MarketingConsent, Message

from .accounts import CONSUMERS

NOTICES = (
    # (kind, title, body, variables, hours ago, alimtalk refused → SMS, read)
    ("order_received", "주문이 접수되었습니다", "아래 계좌로 입금해 주시면 입금 확인 후 상품을 보내 드립니다.",
     {"주문번호": "D-DEMO-0001", "금액": "59,000원", "은행": "농협은행", "계좌번호": "301-0042-1234-51",
      "예금주": "따숨 사회적협동조합", "입금기한": "3일 뒤 23:59"}, 50, False, True),
    ("order_paid", "입금이 확인되었습니다", "판매기업이 상품을 준비해 보내 드립니다.",
     {"주문번호": "D-DEMO-0001", "금액": "59,000원"}, 30, False, True),
    ("order_shipped", "상품이 발송되었습니다", "택배사: CJ대한통운\n송장번호: 601234567890",
     {"주문번호": "D-DEMO-0001-1", "판매기업": "예산김장마을", "택배사": "CJ대한통운", "송장번호": "601234567890",
      "배송조회": "https://trace.cjlogistics.com/next/tracking.html?wblNo=601234567890"}, 6, True, False),
    ("order_message", "판매기업의 메시지가 도착했습니다", "고르신 날 오전에 도착하도록 보냈습니다. 김장 잘 하세요!",
     {}, 2, False, False),
)


def seed(*, stdout, rng: random.Random) -> None:
    user = User.objects.filter(email=CONSUMERS[0][0]).first()
    if user is None:
        stdout.write("  소비자 계정이 없어 알림을 만들지 않습니다")
        return
    if not user.phone:
        user.phone = "010-2000-0001"
        user.save(update_fields=["phone"])
    MarketingConsent.objects.get_or_create(user=user, defaults={"agreed_at": timezone.now() - timedelta(days=90)})
    made = sum(_message(user, n, *notice) for n, notice in enumerate(NOTICES, start=1))
    stdout.write(f"  {user.email}의 앱 알림 {len(NOTICES)}개 (새로 {made}개), 발송 기록: 알림톡·문자(대체 발송)·이메일")


def _message(user, n, kind_code, title, body, variables, hours_ago, refused, read) -> int:
    key = f"demo:{kind_code}:{n}:u{user.pk}"
    if Message.objects.filter(dedupe_key=key).exists():
        return 0
    kind = kind_get(kind_code)
    variables = {"이름": user.name, **variables}
    at = timezone.now() - timedelta(hours=hours_ago)
    try:
        with transaction.atomic():
            message = Message.objects.create(dedupe_key=key, kind=kind_code, user=user, name=user.name,
                                             email=user.email, phone=user.phone, title=title, body=body,
                                             url="/accounts/notifications/", variables=variables, created_at=at)
            notice = notification_create(user=user, title=title, body=body, url="/accounts/notifications/", key=key)
            Notification.objects.filter(pk=notice.pk).update(created_at=at, read_at=at if read else None)
            sent = {"status": DeliveryStatus.SENT, "sent_at": at, "not_before": at, "attempts": 1}
            Delivery.objects.create(message=message, channel=IN_APP, backend="in-app", provider_message_id=str(notice.pk),
                                    **sent)
            Delivery.objects.create(message=message, channel=EMAIL, backend="mail", **sent)
            if kind.has_template:
                template_render(kind, variables)  # every variable is there, as notify() checks
                alimtalk = Delivery.objects.create(
                    message=message, channel=ALIMTALK, backend="ConsoleBackend",
                    provider_message_id=f"M4VDEMO{n:04d}A", provider_group_id=f"G4VDEMO{n:04d}",
                    **({"status": DeliveryStatus.FAILED, "result_code": "3104",
                        "result_message": "카카오톡 템플릿이 일치하지 않습니다.", "not_before": at, "attempts": 1}
                       if refused else {**sent, "result_code": "2000", "result_message": "정상 접수"}))
                if refused:
                    Delivery.objects.create(message=message, channel=SMS, backend="ConsoleBackend",
                                            fallback_of=alimtalk, provider_message_id=f"M4VDEMO{n:04d}S",
                                            provider_group_id=f"G4VDEMO{n:04d}S", result_code="2000",
                                            result_message="정상 접수", **sent)
    except IntegrityError:
        return 0
    return 1
