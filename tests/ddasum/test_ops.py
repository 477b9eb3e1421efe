"""What a load balancer and several nodes need: /healthz, /readyz, request ids, JSON logs, queues by kind."""
import json
import logging
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ddasum import celery as ddasum_celery
from ddasum import views
from ddasum.celery import app as celery_app
from ddasum.celery import queue_names, task_route
from ddasum.log import JsonFormatter, RequestIdFilter, request_id_from, request_id_var
from tests.ddasum.test_settings import clean_env, run_python


def test_healthz_answers_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert len(queries) == 0


@pytest.mark.django_db
def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "migrations", "cache", "broker", "storage", "private_storage"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_503_and_names_what_failed(client, monkeypatch):
    def down():
        raise ConnectionError("connection refused")

    monkeypatch.setitem(views.READY_CHECKS, "broker", down)
    monkeypatch.setitem(views.READY_CHECKS, "storage", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed" and body["failed"] == ["broker", "storage"]
    assert body["checks"]["database"] == "ok" and body["checks"]["broker"].startswith("failed")


@pytest.mark.django_db
def test_readyz_fails_when_the_object_store_is_unreachable(client, settings):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "ddasum.storage.PrivateS3Storage",
        "OPTIONS": {"bucket_name": "nowhere", "endpoint_url": "http://127.0.0.1:9", "access_key": "a",
                    "secret_key": "b", "region_name": "us-east-1"},
    }}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["private_storage"]


@pytest.mark.django_db
def test_readyz_needs_no_login_and_is_not_locked_out(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    for _ in range(5):
        assert client.get("/readyz").status_code == 200
        assert client.get("/healthz").status_code == 200


def test_a_request_carries_its_id_back_and_a_bad_one_is_replaced(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")
    assert response["X-Request-ID"] == "lb-1234abcd"
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n<script>")
    assert response["X-Request-ID"] != "bad id\n<script>" and len(response["X-Request-ID"]) == 32
    assert request_id_from(None) != request_id_from(None)


def test_json_lines_carry_the_request_id():
    record = logging.LogRecord("ddasum.test", logging.WARNING, __file__, 1, "bundle %s failed", ("Q-1",), None)
    record.vendor_id = 7
    token = request_id_var.set("rid-0001abcd")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "bundle Q-1 failed" and line["level"] == "WARNING"
    assert line["request_id"] == "rid-0001abcd" and line["vendor_id"] == 7 and line["logger"] == "ddasum.test"


LOG_PROBE = """
import json
from django.conf import settings
print(json.dumps({"formatter": settings.LOGGING["handlers"]["console"]["formatter"],
                  "hijack": settings.CELERY_WORKER_HIJACK_ROOT_LOGGER}))
"""


def test_log_format_json_is_chosen_by_the_environment():
    def read(**env):
        result = run_python(["-c", LOG_PROBE], clean_env(**env))
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    assert read(LOG_FORMAT="json") == {"formatter": "json", "hijack": False}
    assert read()["formatter"] == "text"


def test_the_request_id_travels_with_a_task_to_the_worker():
    headers = {}
    token = request_id_var.set("rid-task-0001")
    try:
        ddasum_celery._task_request_id_send(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers["request_id"] == "rid-task-0001"
    # In the worker the header is on the task's request; it is set while the task runs.
    task = SimpleNamespace(request=SimpleNamespace(request_id="rid-task-0001", headers=None))
    ddasum_celery._task_request_id_set(task_id="t1", task=task)
    assert request_id_var.get() == "rid-task-0001"
    ddasum_celery._task_request_id_reset(task_id="t1")
    assert request_id_var.get() == ""


def test_tasks_go_to_queues_by_kind(settings):
    default = celery_app.conf.task_default_queue
    assert queue_names(default) == [default, f"{default}.documents", f"{default}.messages"]
    assert task_route("procurement.bundle_build_task", (), {}, {}) == {"queue": f"{default}.documents"}
    assert task_route("catalog.product_image_thumbnails_task", (), {}, {}) == {"queue": f"{default}.documents"}
    assert task_route("accounts.email_send_task", (), {}, {}) == {"queue": f"{default}.messages"}
    assert task_route("ddasum.outbox_sweep_task", (), {}, {}) is None  # the default queue
    # What the app sends: the route, unless the send names a queue.
    router = celery_app.amqp.router
    assert router.route({}, "orders.settlement_pdf_task")["queue"].name == f"{default}.documents"
    assert router.route({"queue": "elsewhere"}, "orders.settlement_pdf_task")["queue"].name == "elsewhere"


def test_every_task_kind_names_a_registered_task(settings):
    celery_app.loader.import_default_modules()
    registered = {name for name in celery_app.tasks if not name.startswith("celery.")}
    assert set(settings.TASK_QUEUE_KINDS) <= registered
    # every mail or notice task is in the messages queue, every PDF in documents
    for name in registered:
        if name.endswith(("_notify_task", "_mail_task", "email_send_task")):
            assert settings.TASK_QUEUE_KINDS.get(name) == "messages", name
        if name.endswith("_pdf_task"):
            assert settings.TASK_QUEUE_KINDS.get(name) == "documents", name
