"""Outgoing webhooks: a vendor's endpoints hear about its orders and quote requests, signed.

Higher apps call `webhook_event()` inside the transaction that makes the change: it writes one
WebhookDelivery row per subscribed endpoint (the outbox; once per endpoint, event and subject)
and queues its send after the commit. `webhook_deliver()` makes one attempt: it claims the row
with a conditional UPDATE (a lease, so the task and the sweeper never send it twice at once),
posts outside any transaction, then records the answer as a WebhookAttempt. A failure is
retried after WEBHOOK_RETRY_BASE_SECONDS × 2^(attempts−1) (capped at six hours) until
WEBHOOK_MAX_ATTEMPTS; `webhook_deliveries_due()` (beat, every minute) sends what is due, so a
worker that died after the commit delays a delivery, never loses it. A vendor can replay any
delivery from the partner admin.

Each request carries `Ddasum-Signature: t=<unix time>,v1=<hex>` where v1 is
HMAC-SHA256(endpoint secret, "<t>." + body); the receiver recomputes it and refuses old `t`.
Events are thin (numbers, status, amounts, no buyer's personal data): the receiver reads the
rest through the orders API with its key.

Addresses on private, loopback, link-local or otherwise non-public networks are refused when
the endpoint is saved and again when each request is sent (the name is resolved then), unless
WEBHOOK_ALLOW_PRIVATE (tests, local development; never in production). Redirects are not followed.
"""
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ddasum import jobs

from .exceptions import NotAllowed, VendorError
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .selectors import user_is_vendor_member

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Ddasum-Signature"
RETRY_CAP = timedelta(hours=6)
EXCERPT_CHARS = 500
# How long a claimed delivery is left alone by others: longer than one request can take.
LEASE_SECONDS = 120


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value: `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _address_refusal(host: str) -> str | None:
    """Why `host` may not receive webhooks (a non-public address), or None."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return None
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return _("주소의 호스트를 찾을 수 없습니다.")
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return _("내부망, 루프백 등 공개되지 않은 주소로는 보낼 수 없습니다.")
    return None


def webhook_url_check(url: str) -> str:
    """Check an endpoint's address (https on a public host); return it, or raise VendorError."""
    url = (url or "").strip()
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if settings.WEBHOOK_ALLOW_PRIVATE else {"https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise VendorError(_("https:// 로 시작하는 주소를 적어 주세요."))
    if parts.username or parts.password:
        raise VendorError(_("주소에 아이디나 비밀번호를 넣을 수 없습니다."))
    refusal = _address_refusal(parts.hostname)
    if refusal:
        raise VendorError(refusal)
    return url


def webhook_events_clean(events) -> list[str]:
    chosen = [e for e in WebhookEvent.values if e in set(events or ())]
    if not chosen:
        raise VendorError(_("받을 이벤트를 하나 이상 골라 주세요."))
    return chosen


def _may_manage(actor, vendor_id: int) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active
                and (actor.is_staff or user_is_vendor_member(actor, vendor_id, owner_only=True)))


def webhook_endpoint_create(*, vendor_id: int, url: str, events, actor) -> WebhookEndpoint:
    """Register an endpoint (the vendor's owners); its signing secret is made here."""
    if not _may_manage(actor, vendor_id):
        raise NotAllowed(_("대표 관리자만 웹훅 주소를 등록할 수 있습니다."))
    # The name is resolved here, outside any transaction.
    url = webhook_url_check(url)
    return WebhookEndpoint.objects.create(
        vendor_id=vendor_id, url=url, events=webhook_events_clean(events),
        secret="whsec_" + secrets.token_hex(24), created_by=actor,
    )


def webhook_event(*, vendor_id: int, event: str, subject: str, data: dict) -> list[WebhookDelivery]:
    """Queue `event` about `subject` for the vendor's endpoints that want it; once per endpoint.

    Call it inside the transaction that makes the change: the rows commit with it, and their
    sends are queued after the commit (and swept if that is lost).
    """
    endpoints = [ep for ep in WebhookEndpoint.objects.filter(vendor_id=vendor_id, is_active=True)
                 if event in ep.events]
    made = []
    now = timezone.now()
    for endpoint in endpoints:
        delivery, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint, event=event, subject=subject,
            defaults={"payload": json.loads(json.dumps(data, cls=DjangoJSONEncoder)), "next_attempt_at": now,
                      "created_at": now},
        )
        if created:
            made.append(delivery)
            jobs.after_commit("vendors.webhook_deliver_task", delivery_id=delivery.pk)
    return made


def webhook_body(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": delivery.pk,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str, str]:
    """POST and return (status, response excerpt, error)."""
    refusal = _address_refusal(urlsplit(url).hostname or "")
    if refusal:
        return None, "", refusal
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, response.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")[:EXCERPT_CHARS], ""
    except urllib.error.HTTPError as exc:
        text = exc.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")[:EXCERPT_CHARS] if exc.fp else ""
        return exc.code, text, ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, "", str(reason)[:300] or exc.__class__.__name__


def _retry_delay(attempts: int) -> timedelta:
    return min(timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)), RETRY_CAP)


def _claim(delivery_id: int, now) -> bool:
    """Take the delivery for one attempt if it is due and nobody holds it (a conditional UPDATE)."""
    return bool(WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, endpoint__is_active=True,
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).update(
        next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)))


def webhook_deliver(*, delivery_id: int) -> WebhookAttempt | None:
    """Make one attempt if the delivery is due; record it and plan the next. Safe to call twice."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = webhook_body(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Ddasum-Webhooks/1",
        "Ddasum-Event": delivery.event,
        "Ddasum-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: webhook_signature(delivery.endpoint.secret, timestamp, body),
    }
    started = time.monotonic()
    status_code, excerpt, error = _post(delivery.endpoint.url, body, headers)
    elapsed = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        attempt = WebhookAttempt.objects.create(delivery=delivery, status_code=status_code,
                                                response_excerpt=excerpt, error=error, duration_ms=elapsed)
        delivery.attempts = F("attempts") + 1
        delivery.last_status_code = status_code
        delivery.save(update_fields=["attempts", "last_status_code"])
        delivery.refresh_from_db(fields=["attempts"])
        if ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                DeliveryStatus.SUCCEEDED, timezone.now(), None)
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = timezone.now() + _retry_delay(delivery.attempts)
        delivery.save(update_fields=["status", "delivered_at", "next_attempt_at"])
    if not ok:
        logger.info("webhook delivery %s attempt %s failed: %s %s", delivery.pk, delivery.attempts,
                    status_code, error)
    return attempt


def webhook_deliveries_due(*, limit: int = 25) -> int:
    """Send pending deliveries whose time has come, oldest first (beat, every minute; `limit` keeps a run
    within its time limit, the rest wait a minute). Returns the attempts made."""
    due = list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now(),
                                              endpoint__is_active=True)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if webhook_deliver(delivery_id=pk) is not None)


@transaction.atomic
def webhook_delivery_replay(*, delivery_id: int, actor) -> WebhookDelivery:
    """Send a delivery again (whatever became of it), with a fresh count of attempts."""
    delivery = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("endpoint").get(pk=delivery_id)
    member = actor and actor.is_authenticated and user_is_vendor_member(actor, delivery.endpoint.vendor_id)
    if not (member or (actor and actor.is_authenticated and actor.is_active and actor.is_staff)):
        raise NotAllowed(_("이 웹훅 전송을 다시 보낼 권한이 없습니다."))
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    jobs.after_commit("vendors.webhook_deliver_task", delivery_id=delivery.pk)
    return delivery
