"""One way to tell someone something: `notify(kind, recipient, context, dedupe_key)`.

notify() writes one Message per event and person (its `dedupe_key` is unique, so a task that
runs twice, or two workers at once, write it once) and one Delivery per channel, then sends
the deliveries that are due. A delivery is claimed by a conditional UPDATE before it is sent,
so no two processes send the same one; a provider that does not answer leaves it pending and
raises (an OSError: the calling task retries with backoff and sends only what is still
pending). Marketing kinds need the member's consent and wait for 08:00 when written at night.

Callers inside a transaction use `notify_after_commit` (the outbox sends the task after the
commit); Celery tasks call `notify` directly.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from accounts.services import absolute_url, email_send, notification_create
from ddasum import jobs

from .backends import SendResult, TextMessage, text_backend
from .kinds import ALIMTALK, CHOOSABLE, EMAIL, IN_APP, SMS, Kind, kind_get, template_render
from .models import ChannelPreference, Delivery, DeliveryStatus, MarketingConsent, Message

logger = logging.getLogger(__name__)

# Marketing is never sent from 21:00 to 08:00 (Korean time; 정보통신망법 제50조 ③).
QUIET_START, QUIET_END = time(21, 0), time(8, 0)
# A delivery claimed this long ago by a process that never finished may be claimed again.
CLAIM_STALE = timedelta(minutes=10)
# After this many tries a provider that still does not answer is given up on (logged as failed).
MAX_ATTEMPTS = 8


class MissingVariables(ValueError):
    """A kind's 알림톡 template needs variables the caller did not give."""


@dataclass(frozen=True)
class Recipient:
    user: User | None = None
    email: str = ""
    phone: str = ""
    name: str = ""

    @classmethod
    def member(cls, user: User, *, email: str = "", phone: str = "", name: str = "") -> "Recipient":
        return cls(user=user, email=email or user.email, phone=phone or user.phone, name=name or user.name)


def quiet_until(moment: datetime) -> datetime | None:
    """08:00 (Korean time) after `moment` if it falls in the quiet hours, else None."""
    local = timezone.localtime(moment)
    if QUIET_END <= local.time() < QUIET_START:
        return None
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, QUIET_END), timezone.get_current_timezone())


def marketing_agreed(user: User | None) -> bool:
    if user is None:
        return False
    consent = MarketingConsent.objects.filter(user=user).first()
    return bool(consent and consent.agreed)


def channels_chosen(user: User, kind: Kind) -> set[str]:
    """The channels `user` gets `kind` by: the kind's default, changed by the member's choices."""
    chosen = set(kind.default_channels)
    if kind.choosable:
        for channel, enabled in ChannelPreference.objects.filter(user=user, kind=kind.code).values_list(
                "channel", "enabled"):
            if channel in CHOOSABLE:
                (chosen.add if enabled else chosen.discard)(channel)
    return chosen


def kind_opted_out(user: User, code: str) -> bool:
    """True when the member switched off every channel of a kind they may choose (a digest they do not want)."""
    kind = kind_get(code)
    return kind.choosable and not (channels_chosen(user, kind) & set(CHOOSABLE))


def channels_for(kind: Kind, recipient: Recipient) -> list[str]:
    """The channels this message goes by, given who the recipient is and how they can be reached."""
    if kind.marketing and not marketing_agreed(recipient.user):
        return []
    chosen = channels_chosen(recipient.user, kind) if recipient.user else set(kind.default_channels)
    if recipient.user:
        chosen.add(IN_APP)
    else:
        chosen.discard(IN_APP)
    if not recipient.email:
        chosen.discard(EMAIL)
    if not _digits(recipient.phone):
        chosen -= {SMS, ALIMTALK}
    if not kind.has_template:
        chosen.discard(ALIMTALK)
    if ALIMTALK in chosen:
        chosen.discard(SMS)  # a 알림톡 that fails is replaced by the SMS: never both
    return [c for c in (IN_APP, EMAIL, ALIMTALK, SMS) if c in chosen]


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


