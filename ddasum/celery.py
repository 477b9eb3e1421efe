"""The Celery app: configuration comes from Django settings (CELERY_* names)."""
import os
from contextvars import ContextVar

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun

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
