"""The Celery app: configuration comes from Django settings (CELERY_* names)."""
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ddasum.settings")

app = Celery("ddasum")
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
