"""The outbox behind ddasum.jobs.after_commit: a row in the caller's transaction, sent after the
commit, marked done by the task's success, sent again by the sweeper, given up after N tries."""
import logging
from datetime import timedelta

import pytest
from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from ddasum import jobs
from ddasum.celery import app as celery_app
from ddasum.models import OutboxTask
from ddasum.tasks import outbox_sweep_task
from tests.otp import otp_login

pytestmark = pytest.mark.django_db

RUNS: list[dict] = []
FAILS = {"left": 0}


@shared_task(name="tests.outbox_probe_task")
def outbox_probe_task(**kwargs):
    RUNS.append(kwargs)
    return len(RUNS)


@shared_task(name="tests.outbox_failing_task")
def outbox_failing_task(**kwargs):
    """Fails while FAILS["left"] > 0, then succeeds."""
    if FAILS["left"] > 0:
        FAILS["left"] -= 1
        raise RuntimeError("the mail server did not answer")
    RUNS.append(kwargs)
    return True


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    FAILS["left"] = 0
    yield
    RUNS.clear()


@pytest.fixture
def quiet_failures():
    """A worker does not raise a task's error into whoever sent it; eager tasks must not either here."""
    before = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = before


def later(seconds=3600):
    return timezone.now() + timedelta(seconds=seconds)


@pytest.mark.django_db(transaction=True)
def test_the_row_is_written_in_the_callers_transaction_and_done_once_the_task_has_run():
    with transaction.atomic():
        jobs.after_commit("tests.outbox_probe_task", order_id=7)
        row = OutboxTask.objects.get()
        assert (row.name, row.kwargs, row.attempts, row.dispatched_at, row.done_at) == (
            "tests.outbox_probe_task", {"order_id": 7}, 0, None, None)
        assert RUNS == []
    row.refresh_from_db()
    assert RUNS == [{"order_id": 7}]
    assert row.attempts == 1 and row.dispatched_at is not None and row.done_at is not None
    assert row.state == "done" and row.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_row_and_queues_nothing():
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            jobs.after_commit("tests.outbox_probe_task", order_id=8)
            raise RuntimeError("the order failed")
    assert not OutboxTask.objects.exists() and RUNS == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_row_is_written_and_the_task_sent_at_once():
    jobs.after_commit("tests.outbox_probe_task", order_id=9)
    assert RUNS == [{"order_id": 9}]
    assert OutboxTask.objects.get().state == "done"


def test_the_task_id_names_the_row():
    task_id = jobs.outbox_task_id(42)
    assert jobs.outbox_row_id(task_id) == 42
    assert jobs.outbox_task_id(42) != task_id  # each send has its own id
    assert jobs.outbox_row_id("d1c2-…") is None and jobs.outbox_row_id(None) is None


def test_a_failed_task_leaves_its_row_to_the_sweeper_with_the_error(django_capture_on_commit_callbacks,
                                                                    quiet_failures):
    FAILS["left"] = 1
    with django_capture_on_commit_callbacks(execute=True):
        jobs.after_commit("tests.outbox_failing_task", order_id=1)
    row = OutboxTask.objects.get()
    assert row.state == "pending" and row.attempts == 1
    assert "RuntimeError: the mail server did not answer" in row.last_error
    assert jobs.outbox_sweep().sent == 0  # not yet: it was sent a moment ago
    assert jobs.outbox_sweep(now=later()).sent == 1
    row.refresh_from_db()
    assert row.state == "done" and row.attempts == 2 and RUNS == [{"order_id": 1}]


def test_a_row_committed_but_never_sent_is_sent_by_the_sweeper_once(django_capture_on_commit_callbacks):
    # The process died between the commit and the send: the on-commit callback never ran.
    with django_capture_on_commit_callbacks(execute=False) as lost:
        jobs.after_commit("tests.outbox_probe_task", order_id=3)
    assert len(lost) == 1 and RUNS == []
    assert jobs.outbox_sweep(now=later(60)).sent == 0  # younger than OUTBOX_RETRY_AFTER_SECONDS: maybe in flight
    result = jobs.outbox_sweep(now=later())
    assert (result.sent, result.gave_up) == (1, 0)
    assert RUNS == [{"order_id": 3}] and OutboxTask.objects.get().state == "done"
    assert jobs.outbox_sweep(now=later(7200)).sent == 0 and len(RUNS) == 1


def test_the_sweeper_gives_up_after_the_last_attempt_and_says_so(settings, caplog, quiet_failures,
                                                                  django_capture_on_commit_callbacks):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    FAILS["left"] = 99
    with django_capture_on_commit_callbacks(execute=True):
        jobs.after_commit("tests.outbox_failing_task", order_id=5)
    for hour in (1, 2):
        assert jobs.outbox_sweep(now=later(3600 * hour)).sent == 1
    row = OutboxTask.objects.get()
    assert row.attempts == 3 and row.state == "pending"
    with caplog.at_level(logging.ERROR, logger="ddasum.jobs"):
        result = jobs.outbox_sweep(now=later(3600 * 3))
    assert (result.sent, result.gave_up) == (0, 1)
    row.refresh_from_db()
    assert row.state == "gave_up" and row.attempts == 3
    assert f"outbox {row.pk} gave up: tests.outbox_failing_task" in caplog.text
    assert "the mail server did not answer" in caplog.text
    assert jobs.outbox_sweep(now=later(3600 * 9)).sent == 0  # given up stays given up


