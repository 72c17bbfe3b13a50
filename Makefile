# HIAT Assessments: every command does its own set-up from a fresh clone.
#   make run    the app with demo content at http://127.0.0.1:8000 (embedded PostgreSQL under var/ unless DATABASE_URL is set)
#   make test   the whole suite on PostgreSQL (DATABASE_URL, else 127.0.0.1:5432, else an embedded server)
#   make serve  production: migrate, collectstatic, then gunicorn and the workers (configured by the environment)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two locked sets: requirements.lock is what production runs; requirements-dev.lock adds the
# local run's embedded PostgreSQL, the tests and the tooling. Each stamp names the lock it
# installed, so a changed lock installs again.
PROD_STAMP := $(VENV)/.installed-prod-$(shell sha256sum requirements.lock | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.lock requirements-dev.lock | sha256sum | cut -c1-12)
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check --require-hashes

.PHONY: install install-production run serve test lint format lock screenshots bench clean

$(PROD_STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $(PROD_STAMP)

$(DEV_STAMP): requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements-dev.lock
	rm -f $(VENV)/.installed-* && touch $(DEV_STAMP) $(PROD_STAMP)

# Development: everything (make run, test, lint, bench). Production hosts: install-production.
install: $(DEV_STAMP)
install-production: $(PROD_STAMP)

# .env makes every `manage.py` command a local development one (DEBUG=1); never in production.
.env:
	printf '# Local development settings, read by manage.py (written by make run).\nDEBUG=1\n' > .env

run: install .env
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_toolkit
	$(BIN)/python manage.py create_demo
	@echo "Starting HIAT Assessments at http://127.0.0.1:8000 and its worker (Ctrl+C to stop both)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f scripts/Procfile.dev -d . start

# Production on one host: configured only by the environment (README "Configuration"), never
# by .env, which is for local development. A process supervisor should run this (docs/deploy.md).
serve: install-production
	@test -z "$$DEBUG" -o "$$DEBUG" = 0 || { echo "make serve is for production: unset DEBUG" >&2; exit 1; }
	DEBUG=0 HIAT_IGNORE_DOTENV=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 HIAT_IGNORE_DOTENV=1 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving HIAT Assessments on $${HOST:-127.0.0.1}:$${PORT:-8000} with $${WORKER_PROCESSES:-2} background workers"
	DEBUG=0 HIAT_IGNORE_DOTENV=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --env /dev/null -f scripts/Procfile -d . start --port $${PORT:-8000} --concurrency worker=$${WORKER_PROCESSES:-2}

test: install
	$(BIN)/python scripts/with_postgres.py $(BIN)/pytest $(PYTEST_ARGS)

# PNGs of the main pages at desktop and mobile widths, into docs/screenshots/ (needs Chromium).
screenshots: install
	$(BIN)/python scripts/with_postgres.py $(BIN)/python scripts/screenshots.py

# The benchmarks: one report (cold, largest), make serve's report pipeline (click-to-PDF once
# edits settle, the render limits, 200 people downloading at once), then make serve's page
# weight and 200 people signing in at once.
bench: install
	$(BIN)/python scripts/with_postgres.py $(BIN)/python bench/report_bench.py
	$(BIN)/python scripts/with_postgres.py $(BIN)/python bench/report_pipeline_bench.py
	$(BIN)/python scripts/with_postgres.py $(BIN)/python bench/serve_bench.py
	$(BIN)/python scripts/with_postgres.py $(BIN)/python bench/autosave_bench.py
	$(BIN)/python scripts/with_postgres.py $(BIN)/python bench/workshop_bench.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the pinned, hashed lock files: production's, then development's on top of it.
lock: install
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip compile requirements.in --generate-hashes --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile requirements-dev.in --constraint requirements.lock --generate-hashes --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) var .env