def notify(kind: str, recipient: Recipient, context: dict, dedupe_key: str, *, now: datetime | None = None) -> bool:
    """Tell `recipient` of an event of `kind`, once per `dedupe_key`; True if anything was sent now.

    `context`: title, body, url (the in-app notice and the default mail), optionally
    email_subject and email_body, and `variables` for the kind's 알림톡 template.
    """
    found = kind_get(kind)
    variables = {k: str(v) for k, v in (context.get("variables") or {}).items()}
    missing = [v for v in found.variables if v not in variables]
    if missing:
        raise MissingVariables(f"{kind}: missing {', '.join(missing)}")
    now = now or timezone.now()
    message = _message_write(found, recipient, context, variables, dedupe_key, now)
    if message is None:
        return False
    return deliveries_send(message_id=message.pk, now=now) > 0


def _message_write(kind: Kind, recipient: Recipient, context: dict, variables: dict, dedupe_key: str,
                   now: datetime) -> Message | None:
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing:
        return existing
    channels = channels_for(kind, recipient)
    if not channels:
        logger.info("%s for %s: no channel (no consent or no address)", kind.code, dedupe_key)
        return None
    not_before = (quiet_until(now) if kind.marketing else None) or now
    try:
        with transaction.atomic():
            message = Message.objects.create(
                dedupe_key=dedupe_key, kind=kind.code, user=recipient.user, name=recipient.name,
                email=recipient.email, phone=recipient.phone, title=context["title"][:200],
                body=context.get("body", ""), url=context.get("url", "")[:300],
                email_subject=context.get("email_subject", "")[:250], email_body=context.get("email_body", ""),
                variables=variables, created_at=now)
            Delivery.objects.bulk_create(Delivery(message=message, channel=c, not_before=not_before)
                                         for c in channels)
    except IntegrityError:  # another worker wrote it first
        return Message.objects.get(dedupe_key=dedupe_key)
    return message


def notify_after_commit(kind: str, recipient: Recipient, context: dict, dedupe_key: str) -> None:
    """notify() after the current transaction commits (through the outbox)."""
    jobs.after_commit("notifications.notify_task", kind=kind, user_id=recipient.user.pk if recipient.user else None,
                      email=recipient.email, phone=recipient.phone, name=recipient.name, context=context,
                      dedupe_key=dedupe_key)


def deliveries_send(*, message_id: int, now: datetime | None = None) -> int:
    """Send the message's deliveries that are due; how many went now. Raises ProviderUnavailable after trying all."""
    now = now or timezone.now()
    sent, unavailable = 0, None
    for delivery_id in Delivery.objects.filter(message_id=message_id, status=DeliveryStatus.PENDING,
                                               not_before__lte=now).order_by("pk").values_list("pk", flat=True):
        try:
            sent += delivery_send(delivery_id=delivery_id, now=now)
        except OSError as exc:
            unavailable = exc
    if unavailable is not None:
        raise unavailable
    return sent


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for this process: one conditional UPDATE, so only one process wins."""
    free = Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_STALE)
    return bool(Delivery.objects.filter(free, pk=delivery_id, not_before__lte=now).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1))


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> int:
    """Send one delivery if it is still to be sent; 1 if it went (or its SMS replacement did), else 0."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return 0
    delivery = Delivery.objects.select_related("message", "message__user").get(pk=delivery_id)
    message = delivery.message
    try:
        result = _CHANNELS[delivery.channel](message)
    except OSError as exc:
        gave_up = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING, claimed_at=None,
            result_message=f"{type(exc).__name__}: {exc}"[:300])
        if gave_up:
            logger.error("%s of message %s given up after %s attempts: %s", delivery.channel, message.pk,
                         delivery.attempts, exc)
            return 0
        logger.warning("%s of message %s not sent, will retry: %s", delivery.channel, message.pk, exc)
        raise
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT if result.ok else DeliveryStatus.FAILED, sent_at=timezone.now() if result.ok else None,
        backend=_backend_name(delivery.channel), provider_message_id=result.message_id[:100],
        provider_group_id=result.group_id[:100], result_code=result.code[:20], result_message=result.detail[:300])
    logger.info("message %s (%s) %s: %s %s id=%s group=%s", message.pk, message.kind, delivery.channel,
                "sent" if result.ok else "failed", result.code, result.message_id, result.group_id)
    if result.ok:
        return 1
    if delivery.channel == ALIMTALK:
        return _sms_fallback(delivery, now)
    return 0


