# localtrace: `make demo` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := var/demo
DEMO_ENV := LOCALTRACE_DEMO=1 LOCALTRACE_SECRET_KEY="$$(cat var/secret-key)" LOCALTRACE_ORGANISATION="Northshire and Southmoor Public Health (demo)"

.PHONY: help install demo demo-data serve worker lint format test test-deps test-sqlite test-postgres clean

help:
	@echo "make demo    install, migrate, load a synthetic outbreak and serve http://127.0.0.1:8000"
	@echo "make test    install test dependencies and run the whole suite on SQLite and PostgreSQL"
	@echo "make serve   serve the web app, the task worker and the scheduler (Ctrl-C stops them all)"
	@echo "make worker  run the task worker alone"
	@echo "make lint    ruff and mypy"

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

var/secret-key:
	@mkdir -p var
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret-key
	@chmod 600 var/secret-key

$(DEMO_DIR)/.loaded: $(STAMP) var/secret-key
	@mkdir -p $(DEMO_DIR)
	$(DEMO_ENV) $(BIN)/localtrace migrate --verbosity 0
	$(DEMO_ENV) $(BIN)/localtrace simulate --people 40000 --days 45 --counties 2 --unitaries 0 --welsh-areas 1 --reproduction-number 2.4 --seed 2020 \
		--start-date $$($(BIN)/python -c 'import datetime as d, os, zoneinfo as z; print(d.datetime.now(z.ZoneInfo(os.environ.get("LOCALTRACE_TIME_ZONE", "Europe/London"))).date() - d.timedelta(days=45))') \
		--out $(DEMO_DIR)/simulation --quiet
	$(DEMO_ENV) $(BIN)/localtrace load-postcodes $(DEMO_DIR)/simulation/postcodes.csv --names $(DEMO_DIR)/simulation/area_names.csv --quiet
	$(DEMO_ENV) $(BIN)/localtrace load-demo > $(DEMO_DIR)/logins.txt
	$(DEMO_ENV) $(BIN)/localtrace import-results $(DEMO_DIR)/simulation/results.csv --quiet --arrived-on-result-date-before yesterday
	$(DEMO_ENV) $(BIN)/localtrace import-results $(DEMO_DIR)/simulation/results-resent.csv --quiet
	$(DEMO_ENV) $(BIN)/localtrace play-working-day $(DEMO_DIR)/simulation
# Person linkage (issue 10): a batch deduplication pass, as an operator would run it nightly.
	$(DEMO_ENV) $(BIN)/localtrace dedupe --quiet
# Performance figures: roll up the demo's tracing so the dashboards show it at once.
	$(DEMO_ENV) $(BIN)/localtrace refresh-figures
	@touch $@

demo-data: $(DEMO_DIR)/.loaded

demo: demo-data
	@$(DEMO_ENV) $(BIN)/localtrace migrate --verbosity 0
	@echo
	@echo "localtrace demo: http://127.0.0.1:8000"
	@cat $(DEMO_DIR)/logins.txt
	@echo "Demo accounts may skip the authenticator step; every other account may not."
	@echo
	$(DEMO_ENV) $(BIN)/localtrace serve 127.0.0.1:8000

serve: $(STAMP) var/secret-key
	$(DEMO_ENV) $(BIN)/localtrace migrate --verbosity 0
	$(DEMO_ENV) $(BIN)/localtrace serve 127.0.0.1:8000

worker: $(STAMP) var/secret-key
	$(DEMO_ENV) $(BIN)/localtrace db_worker

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy bench

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test-deps:
	@bash scripts/install-test-deps.sh

# The suite's time: each run spreads over the machine's cores with pytest-xdist (one test database per
# worker, one per logical CPU; idle workers take tests from busy ones). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= logical
PYTEST_RUN := $(BIN)/pytest -q --durations=15 -n $(TEST_WORKERS) --dist worksteal

test-sqlite: $(STAMP)
	@echo "== The suite on SQLite"
	$(PYTEST_RUN)

test-postgres: $(STAMP)
	@echo "== The suite on PostgreSQL"
	bash scripts/with-postgres.sh $(PYTEST_RUN)

test: test-deps $(STAMP) lint test-sqlite test-postgres

clean:
	rm -rf var/demo var/localtrace.sqlite3* var/static
