"""Celery tasks of campaigns; each part defines its tasks, this module imports them so workers register them."""
from .subscriptions import campaign_mail_batch_task, campaign_mails_send_task  # noqa: F401
from .tasks_campaigns import item_event_notify_task  # noqa: F401
