"""The settings each environment produces, read in a fresh interpreter.

Settings are evaluated once per process, so each case imports them in a subprocess with
its own environment: nothing set (the embedded default), PostgreSQL + Redis, and
production with and without its secrets.
"""
import ast
import json
import os
import secrets
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SETTINGS_FILE = REPO / "ddasum" / "settings.py"

PROBE = """
import json

from django.conf import settings

from ddasum.celery import app

db = settings.DATABASES["default"]
print(json.dumps({
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_FILE_PATH": str(getattr(settings, "EMAIL_FILE_PATH", "")),
    "DEBUG": settings.DEBUG,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
    "TIME_ZONE": settings.TIME_ZONE,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "app_task_always_eager": app.conf.task_always_eager,
    "app_broker_url": app.conf.broker_url,
}))
"""

# What makes a killed task come back, as the Celery app itself sees it (a misspelt CELERY_* name
# would leave Celery's default), with every task's limits as the worker applies them.
FAULTS_PROBE = """
import json

import django

django.setup()

from celery.schedules import crontab
from django.conf import settings

from ddasum import jobs
from ddasum.celery import app

tasks = jobs._registry()
print(json.dumps({
    "task_acks_late": app.conf.task_acks_late,
    "task_reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "prefetch_multiplier": app.conf.worker_prefetch_multiplier,
    "transport_options": app.conf.broker_transport_options,
    "default_queue": app.conf.task_default_queue,
    "limits": {name: [t.soft_time_limit, t.time_limit] for name, t in tasks.items() if not name.startswith("celery.")},
    "beat": {key: {"task": entry["task"], "daily_or_more": isinstance(entry["schedule"], crontab)
                   and entry["schedule"].day_of_month == set(range(1, 32)),
                   "minutes": sorted(entry["schedule"].minute), "hours": sorted(entry["schedule"].hour)}
             for key, entry in settings.CELERY_BEAT_SCHEDULE.items()},
}))
"""

POSTGRES_URL = "postgres://u:p@db:5432/x"
REDIS_URL = "redis://r:6379/0"


@cache
def settings_env_names() -> frozenset[str]:
    """Every environment variable ddasum/settings.py reads: env("NAME", ...), env.bool("NAME", ...)…"""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        is_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        )
        first = node.args[0]
        if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return frozenset(names)


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without anything the settings or Django read, plus overrides.

    DJANGO_* goes too: tests/conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright,
    which `check --deploy` rightly rejects.
    """
    env = {k: v for k, v in os.environ.items() if k not in settings_env_names() and not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "ddasum.settings"
    env.update(overrides)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )


def probe(**overrides: str) -> dict:
    result = run_python(["-c", PROBE], clean_env(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production(**extra: str) -> dict[str, str]:
    """The four values production demands, and whatever else is given."""
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "ALLOWED_HOSTS": "ddasum.example",
        "DATABASE_URL": POSTGRES_URL,
        "REDIS_URL": REDIS_URL,
        **extra,
    }


def test_the_settings_read_the_names_this_module_expects():
    # Guards the AST walk itself: if it found nothing, the checks built on it would pass vacuously.
    assert {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= settings_env_names()


def test_nothing_set_gives_the_embedded_default():
    s = probe()
    var = REPO / "var"
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(s["NAME"]).resolve().is_relative_to(var)
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True
    assert s["CELERY_BROKER_URL"] == "memory://"
    assert s["app_task_always_eager"] is True
    assert s["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(s["EMAIL_FILE_PATH"]).resolve().is_relative_to(var)
    assert s["DEBUG"] is True
    assert s["LANGUAGE_CODE"] == "ko"
    assert s["TIME_ZONE"] == "Asia/Seoul"


def test_database_and_redis_urls_switch_to_postgres_and_a_real_broker():
    s = probe(DATABASE_URL=POSTGRES_URL, REDIS_URL=REDIS_URL)
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False
    assert s["CELERY_BROKER_URL"] == REDIS_URL
    assert s["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    # What the Celery app itself sees: a misspelt CELERY_* name would leave its default here.
    assert s["app_task_always_eager"] is False
    assert s["app_broker_url"] == REDIS_URL


def test_production_without_its_secrets_refuses_to_start():
    result = run_python(["-c", PROBE], clean_env(DJANGO_ENV="production"))
    assert result.returncode != 0
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert name in result.stderr, result.stderr


def test_production_is_secure():
    s = probe(**production())
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.parametrize("debug", ["true", "1"])
def test_debug_cannot_be_switched_on_in_production(debug):
    s = probe(**production(DEBUG=debug))
    assert s["DEBUG"] is False


def test_check_deploy_finds_nothing_in_production():
    # Without --database, `check` runs no database checks, so no PostgreSQL is needed.
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], clean_env(**production()))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_killed_task_comes_back_and_every_task_has_a_time_limit_within_the_visibility_timeout():
    s = json.loads(run_python(["-c", FAULTS_PROBE], clean_env(DATABASE_URL=POSTGRES_URL, REDIS_URL=REDIS_URL))
                   .stdout.strip().splitlines()[-1])
    assert s["task_acks_late"] is True and s["task_reject_on_worker_lost"] is True
    assert s["prefetch_multiplier"] == 1
    assert s["default_queue"] == "celery"
    limits = s["limits"]
    assert limits["orders.settlements_monthly_task"] == [1500, 1800]
    assert limits["procurement.bundle_build_task"] == [600, 720]
    assert limits["orders.settlement_pdf_task"] == [300, 360]
    assert limits["orders.order_paid_notify_task"] == [60, 120]  # notices: the defaults
    assert all(soft and hard and soft < hard for soft, hard in limits.values()), limits
    # Redis gives an unacknowledged message to another worker only after the longest task could have run.
    options = s["transport_options"]
    assert options["visibility_timeout"] > max(hard for _soft, hard in limits.values())
    assert options["unacked_restore_interval"] <= 60


def test_the_visibility_timeout_and_the_queue_come_from_the_environment():
    s = json.loads(run_python(["-c", FAULTS_PROBE], clean_env(
        DATABASE_URL=POSTGRES_URL, REDIS_URL=REDIS_URL, CELERY_VISIBILITY_TIMEOUT="15",
        CELERY_UNACKED_RESTORE_SECONDS="1", CELERY_QUEUE="ddasum-staging")).stdout.strip().splitlines()[-1])
    assert s["transport_options"]["visibility_timeout"] == 15
    assert s["transport_options"]["unacked_restore_interval"] == 1
    assert s["default_queue"] == "ddasum-staging"


def test_every_periodic_job_runs_at_least_daily_and_the_outbox_every_minute():
    s = json.loads(run_python(["-c", FAULTS_PROBE], clean_env()).stdout.strip().splitlines()[-1])
    beat = s["beat"]
    # Each job catches up from the database, so none waits for a particular day of the month.
    assert all(entry["daily_or_more"] for entry in beat.values()), beat
    assert beat["orders-monthly-settlements"]["task"] == "orders.settlements_monthly_task"
    assert beat["ddasum-outbox-sweep"] == {"task": "ddasum.outbox_sweep_task", "daily_or_more": True,
                                           "minutes": list(range(60)), "hours": list(range(24))}
    assert beat["ddasum-documents-orphans-sweep"]["task"] == "ddasum.documents_orphans_sweep_task"
