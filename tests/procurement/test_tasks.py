"""procurement.tasks: every task of the app, named procurement.<function>, with its retry options."""
from celery import current_app
from celery.local import Proxy
from django.conf import settings

from ddasum import jobs
from procurement import tasks

NOTICE = ((OSError,), 5)  # mail may fail: tried again, with backoff
DOCUMENT = ((OSError,), 3)  # a PDF render that hits a disk error
NONE = (None, None)

# Each task and its retries, as they were where the tasks were defined before (services, documents, bundle).
TASKS = {
    "agency_confirm_mail_task": NOTICE,
    "membership_decided_notify_task": NOTICE,
    "quote_request_notify_task": NOTICE,
    "quote_answered_notify_task": NOTICE,
    "quote_declined_notify_task": NOTICE,
    "quote_request_cancelled_notify_task": NOTICE,
    "quote_message_notify_task": NOTICE,
    "quotes_remind_unanswered_task": NONE,
    "po_issued_notify_task": NOTICE,
    "po_event_notify_task": NOTICE,
    "po_notice_task": NOTICE,
    "record_decided_notify_task": NOTICE,
    "need_posted_notify_task": NOTICE,
    "proposal_notify_task": NOTICE,
    "needs_close_due_task": NONE,
    "quote_pdf_task": DOCUMENT,
    "po_pdf_task": DOCUMENT,
    "delivery_note_pdf_task": DOCUMENT,
    "bundle_build_task": NONE,
}


def _module_tasks() -> dict:
    return {name: value for name, value in vars(tasks).items() if isinstance(value, Proxy) and hasattr(value, "delay")}


def test_every_task_is_here_and_named_after_its_function():
    found = _module_tasks()
    assert sorted(found) == sorted(TASKS)
    for function_name, task in found.items():
        assert task.name == f"procurement.{function_name}"
        assert current_app.tasks[task.name] is task._get_current_object()
        assert jobs.task(task.name) is task._get_current_object()


def test_retry_options_are_kept():
    for function_name, (autoretry_for, max_retries) in TASKS.items():
        task = getattr(tasks, function_name)
        if autoretry_for is None:
            assert not getattr(task, "autoretry_for", None), function_name
        else:
            assert (task.autoretry_for, task.max_retries, task.retry_backoff) == (autoretry_for, max_retries, True), \
                function_name


def test_the_beat_runs_the_two_procurement_tasks_by_their_names():
    procurement_entries = {key: entry["task"] for key, entry in settings.CELERY_BEAT_SCHEDULE.items()
                           if key.startswith("procurement-")}
    assert procurement_entries == {
        "procurement-remind-unanswered": "procurement.quotes_remind_unanswered_task",
        "procurement-needs-close-due": "procurement.needs_close_due_task",
    }
