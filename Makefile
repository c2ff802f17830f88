# One set of commands for developers and CI (.ci/run calls `make test`).
PYTHON ?= python3
VENV := .venv
POSTGRES_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: help install install-test browser serve test test-sqlite test-postgres lint bench migrate check

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

install: $(VENV)/bin/python  ## install the package
	$(VENV)/bin/pip install --quiet -e .

install-test: $(VENV)/bin/python  ## install the package with test dependencies
	$(VENV)/bin/pip install --quiet -e '.[test]'

browser:  ## install Debian's chromium for the browser tests (Playwright never downloads one here)
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

serve: install  ## create, migrate and load the database on first start, then serve on :8000
	$(VENV)/bin/registry serve

migrate: install  ## migrate the database to the newest schema
	$(VENV)/bin/registry db upgrade

# The two suites run side by side (each pytest uses one core; the machine has two); each one's output
# is printed whole when it ends, and `make` fails if either fails.
test: install-test browser  ## run every test on SQLite and on PostgreSQL (both at once)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	$(VENV)/bin/pytest

test-postgres:
	REGISTRY_TEST_DATABASE_URL=$(POSTGRES_TEST_URL) $(VENV)/bin/pytest

lint:  ## ruff and mypy
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	$(VENV)/bin/ruff check registry tests benchmarks
	$(VENV)/bin/mypy registry

bench: install-test browser  ## run every benchmark (prints figures and ratios against in-run baselines)
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

check: lint test  ## everything CI checks
