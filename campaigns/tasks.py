"""Celery tasks of campaigns: thin wrappers taking ids, safe to run twice."""
import logging

from celery import shared_task
from django.utils.dateparse import parse_datetime

from .services.campaigns import item_event_notify
from .services.naver_feed import naver_feed_generate
from .services.subscriptions import campaign_mail_batch_send, campaign_mails_send
from .services.wish_notices import wish_campaign_notices_send

logger = logging.getLogger(__name__)


@shared_task(name="campaigns.item_event_notify_task", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def item_event_notify_task(*, event_id: int) -> int:
    """Tell the vendor about the operator's decision on its campaign application, once."""
    sent = item_event_notify(event_id=event_id)
    logger.info("campaign item event %s: %s notified", event_id, sent)
    return sent


@shared_task(name="campaigns.campaign_mails_send_task")
def campaign_mails_send_task() -> int:
    """Hourly: queue the campaign start and ends-tomorrow mails that are due."""
    return campaign_mails_send()


@shared_task(name="campaigns.campaign_mail_batch_task")
def campaign_mail_batch_task(*, campaign_id: int, kind: str, now: str | None = None) -> int:
    """Send one campaign notice to whoever has not had it (idempotent)."""
    moment = parse_datetime(now) if now else None
    return campaign_mail_batch_send(campaign_id=campaign_id, kind=kind, now=moment)


@shared_task(name="campaigns.wish_campaign_notices_send_task", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def wish_campaign_notices_send_task() -> int:
    """Every half hour: tell wishers of products on a live campaign price, once per campaign item."""
    return wish_campaign_notices_send()


@shared_task(name="campaigns.naver_feed_generate_task", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def naver_feed_generate_task() -> int:
    """Hourly: write the 네이버 쇼핑 feed from what is on sale now (a missed run is made up by the next)."""
    result = naver_feed_generate()
    logger.info("naver feed: %s rows, changed=%s", result.rows, result.changed)
    return result.rows
