from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import CHANNEL_LABELS, KINDS


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("대기")
    SENDING = "sending", _("보내는 중")
    SENT = "sent", _("보냄")
    FAILED = "failed", _("실패")
    SKIPPED = "skipped", _("보내지 않음")


ChannelChoices = models.TextChoices("ChannelChoices", [(k, (k, v)) for k, v in CHANNEL_LABELS.items()])


class Message(models.Model):
    """One event told to one person; `dedupe_key` makes a repeated task write (and send) it once."""

    dedupe_key = models.CharField(max_length=200, unique=True)
    # A code of notifications.kinds.KINDS (no choices here: a new kind needs no migration).
    kind = models.CharField(_("종류"), max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="messages")
    name = models.CharField(_("받는 분"), max_length=50, blank=True)
    email = models.EmailField(_("이메일"), blank=True)
    phone = models.CharField(_("휴대전화"), max_length=13, blank=True)
    title = models.CharField(_("제목"), max_length=200)
    body = models.TextField(_("내용"), blank=True)
    url = models.CharField(_("링크"), max_length=300, blank=True)
    # The mail's own subject and text when they differ from title/body (the order mail's frame).
    email_subject = models.CharField(max_length=250, blank=True)
    email_body = models.TextField(blank=True)
    variables = models.JSONField(_("템플릿 변수"), default=dict, blank=True)
    created_at = models.DateTimeField(_("생성 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("메시지")
        verbose_name_plural = _("메시지")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind_label} → {self.name or self.email or self.phone}"

    @property
    def kind_label(self) -> str:
        kind = KINDS.get(self.kind)
        return str(kind.label) if kind else self.kind


class Delivery(models.Model):
    """One channel of a message: what was sent, when, and what the provider answered."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("채널"), max_length=10, choices=ChannelChoices.choices)
    status = models.CharField(_("상태"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    # Not before this moment (a marketing message written at night waits for 08:00).
    not_before = models.DateTimeField(_("보낼 시각"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("시도"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("보낸 시각"), null=True, blank=True)
    backend = models.CharField(_("발송 수단"), max_length=40, blank=True)
    provider_message_id = models.CharField(_("메시지 ID"), max_length=100, blank=True)
    provider_group_id = models.CharField(_("그룹 ID"), max_length=100, blank=True)
    result_code = models.CharField(_("결과 코드"), max_length=20, blank=True)
    result_message = models.CharField(_("결과"), max_length=300, blank=True)
    fallback_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="fallbacks", verbose_name=_("대체 발송 원본"))

    class Meta:
        verbose_name = _("발송 기록")
        verbose_name_plural = _("발송 기록")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["message", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["status", "not_before"], name="delivery_due_idx")]

    def __str__(self):
        return f"{self.message_id}/{self.channel}: {self.status}"


class ChannelPreference(models.Model):
    """A member's choice for one kind and channel (no row: the kind's default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences")
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=ChannelChoices.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("수신 설정")
        verbose_name_plural = _("수신 설정")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"], name="channel_pref_once")]

    def __str__(self):
        return f"{self.kind}/{self.channel}: {self.enabled}"


class MarketingConsent(models.Model):
    """A member's consent to advertising messages (정보통신망법 제50조: asked separately, dated)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="marketing_consent")
    agreed_at = models.DateTimeField(_("광고 수신 동의 시각"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("광고 수신 철회 시각"), null=True, blank=True)

    class Meta:
        verbose_name = _("광고 수신 동의")
        verbose_name_plural = _("광고 수신 동의")

    def __str__(self):
        return f"{self.user_id}: {self.agreed_at} / {self.withdrawn_at}"

    @property
    def agreed(self) -> bool:
        return self.agreed_at is not None and self.withdrawn_at is None
