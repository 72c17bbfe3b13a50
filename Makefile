# HIAT Assessments: every command does its own set-up from a fresh clone.
#   make run    the app with demo content at http://127.0.0.1:8000 (SQLite under var/ unless DATABASE_URL is set)
#   make test   the whole suite on PostgreSQL (DATABASE_URL, else 127.0.0.1:5432, else a throwaway cluster)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock | cut -c1-12)

.PHONY: install run test lint format lock screenshots bench clean

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_toolkit
	DEBUG=1 $(BIN)/python manage.py create_demo
	@echo "Starting HIAT Assessments at http://127.0.0.1:8000 (Ctrl+C to stop)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	scripts/with_postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

# PNGs of the main pages at desktop and mobile widths, into docs/screenshots/ (needs Chromium).
screenshots: install
	scripts/with_postgres.sh $(BIN)/python scripts/screenshots.py

# The report benchmarks: one report (cold, cached, largest), then the end-of-workshop rush.
bench: install
	scripts/with_postgres.sh $(BIN)/python bench/report_bench.py
	scripts/with_postgres.sh $(BIN)/python bench/report_rush.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the pinned, hashed lock file from requirements.in.
lock: install
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip compile requirements.in --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var
