"""Queue Celery tasks by name once the current transaction commits.

Services queue their follow-ups (notices, documents) through here and name the task rather
than import it: an app's `tasks.py` sits above the services it calls, so a service that
imported its own task would import its caller. The names are the tasks' explicit `name=`
(`"orders.order_paid_notify_task"`); a misspelt one fails at once, inside the caller's
transaction, not later in a worker (and tests/ddasum/test_jobs.py checks every name in the code).
"""
from functools import cache

from celery import current_app
from django.db import transaction


class UnknownTask(LookupError):
    """No Celery task of that name is registered."""


@cache
def _registry():
    app = current_app._get_current_object()
    # What a worker does at start: import every app's tasks module (autodiscovery).
    app.loader.import_default_modules()
    return app.tasks


def task(name: str):
    """The registered Celery task called `name`."""
    try:
        return _registry()[name]
    except KeyError:
        raise UnknownTask(f"no Celery task named {name!r}") from None


def after_commit(name: str, /, **kwargs) -> None:
    """Run the task `name` with `kwargs` after the current transaction commits (at once outside one)."""
    found = task(name)
    transaction.on_commit(lambda: found.delay(**kwargs))