def _sms_fallback(alimtalk: Delivery, now: datetime) -> int:
    """The 알림톡 was refused: send the same text as an SMS/LMS instead."""
    try:
        with transaction.atomic():
            sms = Delivery.objects.create(message_id=alimtalk.message_id, channel=SMS, fallback_of=alimtalk,
                                          not_before=now)
    except IntegrityError:
        return 0
    return delivery_send(delivery_id=sms.pk, now=now)


def _backend_name(channel: str) -> str:
    if channel in (SMS, ALIMTALK):
        return settings.MESSAGE_TEXT_BACKEND.rsplit(".", 1)[-1]
    return "mail" if channel == EMAIL else "in-app"


# --- channels ---------------------------------------------------------------------------


def _send_in_app(message: Message) -> SendResult:
    if message.user is None:
        return SendResult(ok=False, detail="no member")
    notice = notification_create(user=message.user, title=message.title, body=message.body, url=message.url,
                                 key=message.dedupe_key[:150])
    return SendResult(ok=True, message_id=str(notice.pk))


def _send_email(message: Message) -> SendResult:
    body = message.email_body or (f"{message.body}\n\n{absolute_url(message.url)}" if message.url else message.body)
    email_send(to=[message.email], subject=message.email_subject or f"[따숨몰] {message.title}", body=body)
    return SendResult(ok=True)


def _text(message: Message) -> str:
    kind = kind_get(message.kind)
    if kind.has_template:
        return template_render(kind, message.variables)
    return f"[따숨몰] {message.title}\n{message.body}".strip()


def template_id(kind_code: str) -> str:
    return settings.SOLAPI_TEMPLATE_IDS.get(kind_code) or f"DDASUM_{kind_code.upper()}"


def _send_text(message: Message, channel: str) -> SendResult:
    text_message = TextMessage(
        channel=channel, to=_digits(message.phone), text=_text(message), subject=f"[따숨몰] {message.title}",
        template_id=template_id(message.kind) if channel == ALIMTALK else "",
        variables=message.variables if channel == ALIMTALK else {})
    return text_backend().send(text_message)


_CHANNELS = {
    IN_APP: _send_in_app,
    EMAIL: _send_email,
    SMS: lambda m: _send_text(m, SMS),
    ALIMTALK: lambda m: _send_text(m, ALIMTALK),
}


def deliveries_due(*, now: datetime | None = None, older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Deliveries nobody is sending: waiting past their hour (marketing at night) or left by a failed task."""
    now = now or timezone.now()
    waited = Q(not_before__gt=F("message__created_at"))
    left = Q(message__created_at__lt=now - older_than)
    stale = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_STALE)
    return list(Delivery.objects.filter((Q(status=DeliveryStatus.PENDING) & (waited | left)) | stale,
                                        not_before__lte=now).order_by("pk").values_list("pk", flat=True)[:500])


# --- preferences --------------------------------------------------------------------------


@transaction.atomic
def preferences_save(*, user: User, chosen: dict[str, set[str]], marketing: bool, now: datetime | None = None) -> None:
    """Store the member's channels per kind (`chosen`: kind → channels on) and marketing consent."""
    now = now or timezone.now()
    for code, channels in chosen.items():
        kind = kind_get(code)
        for channel in CHOOSABLE:
            ChannelPreference.objects.update_or_create(user=user, kind=kind.code, channel=channel,
                                                       defaults={"enabled": channel in channels})
    consent, _created = MarketingConsent.objects.select_for_update().get_or_create(user=user)
    if marketing and not consent.agreed:
        consent.agreed_at, consent.withdrawn_at = now, None
        consent.save(update_fields=["agreed_at", "withdrawn_at"])
    elif not marketing and consent.agreed:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
