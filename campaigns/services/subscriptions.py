"""Consent to campaign mail (기획전 소식 수신 동의), unsubscribing, and the campaign mails.

Consent is recorded with its moment and the exact sentence the person agreed to (in the
language it was shown in). Unsubscribing needs no login: the token in every mail is enough.
Subscribing again after unsubscribing records a new consent (new time, new text).

Two mails per campaign, each sent at most once to each subscription:

- "starts" (기획전 시작): for a published campaign live now whose start notice has not been
  completed. A campaign published after its start still gets it while it is live.
- "ends_soon" (내일 마감): for a live campaign ending within ENDS_SOON_WITHIN.

`campaign_mails_send` (hourly beat) finds what is due and queues one batch task per
(campaign, kind). The batch inserts the CampaignMailSent row and sends the mail in one
transaction per subscription: the unique row stops a retry or a second worker (which
waits on the row until the first commits, then skips); a failed send rolls its row back,
so the next run tries that person again. When a batch leaves nobody out the campaign is
stamped (start_notified_at / ending_notified_at) and later runs skip it without a query
per subscription. People who subscribe after that stamp get no late copy of that notice.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import absolute_url, email_send
from ddasum import jobs

from ..exceptions import CampaignError
from ..models import Campaign, CampaignMailSent, Subscription

logger = logging.getLogger(__name__)

CONSENT_TEXT = gettext_lazy(
    "[선택] 따숨몰의 기획전·이벤트 소식(기획전 시작, 마감 하루 전 안내)을 이메일로 받는 데 동의합니다. "
    "수집 항목: 이메일 주소. 보유 기간: 수신 거부 시까지. 메일 아래의 수신 거부 링크로 언제든 철회할 수 있습니다."
)
ENDS_SOON_WITHIN = timedelta(hours=24)
BATCH_SIZE = 200
Kind = CampaignMailSent.Kind
_STAMP = {Kind.STARTS: "start_notified_at", Kind.ENDS_SOON: "ending_notified_at"}


class SubscriptionError(CampaignError):
    """Subscribing or unsubscribing cannot be done as asked."""


# --- consent ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscribeResult:
    subscription: Subscription
    outcome: str  # "new", "renewed" (was unsubscribed) or "already"


@transaction.atomic
def subscription_subscribe(*, email: str, consent_text: str, user=None, now: datetime | None = None) -> SubscribeResult:
    """Record consent for `email`; a signed-in user is linked when it is their own address."""
    now = now or timezone.now()
    email = (email or "").strip().lower()
    if not email:
        raise SubscriptionError(_("이메일을 입력해 주세요."))
    consent_text = str(consent_text).strip()[:300]
    if not consent_text:
        raise SubscriptionError(_("수신 동의 문구가 없습니다."))
    owner = user if (user and user.is_authenticated and user.email.lower() == email) else None
    subscription = Subscription.objects.select_for_update().filter(email=email).first()
    if subscription is None:
        try:
            with transaction.atomic():
                subscription = Subscription.objects.create(
                    email=email, user=owner, consented_at=now, consent_text=consent_text)
            return SubscribeResult(subscription, "new")
        except IntegrityError:  # the same address at the same moment from another request
            subscription = Subscription.objects.select_for_update().get(email=email)
    fields = []
    if owner and subscription.user_id != owner.pk:
        subscription.user = owner
        fields.append("user")
    if subscription.unsubscribed_at is None:
        if fields:
            subscription.save(update_fields=fields)
        return SubscribeResult(subscription, "already")
    subscription.unsubscribed_at = None
    subscription.consented_at = now
    subscription.consent_text = consent_text
    subscription.save(update_fields=[*fields, "unsubscribed_at", "consented_at", "consent_text"])
    return SubscribeResult(subscription, "renewed")


@transaction.atomic
def subscription_unsubscribe(*, token: str, now: datetime | None = None) -> Subscription:
    """Stop the mails of the subscription holding `token` (repeating it changes nothing)."""
    subscription = Subscription.objects.select_for_update().filter(token=token).first()
    if subscription is None:
        raise SubscriptionError(_("수신 거부 링크가 올바르지 않습니다."))
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = now or timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
    return subscription


def subscription_for_user(user) -> Subscription | None:
    if not (user and user.is_authenticated):
        return None
    return Subscription.objects.filter(email=user.email.lower()).first()


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute_url(reverse("campaigns:unsubscribe", args=[subscription.token]))


# --- campaign mails -------------------------------------------------------------------------


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _campaign_url(campaign: Campaign) -> str:
    return absolute_url(campaign.get_absolute_url())


def campaign_mail(campaign: Campaign, kind: str, subscription: Subscription) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of a campaign mail, with its unsubscribe link."""
    with translation.override(settings.LANGUAGE_CODE):
        if kind == Kind.STARTS:
            subject = _("[따숨몰] 기획전 시작: %(title)s") % {"title": campaign.title}
            lead = _("「%(title)s」 행사가 지금 시작되었습니다. %(end)s까지 기획전 가격으로 만나 보세요.") % {
                "title": campaign.title, "end": _when(campaign.ends_at)}
        else:
            subject = _("[따숨몰] 내일 마감: %(title)s") % {"title": campaign.title}
            lead = _("「%(title)s」 행사가 %(end)s에 끝납니다. 기획전 가격은 마감 전에 주문하셔야 적용됩니다.") % {
                "title": campaign.title, "end": _when(campaign.ends_at)}
        link = _campaign_url(campaign)
        stop = unsubscribe_url(subscription)
        period = _("기간: %(start)s ~ %(end)s") % {"start": _when(campaign.starts_at), "end": _when(campaign.ends_at)}
        why = _("이 메일은 %(email)s 주소로 따숨몰 기획전 소식 수신에 동의하셔서 보내 드립니다.") % {
            "email": subscription.email}
        stop_line = _("더 받지 않으시려면: %(url)s") % {"url": stop}
        info = settings.OPERATOR_INFO
        contact = _("따숨몰 고객센터 %(phone)s · %(email)s") % {"phone": info["phone"], "email": info["email"]}
        text = "\n".join([lead, "", period, _("기획전 보기: %(url)s") % {"url": link}, "", "--", why, stop_line,
                          contact])
        html = (
            f"<p>{escape(lead)}</p><p>{escape(period)}<br>"
            f'<a href="{escape(link)}">{escape(_("기획전 보기"))}</a></p><hr>'
            f'<p style="font-size:12px;color:#667085">{escape(why)}<br>'
            f'<a href="{escape(stop)}">{escape(_("수신 거부"))}</a> · {escape(contact)}</p>'
        )
    return subject, text, html


