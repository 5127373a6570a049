# Dizin: `make run` sets everything up and serves on 127.0.0.1:8000; `make test` runs the checks.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

.PHONY: install run serve test lint format

install: $(INSTALLED)

# torch first and pinned: 2.13.0 is the CPU build provided here; others pull GBs of CUDA packages.
$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

.env:
	sed "s|^SECRET_KEY=.*|SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')|" \
		.env.example > $@

run: $(INSTALLED) .env
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py reindex indexer/demo
	$(PY) manage.py demo_user
	$(MAKE) serve

# Each worker writes its metrics to files here, so /metrics adds up every worker's counts.
serve: export PROMETHEUS_MULTIPROC_DIR = $(CURDIR)/var/prometheus
serve:
	rm -rf "$(PROMETHEUS_MULTIPROC_DIR)" && mkdir -p "$(PROMETHEUS_MULTIPROC_DIR)"
	$(BIN)/uvicorn core.asgi:application --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite on PostgreSQL, then everything that touches the database again on SQLite.
test: lint
	DIZIN_TEST_DATABASE=postgres $(PY) -m pytest --cov --cov-report= --cov-fail-under=0
	DIZIN_TEST_DATABASE=sqlite $(PY) -m pytest -m "not model and not slow" \
		--cov --cov-append --cov-report=term --cov-fail-under=85
