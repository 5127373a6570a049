# Dizin: `make run` sets everything up and serves on 127.0.0.1:8000; `make test` runs the checks.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Server processes; empty means SERVER_WORKERS (one per core).
WORKERS ?=

.PHONY: install run serve worker test lint typecheck format audit lock

install: $(INSTALLED)

# torch first and pinned: 2.13.0 is the CPU build provided here; others pull GBs of CUDA packages.
# requirements.lock pins everything else to the versions last locked (and audited).
# axe-core (npm) checks the pages' accessibility in the browser tests.
$(INSTALLED): pyproject.toml requirements.lock tests/e2e/package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev,bench]'
	npm ci --prefix tests/e2e --no-audit --no-fund --silent
	touch $@

# Pin what pyproject.toml's ranges install; `make lock UPGRADE=1` moves to the newest releases.
# torch loses its local +cpu label so pip-audit finds the public release; == matches both.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet $(if $(UPGRADE),--upgrade --upgrade-strategy eager) -e '.[dev,bench]'
	{ echo "# Every package .venv holds, pinned: regenerate with 'make lock', audit with 'make audit'."; \
	  $(PY) -m pip freeze --exclude-editable | sed 's/+cpu$$//'; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.lock
	touch $(INSTALLED)

# Known vulnerabilities in the locked packages fail the build (see .ci/audit.py).
audit: $(INSTALLED)
	$(PY) .ci/audit.py requirements.lock $(AUDIT_FLAGS)

.env:
	sed "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" \
		.env.example > $@

# The system checks run once, first, so each warning shows once; the steps after skip them.
run: $(INSTALLED) .env
	$(PY) manage.py check
	$(PY) manage.py migrate --no-input -v 0 --skip-checks
	$(PY) manage.py collectstatic --no-input -v 0 --skip-checks
	$(PY) manage.py reindex indexer/demo --skip-checks
	$(PY) manage.py demo_user --base-url http://$(HOST):$(PORT) --skip-checks
	$(PY) manage.py access --skip-checks grant indexer/demo --user demo
	@echo "Watching indexer/demo (manage.py watch, in the background): files added there show up in searches within seconds."
	$(PY) manage.py watch indexer/demo --skip-checks & watch=$$!; \
	trap 'kill $$watch 2>/dev/null; wait $$watch' EXIT; \
	$(MAKE) serve SERVE_FLAGS=--skip-checks

# Each worker writes its metrics to files here, so /metrics adds up every worker's counts.
serve: export PROMETHEUS_MULTIPROC_DIR = $(CURDIR)/var/prometheus
serve:
	rm -rf "$(PROMETHEUS_MULTIPROC_DIR)" && mkdir -p "$(PROMETHEUS_MULTIPROC_DIR)"
	@echo "Serving on http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/, admin: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py serve --host $(HOST) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS)) $(SERVE_FLAGS)

# A Celery worker for the tasks API (POST /api/reindex/): start one on each machine that shares
# the database, Redis and INDEX_DIR; they share each run's batches.
worker: $(INSTALLED) .env
	$(PY) manage.py worker $(if $(WORKER_NAME),--name $(WORKER_NAME))

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with the Django and DRF plugins, which load the settings: a throwaway key, no .env.
typecheck: $(INSTALLED)
	DIZIN_ENV_FILE=/dev/null SECRET_KEY=typecheck-only $(BIN)/mypy

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite on PostgreSQL, then everything that touches the database again on SQLite.
test: lint typecheck audit
	DIZIN_TEST_DATABASE=postgres $(PY) -m pytest --cov --cov-report= --cov-fail-under=0
	DIZIN_TEST_DATABASE=sqlite $(PY) -m pytest -m "not model and not slow" \
		--cov --cov-append --cov-report=term --cov-fail-under=85
