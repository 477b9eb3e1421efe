"""Queue Celery tasks by name once the current transaction commits, through an outbox.

Services queue their follow-ups (notices, documents) through here and name the task rather
than import it: an app's `tasks.py` sits above the services it calls, so a service that
imported its own task would import its caller. The names are the tasks' explicit `name=`
(`"orders.order_paid_notify_task"`); a misspelt one fails at once, inside the caller's
transaction, not later in a worker (and tests/ddasum/test_jobs.py checks every name in the code).

The outbox: `after_commit` writes an OutboxTask row in the caller's transaction and sends the
task once it commits, with a task id naming the row (`outbox-<pk>-…`). A task that succeeds
marks its row done (the `task_postrun` receiver below, eager tasks included). A process that
dies between the commit and the send, a broker that is down, or a worker killed mid-task
leaves the row not done, and `outbox_sweep` (beat, every minute) sends it again after
OUTBOX_RETRY_AFTER_SECONDS, giving up after OUTBOX_MAX_ATTEMPTS (logged, and listed in the
admin). Every task is idempotent (notices are keyed, documents fingerprinted), so a task sent
twice does its work once.
"""
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from celery import current_app, states
from celery.signals import task_postrun
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from .celery import next_task_id
from .models import OutboxTask

logger = logging.getLogger(__name__)

OUTBOX_TASK_ID = re.compile(r"^outbox-(\d+)-")
# Rows the sweeper takes at once; the rest wait for the next minute.
SWEEP_BATCH = 500


class UnknownTask(LookupError):
    """No Celery task of that name is registered."""


@cache
def _registry():
    app = current_app._get_current_object()
    # What a worker does at start: import every app's tasks module (autodiscovery).
    app.loader.import_default_modules()
    return app.tasks


def registry_load() -> int:
    """Finalise the Celery app and import the task modules ahead of the first send; how many tasks."""
    return len(_registry())


def task(name: str):
    """The registered Celery task called `name` (for an immediate send: `jobs.task(name).delay(...)`)."""
    try:
        return _registry()[name]
    except KeyError:
        raise UnknownTask(f"no Celery task named {name!r}") from None


def after_commit(name: str, /, **kwargs) -> None:
    """Run the task `name` with `kwargs` after the current transaction commits (at once outside one).

    The outbox row is written now, in the caller's transaction: if that rolls back, nothing is
    queued; once it commits, the task is sent, and sent again by the sweeper until it has run.
    """
    found = task(name)  # a misspelt name fails here, inside the caller's transaction
    row = OutboxTask.objects.create(name=name, kwargs=kwargs)
    transaction.on_commit(lambda: _dispatch(row.pk, found.name, kwargs))


def outbox_task_id(pk: int) -> str:
    """A fresh Celery task id that names the outbox row (each send has its own id)."""
    return f"outbox-{pk}-{uuid.uuid4().hex[:12]}"


def outbox_row_id(task_id: str | None) -> int | None:
    """The outbox row a task id names, or None for a task not sent through the outbox."""
    match = OUTBOX_TASK_ID.match(task_id or "")
    return int(match.group(1)) if match else None


def _claim(pk: int, now: datetime | None = None) -> None:
    OutboxTask.objects.filter(pk=pk).update(attempts=F("attempts") + 1, dispatched_at=now or timezone.now())


def _send(pk: int, name: str, kwargs: dict) -> bool:
    """Send the row's task (`.delay`, with an id naming the row); False when the broker cannot take it.

    A send the broker refused is logged and left for the sweeper; the commit it followed stands.
    """
    token = next_task_id.set(outbox_task_id(pk))
    try:
        task(name).delay(**kwargs)
    except OperationalError as exc:
        logger.warning("outbox %s (%s) not sent, the sweeper will try again: %s", pk, name, exc)
        OutboxTask.objects.filter(pk=pk).update(last_error=f"broker: {exc}"[:2000])
        return False
    finally:
        next_task_id.reset(token)
    return True


def _dispatch(pk: int, name: str, kwargs: dict) -> bool:
    """After the commit: count the attempt, then send the task."""
    _claim(pk)
    return _send(pk, name, kwargs)


def outbox_done(task_id: str | None) -> bool:
    """Whether the outbox row this task id names is done already (for tasks with no key of their own)."""
    pk = outbox_row_id(task_id)
    return pk is not None and OutboxTask.objects.filter(pk=pk, done_at__isnull=False).exists()


