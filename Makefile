# Ddasum: `make run` serves the site with Korean demo data, `make test` runs the suite.
# Everything happens in .venv; nothing is installed system-wide except, when root, the
# Debian libraries WeasyPrint loads for the PDFs, a Korean font, and (for the browser
# tests) Chromium (scripts/install-system-deps.sh).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PYTEST_ARGS ?=

# Every recipe line is one bash -e -u -o pipefail invocation: a failing command in a
# pipeline (pip piped through grep) fails the target.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

# pip on this kind of machine prints "WARNING: Location 'file:///opt/pypi…' is ignored"
# for its extra indexes; hide those lines only. pipefail keeps pip's own exit status.
PIP_INSTALL = $(PY) -m pip install -q
FILTER_PIP = 2>&1 | { grep -v "^WARNING: Location" || true; }

.PHONY: help run test migrate seed worker worker-documents beat backup restore clean system-deps

help:
	@echo "make run     PDF libraries when root, .venv, migrate, demo data once, http://127.0.0.1:8000"
	@echo "make test    .venv + dev tools, Chromium/Korean font when root, ruff, import contracts, pytest (PYTEST_ARGS=...)"
	@echo "make migrate | seed | worker | worker-documents | beat | clean"
	@echo "make backup [TO=folder] | make restore FROM=folder   (database + files + manifest; restore into an empty database and store)"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall only when the requirement files change.
$(VENV)/.requirements.stamp: requirements.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt $(FILTER_PIP)
	touch $@

$(VENV)/.requirements-dev.stamp: requirements-dev.txt requirements.txt | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt $(FILTER_PIP)
	touch $@

migrate: $(VENV)/.requirements.stamp
	$(MANAGE) migrate --noinput

# Demo data once; `make seed` runs it again (the command is idempotent).
var/.seeded: | migrate
	mkdir -p var
	$(MANAGE) seed_demo
	touch $@

seed: migrate
	mkdir -p var
	$(MANAGE) seed_demo
	touch var/.seeded

# Pango and HarfBuzz for WeasyPrint: the site makes its PDFs at run time, not only in tests.
system-deps:
	bash scripts/install-system-deps.sh runtime

run: system-deps migrate var/.seeded
	@echo
	@echo "따숨몰 데모 계정 / Demo logins (비밀번호 / password: ddasum1234!)"
	@echo "  운영자 / operator:            admin@ddasum.kr      http://127.0.0.1:8000/admin/"
	@echo "  소비자 / consumer:            consumer1@ddasum.kr  http://127.0.0.1:8000/"
	@echo "  입점기업 대표 / vendor owner: vendor1@ddasum.kr    http://127.0.0.1:8000/partner/"
	@echo "  공공기관 구매 / agency buyer: agency1@chungnam.go.kr http://127.0.0.1:8000/procurement/"
	@echo
	exec $(MANAGE) runserver 127.0.0.1:8000

test: $(VENV)/.requirements-dev.stamp
	bash scripts/install-system-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest $(PYTEST_ARGS)

# A worker and beat only make sense with a broker: without REDIS_URL the web process
# runs every task eagerly and a worker would wait on its own in-memory queue.
define need_redis
	@if [ -z "$${REDIS_URL:-}" ]; then \
		echo "REDIS_URL이 없습니다: 작업은 웹 프로세스에서 바로 실행됩니다." >&2; \
		echo "REDIS_URL is not set: tasks run eagerly in the web process; set it (e.g. redis://127.0.0.1:6379/0) to use a worker." >&2; \
		exit 1; \
	fi
endef

# Queues by kind (ddasum.celery.task_route): `make worker` takes the default queue with mail and
# notices, `make worker-documents` PDFs, bundles and thumbnails; run both (CELERY_QUEUE renames the set).
CELERY_QUEUE ?= celery
worker: system-deps $(VENV)/.requirements.stamp
	$(need_redis)
	exec $(VENV)/bin/celery -A ddasum worker -l info -Q $(CELERY_QUEUE),$(CELERY_QUEUE).messages -n default@%h

worker-documents: system-deps $(VENV)/.requirements.stamp
	$(need_redis)
	exec $(VENV)/bin/celery -A ddasum worker -l info -Q $(CELERY_QUEUE).documents -n documents@%h

beat: $(VENV)/.requirements.stamp
	$(need_redis)
	exec $(VENV)/bin/celery -A ddasum beat -l info

# A dated folder under var/backups (BACKUP_DIR) unless TO is given; restore checks it against its manifest.
backup: $(VENV)/.requirements.stamp
	$(MANAGE) backup --quiet-files $(if $(TO),--to $(TO),)

restore: $(VENV)/.requirements.stamp
	@if [ -z "$(FROM)" ]; then echo "make restore FROM=var/backups/<folder>" >&2; exit 1; fi
	$(MANAGE) restore --quiet-files $(FROM)

clean:
	rm -rf $(VENV) var