def test_a_broker_that_is_down_does_not_fail_the_commit_and_the_sweeper_sends_later(monkeypatch,
                                                                                    django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox_probe_task, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.after_commit("tests.outbox_probe_task", order_id=4)
    row = OutboxTask.objects.get()
    assert row.state == "pending" and row.attempts == 1 and "Connection refused" in row.last_error
    monkeypatch.undo()
    assert jobs.outbox_sweep(now=later()).sent == 1
    assert RUNS == [{"order_id": 4}] and OutboxTask.objects.get().state == "done"


def test_a_long_task_is_not_sent_again_while_it_may_still_be_running(settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=False):
        jobs.after_commit("orders.settlements_monthly_task")  # may run 30 minutes (its hard limit)
        jobs.after_commit("tests.outbox_probe_task", order_id=6)
    # A short task: its hard time limit (120 s) and a minute; the settlement run: 1800 s and a minute.
    assert not jobs.outbox_pending(now=later(150)).exists()
    pending = set(jobs.outbox_pending(now=later(200)).values_list("name", flat=True))
    assert pending == {"tests.outbox_probe_task"}
    assert set(jobs.outbox_pending(now=later(1900)).values_list("name", flat=True)) == {
        "tests.outbox_probe_task", "orders.settlements_monthly_task"}


def test_a_row_of_a_task_that_no_longer_exists_is_given_up():
    OutboxTask.objects.create(name="orders.renamed_long_ago_task", kwargs={}, created_at=later(-7200))
    assert jobs.outbox_sweep().gave_up == 1


def test_done_rows_are_deleted_after_the_keeping_days(settings):
    settings.OUTBOX_KEEP_DAYS = 14
    old = OutboxTask.objects.create(name="tests.outbox_probe_task", done_at=timezone.now() - timedelta(days=15))
    recent = OutboxTask.objects.create(name="tests.outbox_probe_task", done_at=timezone.now() - timedelta(days=2))
    assert jobs.outbox_sweep().deleted == 1
    assert list(OutboxTask.objects.values_list("pk", flat=True)) == [recent.pk] and old.pk != recent.pk


def test_the_beat_task_sweeps(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        jobs.after_commit("tests.outbox_probe_task", order_id=11)
    OutboxTask.objects.update(created_at=later(-3600))
    assert outbox_sweep_task() == {"sent": 1, "gave_up": 0, "deleted": 0}
    assert RUNS == [{"order_id": 11}]


# --- the operator's view ---------------------------------------------------------------------------


def test_the_operator_sees_given_up_tasks_and_sends_them_again(client, operator, settings,
                                                               django_capture_on_commit_callbacks):
    lost = OutboxTask.objects.create(name="tests.outbox_probe_task", kwargs={"order_id": 12}, attempts=5,
                                     gave_up_at=timezone.now(), last_error="RuntimeError: SMTP 421")
    OutboxTask.objects.create(name="accounts.email_send_task", kwargs={"to": ["a@example.kr"], "body": "secret-link"},
                              done_at=timezone.now())
    otp_login(client, operator)
    url = reverse("admin:ddasum_outboxtask_changelist")
    response = client.get(url, {"state": "gave_up"})
    page = response.content.decode()
    assert [row.pk for row in response.context["cl"].result_list] == [lost.pk]
    assert "tests.outbox_probe_task" in page and "포기함" in page and "RuntimeError: SMTP 421" in page
    everything = client.get(url).content.decode()
    assert "secret-link" not in everything  # a mail's body (a reset link) is not shown
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry", "_selected_action": [lost.pk]}, follow=True)
    assert "다시 보냈습니다" in response.content.decode()
    lost.refresh_from_db()
    assert lost.state == "done" and RUNS == [{"order_id": 12}]


def test_only_the_operator_sees_the_outbox(client, owner):
    client.force_login(owner)  # a vendor's owner: the partner admin, not /admin/
    response = client.get(reverse("admin:ddasum_outboxtask_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the one task with no key of its own: a rendered mail ---------------------------------------


def test_a_mail_sent_again_by_the_outbox_after_it_went_is_not_sent_twice(mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        jobs.after_commit("accounts.email_send_task", to=["buyer@example.kr"], subject="비밀번호 재설정",
                          body="https://ddasum.kr/reset/abc/")
    row = OutboxTask.objects.get()
    assert len(mailoutbox) == 1 and row.state == "done"
    assert row.kwargs == {}  # the reset link is not kept once the mail has gone
    # Its first send had waited in a long queue; the sweeper's second one arrives after it went.
    email_task = jobs.task("accounts.email_send_task")
    assert email_task.apply(kwargs={"to": ["buyer@example.kr"], "subject": "x", "body": "y"},
                            task_id=jobs.outbox_task_id(row.pk)).get() is False
    assert len(mailoutbox) == 1
