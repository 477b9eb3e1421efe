"""Tasks queued by name: after the commit, never before, and every name in the code exists."""
import ast
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.db import transaction

from ddasum import jobs

RUNS: list[dict] = []


@shared_task(name="tests.jobs_probe_task")
def jobs_probe_task(**kwargs):
    RUNS.append(kwargs)
    return len(RUNS)


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


@pytest.mark.django_db(transaction=True)
def test_the_task_runs_after_the_commit_not_before():
    with transaction.atomic():
        jobs.after_commit("tests.jobs_probe_task", order_id=7)
        assert RUNS == []
    assert RUNS == [{"order_id": 7}]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_queues_nothing():
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            jobs.after_commit("tests.jobs_probe_task", order_id=8)
            raise RuntimeError("the order failed")
    assert RUNS == []


@pytest.mark.django_db
def test_a_misspelt_name_fails_inside_the_callers_transaction():
    with pytest.raises(jobs.UnknownTask):
        jobs.after_commit("orders.no_such_task", order_id=1)


def _queued_names() -> list[tuple[str, str]]:
    """Every literal task name passed to jobs.after_commit / jobs.task in the apps' code."""
    found = []
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        if path.parts[len(Path(settings.BASE_DIR).parts)] in ("tests", "bench", ".venv", "var"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("after_commit", "task")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "jobs"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.append((str(path), node.args[0].value))
    return found


def test_every_task_name_in_the_code_is_registered():
    names = _queued_names()
    missing = [(path, name) for path, name in names if name not in jobs._registry()]
    assert missing == []


def test_every_beat_entry_names_a_registered_task():
    registry = jobs._registry()
    assert [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in registry] == []


def test_a_web_worker_loads_the_task_registry_as_it_starts():
    """The first order after a restart must not pay for finalising Celery (~0.3 s): wsgi does it at import."""
    import importlib

    import ddasum.wsgi

    jobs._registry.cache_clear()
    importlib.reload(ddasum.wsgi)
    assert jobs._registry.cache_info().currsize == 1
    assert "orders.order_placed_notify_task" in jobs._registry()
