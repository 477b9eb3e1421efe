"""docker-compose.yml and the Dockerfile agree with the settings.

No Docker is needed: the files are read as text. What is checked is what breaks silently
in compose: a variable the settings never read (a typo, or a name from another project),
a service without a healthcheck, app services built from different images.

beat has no healthcheck on purpose: it answers no control messages, so there is nothing
to ask; when it dies the container stops and `restart` brings it back.
"""
import re
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

from .test_settings import settings_env_names

REPO = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")
NO_HEALTHCHECK = {"beat"}
REQUIRED_IN_PRODUCTION = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def environment(service: dict) -> dict[str, str | None]:
    """A service's environment, whether written as a mapping or as a list of NAME=value."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def test_the_services_are_all_there(compose):
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(compose["services"])


@pytest.mark.parametrize("name", ["web", "worker", "beat", "postgres", "redis"])
def test_each_service_has_a_healthcheck(compose, name):
    service = compose["services"][name]
    if name in NO_HEALTHCHECK:
        assert "healthcheck" not in service or service["healthcheck"].get("disable")
        return
    healthcheck = service.get("healthcheck")
    assert healthcheck and healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable")


def test_app_services_run_one_image(compose):
    services = compose["services"]
    builds = [services[name].get("build") for name in APP_SERVICES]
    images = [services[name].get("image") for name in APP_SERVICES]
    assert builds[0], "web is built from the repository"
    assert all(build == builds[0] for build in builds), builds
    assert all(image == images[0] for image in images), images
    build = builds[0]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (REPO / context / dockerfile).is_file()


def test_app_services_share_one_environment(compose):
    envs = [environment(compose["services"][name]) for name in APP_SERVICES]
    assert all(env == envs[0] for env in envs)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_pass_only_variables_the_settings_read(compose, name):
    passed = set(environment(compose["services"][name]))
    unknown = passed - settings_env_names()
    assert not unknown, f"{name} passes variables ddasum/settings.py never reads: {sorted(unknown)}"


def test_compose_runs_production_with_everything_it_demands(compose):
    env = environment(compose["services"]["web"])
    assert env["DJANGO_ENV"] == "production"
    assert REQUIRED_IN_PRODUCTION <= set(env)
    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    # compose stops with a message instead of starting with an empty secret.
    assert ":?" in env["SECRET_KEY"]


def test_app_services_wait_for_healthy_postgres_and_redis(compose):
    for name in APP_SERVICES:
        depends_on = compose["services"][name].get("depends_on")
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency in ("postgres", "redis"):
            assert depends_on.get(dependency, {}).get("condition") == "service_healthy", (name, dependency)


def test_named_volumes_are_declared(compose):
    declared = set(compose.get("volumes") or {})
    assert {"pgdata", "redisdata", "media"} <= declared
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.get("source") if isinstance(volume, dict) else volume.split(":", 1)[0]
            if source and not source.startswith((".", "/", "~", "$")):
                assert source in declared, f"{name} mounts undeclared volume {source}"


def test_web_and_worker_share_the_media_volume(compose):
    for name in ("web", "worker"):
        assert "media:/data" in compose["services"][name].get("volumes", []), name
    env = environment(compose["services"]["web"])
    assert env["MEDIA_ROOT"].startswith("/data/")
    assert env["PRIVATE_MEDIA_ROOT"].startswith("/data/")


def test_web_healthcheck_asks_an_existing_url(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]
    command = " ".join(test) if isinstance(test, list) else test
    match = re.search(r"http://127\.0\.0\.1:8000(/\S*?)['\"]", command)
    assert match, command
    assert resolve(match.group(1)).url_name == "healthz"
    # The healthcheck's Host header must be allowed, whatever ALLOWED_HOSTS the operator sets.
    assert "127.0.0.1" in environment(compose["services"]["web"])["ALLOWED_HOSTS"]


def test_web_migrates_then_serves_with_gunicorn(compose):
    command = compose["services"]["web"]["command"]
    command = " ".join(command) if isinstance(command, list) else command
    assert command.index("migrate") < command.index("gunicorn")


def test_dockerfile_serves_with_gunicorn_as_a_non_root_user():
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in dockerfile.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    cmd = [line for line in instructions if line.upper().startswith("CMD")]
    assert cmd and "gunicorn" in cmd[-1]
    users = [line.split(None, 1)[1] for line in instructions if line.upper().startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.upper().startswith("EXPOSE") and "8000" in line for line in instructions)