@task_postrun.connect
def _outbox_task_finished(sender=None, task_id=None, state=None, retval=None, **extra):
    """A task sent through the outbox finished: success marks its row done; a failure is noted on it.

    A task declared with `outbox_forget_kwargs=True` (a mail's text) leaves no arguments behind.
    """
    pk = outbox_row_id(task_id)
    if pk is None:
        return
    if state == states.SUCCESS:
        done = {"done_at": timezone.now(), "last_error": ""}
        if getattr(sender, "outbox_forget_kwargs", False):
            done["kwargs"] = {}
        OutboxTask.objects.filter(pk=pk, done_at__isnull=True).update(**done)
    elif state == states.FAILURE:
        OutboxTask.objects.filter(pk=pk).update(last_error=f"{type(retval).__name__}: {retval}"[:2000])


@dataclass
class SweepResult:
    sent: int = 0
    gave_up: int = 0
    deleted: int = 0


def _retry_after() -> dict[str, int]:
    """Seconds before a row is sent again, for the tasks that may run longer than OUTBOX_RETRY_AFTER_SECONDS.

    A task is not sent again while it may still be running: its hard time limit and a minute.
    """
    base = settings.OUTBOX_RETRY_AFTER_SECONDS
    default_limit = current_app.conf.task_time_limit or 0
    longer = {}
    for name, found in _registry().items():
        wait = (getattr(found, "time_limit", None) or default_limit) + 60
        if wait > base:
            longer[name] = wait
    return longer


def outbox_pending(now: datetime | None = None):
    """Rows not done whose last send (or creation, if never sent) is older than OUTBOX_RETRY_AFTER_SECONDS.

    (Or than the task's own hard time limit and a minute, if that is longer.)
    """
    now = now or timezone.now()
    longer = _retry_after()
    by_wait: dict[int, list[str]] = {}
    for name, wait in longer.items():
        by_wait.setdefault(wait, []).append(name)

    def stale(cutoff):
        return Q(dispatched_at__isnull=True, created_at__lte=cutoff) | Q(dispatched_at__lte=cutoff)

    due = ~Q(name__in=list(longer)) & stale(now - timedelta(seconds=settings.OUTBOX_RETRY_AFTER_SECONDS))
    for wait, names in by_wait.items():
        due |= Q(name__in=names) & stale(now - timedelta(seconds=wait))
    return OutboxTask.objects.filter(done_at__isnull=True, gave_up_at__isnull=True).filter(due)


def outbox_sweep(*, now: datetime | None = None) -> SweepResult:
    """Send again the tasks committed but not done; give up on those sent OUTBOX_MAX_ATTEMPTS times.

    The rows are claimed (attempt counted, send time stamped) under a row lock that a second
    sweeper skips, and sent after that commits. Done rows older than OUTBOX_KEEP_DAYS are deleted.
    """
    now = now or timezone.now()
    result = SweepResult()
    sends = []
    with transaction.atomic():
        rows = list(outbox_pending(now).select_for_update(skip_locked=True).order_by("pk")[:SWEEP_BATCH])
        for row in rows:
            if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS or row.name not in _registry():
                reason = "unknown task" if row.name not in _registry() else f"{row.attempts} attempts"
                OutboxTask.objects.filter(pk=row.pk).update(gave_up_at=now)
                logger.error("outbox %s gave up: %s(%s) after %s; last error: %s", row.pk, row.name, row.kwargs,
                             reason, row.last_error or "-")
                result.gave_up += 1
                continue
            _claim(row.pk, now)
            sends.append((row.pk, row.name, row.kwargs))
    for pk, name, kwargs in sends:
        logger.info("outbox %s: %s(%s) sent again", pk, name, kwargs)
        result.sent += _send(pk, name, kwargs)
    keep = now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    result.deleted, _ = OutboxTask.objects.filter(done_at__lt=keep).delete()
    return result


def outbox_retry(*, ids) -> int:
    """The operator sends given-up (or stuck) rows again: their count starts over."""
    rows = list(OutboxTask.objects.filter(pk__in=list(ids), done_at__isnull=True).values_list("pk", "name", "kwargs"))
    OutboxTask.objects.filter(pk__in=[pk for pk, _name, _kwargs in rows]).update(gave_up_at=None, attempts=0)
    for pk, name, kwargs in rows:
        transaction.on_commit(lambda pk=pk, name=name, kwargs=kwargs: _dispatch(pk, name, kwargs))
    return len(rows)
