# foiatrack: `make run` to use it, `make test` to check it.
SHELL := /bin/bash
VENV := .venv
FLASK := $(VENV)/bin/flask --app foiatrack
PYTEST := $(VENV)/bin/python -m pytest
HOST ?= 127.0.0.1
PORT ?= 5000
# two workers: the machines have two cores, and every test has its own database and servers
PYTEST_ARGS ?= -n 2

.PHONY: run setup test test-sqlite test-postgresql lint format serve clean-venv bench bench-quick

## Install what is missing, prepare the database and serve on http://127.0.0.1:5000
run: setup
	@echo
	@echo "foiatrack is starting on http://$(HOST):$(PORT)/"
	@echo "Log in with the e-mail and password in instance/initial-admin-password.txt"
	@echo
	FOIATRACK_SESSION_COOKIE_SECURE=false FOIATRACK_REMEMBER_COOKIE_SECURE=false \
	  $(FLASK) run --host $(HOST) --port $(PORT)

setup:
	scripts/ensure-system.sh run
	scripts/ensure-venv.sh requirements.txt
	$(VENV)/bin/python -m foiatrack.config init-instance
	$(FLASK) init-db --demo
	$(FLASK) bootstrap-admin

## The whole suite, on SQLite and on PostgreSQL
test:
	scripts/ensure-system.sh test
	scripts/ensure-venv.sh requirements-dev.txt
	scripts/ensure-postgres.sh
	scripts/ensure-node-deps.sh
	$(VENV)/bin/ruff check .
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql

test-sqlite:
	$(PYTEST) --db sqlite $(PYTEST_ARGS)

test-postgresql:
	$(PYTEST) --db postgresql $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Benchmarks (not tests): run bench/bench_*.py and write docs/performance.md
bench:
	scripts/ensure-bench.sh
	scripts/ensure-venv.sh requirements-dev.txt
	scripts/ensure-postgres.sh
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

## The same with less data and shorter loads: under 3 minutes
bench-quick:
	scripts/ensure-bench.sh
	scripts/ensure-venv.sh requirements-dev.txt
	scripts/ensure-postgres.sh
	$(VENV)/bin/python -m bench.run --quick $(BENCH_ARGS)
