"""Demo integrations of vendor1's enterprise: an API key and a webhook endpoint with its delivery log.

The key's value is shown once when it is made, so the demo prints only its first characters;
to call the API, make a key in the partner admin (API 키 > 추가). The endpoint's address is
on the reserved `.example` domain: it never resolves, so nothing leaves the machine if a
worker later tries to send to it. Deliveries are written as history (rows and attempts, not
sends): order events of vendor1's paid orders and quote requests it received, most delivered,
one after a retry, one given up after its last attempt (to try 다시 보내기 on).

Runs after the orders and procurement demos (its deliveries name their orders and quotes). A
second run creates nothing.
"""
import hashlib
import random
import secrets
from datetime import timedelta

from accounts.models import User
from orders.models import VendorOrder
from procurement.models import VendorQuote
from vendors.api_keys import api_key_hash
from vendors.models import (
    ApiScope,
    DeliveryStatus,
    VendorApiKey,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

from .vendors import VENDOR1_EMAIL, demo_vendor1

KEY_NAME = "우체국쇼핑 연동 (데모)"
ENDPOINT_URL = "https://erp.hongseong-coop.example/ddasum/webhooks"


def seed(*, stdout, rng: random.Random) -> None:
    vendor = demo_vendor1()
    owner = User.objects.filter(email=VENDOR1_EMAIL).first()
    if vendor is None or owner is None:
        stdout.write("  입점기업 데모가 없어 API 키와 웹훅을 만들지 않습니다")
        return
    key = VendorApiKey.objects.filter(vendor=vendor, name=KEY_NAME).first()
    if key is None:
        # A value nobody is shown: the demo key is there to be seen in the list (and revoked).
        raw = "ddk_" + secrets.token_urlsafe(30)
        key = VendorApiKey.objects.create(
            vendor=vendor, name=KEY_NAME, scopes=[ApiScope.PRODUCTS_READ, ApiScope.STOCK, ApiScope.ORDERS],
            prefix=raw[:12], key_hash=api_key_hash(raw), created_by=owner,
        )
    endpoint = WebhookEndpoint.objects.filter(vendor=vendor, url=ENDPOINT_URL).first()
    if endpoint is None:
        endpoint = WebhookEndpoint.objects.create(
            vendor=vendor, url=ENDPOINT_URL, events=list(WebhookEvent.values), created_by=owner,
            # Derived from the seed, not random: the same demo each time, and never a real secret.
            secret="whsec_" + hashlib.sha256(f"demo-webhook:{vendor.pk}".encode()).hexdigest()[:48],
        )
    made = _deliveries(endpoint, rng)
    stdout.write(f"  API 키 '{key.name}' ({key.prefix}…, 키 값은 만들 때만 보입니다; 입점기업 관리자 > API 키에서 "
                 f"새로 만들어 쓰세요)")
    stdout.write(f"  웹훅 {endpoint.url}: 전송 기록 {endpoint.deliveries.count()}건 (새로 {made}건; 재시도 1건, "
                 f"실패 1건은 다시 보내기로)")


def _deliveries(endpoint: WebhookEndpoint, rng: random.Random) -> int:
    subjects = []
    for vo in (VendorOrder.objects.filter(vendor=endpoint.vendor, paid_at__isnull=False).select_related("order")
               .order_by("-paid_at", "-pk")[:6]):
        subjects.append((WebhookEvent.ORDER_PAID, f"vendor_order:{vo.pk}", vo.paid_at, {
            "vendor_order": vo.number, "order": vo.order.number, "status": "paid", "total": vo.total,
            "paid_total": vo.paid_total, "return_reason": "",
        }))
    for quote in (VendorQuote.objects.filter(vendor=endpoint.vendor).select_related("request", "request__agency")
                  .order_by("-request__created_at", "-pk")[:3]):
        subjects.append((WebhookEvent.QUOTE_REQUESTED, f"quote:{quote.pk}", quote.request.created_at, {
            "quote": quote.number, "request": quote.request.number, "title": quote.request.title,
            "reply_by": quote.request.reply_by.isoformat(), "agency": quote.request.agency.name,
        }))
    made = 0
    for n, (event, subject, at, data) in enumerate(subjects):
        if WebhookDelivery.objects.filter(endpoint=endpoint, event=event, subject=subject).exists():
            continue
        # The second one needed a retry after a 500; the fourth gave up (the receiver was down for hours).
        answers = [(500, "Internal Server Error"), (200, "ok")] if n == 1 else (
            [(503, "Service Unavailable")] * 8 if n == 3 else [(200, "ok")])
        failed = answers[-1][0] != 200
        last_at = at
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, subject=subject, payload=data, created_at=at,
            status=DeliveryStatus.FAILED if failed else DeliveryStatus.SUCCEEDED, attempts=len(answers),
            last_status_code=answers[-1][0],
        )
        for i, (code, text) in enumerate(answers):
            last_at = at + timedelta(seconds=1 + (60 * (2 ** i - 1) if i else 0))
            WebhookAttempt.objects.create(delivery=delivery, attempted_at=last_at, status_code=code,
                                          response_excerpt=text, duration_ms=rng.randint(80, 900))
        if not failed:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(delivered_at=last_at)
        made += 1
    return made
