"""A real Celery worker killed mid-task (PostgreSQL + Redis): the work comes back and is done once.

Issue 11, item 11. Each case pauses a task at a known point (tests/orders/worker_faults.py, loaded
by the worker through `--include`) and kills either the pool process running it (SIGKILL of the
child: the master hands the message back, task_reject_on_worker_lost) or the whole worker (SIGKILL
of its process group; a new worker is started, and Redis gives the unacknowledged message back
after the visibility timeout). Then: exactly one result (one settlement per vendor and month, one
statement PDF), every follow-up done once (one notice and one mail per owner), no orphan file,
every outbox row done.

Runs in the PostgreSQL + Redis pass of .ci/run (marker real_celery); on the embedded default it
skips with the reason (and fails when DDASUM_REQUIRE_SERVICES=1).
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from ddasum import jobs
from ddasum.celery import app as celery_app
from ddasum.celery import queue_names
from ddasum.models import OutboxTask
from orders.models import Document, DocumentKind, Settlement, SettlementStatus
from orders.services.settlements import previous_month
from tests.ddasum.test_celery_worker import _require_services
from tests.factories import MembershipFactory, ProductFactory, VendorFactory

from .helpers import paid_vendor_order, vendor_order_completed

pytestmark = [pytest.mark.real_celery, pytest.mark.django_db(transaction=True), pytest.mark.local_files]

ROOT = Path(__file__).resolve().parents[2]
# Short for the test worker only: Redis gives a dead worker's message back after this many seconds.
VISIBILITY_SECONDS = 10
WAIT_SECONDS = 120


class Workers:
    """Celery workers of one test: one queue, one Redis, the test's database and file directories."""

    def __init__(self, *, queue: str, env: dict, log_dir: Path):
        self.queue, self.env, self.log_dir = queue, env, log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        # From here on the test process sends through Redis to this queue (what it set up before ran eagerly).
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_default_queue = self.queue
        n = len(self.procs) + 1
        log_path = self.log_dir / f"worker-{n}.log"
        log = open(log_path, "w+")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ddasum", "worker", "-P", "prefork", "-c", "1",
             "-Q", ",".join(queue_names(self.queue)), "-n", f"{self.queue}-{n}@%h", "--include", "tests.orders.worker_faults",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        proc.log_path = log_path
        self.procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if " ready." in log_path.read_text(errors="replace"):
                return proc
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"worker {n} did not start:\n{log_path.read_text(errors='replace')[-3000:]}")

    def kill_all(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool: nothing is acknowledged or handed back."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=20)

    def logs(self) -> str:
        return "\n".join(f"--- {p.log_path.name}\n{p.log_path.read_text(errors='replace')[-4000:]}" for p in self.procs)


def _redis_forget(queue: str) -> None:
    """Remove the test queue's messages, waiting or unacknowledged, from Redis."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{queue}*"):
        client.delete(key)
    for tag, raw in client.hscan_iter("unacked"):
        try:
            routing_key = json.loads(raw)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture
def faults(request, settings, tmp_path):
    """Start workers with `faults.start(pause=...)`; the test process sends through Redis to their queue."""
    _require_services()
    db = connection.settings_dict
    queue = f"test-faults-{uuid.uuid4().hex[:8]}"
    fault_dir = tmp_path / "faults"
    mail_dir = tmp_path / "mail"
    fault_dir.mkdir()
    mail_dir.mkdir()
    env = {
        # The files are checked on disk (local_files): no object store for these workers.
        **{name: value for name, value in os.environ.items() if not name.startswith("S3_")},
        "DJANGO_ENV": "local",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                        f"/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
        "CELERY_UNACKED_RESTORE_SECONDS": "1",
        **settings.TEST_STORAGE_ENV,
        "EMAIL_FILE_PATH": str(mail_dir),
        "FAULT_DIR": str(fault_dir),
    }
    env.pop("EMAIL_URL", None)
    eager, default_queue = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    workers = Workers(queue=queue, env=env, log_dir=tmp_path)
    workers.fault_dir, workers.mail_dir = fault_dir, mail_dir
    workers.private_root = Path(env["PRIVATE_MEDIA_ROOT"])
    try:
        yield workers
    finally:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.task_default_queue = default_queue
        workers.stop()
        _redis_forget(queue)


def wait_for(what: str, check, workers: Workers, seconds: int = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what}: not within {seconds} s\n{workers.logs()}")


def kill_at_the_pause(workers: Workers, worker: subprocess.Popen, how: str) -> None:
    """Wait for the task to reach its pause, then SIGKILL the pool child or the whole worker."""
    marker = workers.fault_dir / "paused"
    pid = int(wait_for("the task reaching its pause", lambda: marker.exists() and marker.read_text().strip(),
                       workers))
    if how == "child":
        assert pid != worker.pid  # the pool process, not the worker's main process
        os.kill(pid, signal.SIGKILL)
    else:
        workers.kill_all(worker)
        workers.start()  # the deployment's supervisor starts it again


# --- what was made ------------------------------------------------------------------------------


def kst(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


def last_month_sales(vendors) -> None:
    """One vendor order of each vendor, confirmed (구매 확정) in the month that just ended."""
    start, _end = previous_month()
    for vendor in vendors:
        variant = ProductFactory(vendor=vendor, variants=[{"name": "기본", "price": 10000, "stock": 100}]
                                 ).variants.get()
        vendor_order_completed(paid_vendor_order(variant), at=kst(start.year, start.month, 10, 9))


def files_under(root: Path, folder: str) -> list[str]:
    base = root / folder
    return sorted(str(p.relative_to(root)) for p in base.rglob("*") if p.is_file()) if base.exists() else []


def mails(mail_dir: Path) -> int:
    """Mails the worker sent (the file backend writes one file per mail sent here)."""
    return len([p for p in mail_dir.iterdir() if p.is_file()])


def settled(vendors) -> bool:
    return (Settlement.objects.filter(vendor__in=vendors).count() == len(vendors)
            and Document.objects.filter(kind=DocumentKind.SETTLEMENT).exclude(file="").count() == len(vendors)
            and Notification.objects.filter(key__startswith="settlement-built:").count() == len(vendors)
            and not OutboxTask.objects.filter(done_at__isnull=True).exists())


def assert_settled_once(workers: Workers, vendors, owners) -> None:
    start, end = previous_month()
    for vendor, owner in zip(vendors, owners, strict=True):
        settlement = Settlement.objects.get(vendor=vendor, period_start=start, period_end=end)
        assert settlement.order_count == 1 and settlement.status == SettlementStatus.CONFIRMED
        assert Notification.objects.filter(user=owner, key__startswith="settlement-built:").count() == 1
        document = Document.objects.get(kind=DocumentKind.SETTLEMENT, settlement=settlement)
        assert (workers.private_root / document.file.name).read_bytes().startswith(b"%PDF")
    assert Settlement.objects.count() == len(vendors)
    assert mails(workers.mail_dir) == len(owners)  # one mail per owner, none twice
    # Every file under the documents' folder is a row's: no orphan, no `_x7Yz9ab` copy.
    assert files_under(workers.private_root, "documents") == sorted(
        Document.objects.values_list("file", flat=True))
    assert not OutboxTask.objects.filter(done_at__isnull=True).exists()


@pytest.fixture
def two_vendors():
    vendors = [VendorFactory(), VendorFactory(name="다른협동조합")]
    owners = [MembershipFactory(vendor=v).user for v in vendors]
    last_month_sales(vendors)
    return vendors, owners


KILLS = [pytest.param("child", id="sigkill-pool-child"), pytest.param("worker", id="sigkill-whole-worker")]


@pytest.mark.parametrize("how", KILLS)
def test_a_settlement_run_killed_before_its_commit_settles_each_vendor_once(faults, two_vendors, how):
    vendors, owners = two_vendors
    faults.env["FAULT_PAUSE"] = "settlements.build"
    worker = faults.start()
    jobs.after_commit("orders.settlements_monthly_task")  # what beat sends daily
    kill_at_the_pause(faults, worker, how)
    wait_for("the settlements, their notices and statements", lambda: settled(vendors), faults)
    assert_settled_once(faults, vendors, owners)


@pytest.mark.parametrize("how", KILLS)
def test_a_worker_killed_between_the_commit_and_the_queueing_still_sends_the_follow_ups_once(faults, two_vendors,
                                                                                             how):
    vendors, owners = two_vendors
    faults.env["FAULT_PAUSE"] = "dispatch:orders.settlements_built_task"
    worker = faults.start()
    jobs.after_commit("orders.settlements_monthly_task")
    kill_at_the_pause(faults, worker, how)
    # The run comes back and finds the settlements made: nothing to build, nothing sent (today's loss).
    run = OutboxTask.objects.get(name="orders.settlements_monthly_task")
    wait_for("the settlement run coming back", lambda: OutboxTask.objects.filter(pk=run.pk, done_at__isnull=False)
             .exists(), faults)
    assert Settlement.objects.count() == 2
    assert not Notification.objects.filter(key__startswith="settlement-built:").exists()
    lost = OutboxTask.objects.get(name="orders.settlements_built_task")
    assert lost.done_at is None and lost.dispatched_at is None
    # The sweeper (beat, every minute) sends what was committed and not done, once it is overdue.
    jobs.outbox_sweep(now=timezone.now() + timedelta(hours=1))
    wait_for("the notices and statements", lambda: settled(vendors), faults)
    assert_settled_once(faults, vendors, owners)


@pytest.mark.parametrize("how", KILLS)
def test_a_statement_written_before_its_row_committed_is_written_over_not_orphaned(faults, how):
    vendor = VendorFactory()
    start, end = previous_month()
    settlement = Settlement.objects.create(vendor=vendor, number=f"ST-{start:%Y%m}-0001", period_start=start,
                                           period_end=end, status=SettlementStatus.CONFIRMED)
    faults.env["FAULT_PAUSE"] = "documents.stored"
    worker = faults.start()
    jobs.after_commit("orders.settlement_pdf_task", settlement_id=settlement.pk)
    kill_at_the_pause(faults, worker, how)
    document = wait_for("the statement", lambda: Document.objects.filter(settlement=settlement).exclude(file="")
                        .first(), faults)
    wait_for("its outbox row done", lambda: not OutboxTask.objects.filter(done_at__isnull=True).exists(), faults)
    assert Document.objects.filter(settlement=settlement).count() == 1
    assert files_under(faults.private_root, "documents") == [document.file.name]
    assert (faults.private_root / document.file.name).read_bytes().startswith(b"%PDF")
    assert document.file.name.rsplit("/", 1)[-1].startswith(f"{settlement.number}-{document.fingerprint[:12]}")
