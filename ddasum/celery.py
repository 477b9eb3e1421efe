"""The Celery app: configuration comes from Django settings (CELERY_* names)."""
import os
from contextvars import ContextVar

from celery import Celery, Task
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.conf import settings

from .log import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ddasum.settings")

# The id the next task sent in this context takes: ddasum.jobs sets it around `task.delay(...)` to
# name the outbox row in the task id (`outbox-<pk>-…`). `.delay` stays the one call a send makes.
next_task_id: ContextVar[str | None] = ContextVar("next_task_id", default=None)


class DdasumTask(Task):
    """Every task of the app: a send takes the id ddasum.jobs set for it, once."""

    def apply_async(self, args=None, kwargs=None, task_id=None, **options):
        preset = next_task_id.get()
        if preset and task_id is None:
            next_task_id.set(None)  # a task this one sends (eager) gets an id of its own
            task_id = preset
        return super().apply_async(args, kwargs, task_id=task_id, **options)


QUEUE_KINDS = ("documents", "messages")


def queue_names(default: str) -> list[str]:
    """Every queue of a deployment whose default queue is `default`: it and one per kind."""
    return [default, *(f"{default}.{kind}" for kind in QUEUE_KINDS)]


def task_route(name, args, kwargs, options, task=None, **kw):
    """The queue of a task by its kind (settings.TASK_QUEUE_KINDS): documents (PDFs, bundles,
    thumbnails), messages (mail, notices), or the default queue. A `queue=` given to the send wins.
    The names follow the app's default queue at send time, so one Redis can hold several sets."""
    kind = settings.TASK_QUEUE_KINDS.get(name)
    if kind is None:
        return None
    return {"queue": f"{app.conf.task_default_queue}.{kind}"}


app = Celery("ddasum", task_cls=DdasumTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks write mails and notices for other people: in the site's language (Korean), never in the
# language of whoever's request queued them. A worker has no active language anyway; this
# matters when tasks run eagerly inside a request of someone who switched to English.
_previous_language: dict[str, str | None] = {}


@task_prerun.connect
def _task_language_activate(task_id=None, **kwargs):
    from django.conf import settings
    from django.utils import translation

    _previous_language[task_id] = translation.get_language()
    translation.activate(settings.LANGUAGE_CODE)


@task_postrun.connect
def _task_language_restore(task_id=None, **kwargs):
    from django.utils import translation

    previous = _previous_language.pop(task_id, None)
    if previous:
        translation.activate(previous)
    else:
        translation.deactivate()


# The request id (ddasum.log) travels with each task sent during a request, as a message header,
# and is set again while the worker runs it: a worker's log lines name the request.
@before_task_publish.connect
def _task_request_id_send(headers=None, **kwargs):
    request_id = request_id_var.get()
    if headers is not None and request_id and not headers.get("request_id"):
        headers["request_id"] = request_id


_request_id_tokens: dict = {}


@task_prerun.connect
def _task_request_id_set(task_id=None, task=None, **kwargs):
    if task is None:
        return
    request_id = getattr(task.request, "request_id", None) or (task.request.headers or {}).get("request_id")
    if request_id:
        _request_id_tokens[task_id] = request_id_var.set(request_id)


@task_postrun.connect
def _task_request_id_reset(task_id=None, **kwargs):
    token = _request_id_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)
