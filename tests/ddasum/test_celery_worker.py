"""A task sent through Redis to a real Celery worker process changes rows in PostgreSQL.

Runs in the PostgreSQL + Redis pass of .ci/run; on the embedded default it skips with the
reason (and fails instead when DDASUM_REQUIRE_SERVICES=1, so CI cannot skip it silently).
"""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Notification
from ddasum.celery import app as celery_app
from ddasum.celery import queue_names
from tests.factories import MembershipFactory, VendorFactory
from vendors.models import VendorStatus, VendorStatusEvent
from vendors.tasks import vendor_status_notify_task

pytestmark = [pytest.mark.real_celery, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _require_services():
    missing = []
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL to PostgreSQL")
    if not settings.REDIS_URL:
        missing.append("REDIS_URL")
    if missing:
        reason = "needs " + " and ".join(missing)
        if os.environ.get("DDASUM_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def worker():
    _require_services()
    db = connection.settings_dict
    database_url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # The worker takes the test's queue and its kinds (documents, messages), where its follow-ups go.
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.REDIS_URL, "DJANGO_ENV": "local",
           "CELERY_QUEUE": queue}
    log = open(ROOT / "var" / f"celery-{queue}.log", "w+") if (ROOT / "var").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ddasum", "worker", "-P", "solo", "-Q", ",".join(queue_names(queue)), "-n", f"{queue}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = eager
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_task_runs_in_a_real_worker_and_writes_to_postgres(worker):
    vendor = VendorFactory(status=VendorStatus.APPROVED)
    owner = MembershipFactory(vendor=vendor).user
    event = VendorStatusEvent.objects.create(
        vendor=vendor, from_status=VendorStatus.UNDER_REVIEW, to_status=VendorStatus.APPROVED
    )
    vendor_status_notify_task.apply_async(kwargs={"event_id": event.pk}, queue=worker)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        event.refresh_from_db()
        if event.notified_at:
            break
        time.sleep(0.5)
    assert event.notified_at is not None, "the worker did not run the task within 90 s"
    assert Notification.objects.filter(user=owner, title="입점이 승인되었습니다").count() == 1
