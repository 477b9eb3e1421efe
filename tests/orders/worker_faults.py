"""Test-only: pause a task at a named point so a test can kill the worker process right there.

Loaded only by the worker a fault test starts (`celery worker --include tests.orders.worker_faults`),
never by the site. FAULT_PAUSE names the point, FAULT_DIR is the test's own directory. The first
process to reach the point writes FAULT_DIR/paused (its pid) and waits to be killed; whoever
reaches it later (the run after the kill) passes through. Production code has no hook for
this: the points are the functions below, wrapped here.

Points:
  settlements.build            the settlements are inserted, their transaction not yet committed
  dispatch:<task name>         the transaction committed, its follow-up not yet sent to the broker
  documents.stored             the generated file is written, its row not yet committed
"""
import os
import time
from functools import wraps
from pathlib import Path

from ddasum import documents, jobs
from orders.services import settlements

POINT = os.environ.get("FAULT_PAUSE", "")
FAULT_DIR = Path(os.environ.get("FAULT_DIR", "/nonexistent"))
# A test kills the process within a second of the marker; this only stops a forgotten worker.
WAIT_SECONDS = 120


def pause(point: str) -> None:
    if point != POINT:
        return
    try:
        fd = os.open(FAULT_DIR / "paused", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return  # paused once already: this is the run after the kill
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
    raise RuntimeError(f"paused at {point} and never killed")


def _after(function, point: str):
    @wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        pause(point)
        return result

    return wrapper


def _dispatch_paused(function):
    @wraps(function)
    def wrapper(pk, name, kwargs):
        pause(f"dispatch:{name}")
        return function(pk, name, kwargs)

    return wrapper


if POINT:
    settlements._build = _after(settlements._build, "settlements.build")
    documents.file_store = _after(documents.file_store, "documents.stored")
    jobs._dispatch = _dispatch_paused(jobs._dispatch)