def campaign_mails_due(now: datetime | None = None) -> list[tuple[int, str]]:
    """(campaign id, kind) of every notice due at `now` and not yet completed (two queries)."""
    now = now or timezone.now()
    live = Campaign.objects.live(now)
    starts = live.filter(start_notified_at__isnull=True).order_by("starts_at", "pk").values_list("pk", flat=True)
    ending = (live.filter(ending_notified_at__isnull=True, ends_at__lte=now + ENDS_SOON_WITHIN)
              .order_by("ends_at", "pk").values_list("pk", flat=True))
    return [(pk, Kind.STARTS) for pk in starts] + [(pk, Kind.ENDS_SOON) for pk in ending]


def campaign_mails_send(now: datetime | None = None) -> int:
    """Queue one batch task per due (campaign, kind); returns how many were queued. Safe to repeat."""
    due = campaign_mails_due(now)
    # A moment given by the caller (tests, a re-run for a past hour) goes with the batches;
    # otherwise each batch judges by its own clock when it runs.
    moment = now.isoformat() if now else None
    batch_task = jobs.task("campaigns.campaign_mail_batch_task")
    for campaign_id, kind in due:
        batch_task.delay(campaign_id=campaign_id, kind=str(kind), now=moment)
    return len(due)


def _pending(campaign_id: int, kind: str, skip: set[int]):
    sent = CampaignMailSent.objects.filter(campaign_id=campaign_id, kind=kind, subscription_id=OuterRef("pk"))
    return (Subscription.objects.filter(unsubscribed_at__isnull=True).exclude(pk__in=skip)
            .filter(~Exists(sent)).order_by("pk"))


def _send_one(campaign: Campaign, kind: str, subscription: Subscription, now: datetime) -> bool:
    """Insert the once-row and send, in one transaction; False if it was already sent (or is being)."""
    try:
        with transaction.atomic():
            CampaignMailSent.objects.create(campaign=campaign, subscription=subscription, kind=kind, sent_at=now)
            subject, text, html = campaign_mail(campaign, kind, subscription)
            email_send(to=[subscription.email], subject=subject, body=text, html=html)
    except IntegrityError:
        return False
    return True


def campaign_mail_batch_send(*, campaign_id: int, kind: str, now: datetime | None = None) -> int:
    """Send one notice of one campaign to every active subscription that has not had it; returns how many."""
    now = now or timezone.now()
    if kind not in _STAMP:
        raise SubscriptionError(f"unknown campaign mail kind {kind!r}")
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or not campaign.is_live(now):
        return 0
    if kind == Kind.ENDS_SOON and campaign.ends_at > now + ENDS_SOON_WITHIN:
        return 0
    sent, failed = 0, set()
    while True:
        chunk = list(_pending(campaign.pk, kind, failed)[:BATCH_SIZE])
        if not chunk:
            break
        for subscription in chunk:
            try:
                sent += _send_one(campaign, kind, subscription, now)
            except Exception:  # the mail server refused: no row kept, the next run tries again
                logger.exception("campaign mail %s to subscription %s failed", kind, subscription.pk)
                failed.add(subscription.pk)
    if not failed:
        Campaign.objects.filter(pk=campaign.pk, **{f"{_STAMP[kind]}__isnull": True}).update(**{_STAMP[kind]: now})
    logger.info("campaign %s mail %s: %s sent, %s failed", campaign.pk, kind, sent, len(failed))
    return sent

